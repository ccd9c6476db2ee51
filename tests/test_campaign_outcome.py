"""`/campaign outcome`, the learning loop and who may act on a campaign, through the real Bolt
app (signed slash commands and form submissions), the database, Redis, the Slack stand-in and
the scripted Claude. Campaigns that have run are set up as rows: running the engine to the
end is tests/test_campaign_engine.py's part."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from jobs.runtime import Runtime
from models import campaign_steps, campaigns
from models.base import new_id, utcnow
from models.campaigns import (
    Campaign,
    CampaignOutcome,
    CampaignStatus,
    CampaignStep,
    StepStatus,
)
from sandbox import slack_interactions as interactions
from sandbox.claude_api import ScriptedClaude
from sandbox.scripted_department import department_responder
from sandbox.slack_api import SlackStandIn
from tests.conftest import CHANNEL_GENERAL, HUMAN, TEAM, ServedApp, work
from tests.handlers.test_campaign_forms import outcome_values
from tests.test_campaign_card import (
    APPROVER,
    CAMPAIGNS,
    CASE_STUDY,
    CONFERENCE,
    OUTSIDER,
    _card,
    _card_text,
    _click,
)

LAUNCH_FACTORS = {"estimated_hours": 100}  # what the card's analysis estimated
# The three launches of tests/bots/test_learning.py: (actual h, satisfaction, rework).
THREE_LAUNCHES = [(120, 0.9, False), (80, 0.6, True), (150, 0.7, False)]


@pytest.fixture()
def claude() -> Iterator[ScriptedClaude]:
    with ScriptedClaude(responder=department_responder) as stub:
        yield stub


@pytest.fixture(autouse=True)
def people(slack: SlackStandIn) -> None:
    slack.add_channel(CAMPAIGNS, "mkt-campaigns")
    slack.add_user(APPROVER, "ana", is_admin=True)  # approvals.toml: admins approve plans
    slack.add_user(OUTSIDER, "otto")


def _campaign(
    runtime: Runtime,
    status: CampaignStatus,
    *,
    team_id: str = TEAM,
    plan: dict[str, Any] | None = None,
    pattern: str | None = "product_launch",
    factors: dict[str, Any] | None = LAUNCH_FACTORS,
) -> str:
    """A campaign of HUMAN's, as the analysis and the engine leave it."""
    with runtime.sessions() as session:
        campaign = Campaign(
            team_id=team_id,
            requested_by=HUMAN,
            brief="an AI analytics launch",
            budget_usd=50,
            status=status.value,
            pattern=pattern,
            analysis={"factors": factors},
            plan=plan,
        )
        session.add(campaign)
        session.commit()
        return campaign.id


def _command(bolt: ServedApp, text: str, user: str = HUMAN, trigger: str | None = None) -> str:
    """The command's private answer ("" when it opened a form instead)."""
    response = bolt.sender.send_command(
        "/campaign", text, user_id=user, channel_id=CHANNEL_GENERAL, trigger_id=trigger
    )
    assert response.status == 200
    if not response.body:
        return ""
    body = response.json()
    assert body["response_type"] == "ephemeral"
    return str(body["text"])


def _open_outcome(bolt: ServedApp, slack: SlackStandIn, campaign_id: str, user: str) -> Any:
    trigger = slack.workspace.views.issue_trigger(user)
    assert _command(bolt, f"outcome {campaign_id}", user, trigger) == ""
    return slack.workspace.views.for_user(user)["modals"][-1]


def _submit(bolt: ServedApp, slack: SlackStandIn, form: Any, user: str, values: Any) -> str:
    """Submit the outcome form; the text of the answer that replaced it."""
    payload = interactions.view_submission(slack, user=user, view=form, values=values)
    response = bolt.sender.send_interaction(payload)
    assert response.status == 200
    answer = response.json()
    assert answer["response_action"] == "update", answer
    return str(answer["view"]["blocks"][0]["text"]["text"])


def _record(bolt: ServedApp, slack: SlackStandIn, campaign_id: str, user: str = HUMAN) -> str:
    form = _open_outcome(bolt, slack, campaign_id, user)
    return _submit(bolt, slack, form, user, outcome_values("yes", "118", "0.8"))


def _outcomes(runtime: Runtime) -> list[CampaignOutcome]:
    with runtime.sessions() as session:
        return campaign_steps.outcomes(session, TEAM)


def test_three_recorded_outcomes_move_the_next_cards_estimate_and_confidence(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    for actual, satisfaction, rework in THREE_LAUNCHES:
        ran = _campaign(runtime, CampaignStatus.DONE)
        form = _open_outcome(bolt, slack, ran, HUMAN)
        values = outcome_values("yes", str(actual), str(satisfaction), rework=rework)
        said = _submit(bolt, slack, form, HUMAN, values)
        assert said.startswith(f"Outcome recorded for `{ran}` (estimated 100 h).")
        assert "The next `product_launch` campaign's estimate and confidence learn" in said
    recorded = _outcomes(runtime)
    assert [(o.actual_hours, o.estimated_hours, o.recorded_by) for o in recorded] == [
        (120, 100, HUMAN),
        (80, 100, HUMAN),
        (150, 100, HUMAN),
    ]

    bolt.sender.send_command("/campaign", CONFERENCE, user_id=HUMAN, channel_id=CHANNEL_GENERAL)
    work(runtime)

    with runtime.sessions() as session:
        [new] = session.scalars(select(Campaign).where(Campaign.brief == CONFERENCE)).all()
    assert new.decision is not None
    # bots/learning.py's rule: R 1.0 → 1.06 → 0.982 → 1.1374, 120 h * R = 136.5 h;
    # Q 0.8 → 0.83 → 0.671 → 0.6797, so 0.5 * (0.6797 - 0.8) = -0.06: 0.95 + 0.05 - 0.06015
    assert (new.decision["confidence"], new.decision["pattern_hours"]) == (0.94, 136.5)
    text = _card_text(_card(slack))
    assert "(confidence 0.94)" in text
    assert "Based on 3 past launches: 117 h actual vs 100 h estimated (-0.06)" in text
    assert "A launch usually takes about 136.5 h" in text


def test_a_card_without_outcomes_of_this_workspace_shows_no_history(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    elsewhere = _campaign(runtime, CampaignStatus.DONE, team_id="T0OTHER")
    with runtime.sessions() as session:
        campaign_steps.record_outcome(
            session,
            CampaignOutcome(
                id=new_id(),
                created_at=utcnow(),
                team_id="T0OTHER",
                campaign_id=elsewhere,
                pattern="product_launch",
                estimated_hours=100,
                actual_hours=400,
                success=False,
                satisfaction=0,
                rework_needed=True,
                recorded_by="U0X",
            ),
        )
    bolt.sender.send_command("/campaign", CONFERENCE, user_id=HUMAN, channel_id=CHANNEL_GENERAL)
    work(runtime)
    text = _card_text(_card(slack))
    assert "(confidence 0.95)" in text and "past launch" not in text
    assert "A launch usually takes about 120 h" in text


def test_an_outcome_is_recorded_once_by_the_requester_or_an_approver(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    ran = _campaign(runtime, CampaignStatus.RUNNING)
    refused = _command(
        bolt, f"outcome {ran}", OUTSIDER, slack.workspace.views.issue_trigger(OUTSIDER)
    )
    assert refused == (
        f"Only <@{HUMAN}> (who asked for this campaign) or a workspace admin can record this "
        "campaign's outcome. Nothing changed."
    )
    assert slack.workspace.views.for_user(OUTSIDER)["modals"] == []

    first = _open_outcome(bolt, slack, ran, HUMAN)
    second = _open_outcome(bolt, slack, ran, APPROVER)  # two forms open at once
    assert _submit(bolt, slack, first, HUMAN, outcome_values()).startswith("Outcome recorded")
    late = _submit(bolt, slack, second, APPROVER, outcome_values("no", "500", "0"))
    assert late == (
        f"The outcome of `{ran}` was already recorded by <@{HUMAN}> (118 h actual); it is kept "
        "as the learning loop's history, so it is not changed. Nothing changed."
    )
    assert _command(bolt, f"outcome {ran}", APPROVER).startswith("The outcome of")
    assert [(o.actual_hours, o.recorded_by) for o in _outcomes(runtime)] == [(118, HUMAN)]

    paused = _campaign(runtime, CampaignStatus.PAUSED)
    assert _record(bolt, slack, paused, APPROVER).startswith("Outcome recorded")


def test_no_outcome_before_a_campaign_has_run_or_for_another_workspace(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    for status in (CampaignStatus.ANALYZING, CampaignStatus.PLANNED, CampaignStatus.CANCELLED):
        waiting = _campaign(runtime, status)
        assert _command(bolt, f"outcome {waiting}") == (
            f"Campaign `{waiting}` has not run yet ({status.value}), so there are no hours to "
            "record. Record its outcome once it has run. Nothing changed."
        )
    other = _campaign(runtime, CampaignStatus.DONE, team_id="T0OTHER")
    assert _command(bolt, f"outcome {other}").startswith(f"No campaign `{other}` in this")
    assert slack.calls_to("views.open") == [] and _outcomes(runtime) == []

    cancelled = _campaign(runtime, CampaignStatus.CANCELLED)  # after its first step started
    with runtime.sessions() as session:
        session.add(
            CampaignStep(
                team_id=TEAM,
                campaign_id=cancelled,
                step_id="define-strategy",
                phase="Strategy",
                status=StepStatus.CANCELLED.value,
                due_date=date(2026, 12, 2),
            )
        )
        session.commit()
    assert _record(bolt, slack, cancelled).startswith(f"Outcome recorded for `{cancelled}`")


def test_an_outcome_without_a_pattern_is_kept_and_one_without_an_estimate_refused(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    unmatched = _campaign(runtime, CampaignStatus.DONE, pattern=None)
    said = _record(bolt, slack, unmatched)
    assert " It matched no pattern, so no estimate learns from it." in said
    unestimated = _campaign(runtime, CampaignStatus.DONE, factors=None)
    assert _command(bolt, f"outcome {unestimated}") == (
        f"Campaign `{unestimated}` has no estimate to compare with. Nothing changed."
    )
    assert [o.campaign_id for o in _outcomes(runtime)] == [unmatched]


PLAN = {"variables": {"lead_score": "number", "tier": "text"}}


def _status(runtime: Runtime, campaign_id: str) -> str | None:
    with runtime.sessions() as session:
        return campaigns.status_of(session, TEAM, campaign_id)


def _variables(runtime: Runtime, campaign_id: str) -> dict[str, object]:
    with runtime.sessions() as session:
        return dict(campaign_steps.variables_of(session, TEAM, campaign_id))


def test_only_the_requester_or_an_approver_may_pause_resume_cancel_or_set(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    running = _campaign(runtime, CampaignStatus.RUNNING, plan=PLAN)
    for text, what in [
        (f"pause {running}", "pause it"),
        (f"resume {running}", "resume it"),
        (f"cancel {running}", "cancel it"),
        (f"set lead_score 82 {running}", "set its variables"),
    ]:
        assert _command(bolt, text, OUTSIDER) == (
            f"Only <@{HUMAN}> (who asked for this campaign) or a workspace admin can {what}. "
            "Nothing changed."
        ), text
    assert _status(runtime, running) == CampaignStatus.RUNNING
    assert _variables(runtime, running) == {}
    assert slack.calls_to("chat.postEphemeral") == []  # answered in the ack, privately

    assert _command(bolt, f"pause {running}", APPROVER).startswith(f"Paused `{running}`")
    assert _command(bolt, f"resume {running}", HUMAN) == f"Resumed `{running}`."
    assert _command(bolt, f"set lead_score 82 {running}", APPROVER).startswith("Set `lead_score`")
    assert _command(bolt, f"cancel {running}", HUMAN).startswith(f"Cancelled `{running}`")
    assert _status(runtime, running) == CampaignStatus.CANCELLED
    assert _variables(runtime, running) == {"lead_score": 82.0}


def test_set_refuses_a_variable_the_plan_does_not_declare_or_of_the_wrong_type(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    running = _campaign(runtime, CampaignStatus.RUNNING, plan=PLAN)
    declared = "`lead_score` (a number), `tier` (text)"
    assert _command(bolt, f"set score 82 {running}") == (
        f"Campaign `{running}`'s plan has no variable `score`; it declares {declared}. "
        "Nothing changed."
    )
    assert _command(bolt, f"set lead_score high {running}") == (
        f'`lead_score` is a number in campaign `{running}`\'s plan, and "high" (text) is not. '
        f"It declares {declared}. Nothing changed."
    )
    assert _command(bolt, f"set tier 3 {running}").startswith("`tier` is text in campaign")
    no_plan = _campaign(runtime, CampaignStatus.PLANNED)
    assert _command(bolt, f"set tier gold {no_plan}") == (
        f"Campaign `{no_plan}`'s plan has no variable `tier`; it declares none. Nothing changed."
    )
    assert _variables(runtime, running) == {} and _variables(runtime, no_plan) == {}
    assert _command(bolt, f'set tier "gold plus" {running}').startswith("Set `tier`")
    assert _variables(runtime, running) == {"tier": "gold plus"}


def test_the_cards_cancel_button_makes_the_same_check(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    _command(bolt, CASE_STUDY)
    work(runtime)
    _click(bolt, slack, "Cancel", OUTSIDER)
    [refusal] = slack.ephemerals(CAMPAIGNS)
    assert (refusal["user"], refusal["text"]) == (
        OUTSIDER,
        f"Only <@{HUMAN}> (who asked for this campaign) or a workspace admin can cancel it. "
        "Nothing changed.",
    )
    with runtime.sessions() as session:
        [campaign] = session.scalars(select(Campaign)).all()
    assert campaign.status == CampaignStatus.PLANNED
    _click(bolt, slack, "Cancel", HUMAN)
    assert _status(runtime, campaign.id) == CampaignStatus.CANCELLED
