"""Thin Slack listeners: validate, persist, enqueue, ack. Never a call to Claude."""

from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient

from bots.approvers import ApprovalConfig
from handlers import actions, approvals, commands, events, home
from handlers.intake import Intake


def register(app: App, intake: Intake, approvers: ApprovalConfig, lookup: WebClient) -> None:
    """Attach every listener and middleware to the Bolt app. `lookup` asks Slack who is
    clicking (users.info, usergroups.users.list) without waiting out rate limits."""
    events.register(app, intake)
    commands.register(app)
    actions.register(app, intake, approvers, lookup)
    approvals.register(app, intake, approvers, lookup)
    home.register(app, intake)
