"""Thin Slack listeners: validate, persist, enqueue, ack. Never a call to Claude."""

from __future__ import annotations

from slack_bolt import App

from bots.approvers import ApprovalConfig
from handlers import actions, approvals, campaign_cards, commands, events, home
from handlers.campaign_actions import CampaignActions, CampaignsNotYet
from handlers.campaign_plan_edits import PlanEdits
from handlers.context import Services
from handlers.intake import Intake
from jobs.slack.people import People


def register(
    app: App,
    intake: Intake,
    approvers: ApprovalConfig,
    lookup: People,
    campaigns: CampaignActions | None = None,
    plan_edits: PlanEdits | None = None,
) -> None:
    """Attach every listener and middleware to the Bolt app. `lookup` asks Slack who is
    clicking (users.info, usergroups.users.list, cached per team) without waiting out 429s.
    `campaigns` is what `/campaign` does (until the engine is wired in: `CampaignsNotYet`);
    `plan_edits` what the card's Edit button does (until then: it says editing is off).
    The jobs the listeners enqueue are resolved where they run: the worker's start-up
    (jobs.runtime.build_runtime) stops on a renamed one; the app never imports them."""
    found = Services(intake, approvers, lookup, campaigns or CampaignsNotYet(), plan_edits)
    app.use(found.provide)
    events.register(app)
    commands.register(app)
    actions.register(app)
    approvals.register(app)
    campaign_cards.register(app)
    home.register(app)
