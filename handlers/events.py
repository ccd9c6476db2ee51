"""Listeners for messages addressed to the department: mentions, DMs, thread follow-ups."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import App, BoltContext

from handlers.agent_bots import agent_bots
from handlers.context import services
from handlers.welcome import greet_newcomer
from jobs.slack.text import from_slack
from models.turns import InboundMessage

_USER_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
# Message subtypes that are a person saying something new; edits, joins, bot posts are not.
_PERSON_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})


def register(app: App) -> None:
    app.event("app_mention")(handle_app_mention)
    app.event("message")(handle_message)


def handle_app_mention(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
    if _is_from_person(event):
        services(context).intake.accept(_inbound(body, event, context, source="app_mention"))


def handle_message(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
    if not _is_from_person(event):
        return
    intake = services(context).intake
    if event.get("channel_type") == "im":
        accept_direct_message(body, event, context, source="message.im")
        return
    thread_ts = event.get("thread_ts")
    mentions = set(_USER_MENTION.findall(event.get("text") or ""))
    if thread_ts is None or mentions:
        # Top-level chatter is not for us; a mention of us arrives as app_mention, and a
        # message naming someone else is addressed to them.
        return
    team_id = _team_id(body, event, context)
    if intake.in_conversation(team_id, event["channel"], thread_ts):
        intake.accept(_inbound(body, event, context, source="message.thread"))


def accept_direct_message(
    body: dict[str, Any], event: dict[str, Any], context: BoltContext, *, source: str
) -> None:
    """A person's DM (or assistant-pane message): a turn, and the welcome if it is their first
    (in a DM with the department's app: an agent's own app does not speak for the CMO)."""
    message = _inbound(body, event, context, source=source)
    bots = agent_bots(context)
    if bots is None or bots.own is None:
        greet_newcomer(context, message.team_id, message.user_id, message.channel_id, "dm")
    services(context).intake.accept(message)


def _is_from_person(event: dict[str, Any]) -> bool:
    return (
        event.get("subtype") in _PERSON_SUBTYPES
        and not event.get("bot_id")
        and bool(event.get("user"))
    )


def _team_id(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> str:
    return str(context.team_id or body.get("team_id") or event.get("team") or "")


def _inbound(
    body: dict[str, Any], event: dict[str, Any], context: BoltContext, *, source: str
) -> InboundMessage:
    text = event.get("text") or ""
    is_dm = event.get("channel_type") == "im"
    bots = agent_bots(context)  # one Slack app per agent (handlers/agent_apps.py)
    addressed = bots.addressed(text, is_dm=is_dm) if bots is not None else None
    if bots is not None:
        text = bots.named(text)
    if context.bot_user_id:
        text = re.sub(rf"<@{re.escape(context.bot_user_id)}(?:\|[^>]*)?>", "", text)
    return InboundMessage(
        team_id=_team_id(body, event, context),
        event_id=str(body.get("event_id") or f"{event['channel']}:{event['ts']}"),
        source=source,
        channel_id=event["channel"],
        is_dm=is_dm,
        thread_ts=event.get("thread_ts") or event["ts"],
        message_ts=event["ts"],
        user_id=event["user"],
        text=from_slack(text).strip() or "(no text)",
        agent_id=addressed,
    )
