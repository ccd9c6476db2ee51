"""`/campaign` through the real Bolt app: signed slash commands and form submissions, answered
privately; a bad sub-command or argument starts nothing; the forms open with the command's
trigger id (the Slack stand-in honours one for 3 s, once)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

import app as app_module
from handlers.campaign_actions import CampaignsNotYet, Requester
from handlers.campaign_command import CampaignRequest, SetVariable
from handlers.campaign_forms import Outcome
from jobs.queue import waiting_job_ids
from jobs.runtime import Runtime
from jobs.slack.text import Mrkdwn, md
from models.records import Turn
from sandbox import slack_interactions as interactions
from sandbox.signing import SentResponse, SlackRequestSender
from sandbox.slack_api import SlackStandIn
from settings import Settings
from tests.conftest import CHANNEL_GENERAL, HUMAN, SIGNING_SECRET, TEAM, ServedApp, serve_app
from tests.handlers.test_campaign_forms import BRIEF, brief_values, outcome_values

NOT_YET = "Campaigns are not switched on in this version yet, so nothing was"


@pytest.fixture()
def bolt(
    settings: Settings, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ServedApp]:
    """The command surface over `CampaignsNotYet`: what the listeners parse, check and
    answer with nothing behind them (the running engine: tests/test_campaign_card.py)."""
    monkeypatch.setattr(app_module, "CampaignsRunning", lambda *_: CampaignsNotYet())
    app = app_module.create_app(settings)
    server, url = serve_app(app)
    yield ServedApp(app, url, SlackRequestSender(url, SIGNING_SECRET, team_id=TEAM))
    server.close()


def command(bolt: ServedApp, text: str, trigger_id: str | None = None) -> SentResponse:
    response = bolt.sender.send_command(
        "/campaign", text, user_id=HUMAN, channel_id=CHANNEL_GENERAL, trigger_id=trigger_id
    )
    assert response.status == 200
    return response


def private(bolt: ServedApp, text: str) -> str:
    """The command's answer: an ephemeral in the ack, for the person alone."""
    body = command(bolt, text).json()
    assert body["response_type"] == "ephemeral"
    return str(body["text"])


def nothing_started(runtime: Runtime, slack: SlackStandIn) -> None:
    assert slack.calls_to("chat.postMessage") == []
    assert slack.calls_to("views.open") == []
    assert waiting_job_ids(runtime.redis, runtime.settings.queue_name) == []
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Turn)) == 0


def test_a_typed_brief_is_answered_privately_with_what_was_understood(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    said = private(bolt, "launch AI analytics\nfor CTOs &lt;!channel&gt; in 3 weeks")
    assert said == (
        f"{NOT_YET} started. Until it is, mention @Marketing Dept with your brief and the CMO "
        "picks it up in a thread. I understood: start a campaign from this brief:\n"
        # the person's words quoted and escaped: a typed <!channel> stays text
        "> launch AI analytics\n> for CTOs &lt;!channel&gt; in 3 weeks\n"
        '• Budget for AI work: the default (write "AI budget $30" in the brief to set it)'
    )
    nothing_started(runtime, slack)


def test_help_is_fixed_text_about_the_commands_and_the_department(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    said = private(bolt, "help")
    assert said.startswith("*`/campaign`: plan and run a marketing campaign with the department*")
    assert "the campaign engine is not switched on yet" in said
    for part in (
        "*direct delegation*",
        "*project management*",
        "*workflow*",
        "*Approve plan*",
        "*Edit* (the requester or a plan approver",
        "`/campaign status <id>`",
        "`/campaign set <variable> <value> [<id>]`",
        "`/campaign outcome <id>`",
    ):
        assert part in said
    nothing_started(runtime, slack)


UNDERSTOOD = [
    ("list", "shown. I understood: list your campaigns."),
    ("status c12", "shown. I understood: show where campaign `c12` stands."),
    ("pause c12", "changed. I understood: pause campaign `c12` (running steps finish"),
    ("resume c12", "changed. I understood: resume campaign `c12`."),
    ("cancel c12", "changed. I understood: cancel campaign `c12` (the steps not done"),
    (
        "set lead_score 82 c12",
        "changed. I understood: set `lead_score` to 82 (a number) on campaign `c12`.",
    ),
    (
        'set tier "&lt;gold&gt;"',  # typed as "<gold>": Slack escapes it
        'changed. I understood: set `tier` to "&lt;gold&gt;" (text) on your most recent',
    ),
    ("set ok true", "changed. I understood: set `ok` to true (a flag) on your most recent"),
]


def test_each_sub_command_says_what_was_understood(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    """One app for every case (the parser's own tests take each case alone)."""
    for text, understood in UNDERSTOOD:
        assert private(bolt, text).startswith(f"{NOT_YET} {understood}"), text
    nothing_started(runtime, slack)


REFUSED = [
    ("status", "`status` needs one campaign id.", "`/campaign status <id>`"),
    ("pause c1 c2", "`pause` takes only one campaign id.", "`/campaign pause <id>`"),
    ("resume", "`resume` needs one campaign id.", "`/campaign resume <id>`"),
    ("cancel culture awareness push", "`cancel` takes only one", "`/campaign cancel <id>`"),
    ("outcome", "`outcome` needs one campaign id.", "`/campaign outcome <id>`"),
    ("outcome c&lt;1&gt;", "`c&lt;1&gt;` is not a campaign id", "`/campaign outcome <id>`"),
    ("list all", "`list` takes nothing after it.", "`/campaign list`"),
    ("help me", "`help` takes nothing after it.", "`/campaign help`"),
    ("set lead_score", "`set`: too few words.", "`/campaign set <variable>"),
    ('set tier "gold', 'The quote in `"gold` is not closed.', "`/campaign set"),
    ("set 9lives 3", "`9lives` is not a variable name", "`/campaign set"),
    ("stats c12", "`stats c12` is not a sub-command", "`/campaign status <id>`"),
    ("webinar", "too short for a brief", "`/campaign <brief>`"),
    ("launch " * 500, "keep it under 3,000", "`/campaign <brief>`"),
]


def test_every_bad_sub_command_and_argument_is_refused_privately_and_starts_nothing(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    for text, reason, usage in REFUSED:
        said = private(bolt, text)
        first, _, shown = said.partition("\n*Usage*\n")
        assert reason in first, text
        assert first.endswith(" Nothing was started."), text
        assert usage in shown, text
    nothing_started(runtime, slack)


def open_form(bolt: ServedApp, slack: SlackStandIn, text: str) -> dict[str, Any]:
    """Type the command with a live trigger id; the form it opened, as the person sees it."""
    response = command(bolt, text, trigger_id=slack.workspace.views.issue_trigger(HUMAN))
    assert response.body == b""  # nothing to say: the form is the answer
    [form] = slack.workspace.views.for_user(HUMAN)["modals"]
    assert isinstance(form, dict)
    return form


def submit(bolt: ServedApp, slack: SlackStandIn, form: dict[str, Any], values: Any) -> Any:
    """Submit the form; Slack then does what the app's answer says (errors, update)."""
    payload = interactions.view_submission(slack, user=HUMAN, view=form, values=values)
    response = bolt.sender.send_interaction(payload)
    assert response.status == 200
    interactions.apply_submission_answer(slack, HUMAN, form["id"], response.body)
    return response.json() if response.body.strip() else {}


def test_the_brief_form_opens_validates_and_answers_like_a_typed_brief(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    form = open_form(bolt, slack, "  ")
    assert form["callback_id"] == "campaign-brief"
    [opened] = slack.calls_to("views.open")
    assert opened.args["view"]["private_metadata"] == '{"channel_id": "C0GENERAL"}'

    bad = brief_values(brief="webinar", deadline="2020-01-31", budget="-3")
    answer = submit(bolt, slack, form, bad)
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"brief", "deadline", "budget"}
    assert "in the past" in answer["errors"]["deadline"]
    assert slack.workspace.views.for_user(HUMAN)["modals"][0]["id"] == form["id"]  # still open

    good = brief_values(brief=f"{BRIEF} <!here>", budget="40", channel="C0CAMPAIGNS")
    answer = submit(bolt, slack, form, good)
    assert answer["response_action"] == "update"
    [shown] = slack.workspace.views.for_user(HUMAN)["modals"]
    text = shown["blocks"][0]["text"]["text"]
    assert text.startswith(f"{NOT_YET} started. Until it is, mention @Marketing Dept")
    assert (
        f"> {BRIEF} &lt;!here&gt;\n• Budget for AI work: $40.00\n• Updates in <#C0CAMPAIGNS>"
        in (text)
    )
    assert slack.calls_to("chat.postMessage") == []
    assert waiting_job_ids(runtime.redis, runtime.settings.queue_name) == []


def test_a_form_slack_will_not_open_is_explained_privately(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    said = private(bolt, "")  # the sender's made-up trigger id: Slack never issued it
    assert said == (
        "Slack could not open the form (invalid_trigger_id). Nothing was started; try "
        "`/campaign` again, or type the brief after it."
    )
    slack.fail_next("views.open", status=200, error="expired_trigger_id")
    trigger = slack.workspace.views.issue_trigger(HUMAN)
    assert "(expired_trigger_id)" in command(bolt, "outcome c12", trigger).json()["text"]
    assert slack.workspace.views.for_user(HUMAN)["modals"] == []


def test_the_outcome_form_opens_validates_and_answers(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    form = open_form(bolt, slack, "outcome c12")
    assert form["callback_id"] == "campaign-outcome"

    answer = submit(bolt, slack, form, outcome_values(hours="-1", satisfaction="1.5"))
    assert answer["response_action"] == "errors"
    assert answer["errors"] == {
        "hours": "Hours must be more than 0.",
        "satisfaction": "Give a number from 0 to 1, e.g. 0.8.",
    }

    good = outcome_values("yes", "118", "0.8", rework=True, learning="book <the> venue early")
    assert submit(bolt, slack, form, good)["response_action"] == "update"
    [shown] = slack.workspace.views.for_user(HUMAN)["modals"]
    assert shown["blocks"][0]["text"]["text"] == (
        f"{NOT_YET} recorded. I understood: record the outcome of campaign `c12`: succeeded, "
        "118 h actual, satisfaction 0.8, rework needed.\n• Key learning:\n"
        "> book &lt;the&gt; venue early"
    )


class Recording(CampaignsNotYet):
    """A stand-in engine: records what the listeners hand it, refuses one outcome form."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Requester, object]] = []

    def start(self, who: Requester, request: CampaignRequest) -> Mrkdwn:
        self.calls.append(("start", who, request))
        return Mrkdwn("Analyzing…")

    def set_variable(self, who: Requester, setting: SetVariable) -> Mrkdwn:
        self.calls.append(("set", who, setting))
        return md("Set {name}.", name=setting.variable)

    def outcome_refusal(self, who: Requester, campaign_id: str) -> Mrkdwn | None:
        return md("No campaign {id}.", id=campaign_id) if campaign_id == "c404" else None

    def record_outcome(self, who: Requester, outcome: Outcome) -> Mrkdwn:
        self.calls.append(("outcome", who, outcome))
        return Mrkdwn("Recorded.")


@pytest.fixture()
def engine(
    settings: Settings, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[ServedApp, Recording]]:
    """The app wired with another `CampaignActions`, as the engine's slice will wire it."""
    recording = Recording()
    monkeypatch.setattr(app_module, "CampaignsRunning", lambda *_: recording)
    app = app_module.create_app(settings)
    server, url = serve_app(app)
    yield ServedApp(app, url, SlackRequestSender(url, SIGNING_SECRET, team_id=TEAM)), recording
    server.close()


def test_the_listeners_hand_parsed_requests_to_the_campaign_actions_they_are_given(
    engine: tuple[ServedApp, Recording], slack: SlackStandIn
) -> None:
    bolt, recording = engine
    who = Requester(TEAM, HUMAN, CHANNEL_GENERAL)
    assert private(bolt, "launch AI analytics for CTOs") == "Analyzing…"
    assert private(bolt, "set tier gold c1") == "Set tier."
    assert private(bolt, "outcome c404") == "No campaign c404."
    assert slack.calls_to("views.open") == []
    form = open_form(bolt, slack, "")
    submit(bolt, slack, form, brief_values(deadline="2999-01-01"))
    form = open_form(bolt, slack, "outcome c7")
    submit(bolt, slack, form, outcome_values())
    [start, set_, form_start, outcome] = recording.calls
    assert start == ("start", who, CampaignRequest("launch AI analytics for CTOs"))
    assert set_ == ("set", who, SetVariable("tier", "gold", "c1"))
    assert form_start[:2] == ("start", who)
    assert isinstance(form_start[2], CampaignRequest) and form_start[2].deadline is not None
    assert outcome == ("outcome", who, Outcome("c7", True, 118.0, 0.8, False, ""))
