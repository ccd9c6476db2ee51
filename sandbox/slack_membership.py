"""Which conversations the bot is in, as Slack enforces it without `chat:write.public`.

A private channel the bot is not in does not exist for it (`channel_not_found`); a public one
it is not in can be described but not posted to or read (`not_in_channel`) until it joins
with `conversations.join`, which works for public channels only.
"""

from __future__ import annotations

import copy
from typing import Any

from sandbox.slack_workspace import Workspace


class NotVisible(Exception):
    """The Slack error code for a conversation the bot may not use this way."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def check_visible(ws: Workspace, channel_id: str) -> None:
    """A private channel the bot is not a member of answers as if it did not exist."""
    channel = ws.channels[channel_id]
    if channel["is_private"] and not channel["is_member"]:
        raise NotVisible("channel_not_found")


def check_member(ws: Workspace, channel_id: str) -> None:
    """Posting and reading history need membership (real Slack's `not_in_channel`)."""
    check_visible(ws, channel_id)
    if not ws.channels[channel_id]["is_member"]:
        raise NotVisible("not_in_channel")


def join(ws: Workspace, channel_id: str) -> dict[str, Any]:
    """`conversations.join`: public channels only; joining twice warns, as Slack does."""
    check_visible(ws, channel_id)
    channel = ws.channels[channel_id]
    if channel["is_im"] or channel["is_private"]:
        raise NotVisible("method_not_supported_for_channel_type")
    payload: dict[str, Any] = {}
    with ws.lock:
        if channel["is_member"]:
            payload["warning"] = "already_in_channel"
        channel["is_member"] = True
        payload["channel"] = copy.deepcopy(channel)
    return payload
