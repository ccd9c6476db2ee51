"""A slash command typed in the page, delivered to the app as Slack delivers it.

Slack posts the command form-encoded and signed, with a trigger_id (good for views.open for
3 s) and a response_url; whatever the app puts in its ack body is shown at once (ephemeral
unless `response_type: in_channel`), and later answers arrive on the response_url
(`sandbox.slack_responses`). A command Slack does not know never reaches the app.
"""

from __future__ import annotations

import json
import logging
import re
from http import HTTPStatus
from typing import Any

from sandbox.signing import SlackRequestSender
from sandbox.slack_api import SlackStandIn
from sandbox.slack_methods import SlackMethodError

logger = logging.getLogger(__name__)

COMMAND = re.compile(r"(/[A-Za-z0-9_.-]+)(?:\s+(.*))?", re.S)


def split_command(text: str) -> tuple[str, str] | None:
    """`/campaign launch …` → ("/campaign", "launch …"); None when it is no command."""
    match = COMMAND.fullmatch(text.strip())
    if match is None:
        return None
    return match.group(1).lower(), (match.group(2) or "").strip()


def deliver_command(
    slack: SlackStandIn,
    sender: SlackRequestSender,
    *,
    user: str,
    channel: str,
    command: str,
    text: str,
) -> dict[str, Any]:
    """Send the signed command, then show the ack body's answer as Slack would."""
    workspace = slack.workspace
    response = sender.send_command(
        command,
        text,
        user_id=user,
        channel_id=channel,
        channel_name=str(workspace.channels.get(channel, {}).get("name") or "directmessage"),
        user_name=str(workspace.users.get(user, {}).get("name") or user),
        trigger_id=workspace.views.issue_trigger(user),
        response_url=slack.response_url(channel, user),
    )
    if response.status != HTTPStatus.OK:
        # What Slack itself tells the person when the app fails to answer.
        logger.warning("App answered %s to %s", response.status, command)
        failed = f'{command} failed with the error "http_service_error" (HTTP {response.status})'
        slack.show_command_answer(channel, user, {"text": failed})
        return {"ok": True}
    answer = _ack_body(response.body)
    if answer:
        try:
            slack.show_command_answer(channel, user, answer)
        except SlackMethodError as refused:
            return {"ok": False, "error": f"the app's answer was refused: {refused.error}"}
    return {"ok": True}


def _ack_body(body: bytes) -> dict[str, Any]:
    """The ack's answer: Bolt sends JSON, or plain text for `ack("…")`; empty shows nothing."""
    if not body.strip():
        return {}
    try:
        decoded = json.loads(body)
    except ValueError:
        return {"text": body.decode("utf-8", errors="replace")}
    return decoded if isinstance(decoded, dict) else {"text": str(decoded)}
