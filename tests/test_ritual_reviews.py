"""The reviews on a seeded database, posted to the Slack stand-in (issue 18): the morning
summary and the end of day. Each posts under its voice in its channel, states the records'
figures exactly and no other number, posts once however often its run is held, and says
so when the day was quiet."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from jobs.rituals.run import handler_for, run_ritual
from jobs.runtime import Runtime
from models import rituals
from models.approvals import ApprovalStatus
from models.kinds import EscalationCard, EscalationDetails
from models.rituals import Ritual, RitualRun, RunStatus
from models.work import TaskStatus
from sandbox.slack_api import SlackStandIn
from tests.conftest import CHANNEL_CONTENT, TEAM
from tests.work_rows import approval, call, decision, task

INSIGHTS, LEADERSHIP = "C0INSIGHTS", "C0LEADERSHIP"
OTHER_TEAM = "T0OTHER"
TODAY = date(2026, 12, 3)  # a Thursday
MIDNIGHT = datetime(2026, 12, 3, tzinfo=UTC)  # the workspace keeps UTC (the default)
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


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
