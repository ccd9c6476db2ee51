"""The campaign budget holds before it is spent, end to end on the scripted department: each
Claude call of a step is checked first from its estimate; a call that would pass the budget
is not made, its task is parked and the campaign held; a budget approver's card raises the
budget (the parked step goes on, nothing runs twice) or stops the campaign (its report is
posted). The campaign card warns from 80 %.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select, update

from bots.prompts import SystemPrompt
from errors import CampaignBudgetHeld
from jobs.approvals.cards import ACTIONS
from jobs.campaigns import budget, control
from jobs.campaigns.engine import CampaignEngine
from jobs.claude.client import ChatMessage, LlmRequest
from jobs.claude.estimate import CHARS_PER_TOKEN, estimate_usd
from jobs.runtime import Runtime
from models import campaigns
from models.campaigns import Campaign, CampaignStatus, StepStatus
from models.records import LlmCall
from models.work import Task, TaskStatus
from sandbox.claude_api import ScriptedClaude
from sandbox.product_turns import agent_of
from sandbox.slack_api import SlackStandIn
from tests.conftest import HUMAN, TEAM, ServedApp, work
from tests.test_campaign_engine import (
    CAMPAIGNS,
    STEPS_IN_A_ROW,
    _planned,
    _statuses,
    _step_tasks,
    clock,  # noqa: F401  (the fixture: time frozen at the campaign's start, ticking)
)
from tests.test_campaign_gates import (
    MARIA,
    SAM,
    card_text,
    cards_in,
    click,
    ephemerals_to,
    people,  # noqa: F401  (the fixture: an admin and a colleague)
    progress_text,
    submit_modal,
    thread_of,
)
from tests.test_campaign_progress import _charge

pytestmark = pytest.mark.usefixtures("clock", "people")
TINY = Decimal("0.01")  # less than any step's call is estimated to cost


def _budget(rt: Runtime, campaign_id: str, usd: Decimal) -> None:
    with rt.sessions() as session:
        session.execute(update(Campaign).where(Campaign.id == campaign_id).values(budget_usd=usd))
        session.commit()


def _campaign(rt: Runtime, campaign_id: str) -> Campaign:
    with rt.sessions() as session:
        campaign = campaigns.load_campaign(session, TEAM, campaign_id)
    assert campaign is not None
    return campaign


def _held_campaign(rt: Runtime, slack: SlackStandIn, claude: ScriptedClaude) -> str:
    """Three steps in a row whose first call would pass the budget: parked, held."""
    campaign_id = _planned(rt, slack, STEPS_IN_A_ROW)
    _budget(rt, campaign_id, TINY)
    control.approve(rt, TEAM, campaign_id, HUMAN)
    work(rt)
    assert claude.requests == []  # the call was not made
    assert _statuses(rt, campaign_id)["first"] == StepStatus.STARTED
    assert _step_tasks(rt, campaign_id)["first"].status == TaskStatus.PARKED
    return campaign_id


def test_an_estimate_prices_the_prompt_and_every_token_the_call_may_write(
    runtime: Runtime,
) -> None:
    model = runtime.settings.model_sonnet
    small = LlmRequest(model, SystemPrompt("d" * 300, "r" * 300), [ChatMessage("user", "hi")], 100)
    large = LlmRequest(model, small.system, [ChatMessage("user", "x" * 30_000)], 100)
    longer = LlmRequest(model, small.system, small.messages, 4_000)
    price = runtime.prices.price_for(model)
    assert estimate_usd(runtime.prices, small) >= (
        Decimal(600 // CHARS_PER_TOKEN) * price.input + 100 * price.output
    ) / Decimal(1_000_000)
    assert estimate_usd(runtime.prices, large) - estimate_usd(runtime.prices, small) >= (
        Decimal((30_000 - len("hi")) // CHARS_PER_TOKEN) * price.input / Decimal(1_000_000)
    )
    assert estimate_usd(runtime.prices, longer) - estimate_usd(runtime.prices, small) == (
        3_900 * price.output / Decimal(1_000_000)
    )


def test_a_call_that_would_pass_the_budget_is_held_and_the_raise_resumes_the_step(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, bolt: ServedApp
) -> None:
    campaign_id = _held_campaign(runtime, slack, claude)
    thread = thread_of(runtime, campaign_id)
    for _ in range(3):  # passes again and again: one card, one notice
        CampaignEngine(runtime).advance(TEAM, campaign_id)
    held = _campaign(runtime, campaign_id)
    assert held.budget_hold_usd is not None and held.budget_hold_usd > TINY
    offer = f"${held.budget_hold_usd:,.2f}"
    [card] = cards_in(slack, thread, "Budget:")
    assert f"Raise budget to {offer}" in card_text(card) and "Stop campaign" in str(card)
    assert "budget held" in progress_text(slack, thread)
    [campaign_card] = [m for m in slack.messages(CAMPAIGNS) if m["ts"] == thread]
    assert "Budget held" in str(campaign_card["blocks"])
    assert _statuses(runtime, campaign_id)["second"] == StepStatus.PENDING  # nothing new

    click(bolt, slack, card, ACTIONS["approve"], SAM)  # not a budget approver
    assert any("admin" in text for text in ephemerals_to(slack, SAM))
    work(runtime)
    assert _campaign(runtime, campaign_id).budget_usd == TINY

    click(bolt, slack, card, ACTIONS["approve"], MARIA)
    work(runtime)
    raised = _campaign(runtime, campaign_id)
    assert raised.budget_usd == held.budget_hold_usd and raised.budget_hold_usd is None
    assert set(_statuses(runtime, campaign_id).values()) == {StepStatus.DONE}
    assert [agent_of(r.body) for r in claude.requests] == ["copywriter"] * 3  # each once
    first = _step_tasks(runtime, campaign_id)["first"]
    assert first.channel_id is not None
    [answer] = slack.messages(first.channel_id, first.thread_ts)[1:]  # the held turn's reply
    assert "budget is held" not in answer["text"]
    [card] = cards_in(slack, thread, "Budget:")
    assert f"approved by <@{MARIA}>" in card_text(card)
    with runtime.sessions() as session:
        spent = sum(call.cost_usd for call in session.scalars(select(LlmCall)))
    assert spent <= raised.budget_usd and raised.status == CampaignStatus.DONE


def test_stop_campaign_on_the_budget_card_cancels_it_and_posts_the_report(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, bolt: ServedApp
) -> None:
    campaign_id = _held_campaign(runtime, slack, claude)
    work(runtime)
    [card] = cards_in(slack, thread_of(runtime, campaign_id), "Budget:")
    click(bolt, slack, card, ACTIONS["reject"], MARIA)
    submit_modal(bolt, slack, MARIA, "Enough for this quarter")
    work(runtime)
    stopped = _campaign(runtime, campaign_id)
    assert stopped.status == CampaignStatus.CANCELLED and stopped.budget_usd == TINY
    assert set(_statuses(runtime, campaign_id).values()) == {StepStatus.CANCELLED}
    assert _step_tasks(runtime, campaign_id)["first"].status == TaskStatus.CANCELLED
    assert claude.requests == []
    [card] = cards_in(slack, thread_of(runtime, campaign_id), "Budget:")
    assert f"Campaign stopped by <@{MARIA}>" in card_text(card)
    reports = [m for m in slack.messages(CAMPAIGNS) if "was cancelled" in m["text"]]
    assert len(reports) == 1


def test_the_campaign_card_warns_from_80_percent_and_says_when_the_budget_holds(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    campaign_id = _planned(runtime, slack, STEPS_IN_A_ROW)
    _budget(runtime, campaign_id, Decimal("1.00"))
    control.approve(runtime, TEAM, campaign_id, HUMAN)
    engine = CampaignEngine(runtime)
    engine.advance(TEAM, campaign_id)
    thread = thread_of(runtime, campaign_id)

    def card() -> str:
        [message] = [m for m in slack.messages(CAMPAIGNS) if m["ts"] == thread]
        return str(message.get("blocks"))

    assert "Over 80%" not in card()
    _charge(runtime, campaign_id, "0.85")
    engine.advance(TEAM, campaign_id)
    assert "Over 80% of the budget: $0.85 of the $1.00 budget spent (85%)" in card()

    def card_edits() -> int:
        return sum(call.args.get("ts") == thread for call in slack.calls_to("chat.update"))

    edits = card_edits()
    engine.advance(TEAM, campaign_id)  # nothing changed: the card is not edited again
    assert card_edits() == edits
    _charge(runtime, campaign_id, "0.15")
    engine.advance(TEAM, campaign_id)
    assert "Budget held: $1.00 of the $1.00 budget spent (100%)" in card()


def test_work_delegated_below_a_step_is_checked_against_its_campaign(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    campaign_id = _planned(runtime, slack, STEPS_IN_A_ROW)
    control.approve(runtime, TEAM, campaign_id, HUMAN)
    CampaignEngine(runtime).advance(TEAM, campaign_id)
    step_task = _step_tasks(runtime, campaign_id)["first"]
    below = Task(
        team_id=TEAM,
        parent_task_id=step_task.id,
        created_by="copywriter",
        assigned_to="social_media_manager",
        title="A delegated piece",
        brief="Below the step",
        context=step_task.context,
    )
    with runtime.sessions() as session:
        session.add(below)
        session.commit()
        below_id = below.id
    _budget(runtime, campaign_id, TINY)
    request = LlmRequest(
        runtime.settings.model_sonnet, SystemPrompt("d", "r"), [ChatMessage("user", "hi")], 2048
    )
    with pytest.raises(CampaignBudgetHeld):
        budget.call_check(runtime, TEAM, below_id)(request)
    assert _campaign(runtime, campaign_id).budget_hold_usd is not None
    budget.call_check(runtime, TEAM, "not-a-campaign-task")(request)  # other work: no check
