"""App Home's set-up buttons, for workspace admins (issue 20): "Set up the department" asks
for the set-up job (channels, topics, the CMO's welcome; `jobs/setup/run.py`), "Choose
approvers" opens the approvers form, "Channel names" the form of the workspace's names for the
department's channels. Each form's submission is saved for this workspace only; saving the
channel names also asks for the set-up, so the channels so named are created or joined.

Only admins and owners (users.info) see the buttons; a click or a submission from anyone
else (a forged request) is refused privately and changes nothing: in the person's DM with
the app, where App Home's messages go, or on the form itself. What a submission is checked
against in Slack (the admin, the approvers named) is asked through `People`, whose client
never waits out a 429: the answer is due within 3 s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from handlers.context import Services, services
from handlers.setup_channels import CHANNEL_NAMES_FORM, channel_names_view, read_channel_names
from handlers.setup_checks import check_approvers
from handlers.setup_form import APPROVERS_FORM, FormProblem, approvers_view, read_approvers
from jobs.queue import PUBLISH_HOME, RUN_SETUP
from jobs.setup.home import SET_UP
from jobs.slack.people import LookupFailed, People
from models import welcomes
from models import workspace_settings as stored

ADMINS_ONLY = "Only workspace admins and owners can set up the department. Nothing changed."
SETTING_UP = "Setting up the department: the report appears on this Home tab in a moment."
NOT_STARTED = "I couldn't start the set-up just now. Nothing changed; try again in a minute."
NAMES_SAVED = "Channel names saved. " + SETTING_UP
SAVED_NOT_STARTED = (
    "The names are saved, but I couldn't start the set-up just now: save again in a minute "
    "(or click Set up the department)."
)


@dataclass(frozen=True)
class SetupButtons:
    """`types`: the approval types the form offers (the authority matrix's and card-only);
    `channels`: the department's channels by default name (`department_channel_names`)."""

    types: tuple[str, ...]
    channels: tuple[str, ...] = ()

    def register(self, app: App) -> None:
        app.action(SET_UP)(handle_set_up)
        app.action(APPROVERS_FORM)(self.handle_choose_approvers)
        app.view(APPROVERS_FORM)(self.handle_approvers_saved)
        app.action(CHANNEL_NAMES_FORM)(self.handle_choose_channel_names)
        app.view(CHANNEL_NAMES_FORM)(self.handle_channel_names_saved)

    def handle_choose_approvers(
        self, ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        ack()
        if (admin := _admin_clicked(body, client, context)) is None:
            return
        found, team_id = admin
        config = found.workspace_approvers.for_team(team_id)
        view = approvers_view(self.types, config, _groups(found.people, team_id))
        client.views_open(trigger_id=body["trigger_id"], view=view)

    def handle_approvers_saved(
        self, ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
    ) -> None:
        found, team_id, user_id = services(context), _team(body), body["user"]["id"]
        values = view["state"]["values"]
        try:
            _admins_only(found, team_id, user_id, values)
            chosen = read_approvers(values, self.types)
            checked = check_approvers(found.people, team_id, chosen)
            if checked.errors:
                raise FormProblem(checked.errors)
        except FormProblem as problem:
            ack(response_action="errors", errors=problem.errors)
            return
        with Session(found.intake.engine) as session:
            stored.save_approvers(session, team_id, user_id, chosen)
        if checked.note is None:
            ack()
        else:
            ack(response_action="update", view=_notice("Approvers", checked.note))
        found.intake.enqueue(PUBLISH_HOME, team_id, user_id)

    def handle_choose_channel_names(
        self, ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        ack()
        if (admin := _admin_clicked(body, client, context)) is None:
            return
        found, team_id = admin
        with Session(found.intake.engine) as session:
            renamed = stored.renamed_channels(session, team_id)
        view = channel_names_view(self.channels, renamed)
        client.views_open(trigger_id=body["trigger_id"], view=view)

    def handle_channel_names_saved(
        self, ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
    ) -> None:
        """Saved the way `python app.py setup --channel` saves (a retry writes nothing), then
        the set-up job, one per workspace at a time, creates or joins the channels."""
        found, team_id, user_id = services(context), _team(body), body["user"]["id"]
        values = view["state"]["values"]
        try:
            _admins_only(found, team_id, user_id, values)
            with Session(found.intake.engine) as session:
                names = read_channel_names(
                    values, self.channels, stored.renamed_channels(session, team_id)
                )
                stored.rename_channels(session, team_id, user_id, names)
        except FormProblem as problem:
            ack(response_action="errors", errors=problem.errors)
            return
        if found.intake.enqueue(RUN_SETUP, team_id, user_id):
            ack(response_action="update", view=_notice("Channel names", NAMES_SAVED))
        else:  # Redis away: the names are saved, the set-up is not asked for; say so
            ack(response_action="errors", errors={next(iter(values), ""): SAVED_NOT_STARTED})


def handle_set_up(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    found, team_id, user_id = services(context), _team(body), body["user"]["id"]
    refusal = _refusal(found, team_id, user_id)
    if refusal is None and not found.intake.enqueue(RUN_SETUP, team_id, user_id):
        refusal = NOT_STARTED  # Redis away: no record for a sweeper to find, so say so
    _tell(client, found, body, refusal or SETTING_UP)


def _team(body: dict[str, Any]) -> str:
    return str((body.get("team") or {}).get("id") or body["user"].get("team_id") or "")


def _admins_only(found: Services, team_id: str, user_id: str, values: dict[str, Any]) -> None:
    """A submission from anyone but an admin: the refusal under the form's first field."""
    if (refusal := _refusal(found, team_id, user_id)) is not None:
        raise FormProblem.at(next(iter(values), ""), refusal)


def _admin_clicked(
    body: dict[str, Any], client: WebClient, context: BoltContext
) -> tuple[Services, str] | None:
    """A form button's click (already acked): its services and workspace when an admin
    clicked it; None once anyone else has been told why not."""
    found, team_id, user_id = services(context), _team(body), body["user"]["id"]
    if (refusal := _refusal(found, team_id, user_id)) is not None:
        _tell(client, found, body, refusal)
        return None
    return found, team_id


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
    client.views_open(trigger_id=body["trigger_id"], view=_notice("Set-up", text))


def _groups(people: People, team_id: str) -> dict[str, str]:
    """The workspace's user groups, id → handle (none if Slack will not list them)."""
    try:
        return people.groups(team_id) or {}
    except (SlackApiError, OSError):
        return {}


def _notice(title: str, text: str) -> dict[str, Any]:
    """What a saved form turns into: a modal of one line and a Done button."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "close": {"type": "plain_text", "text": "Done"},
        "blocks": [{"type": "section", "text": {"type": "plain_text", "text": text}}],
    }
