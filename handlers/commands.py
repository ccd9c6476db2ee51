"""`/campaign`: the command and its two forms, as thin listeners.

The text is parsed (`handlers/campaign_command.py`) and the forms read
(`handlers/campaign_forms.py`) before anything happens; what a valid request does is behind
`CampaignActions` (`handlers/campaign_actions.py`), found in the Bolt context. Every answer
is for the person alone: an ephemeral in the command's ack, errors under a form's fields, or
the form replaced by the answer. A form opens with the command's trigger id, which Slack
honours for 3 s, so it is opened before the ack.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from handlers.campaign_actions import Requester, answer
from handlers.campaign_command import OpenBriefForm, OpenOutcomeForm, parse_command
from handlers.campaign_forms import (
    BRIEF_FORM,
    OUTCOME_FORM,
    answer_view,
    brief_form,
    metadata,
    outcome_form,
    read_brief_form,
    read_outcome_form,
)
from handlers.context import services
from jobs.slack.text import from_slack, md

logger = logging.getLogger(__name__)

FORM_FAILED = "Slack could not open the form"


def register(app: App) -> None:
    app.command("/campaign")(handle_campaign)
    app.view(BRIEF_FORM)(handle_brief_form)
    app.view(OUTCOME_FORM)(handle_outcome_form)


def handle_campaign(
    ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    parsed = parse_command(from_slack(command.get("text") or ""))
    who = Requester(str(command["team_id"]), str(command["user_id"]), str(command["channel_id"]))
    actions = services(context).campaigns
    if isinstance(parsed, OpenBriefForm):
        _open_form(ack, client, command, brief_form(who.channel_id))
    elif isinstance(parsed, OpenOutcomeForm):
        refused = actions.outcome_refusal(who, parsed.campaign_id)
        if refused is not None:
            ack(response_type="ephemeral", text=refused.text)
            return
        _open_form(ack, client, command, outcome_form(parsed.campaign_id, who.channel_id))
    else:
        ack(response_type="ephemeral", text=answer(actions, who, parsed).text)


def handle_brief_form(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """A valid form starts the same request as a typed brief; the answer replaces the form."""
    request = read_brief_form(view, today=datetime.now(UTC).date())
    if isinstance(request, dict):
        ack(response_action="errors", errors=request)
        return
    reply = services(context).campaigns.start(_submitter(body, view), request)
    ack(response_action="update", view=answer_view(reply))


def handle_outcome_form(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    outcome = read_outcome_form(view)
    if isinstance(outcome, dict):
        ack(response_action="errors", errors=outcome)
        return
    reply = services(context).campaigns.record_outcome(_submitter(body, view), outcome)
    ack(response_action="update", view=answer_view(reply))


def _open_form(ack: Ack, client: WebClient, command: dict[str, Any], view: dict[str, Any]) -> None:
    """views.open while the trigger id is fresh; if Slack refuses, the person hears why."""
    try:
        client.views_open(trigger_id=command["trigger_id"], view=view)
    except (SlackClientError, OSError) as error:  # refused, or no answer in time
        reason = error.response.get("error") if isinstance(error, SlackApiError) else None
        logger.warning("views.open for /campaign failed: %s", reason or type(error).__name__)
        said = md(
            "{failed} ({reason}). Nothing was started; try `/campaign` again, or type the "
            "brief after it.",
            failed=FORM_FAILED,
            reason=str(reason or "no answer"),
        )
        ack(response_type="ephemeral", text=said.text)
        return
    ack()


def _submitter(body: dict[str, Any], view: dict[str, Any]) -> Requester:
    """Who submitted a form, and the channel its command was typed in."""
    user = body["user"]
    team = str((body.get("team") or {}).get("id") or user.get("team_id") or "")
    return Requester(team, str(user["id"]), str(metadata(view).get("channel_id") or ""))
