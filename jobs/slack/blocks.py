"""Block Kit pieces the department's cards and views share (buttons, context lines).

Buttons and headers are plain_text: Slack parses no markup in them, so they take raw text
and are not escaped (escaping would show `&amp;`). Context lines are mrkdwn: raw text is
escaped, `Mrkdwn` built with `jobs.slack.text` goes as it is."""

from __future__ import annotations

from typing import Any

from jobs.slack.text import Text, as_mrkdwn


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


def context(text: Text) -> dict[str, Any]:
    """A small grey line (Slack allows 3,000 characters in it)."""
    shown = as_mrkdwn(text).cut(3000).text
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": shown}]}


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150]}}
