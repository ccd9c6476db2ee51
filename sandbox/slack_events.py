"""Event payloads shaped like the ones Slack delivers for what people write.

Used with `sandbox.signing.SlackRequestSender.send_event` (which re-exports these builders) so
handler tests feed the Bolt app the same fields it sees in production: rich_text blocks,
client_msg_id, event_ts, channel_type.
"""

from __future__ import annotations

import re
import secrets
import time
import uuid
from typing import Any

_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def _rich_text_blocks(text: str) -> list[dict[str, Any]]:
    """The rich_text block Slack attaches to a person's message, with user mentions split out."""
    elements: list[dict[str, Any]] = []
    position = 0
    for mention in _USER_MENTION.finditer(text):
        if mention.start() > position:
            elements.append({"type": "text", "text": text[position : mention.start()]})
        elements.append({"type": "user", "user_id": mention.group(1)})
        position = mention.end()
    if position < len(text):
        elements.append({"type": "text", "text": text[position:]})
    section = {"type": "rich_text_section", "elements": elements}
    return [{"type": "rich_text", "block_id": secrets.token_hex(3), "elements": [section]}]


def _person_message(
    event_type: str,
    *,
    user: str,
    channel: str,
    text: str,
    ts: str,
    thread_ts: str | None,
    team: str,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": event_type,
        "user": user,
        "text": text,
        "ts": ts,
        "client_msg_id": str(uuid.uuid4()),
        "team": team,
        "blocks": _rich_text_blocks(text),
        "channel": channel,
        "event_ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def app_mention_event(
    *,
    user: str,
    channel: str,
    text: str,
    ts: str,
    thread_ts: str | None = None,
    team: str = "T0TEST",
) -> dict[str, Any]:
    """An `app_mention` event as Slack delivers it when someone @-mentions the bot."""
    return _person_message(
        "app_mention", user=user, channel=channel, text=text, ts=ts, thread_ts=thread_ts, team=team
    )


def im_message_event(
    *,
    user: str,
    channel: str,
    text: str,
    ts: str,
    thread_ts: str | None = None,
    team: str = "T0TEST",
) -> dict[str, Any]:
    """A `message` event from a person's DM with the bot (`channel_type` "im")."""
    return channel_message_event(
        user=user,
        channel=channel,
        text=text,
        ts=ts,
        thread_ts=thread_ts,
        team=team,
        channel_type="im",
    )


def channel_message_event(
    *,
    user: str,
    channel: str,
    text: str,
    ts: str,
    thread_ts: str | None = None,
    team: str = "T0TEST",
    channel_type: str = "channel",
) -> dict[str, Any]:
    """A `message` event from a channel (e.g. a thread follow-up without an @-mention)."""
    event = _person_message(
        "message", user=user, channel=channel, text=text, ts=ts, thread_ts=thread_ts, team=team
    )
    event["channel_type"] = channel_type
    return event


def app_home_opened_event(*, user: str, channel: str, tab: str = "home") -> dict[str, Any]:
    """`app_home_opened` as Slack sends it when a person opens the app's Home (or Messages)
    tab; `channel` is the person's DM with the app."""
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": channel,
        "tab": tab,
        "event_ts": f"{time.time():.6f}",
    }
