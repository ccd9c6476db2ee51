"""Thin Slack listeners: validate, persist, enqueue, ack. Never a call to Claude."""

from __future__ import annotations

from collections.abc import Sequence

from slack_bolt import App

import logs
from bots.approvers import ApprovalConfig, decided_by_people
from bots.authority import load_authority
from bots.roster import Roster, load_roster
from handlers import (
    actions,
    approvals,
    assistant,
    campaign_cards,
    commands,
    events,
    home,
    standup,
    standup_buttons,
)
from handlers.campaign_actions import CampaignActions, CampaignsNotYet
from handlers.campaign_plan_edits import PlanEdits
from handlers.context import Services
from handlers.intake import Intake
from handlers.setup import SetupButtons
from handlers.shortcuts import SendToDepartment
from handlers.standup_actions import RitualControl
from jobs.slack.people import People


def register(
    app: App,
    intake: Intake,
    approvers: ApprovalConfig,
    lookup: People,
    rituals: RitualControl,
    campaigns: CampaignActions | None = None,
    plan_edits: PlanEdits | None = None,
    roster: Roster | None = None,
    channels: Sequence[str] = (),
) -> Services:
    """Attach every listener and middleware to the Bolt app. `lookup` asks Slack who is
    clicking (users.info, usergroups.users.list, cached per team) without waiting out 429s.
    `rituals` is what `/standup` does; `campaigns` what `/campaign` does (until the engine
    is wired in: `CampaignsNotYet`); `plan_edits` what the card's Edit button does (until
    then: it says editing is off); `roster` what the message shortcut offers (the default
    roster file when not given); `channels` the department's channels by default name, which
    the set-up's channel-names form offers (`jobs.setup.channel_names`).
    The jobs the listeners enqueue are resolved where they run: the worker's start-up
    (jobs.runtime.build_runtime) stops on a renamed one; the app never imports them."""
    campaign_actions = campaigns or CampaignsNotYet()
    found = Services(intake, approvers, lookup, campaign_actions, rituals, plan_edits)
    app.use(logs.bolt_middleware)  # every line a listener logs carries the request's ids
    app.use(found.provide)
    assistant.register(app)  # before events: it takes DM thread messages (the pane's threads)
    events.register(app)
    commands.register(app)
    actions.register(app)
    approvals.register(app)
    campaign_cards.register(app)
    home.register(app)
    standup_buttons.register(app)
    standup.register(app)
    SendToDepartment(roster or load_roster()).register(app)
    types = tuple(decided_by_people(load_authority().approval_types))
    SetupButtons(types, tuple(channels)).register(app)
    return found  # what agents' own apps share (handlers/agent_apps.py)
