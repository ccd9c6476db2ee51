"""The reviews on a seeded database, posted to the Slack stand-in (issue 18): the morning
summary, the end of day, weekly planning, the monthly review and quarterly planning. Each
posts under its voice in its channel, states the records' figures exactly and no other
number, posts once however often its run is held, and says so when the period was quiet."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from jobs.approvals.posts import after_decision
from jobs.rituals import review_decisions
from jobs.rituals.run import handler_for, run_ritual
from jobs.runtime import Runtime
from models import approvals, ritual_settings, rituals, tasks
from models.approvals import Approval, ApprovalStatus
from models.kinds import EscalationCard, EscalationDetails
from models.records import LlmCall
from models.rituals import Ritual, RitualRun, RunStatus
from models.work import Decision, Task, TaskStatus
from sandbox.claude_api import ScriptedClaude, ToolUseReply
from sandbox.scripted_department import department_responder
from sandbox.slack_api import SlackStandIn
from tests.conftest import CHANNEL_CONTENT, HUMAN, TEAM, work
from tests.work_rows import approval, call, decision, task

INSIGHTS, LEADERSHIP = "C0INSIGHTS", "C0LEADERSHIP"
OTHER_TEAM = "T0OTHER"
TODAY = date(2026, 12, 3)  # a Thursday
MIDNIGHT = datetime(2026, 12, 3, tzinfo=UTC)  # the workspace keeps UTC (the default)
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@pytest.fixture()
def claude() -> Iterator[ScriptedClaude]:
    """The scripted department: its VP and CMO answer the reviews' forced tools."""
    with ScriptedClaude(responder=department_responder) as stub:
        yield stub


@pytest.fixture
def review_slack(slack: SlackStandIn) -> Iterator[SlackStandIn]:
    slack.add_channel(INSIGHTS, "mkt-insights", is_member=False)
    slack.add_channel(LEADERSHIP, "mkt-leadership", is_member=False)
    yield slack


def at(days: float, hours: float = 0) -> datetime:
    """Relative to the review day's midnight (UTC)."""
    return MIDNIGHT + timedelta(days=days, hours=hours)


def hold(rt: Runtime, ritual: Ritual, day: date = TODAY) -> RitualRun:
    """Claim the day's run and hold it, then hold the same run again, as a repeated job
    (its run reset to running, as a dead worker leaves it) would."""
    with rt.sessions() as session:
        run_id = rituals.claim_run(session, TEAM, ritual, day.isoformat(), day)
    assert run_id is not None
    assert run_ritual(TEAM, run_id) == "posted"
    with rt.sessions() as session:
        run = rituals.load_run(session, TEAM, run_id)
        assert run is not None and run.status == RunStatus.DONE
    handler = handler_for(ritual)
    assert handler is not None and handler(rt, run) == "posted"  # posts nothing new
    return run


def only_post(slack: SlackStandIn, channel: str) -> dict[str, Any]:
    (message,) = slack.messages(channel)
    return message


def numbers(message: dict[str, Any]) -> set[str]:
    return set(NUMBER.findall(message["text"]))


def seed_yesterday(rt: Runtime, team: str) -> None:
    """2 December: two tasks done (one with a thread), one failed, one approval of two,
    one escalation, $0.50 spent; $1.00 on 1 December; other days' rows around them."""
    card = EscalationCard(
        level="VP",
        category="budget",
        from_name="Content Manager",
        to_name="VP Marketing",
        urgency="normal",
        issue="i",
        attempts_made="a",
        recommendation="r",
        impact="m",
    )
    with rt.sessions() as session:
        blog = task(
            team,
            TaskStatus.DONE,
            at(-2),
            at(-1, 10),
            title="Blog post on AI ROI",
            thread=(CHANNEL_CONTENT, "1700000000.000100"),
        )
        rows = [
            blog,
            task(
                team,
                TaskStatus.DONE,
                at(-1, 9),
                at(-1, 11),
                title="SEO brief",
                assigned_to="seo_specialist",
            ),
            task(team, TaskStatus.FAILED, at(-1, 9), at(-1, 12)),
            task(team, TaskStatus.DONE, at(-3), at(-3, 1)),  # done before yesterday
            task(team, TaskStatus.DONE, at(0, 2), at(0, 3), title="Newsletter"),  # today
            task(team, TaskStatus.ESCALATED, at(-1, 13), at(-1, 13), EscalationDetails(card=card)),
            task(
                team,
                TaskStatus.IN_PROGRESS,
                at(-2),
                at(-1),
                title="Case study",
                due=TODAY - timedelta(days=1),
            ),
        ]
        session.add_all(rows)
        session.flush()
        session.add_all(
            [
                approval(team, blog, ApprovalStatus.APPROVED, at(-1, 10), "blog_post"),
                approval(team, blog, ApprovalStatus.CHANGES_REQUESTED, at(-1, 8), "blog_post"),
                decision(team, "content_manager", at(0, 1), "Publish on Friday"),
                call(team, "copywriter", "claude-opus-5-5", "0.50", at(-1, 10)),
                call(team, "copywriter", "claude-opus-5-5", "1.00", at(-2, 10)),
                call(team, "copywriter", "claude-opus-5-5", "7.00", at(-3, 10)),  # November
                call(team, "seo_specialist", "claude-haiku-5-5", "0.25", at(0, 4)),  # today
            ]
        )
        session.commit()


def test_the_morning_summary_states_yesterdays_figures_once(
    runtime: Runtime, review_slack: SlackStandIn
) -> None:
    seed_yesterday(runtime, TEAM)
    seed_yesterday(runtime, OTHER_TEAM)  # another workspace's day: never counted
    hold(runtime, Ritual.MORNING)
    post = only_post(review_slack, INSIGHTS)
    assert post["username"] == "Analytics Specialist"
    text = post["text"]
    assert "Morning summary · Thu 3 Dec" in text
    assert "Tasks completed: 2" in text
    assert "Approval rate: 50% (1 of 2)" in text
    assert "Escalations: 1" in text
    assert "LLM spend yesterday: $0.50" in text and "LLM spend this month: $1.50" in text
    # every number is a fact above (or the date): none invented, no traffic figure
    assert numbers(post) <= {"3", "2", "50", "1", "0.50", "1.50"}
    assert [b["type"] for b in post["blocks"]][:2] == ["header", "section"]
    assert "Traffic" in post["blocks"][-1]["elements"][0]["text"]


def test_a_quiet_morning_says_so(runtime: Runtime, review_slack: SlackStandIn) -> None:
    seed_yesterday(runtime, OTHER_TEAM)
    hold(runtime, Ritual.MORNING)
    text = only_post(review_slack, INSIGHTS)["text"]
    assert "A quiet day yesterday" in text
    assert "Approval rate: no data" in text and "LLM spend yesterday: $0.00" in text


def test_the_end_of_day_lists_the_days_work_to_the_cmo(
    runtime: Runtime, review_slack: SlackStandIn
) -> None:
    seed_yesterday(runtime, TEAM)
    seed_yesterday(runtime, OTHER_TEAM)
    hold(runtime, Ritual.EOD, TODAY - timedelta(days=1))  # the end of 2 December
    post = only_post(review_slack, LEADERSHIP)
    assert post["username"] == "VP Marketing"
    text = post["text"]
    assert text.startswith("*End of day · Wed 2 Dec*\n\nTo the CMO: here is the day.")
    assert "• Copywriter: Blog post on AI ROI · <" in text  # linked to its thread
    assert "• SEO Specialist: SEO brief · thread" in text  # no thread: no link
    assert "*Slipped*\n• Copywriter: Case study (due Wed 2 Dec, in progress)" in text
    assert "*LLM spend today* $0.50" in text
    assert "Decisions" not in text  # the one decision was on 3 December
    assert "Newsletter" not in text
    assert post["blocks"][-1]["elements"][0]["text"] == "2 done · 1 slipped · 0 decided"


def test_a_quiet_end_of_day_says_so(runtime: Runtime, review_slack: SlackStandIn) -> None:
    seed_yesterday(runtime, OTHER_TEAM)
    hold(runtime, Ritual.EOD)
    text = only_post(review_slack, LEADERSHIP)["text"]
    assert "a quiet day: nothing finished, nothing slipped, nothing was decided." in text
    assert "$0.00" in text


# --- weekly planning and the monthly review: figures with trends, and one cheap model call --

MONDAY = date(2026, 12, 7)  # weekly planning reviews 30 Nov to 6 Dec


def seed_week_before(rt: Runtime, team: str) -> None:
    """One approval, approved, in the week of 23 November (the week before the review's)."""
    with rt.sessions() as session:
        draft = task(team, TaskStatus.DONE, at(-9), at(-9, 2))
        session.add(draft)
        session.flush()
        session.add(approval(team, draft, ApprovalStatus.APPROVED, at(-8), "blog_post"))
        session.commit()


def review_calls(claude: ScriptedClaude, tool: str) -> list[dict[str, Any]]:
    return [
        r.body for r in claude.requests if (r.body.get("tool_choice") or {}).get("name") == tool
    ]


def test_weekly_planning_posts_the_weeks_figures_and_a_plan_card_once(
    runtime: Runtime, review_slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    seed_yesterday(runtime, TEAM)
    seed_week_before(runtime, TEAM)
    seed_yesterday(runtime, OTHER_TEAM)
    run = hold(runtime, Ritual.WEEKLY, MONDAY)
    opener, card = review_slack.messages(LEADERSHIP)  # the card is in the opener's thread
    assert run.thread_ts == opener["ts"] == card["thread_ts"]
    assert opener["username"] == card["username"] == "VP Marketing"
    text = opener["text"]
    assert text.startswith("*Weekly planning · week of Mon 7 Dec*")
    assert "• Task completion: 80% (4 of 5) ↓ from 100% (1 of 1)" in text
    assert "• Approval rate: 50% (1 of 2) ↓ from 100% (1 of 1)" in text
    assert "• Escalation rate: 50% (1 of 2)" in text and "• Autonomy: 100% (1 of 1)" in text
    assert "• LLM spend: $8.75 ↑ from $0.00" in text
    # the plan: the VP's call on the cheapest tier, priced against the run; a card once
    (asked,) = review_calls(claude, "propose_week_priorities")
    assert asked["model"] == runtime.settings.model_haiku
    with runtime.sessions() as session:
        (plan,) = session.scalars(
            select(Approval)
            .where(Approval.team_id == TEAM)
            .where(Approval.action_type == "weekly_plan")
        )
        (spent,) = session.scalars(select(LlmCall).where(LlmCall.turn_id == run.id))
    assert spent.agent_id == "vp_marketing" and spent.cost_usd > 0
    assert plan.status == ApprovalStatus.PENDING and plan.card_ts == card["ts"]
    assert (
        plan.draft == "1. Land “Case study”: it slipped: it was due 2026-12-02 (tasks: Case study)"
    )
    assert [e["text"]["text"] for e in card["blocks"][-1]["elements"]] == [
        "Approve",
        "Request changes",
        "Reject",
    ]
    # a person approves: the approvals' own follow-up completes the step, wakes the VP's plan
    with runtime.sessions() as session:
        assert approvals.decide(session, TEAM, plan.id, ApprovalStatus.APPROVED, by=HUMAN)
    assert after_decision(TEAM, plan.id) == ApprovalStatus.APPROVED
    with runtime.sessions() as session:
        woken = tasks.load_task(session, TEAM, plan.subject_id)
        assert woken is not None and woken.status == TaskStatus.READY
    work(runtime)  # the VP's turn on the approved plan, in the planning thread
    with runtime.sessions() as session:
        done = tasks.load_task(session, TEAM, plan.subject_id)
        assert done is not None and done.status == TaskStatus.DONE
        assert done.finished_at is not None and done.finished_at >= done.created_at
    *_, went_on = review_slack.messages(LEADERSHIP, opener["ts"])
    assert went_on["username"] == "VP Marketing" and went_on["ts"] not in (opener["ts"], card["ts"])


def test_weekly_priorities_with_invented_numbers_are_left_out(
    runtime: Runtime, review_slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    seed_yesterday(runtime, TEAM)
    with runtime.sessions() as session:
        (case,) = session.scalars(select(Task).where(Task.title == "Case study"))
    claude.enqueue(
        ToolUseReply(
            "propose_week_priorities",
            {
                "priorities": [
                    {"title": "Grow blog traffic by 40%", "why": "traffic", "task_ids": []},
                    {"title": "Ship the case study", "task_ids": [case.id, "made-up-id"]},
                ]
            },
        )
    )
    hold(runtime, Ritual.WEEKLY, MONDAY)
    with runtime.sessions() as session:
        (plan,) = session.scalars(select(Approval).where(Approval.action_type == "weekly_plan"))
    assert plan.draft == "1. Ship the case study (tasks: Case study)"


def test_a_quiet_week_has_nothing_to_plan(
    runtime: Runtime, review_slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    seed_yesterday(runtime, OTHER_TEAM)
    hold(runtime, Ritual.WEEKLY, MONDAY)
    opener, note = review_slack.messages(LEADERSHIP)
    assert "A quiet week" in opener["text"] and "• Approval rate: no data" in opener["text"]
    assert note["text"] == "Nothing is open: no priorities to propose."
    assert claude.requests == []  # nothing to plan: no model call


JANUARY = date(2027, 1, 4)  # the monthly review of December 2026


def test_the_monthly_review_records_the_cmos_decisions_and_links_them(
    runtime: Runtime, review_slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    seed_yesterday(runtime, TEAM)
    seed_yesterday(runtime, OTHER_TEAM)
    run = hold(runtime, Ritual.MONTHLY, JANUARY)
    post = only_post(review_slack, LEADERSHIP)
    assert post["username"] == "CMO" and run.thread_ts == post["ts"]
    text = post["text"]
    assert text.startswith("*Monthly review · December 2026*")
    # December: 3 of 4 ended tasks done; November (30 Nov): 1 of 1
    assert "• Task completion: 75% (3 of 4) ↓ from 100% (1 of 1)" in text
    assert "• Approval rate: 50% (1 of 2) (before: no data)" in text
    assert len(review_calls(claude, "record_review_decisions")) == 1
    with runtime.sessions() as session:
        (decided,) = session.scalars(select(Decision).where(Decision.decision_maker == "cmo"))
    assert decided.id == review_decisions.decision_id(run, 0) and decided.team_id == TEAM
    assert decided.type in review_decisions.decidable(runtime, "monthly")
    assert decided.context == "Monthly review · December 2026"
    assert decided.reasoning == "Approval rate was 50% (1 of 2) (before: no data)"
    assert f"record `{decided.id[:8]}`" in text and decided.decision in text


def test_a_monthly_decision_quoting_an_invented_figure_is_not_recorded(
    runtime: Runtime, review_slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    seed_yesterday(runtime, TEAM)
    claude.enqueue(
        ToolUseReply(
            "record_review_decisions",
            {
                "decisions": [
                    {
                        "type": "brand_positioning",
                        "decision": "Cut spend by 30%",
                        "reasoning": "costs",
                    },
                    {
                        "type": "budget_allocation",
                        "decision": "Move budget to ads",
                        "reasoning": "a person must approve this type",
                    },
                ]
            },
        )
    )
    hold(runtime, Ritual.MONTHLY, JANUARY)
    text = only_post(review_slack, LEADERSHIP)["text"]
    assert "*Decisions* none this month: the course holds." in text
    with runtime.sessions() as session:
        assert session.scalars(select(Decision).where(Decision.decision_maker == "cmo")).all() == []


# --- quarterly planning: the monthly review's machinery over calendar quarters ---------------


def seed_third_quarter(rt: Runtime, team: str) -> None:
    """Q3 2026: one task done in September, one failed in August, $2.00 spent; no approval."""
    with rt.sessions() as session:
        september = datetime(2026, 9, 10, tzinfo=UTC)
        session.add_all(
            [
                task(team, TaskStatus.DONE, september, september + timedelta(hours=5)),
                task(team, TaskStatus.FAILED, september - timedelta(days=36), september),
                call(team, "copywriter", "claude-opus-5-5", "2.00", september),
            ]
        )
        session.commit()


def test_quarterly_planning_reviews_the_quarter_and_records_the_cmos_decisions_once(
    runtime: Runtime, review_slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    seed_yesterday(runtime, TEAM)  # all of it in Q4 (30 November to 3 December)
    seed_third_quarter(runtime, TEAM)
    seed_yesterday(runtime, OTHER_TEAM)
    seed_third_quarter(runtime, OTHER_TEAM)
    run = hold(runtime, Ritual.QUARTERLY, JANUARY)  # held twice: one post, one call
    post = only_post(review_slack, LEADERSHIP)
    assert post["username"] == "CMO" and run.thread_ts == post["ts"]
    text = post["text"]
    assert text.startswith(
        "*Quarterly planning · Q1 2027*\nThe quarter in figures. Q4 2026 against the quarter"
    )
    assert "• Task completion: 80% (4 of 5) ↑ from 50% (1 of 2)" in text
    assert "• Approval rate: 50% (1 of 2) (before: no data)" in text
    assert "• LLM spend: $8.75 ↑ from $2.00" in text
    (asked,) = review_calls(claude, "record_review_decisions")
    assert asked["model"] == runtime.settings.model_haiku
    assert "quarterly planning" in str(asked["messages"])
    with runtime.sessions() as session:
        (decided,) = session.scalars(select(Decision).where(Decision.decision_maker == "cmo"))
        (spent,) = session.scalars(select(LlmCall).where(LlmCall.turn_id == run.id))
    assert spent.agent_id == "cmo" and spent.cost_usd > 0
    assert decided.id == review_decisions.decision_id(run, 0) and decided.team_id == TEAM
    assert decided.type == "campaign_strategy"
    assert decided.context == "Quarterly planning · Q1 2027"
    assert decided.reasoning == "Approval rate was 50% (1 of 2) (before: no data)"
    assert f"*Campaign strategy*: {decided.decision}" in text
    assert f"record `{decided.id[:8]}`" in text


def test_a_quiet_quarter_is_named_in_the_workspaces_own_days_and_asks_nothing(
    runtime: Runtime, review_slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    """In Berlin, Q4 starts on 30 September at 22:00 UTC: still "Q4 2026", never "Q3"."""
    with runtime.sessions() as session:
        ritual_settings.save_calendar(session, TEAM, HUMAN, time_zone="Europe/Berlin")
    seed_yesterday(runtime, OTHER_TEAM)
    hold(runtime, Ritual.QUARTERLY, JANUARY)
    text = only_post(review_slack, LEADERSHIP)["text"]
    assert text.startswith("*Quarterly planning · Q1 2027*\nA quiet quarter: no work ended")
    assert "Q4 2026 against the quarter before:" in text
    assert "• Approval rate: no data (before: no data)" in text
    assert "*Decisions* none this quarter: the course holds." in text
    assert claude.requests == []  # nothing to decide on: no model call
