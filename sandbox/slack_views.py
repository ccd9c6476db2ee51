"""Slack's views methods as the stand-in answers them: modals (open, update, push) and the
App Home tab (publish), with the limits Slack enforces.

Opening a modal needs a `trigger_id` that Slack issues with an interaction and that expires
3 seconds later; the browser sandbox issues them (`issue_trigger`) when a person clicks, so an
app that takes too long to open its modal fails here as it would in Slack.
"""

from __future__ import annotations

import copy
import secrets
import time

from sandbox.block_kit import validate_blocks
from sandbox.slack_methods import Args, MethodHandler, Payload, SlackMethodError
from sandbox.slack_view_store import View, ViewStore
from sandbox.slack_workspace import Workspace

MAX_VIEW_BLOCKS = 100
MAX_MODAL_TITLE_CHARS = 24
MAX_PRIVATE_METADATA_CHARS = 3_000
MAX_MODAL_STACK = 3  # views.push refuses a fourth modal (push_limit_reached)


def checked_view(args: Args, kind: str) -> View:
    view = args.get("view")
    if not isinstance(view, dict):
        raise SlackMethodError("invalid_arguments", ["[ERROR] missing required field: view"])
    if view.get("type") != kind:
        raise SlackMethodError("invalid_arguments", [f"[ERROR] view type must be {kind}"])
    problems = validate_blocks(view.get("blocks"), MAX_VIEW_BLOCKS)
    if kind == "modal":
        problems += _modal_problems(view)
    if len(str(view.get("private_metadata") or "")) > MAX_PRIVATE_METADATA_CHARS:
        problems.append(
            "[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]"
        )
    if problems:
        raise SlackMethodError("invalid_arguments", problems)
    return copy.deepcopy(view)


def _modal_problems(view: View) -> list[str]:
    problems = []
    for key, limit in (("title", MAX_MODAL_TITLE_CHARS), ("submit", 24), ("close", 24)):
        text_object = view.get(key)
        if text_object is None and key != "title":
            continue
        if not isinstance(text_object, dict) or text_object.get("type") != "plain_text":
            problems.append(f"[ERROR] must be a plain_text object [json-pointer:/view/{key}]")
        elif not 0 < len(str(text_object.get("text", ""))) <= limit:
            problems.append(f"[ERROR] must be 1 to {limit} characters [json-pointer:/view/{key}]")
    has_input = any(
        isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks", [])
    )
    if has_input and "submit" not in view:
        problems.append("[ERROR] a view with input blocks needs submit [json-pointer:/view/submit]")
    return problems


def store_view(store: ViewStore, view: View, user: str, team: str, root: str | None = None) -> View:
    view_id = "V" + secrets.token_hex(5).upper()
    view |= {
        "id": view_id,
        "team_id": team,
        "user": user,
        "hash": secrets.token_hex(8),
        "root_view_id": root or view_id,
        "state": {"values": {}},
        "app_id": "A0SANDBOX",
        "bot_id": "B0BOT",
    }
    store.views[view_id] = view
    return view


def _take_trigger(store: ViewStore, args: Args) -> str:
    trigger = args.get("trigger_id")
    if not trigger:
        raise SlackMethodError("invalid_arguments", ["[ERROR] missing required field: trigger_id"])
    entry = store.triggers.pop(str(trigger), None)
    if entry is None:
        raise SlackMethodError("invalid_trigger_id")
    user, expires = entry
    if time.monotonic() > expires:
        raise SlackMethodError("expired_trigger_id")
    return user


def views_open(ws: Workspace, args: Args) -> Payload:
    store = ws.views
    view = checked_view(args, "modal")
    with store.lock:
        user = _take_trigger(store, args)
        opened = store_view(store, view, user, ws.identity.team_id)
        store.stacks[user] = [opened["id"]]
        return {"view": copy.deepcopy(opened)}


def views_push(ws: Workspace, args: Args) -> Payload:
    store = ws.views
    view = checked_view(args, "modal")
    with store.lock:
        user = _take_trigger(store, args)
        stack = store.stacks.get(user, [])
        if not stack:
            raise SlackMethodError("not_found")
        if len(stack) >= MAX_MODAL_STACK:
            raise SlackMethodError("push_limit_reached")
        pushed = store_view(store, view, user, ws.identity.team_id, root=stack[0])
        stack.append(pushed["id"])
        return {"view": copy.deepcopy(pushed)}


def views_update(ws: Workspace, args: Args) -> Payload:
    store = ws.views
    view = checked_view(args, "modal")
    view_id = str(args.get("view_id") or "")
    with store.lock:
        current = store.views.get(view_id)
        if current is None or view_id not in store.stacks.get(str(current["user"]), []):
            raise SlackMethodError("not_found")
        if args.get("hash") and args["hash"] != current["hash"]:
            raise SlackMethodError("hash_conflict")
        keep = {
            k: current[k] for k in ("id", "team_id", "user", "root_view_id", "app_id", "bot_id")
        }
        updated = view | keep | {"hash": secrets.token_hex(8), "state": {"values": {}}}
        store.views[view_id] = updated
        return {"view": copy.deepcopy(updated)}


def views_publish(ws: Workspace, args: Args) -> Payload:
    store = ws.views
    user = str(args.get("user_id") or "")
    if not user:
        raise SlackMethodError("invalid_arguments", ["[ERROR] missing required field: user_id"])
    if not ws.knows_user(user):
        raise SlackMethodError("user_not_found")
    view = checked_view(args, "home")
    with store.lock:
        published = store_view(store, view, user, ws.identity.team_id)
        old = store.homes.get(user)
        if old:
            store.views.pop(old, None)
        store.homes[user] = published["id"]
        return {"view": copy.deepcopy(published)}


VIEW_METHODS: dict[str, MethodHandler] = {
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
    "views.publish": views_publish,
}
