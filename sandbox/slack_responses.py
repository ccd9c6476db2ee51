"""Answers to a slash command, as Slack shows them: the command's ack body or its response_url.

A slash command's answer reaches Slack two ways, and Bolt apps use both: the HTTP body of the
ack (`ack(text=…)`) within 3 s, or a POST to the command's `response_url` later (`respond`).
Either is ephemeral ("Only visible to you", for the person who typed it) unless it says
`response_type: in_channel`, which posts it in the channel for everyone. Slack honours a
response_url for 30 minutes and 5 answers; so does the stand-in.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sandbox.slack_methods import SlackMethodError, chat_post_ephemeral, chat_post_message
from sandbox.slack_workspace import Workspace

RESPONSE_PATH = "/response/"
RESPONSE_URL_TTL_S = 30 * 60  # Slack: a response_url works for 30 minutes
RESPONSE_URL_USES = 5  # … and for up to 5 answers


@dataclass(frozen=True)
class Shown:
    """Where an answer landed, for the page's change feed."""

    kind: str  # ephemeral | message
    channel: str
    ts: str


@dataclass
class _Hook:
    channel: str
    user: str
    expires_at: float  # time.monotonic()
    uses_left: int = RESPONSE_URL_USES


@dataclass
class ResponseUrls:
    """The live response_urls of the workspace: who typed the command, and where."""

    _hooks: dict[str, _Hook] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self, channel: str, user: str) -> str:
        """A new hook id for a command `user` typed in `channel` (the URL's last part)."""
        hook_id = secrets.token_urlsafe(18)
        with self._lock:
            self._hooks[hook_id] = _Hook(channel, user, time.monotonic() + RESPONSE_URL_TTL_S)
        return hook_id

    def take(self, hook_id: str) -> _Hook | None:
        """The hook, counting one use; None once it expired or was used up (Slack: 404)."""
        with self._lock:
            hook = self._hooks.get(hook_id)
            if hook is None or hook.expires_at < time.monotonic() or hook.uses_left <= 0:
                return None
            hook.uses_left -= 1
            return hook


def show_answer(ws: Workspace, channel: str, user: str, answer: dict[str, Any]) -> Shown:
    """Show a command's answer: to `user` alone, or in the channel with `in_channel`.

    Raises `SlackMethodError` for what Slack would refuse (no text nor blocks, bad blocks).
    """
    content = {k: answer[k] for k in ("text", "blocks") if answer.get(k) is not None}
    if not content:
        raise SlackMethodError("no_text")
    with ws.lock:
        if answer.get("response_type") == "in_channel":
            posted = chat_post_message(ws, {"channel": channel, **content})
            return Shown("message", channel, str(posted["ts"]))
        shown = chat_post_ephemeral(ws, {"channel": channel, "user": user, **content})
        return Shown("ephemeral", channel, str(shown["message_ts"]))
