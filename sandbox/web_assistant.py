"""The sandbox page's assistant pane and message shortcut, as Slack delivers them to the app.

- Opening the pane starts an assistant thread: Slack puts a thread root in the person's DM
  with the app and sends `assistant_thread_started` (with the channel the person is viewing
  as the thread's context). The page then shows what the app set: the greeting in the thread
  and the suggested prompts (`assistant.threads.setSuggestedPrompts`, kept per thread by
  `sandbox/slack_assistant.py`). A prompt clicked is a message in that thread.
- A message shortcut ("…" → "Send to the department") is a signed `message_action`
  interaction with a live trigger id, the message and a `response_url`.
"""

from __future__ import annotations

import time
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from sandbox.slack_api import SlackStandIn
from sandbox.slack_interactions import _user

if TYPE_CHECKING:
    from sandbox.web_server import Workspace

Payload = dict[str, Any]
ROOT_TEXT = "New assistant thread"


def assistant_thread_started_event(
    *, user: str, channel: str, thread_ts: str, team: str, viewing: str | None
) -> Payload:
    """`assistant_thread_started` as Slack sends it; `viewing` is the context channel."""
    return {
        "type": "assistant_thread_started",
        "assistant_thread": {
            "user_id": user,
            "context": {"channel_id": viewing, "team_id": team, "enterprise_id": None},
            "channel_id": channel,
            "thread_ts": thread_ts,
        },
        "event_ts": f"{time.time():.6f}",
    }


def open_assistant(web: Workspace, user: str, viewing: str | None) -> Payload:
    """The person opened the assistant pane: a new thread in their DM with the app."""
    dm = next((c for c in web.channels if c.is_im and c.user == user), None)
    if dm is None:
        return {"ok": False, "error": "user_not_found"}
    ws = web.slack.workspace
    ts = ws.next_ts()
    root = {
        "type": "message",
        "subtype": "assistant_app_thread",
        "user": web.bot_user_id,
        "bot_id": ws.identity.bot_id,
        "text": ROOT_TEXT,
        "ts": ts,
        "assistant_app_thread": {"title": "", "first_user_thread_reply": ""},
    }
    with ws.lock:
        ws.store_message(dm.id, root)
        ws.assistant[(dm.id, ts)] = {"title": "", "prompts": [], "prompts_title": "", "user": user}
    event = assistant_thread_started_event(
        user=user, channel=dm.id, thread_ts=ts, team=web.team_id, viewing=viewing
    )
    response = web.sender.send_event(event)
    if response.status != HTTPStatus.OK:
        return {"ok": False, "error": f"the app answered HTTP {response.status}"}
    return {"ok": True, "channel": dm.id, "thread_ts": ts}


def assistant_state(web: Workspace, user: str) -> Payload:
    """The person's latest assistant thread: where it is, its title and suggested prompts."""
    ws = web.slack.workspace
    with ws.lock:
        mine = [(key, pane) for key, pane in ws.assistant.items() if pane.get("user") == user]
    if not mine:
        return {"ok": True, "thread": None}
    (channel, thread_ts), pane = max(mine, key=lambda item: float(item[0][1]))
    thread = {"channel": channel, "thread_ts": thread_ts} | {
        k: pane[k] for k in ("title", "prompts", "prompts_title")
    }
    return {"ok": True, "thread": thread}


def message_action_payload(
    slack: SlackStandIn,
    user: str,
    channel_id: str,
    message_ts: str,
    callback_id: str,
    *,
    team_id: str | None = None,
) -> Payload | None:
    """Slack's `message_action` payload for a shortcut chosen on a stored message (in
    workspace `team_id`; default: the stand-in's first)."""
    ws = slack.workspace_of(team_id)
    team = ws.identity.team_id
    messages = slack.messages(channel_id, team=team_id)
    message = next((m for m in messages if m["ts"] == message_ts), None)
    if message is None:
        return None
    return {
        "type": "message_action",
        "token": "sandbox-verification-token",
        "action_ts": f"{time.time():.6f}",
        "team": {"id": team, "domain": "sandbox"},
        "user": _user(ws, user, team),
        "channel": {"id": channel_id, "name": ws.channels.get(channel_id, {}).get("name")},
        "is_enterprise_install": False,
        "callback_id": callback_id,
        "trigger_id": ws.views.issue_trigger(user),
        "message_ts": message_ts,
        "message": message,
        "response_url": f"{slack.url.removesuffix('/api/')}/response/{channel_id}/{message_ts}",
    }


def message_action(
    web: Workspace, user: str, channel_id: str, message_ts: str, callback_id: str
) -> Payload:
    """A message shortcut chosen on a message in the page: the payload, signed and sent."""
    if not any(p.id == user for p in web.people):
        return {"ok": False, "error": "user_not_found"}
    payload = message_action_payload(web.slack, user, channel_id, message_ts, callback_id)
    if payload is None:
        return {"ok": False, "error": "message_not_found"}
    response = web.sender.send_interaction(payload)
    if response.status != HTTPStatus.OK:
        return {"ok": False, "error": f"the app answered HTTP {response.status}"}
    return {"ok": True}
