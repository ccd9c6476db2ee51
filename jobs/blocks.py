"""Block Kit pieces the department's cards and views share (buttons, context lines)."""

from __future__ import annotations

from typing import Any


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    """A button whose `value` is the record it acts on (primary / danger `style`)."""
    made: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }
    if style:
        made["style"] = style
    return made


def context(text: str) -> dict[str, Any]:
    """A small grey line (Slack allows 3,000 characters in it)."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:3000]}]}


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150]}}
