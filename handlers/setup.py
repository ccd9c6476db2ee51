"""App Home's set-up buttons, for workspace admins (issue 20): "Set up the department" asks
for the set-up job (channels, topics, the CMO's welcome; `jobs/setup/run.py`), "Choose
approvers" opens the approvers form, whose submission is saved for this workspace only.

Only admins and owners (users.info) see the buttons; a click or a submission from anyone
else (a forged request) is refused privately and changes nothing: in the person's DM with
the app, where App Home's messages go, or on the form itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from handlers.context import Services, services
from handlers.setup_form import APPROVERS_FORM, FormProblem, approvers_view, read_approvers
from jobs.queue import PUBLISH_HOME, RUN_SETUP
from jobs.setup.home import SET_UP
from jobs.slack.people import LookupFailed
from models import welcomes
from models import workspace_settings as stored

ADMINS_ONLY = "Only workspace admins and owners can set up the department. Nothing changed."
SETTING_UP = "Setting up the department: the report appears on this Home tab in a moment."
NOT_STARTED = "I couldn't start the set-up just now. Nothing changed; try again in a minute."


@dataclass(frozen=True)
class SetupButtons:
    """`types`: the approval types the form offers (the authority matrix's and card-only)."""

    types: tuple[str, ...]

    def register(self, app: App) -> None:
        app.action(SET_UP)(handle_set_up)
        app.action(APPROVERS_FORM)(self.handle_choose_approvers)
        app.view(APPROVERS_FORM)(self.handle_approvers_saved)

    def handle_choose_approvers(
        self, ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        ack()
        found, team_id, user_id = services(context), _team(body), body["user"]["id"]
        if (refusal := _refusal(found, team_id, user_id)) is not None:
            _tell(client, found, body, refusal)
            return
        config = found.workspace_approvers.for_team(team_id)
        view = approvers_view(self.types, config, _groups(client))
        client.views_open(trigger_id=body["trigger_id"], view=view)

    def handle_approvers_saved(
        self, ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
    ) -> None:
        found, team_id, user_id = services(context), _team(body), body["user"]["id"]
        first = next(iter(view["state"]["values"]), "")
        if (refusal := _refusal(found, team_id, user_id)) is not None:
            ack(response_action="errors", errors={first: refusal})
            return
        try:
            chosen = read_approvers(view["state"]["values"], self.types)
        except FormProblem as problem:
            ack(response_action="errors", errors={problem.block_id: problem.message})
            return
        with Session(found.intake.engine) as session:
            stored.save_approvers(session, team_id, user_id, chosen)
        ack()
        found.intake.enqueue(PUBLISH_HOME, team_id, user_id)


def handle_set_up(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    found, team_id, user_id = services(context), _team(body), body["user"]["id"]
    refusal = _refusal(found, team_id, user_id)
    if refusal is None and not found.intake.enqueue(RUN_SETUP, team_id, user_id):
        refusal = NOT_STARTED  # Redis away: no record for a sweeper to find, so say so
    _tell(client, found, body, refusal or SETTING_UP)


def _team(body: dict[str, Any]) -> str:
    return str((body.get("team") or {}).get("id") or body["user"].get("team_id") or "")


def _refusal(found: Services, team_id: str, user_id: str) -> str | None:
    try:
        return None if found.people.is_admin(team_id, user_id) else ADMINS_ONLY
    except SlackApiError as error:
        return LookupFailed(str(error.response.get("error"))).message
    except OSError:
        return LookupFailed("no answer from Slack").message


def _tell(client: WebClient, found: Services, body: dict[str, Any], text: str) -> None:
    """An ephemeral in the person's DM with the app (App Home has no channel of its own);
    a person never seen there gets the text in a small modal instead."""
    team_id, user_id = _team(body), body["user"]["id"]
    with Session(found.intake.engine) as session:
        seen = welcomes.load_welcome(session, team_id, user_id)
    if seen is not None:
        client.chat_postEphemeral(channel=seen.channel_id, user=user_id, text=text)
        return
    notice = {"type": "section", "text": {"type": "plain_text", "text": text}}
    client.views_open(
        trigger_id=body["trigger_id"],
        view={
            "type": "modal",
            "title": {"type": "plain_text", "text": "Set-up"},
            "blocks": [notice],
        },
    )


def _groups(client: WebClient) -> dict[str, str]:
    """The workspace's user groups, id → handle (none if Slack will not list them)."""
    try:
        listed = client.usergroups_list().get("usergroups") or []
    except SlackApiError:
        return {}
    return {str(g["id"]): str(g.get("handle") or g["id"]) for g in listed}
