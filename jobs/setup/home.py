"""The set-up's part of App Home, shown to workspace admins and owners only: the buttons
(set up the department, choose approvers, channel names) and what the last set-up did."""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError

from jobs.runtime import Runtime
from jobs.slack.blocks import button, context, header
from jobs.slack.text import md, mrkdwn_text
from jobs.workspace import workspace_settings

SET_UP = "setup-workspace"  # the button's action_id (handlers/setup.py)
CHOOSE_APPROVERS = "setup-approvers"  # the button's action_id and the form's callback_id
CHANNEL_NAMES = "setup-channels"  # the button's action_id and the form's callback_id
REPORT_LINES = 40


def setup_blocks(rt: Runtime, team_id: str, user_id: str) -> list[dict[str, Any]]:
    """The set-up section for an admin; nothing for anyone else (or when Slack cannot say)."""
    try:
        if not rt.people.is_admin(team_id, user_id):
            return []
    except (SlackApiError, OSError):  # Slack cannot say: no admin part
        return []
    found = workspace_settings(rt, team_id)
    if found.setup_at is None:
        report = [context("Not set up yet: the department's channels, topics and welcome.")]
    else:
        lines = "\n".join(f"• {line}" for line in found.setup_report[:REPORT_LINES])
        when = found.setup_at.strftime("%Y-%m-%d %H:%M UTC")
        text = md("*Last set-up* ({when})\n{lines}", when=when, lines=lines)
        report = [{"type": "section", "text": mrkdwn_text(text.cut(3000))}]
    buttons = {
        "type": "actions",
        "block_id": "setup",
        "elements": [
            button("Set up the department", SET_UP, team_id, "primary"),
            button("Choose approvers", CHOOSE_APPROVERS, team_id),
            button("Channel names", CHANNEL_NAMES, team_id),
        ],
    }
    return [header("Set-up (admins)"), buttons, *report, {"type": "divider"}]
