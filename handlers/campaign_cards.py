"""The campaign card's buttons: Approve plan, Edit, Cancel. Thin listeners: who may, one
guarded transition, then jobs (an engine pass; the card's edit). Every refusal is an
ephemeral to the person who clicked, naming who can."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from sqlalchemy.orm import Session

from bots.approvers import CAMPAIGN_PLAN
from handlers.campaign_access import CampaignAccess
from handlers.campaign_forms import answer_view
from handlers.campaign_plan_form import PLAN_FORM
from handlers.context import services
from jobs.campaigns.cards import ACTIONS
from jobs.queue import ADVANCE_CAMPAIGN, CAMPAIGN_CARD
from jobs.slack.text import Mrkdwn
from models import campaigns
from models.db import write_guard

EDIT_NOT_YET = (
    "Editing a plan is not switched on here. Nothing changed: cancel this campaign "
    "and run `/campaign` again with the brief changed, or approve the plan as it is."
)
FORM_FAILED = "Slack did not open the plan's form. Nothing changed: press Edit again."
logger = logging.getLogger(__name__)


def register(app: App) -> None:
    app.action(ACTIONS["approve"])(handle_approve_plan)
    app.action(ACTIONS["cancel"])(handle_cancel)
    app.action(ACTIONS["edit"])(handle_edit)
    app.view(PLAN_FORM)(handle_plan_form)


def handle_approve_plan(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """planned → running, once; the engine's first pass starts the first phase."""
    ack()
    team_id, campaign_id, user = _clicked(body)
    found = services(context)
    refusal = found.refusal(team_id, CAMPAIGN_PLAN, user)
    if refusal is not None:
        refuse(client, body, refusal)
        return
    engine = found.intake.engine
    with write_guard(engine), Session(engine) as session:
        approved = campaigns.approve(session, team_id, campaign_id, user)
        status = campaigns.status_of(session, team_id, campaign_id)
    if not approved:
        refuse(client, body, f"This campaign is {status or 'gone'}: nothing changed.")
        return
    found.intake.enqueue(ADVANCE_CAMPAIGN, team_id, campaign_id)
    found.intake.enqueue(CAMPAIGN_CARD, team_id, campaign_id)


def handle_cancel(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """The requester or a plan approver may cancel; the next pass cancels the steps."""
    ack()
    team_id, campaign_id, user = _clicked(body)
    found = services(context)
    engine = found.intake.engine
    with Session(engine) as session:
        campaign = campaigns.load_campaign(session, team_id, campaign_id)
    # the check `/campaign cancel` makes
    access = CampaignAccess(found.workspace_approvers, found.people)
    refusal = campaign and access.refusal(team_id, user, campaign.requested_by, "cancel it")
    if refusal:
        refuse(client, body, refusal.text)
        return
    with write_guard(engine), Session(engine) as session:
        cancelled = campaigns.cancel(session, team_id, campaign_id, user)
        status = campaigns.status_of(session, team_id, campaign_id)
    if not cancelled:
        refuse(client, body, f"This campaign is {status or 'gone'}: nothing changed.")
        return
    found.intake.enqueue(ADVANCE_CAMPAIGN, team_id, campaign_id)
    found.intake.enqueue(CAMPAIGN_CARD, team_id, campaign_id)


def handle_edit(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """The plan's Edit form, for the requester or a plan approver, while it is planned."""
    ack()
    team_id, campaign_id, user = _clicked(body)
    edits = services(context).plan_edits
    form = edits.form(team_id, user, campaign_id) if edits else Mrkdwn(EDIT_NOT_YET)
    if isinstance(form, Mrkdwn):
        refuse(client, body, form.text)
        return
    try:
        client.views_open(trigger_id=body["trigger_id"], view=form)
    except (SlackClientError, OSError) as error:  # refused, or no answer in time
        logger.warning("views.open for a plan edit failed: %s", type(error).__name__)
        refuse(client, body, FORM_FAILED)


def handle_plan_form(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """Errors under the inputs (nothing saved), or the answer in place of the form."""
    edits = services(context).plan_edits
    user = body["user"]
    team_id = str((body.get("team") or {}).get("id") or user.get("team_id") or "")
    saved = edits.save(team_id, str(user["id"]), view) if edits else Mrkdwn(EDIT_NOT_YET)
    if isinstance(saved, dict):
        ack(response_action="errors", errors=saved)
        return
    ack(response_action="update", view=answer_view(saved))


def _clicked(body: dict[str, Any]) -> tuple[str, str, str]:
    """(team, campaign id, user) of a click on the card."""
    return str(body["team"]["id"]), str(body["actions"][0]["value"]), str(body["user"]["id"])


def refuse(client: WebClient, body: dict[str, Any], text: str) -> None:
    """An ephemeral to the person who clicked, where the card is."""
    client.chat_postEphemeral(channel=body["channel"]["id"], user=body["user"]["id"], text=text)
