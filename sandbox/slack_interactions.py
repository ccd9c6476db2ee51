"""Interactivity payloads exactly as Slack sends them: button clicks (`block_actions`), modal
submissions (`view_submission`) and closes (`view_closed`), and what Slack does with the app's
answer to a submission (`response_action`).
"""

from __future__ import annotations

import copy
import json
import time
from typing import Any

from sandbox.slack_api import SlackStandIn
from sandbox.slack_view_store import View
from sandbox.slack_views import checked_view, store_view
from sandbox.slack_workspace import Workspace

Payload = dict[str, Any]


def _user(workspace: Workspace, user_id: str, team_id: str) -> dict[str, Any]:
    name = str(workspace.users.get(user_id, {}).get("name", user_id))
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _action(action: dict[str, Any]) -> dict[str, Any]:
    """One entry of `actions`: what was clicked or chosen, stamped like Slack stamps it."""
    shown = {k: v for k, v in action.items() if k in ("action_id", "block_id", "type", "value")}
    if action.get("selected_option") is not None:
        shown["selected_option"] = action["selected_option"]
    return shown | {"action_ts": f"{time.time():.6f}"}


def block_actions(
    slack: SlackStandIn,
    *,
    user: str,
    action: dict[str, Any],
    channel: str | None = None,
    message_ts: str | None = None,
    view_id: str | None = None,
    api_app_id: str = "A0SANDBOX",
    team: str | None = None,
) -> Payload:
    """A click in a message (channel + message_ts) or in a modal / Home tab (view_id), in
    workspace `team` (default: the stand-in's first)."""
    workspace = slack.workspace_of(team)
    team = workspace.identity.team_id
    payload: Payload = {
        "type": "block_actions",
        "team": {"id": team, "domain": "sandbox"},
        "user": _user(workspace, user, team),
        "api_app_id": api_app_id,
        "token": "sandbox-verification-token",
        "trigger_id": workspace.views.issue_trigger(user),
        "actions": [_action(action)],
    }
    if view_id is not None:
        view = workspace.views.views.get(view_id)
        payload["container"] = {"type": "view", "view_id": view_id}
        payload["view"] = copy.deepcopy(view)
        return payload
    messages = slack.messages(channel or "", team=team)
    message = next((m for m in messages if m["ts"] == message_ts), None)
    payload["container"] = {
        "type": "message",
        "message_ts": message_ts,
        "channel_id": channel,
        "is_ephemeral": False,
    }
    payload["channel"] = {
        "id": channel,
        "name": workspace.channels.get(channel or "", {}).get("name"),
    }
    payload["message"] = message
    payload["response_url"] = f"{slack.url.removesuffix('/api/')}/response/{channel}/{message_ts}"
    return payload


def view_submission(
    slack: SlackStandIn,
    *,
    user: str,
    view: View,
    values: dict[str, Any],
    api_app_id: str = "A0SANDBOX",
    team: str | None = None,
) -> Payload:
    workspace = slack.workspace_of(team)
    team = workspace.identity.team_id
    submitted = copy.deepcopy(view) | {"state": {"values": values}}
    return {
        "type": "view_submission",
        "team": {"id": team, "domain": "sandbox"},
        "user": _user(workspace, user, team),
        "api_app_id": api_app_id,
        "token": "sandbox-verification-token",
        "trigger_id": workspace.views.issue_trigger(user),
        "view": submitted,
        "response_urls": [],
    }


def view_closed(slack: SlackStandIn, *, user: str, view: View, cleared: bool = False) -> Payload:
    workspace = slack.workspace
    team = workspace.identity.team_id
    return {
        "type": "view_closed",
        "team": {"id": team, "domain": "sandbox"},
        "user": _user(workspace, user, team),
        "api_app_id": "A0SANDBOX",
        "token": "sandbox-verification-token",
        "view": copy.deepcopy(view),
        "is_cleared": cleared,  # the whole stack closed at once, not one view
    }


def apply_submission_answer(slack: SlackStandIn, user: str, view_id: str, body: bytes) -> Payload:
    """Do what Slack does with the app's HTTP answer to a submission.

    Empty: the modal closes. `errors`: it stays open with the messages under the inputs.
    `update` / `push`: the modal is replaced / another is stacked on it. `clear`: all close.
    """
    answer: dict[str, Any] = {}
    if body.strip():
        try:
            answer = json.loads(body)
        except ValueError:
            answer = {}
    store = slack.workspace.views
    action = answer.get("response_action")
    if action == "errors":
        return {"ok": False, "errors": answer.get("errors") or {}}
    with store.lock:
        if action == "clear":
            store.clear(user)
        elif action in ("update", "push"):
            view = checked_view({"view": answer.get("view")}, "modal")
            stack = store.stacks.setdefault(user, [])
            if action == "update":
                store.close(user, view_id)
            new = store_view(
                store,
                view,
                user,
                slack.workspace.identity.team_id,
                root=stack[0] if stack else None,
            )
            stack.append(new["id"])
        else:
            store.close(user, view_id)
    slack.note_views_changed(user)
    return {"ok": True}
