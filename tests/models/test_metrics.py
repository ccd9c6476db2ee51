"""The §10 metrics on a seeded database, on SQLite and PostgreSQL: exact values for a
known week, "no data" for an empty one, another workspace's rows never counted, and the
trend against the week before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session, sessionmaker

from models import metrics
from models.approvals import ApprovalStatus
from models.kinds import (
    ApprovalStepDetails,
    EscalationCard,
    EscalationDetails,
    RequestDetails,
)
from models.metric_values import NO_DATA, Direction, Period, Rate, compare
from models.records import Turn
from models.work import TaskStatus
from tests.work_rows import approval, call, decision, task

TEAM, OTHER = "T1", "T2"
MONDAY = datetime(2026, 1, 12, tzinfo=UTC)
WEEK = Period(MONDAY, MONDAY + timedelta(days=7))
CONTENT = ("blog_post", "daily_social_post")
TIERS = {"claude-opus-5-5": "opus", "claude-haiku-5-5": "haiku"}
CARD = EscalationCard(
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


def at(days: float, hours: float = 0) -> datetime:
    return MONDAY + timedelta(days=days, hours=hours)


def seed(session: Session, team: str) -> None:
    """The week of 12 January 2026: what each figure below is checked against."""
    turn = Turn(
        team_id=team,
        event_id=f"E{team}",
        source="app_mention",
        channel_id="C1",
        thread_ts="1.0",
        message_ts="1.0",
        user_id="U1",
        text="blog",
        created_at=at(-1),  # the idea: a day before the week
    )
    session.add(turn)
    session.flush()
    request = task(team, TaskStatus.DONE, at(0), at(2), RequestDetails(), turn=turn.id)
    rows = [
        request,
        task(team, TaskStatus.DONE, at(0), at(0, 4)),  # 4 h
        task(team, TaskStatus.DONE, at(1), at(1, 2)),  # 2 h
        task(team, TaskStatus.FAILED, at(1), at(3)),
        task(team, TaskStatus.IN_PROGRESS, at(1), at(1)),  # not ended: not counted
        task(team, TaskStatus.DONE, at(-3), at(-2)),  # ended the week before
        task(team, TaskStatus.DONE, at(2), at(2, 1), ApprovalStepDetails(approval_id="a")),
        task(team, TaskStatus.ESCALATED, at(2), at(2), EscalationDetails(card=CARD)),
    ]
    session.add_all(rows)
    session.flush()
    social = task(team, TaskStatus.DONE, at(3), at(3, 1))
    session.add(social)
    session.flush()
    session.add_all(
        [
            approval(team, request, ApprovalStatus.APPROVED, at(1), "blog_post"),
            approval(team, request, ApprovalStatus.CHANGES_REQUESTED, at(0, 12), "blog_post"),
            approval(team, social, ApprovalStatus.APPROVED, at(3, 3), "daily_social_post"),
            approval(team, social, ApprovalStatus.REJECTED, at(4), "campaign_email"),
            approval(team, social, ApprovalStatus.PENDING, None, "campaign_email"),
            approval(team, social, ApprovalStatus.APPROVED, at(-1), "blog_post"),  # before
            decision(team, "U0PERSON1", at(1)),
            decision(team, "content_manager", at(1)),
            decision(team, "autonomy", at(3, 3)),
            decision(team, "department", at(4)),  # an expired card: nobody decided
            call(team, "copywriter", "claude-opus-5-5-20260101", "1.50", at(0), input_tokens=100),
            call(team, "copywriter", "claude-haiku-5-5", "0.25", at(1), cache_read_tokens=300),
            call(team, "seo", "claude-mystery", "0.25", at(2), cache_write_tokens=100),
            call(team, "seo", "claude-haiku-5-5", "9", at(8)),  # the week after
        ]
    )
    session.commit()


@pytest.fixture
def seeded(sessions: sessionmaker[Session]) -> Session:
    with sessions() as session:
        seed(session, TEAM)
        seed(session, OTHER)  # the same rows in another workspace: never counted
    return sessions()


def test_figures_are_exact_on_a_seeded_week(seeded: Session) -> None:
    with seeded as s:
        # ended in the week: request (done), 4 h (done), 2 h (done), failed, social (done)
        assert metrics.task_completion_rate(s, TEAM, WEEK) == Rate(4, 5)
        # done: 48 h + 4 h + 2 h + 1 h over 4 tasks
        assert metrics.average_task_time(s, TEAM, WEEK) == timedelta(hours=55 / 4)
        # decided in the week: 2 approved, 1 sent back, 1 rejected (pending, earlier: not)
        assert metrics.approval_rate(s, TEAM, WEEK) == Rate(2, 4)
        assert metrics.send_back_rate(s, TEAM, WEEK) == Rate(1, 4)
        # 1 escalation raised, 3 decisions (the expired card's record is not one)
        assert metrics.escalations_raised(s, TEAM, WEEK) == 1
        assert metrics.escalation_rate(s, TEAM, WEEK) == Rate(1, 4)
        assert metrics.autonomy(s, TEAM, WEEK) == Rate(2, 3)
        assert metrics.content_approved(s, TEAM, WEEK, CONTENT) == 2
        assert metrics.content_per_week(s, TEAM, WEEK, CONTENT) == 2.0
        # blog: asked at day -1, approved day 1 (48 h); social: task at day 3, approved +3 h
        assert metrics.idea_to_approval(s, TEAM, WEEK, CONTENT) == timedelta(hours=51 / 2)
        assert metrics.llm_spend(s, TEAM, WEEK) == Decimal("2.00")
        assert metrics.spend_per_task(s, TEAM, WEEK) == Decimal("0.5")
        assert metrics.spend_per_agent(s, TEAM, WEEK) == {
            "copywriter": Decimal("1.75"),
            "seo": Decimal("0.25"),
        }
        assert metrics.spend_per_tier(s, TEAM, WEEK, TIERS) == {
            "opus": Decimal("1.5"),
            "haiku": Decimal("0.25"),
            "other": Decimal("0.25"),
        }
        assert metrics.cache_read_share(s, TEAM, WEEK) == Rate(300, 500)


def test_an_empty_period_has_no_data_not_zero(seeded: Session) -> None:
    quiet = Period(at(20), at(27))
    with seeded as s:
        card = metrics.scorecard(s, TEAM, quiet, content_types=CONTENT, tiers=TIERS)
        for figure in (
            card.completion,
            card.task_time,
            card.approval,
            card.send_back,
            card.escalation,
            card.autonomy,
            card.idea_to_approval,
            card.spend_per_task,
            card.cache_read,
        ):
            assert figure is NO_DATA
        assert card.spend == 0 and card.content_per_week == 0.0
        assert card.spend_per_agent == {} and card.spend_per_tier == {}
        # a workspace with no rows at all is the same
        nobody = metrics.scorecard(s, "T9", WEEK, content_types=CONTENT, tiers=TIERS)
        assert nobody.approval is NO_DATA and nobody.spend == 0


def test_the_trend_compares_with_the_period_before(seeded: Session) -> None:
    with seeded as s:
        now = metrics.approval_rate(s, TEAM, WEEK)
        before = metrics.approval_rate(s, TEAM, WEEK.previous())  # one approval, approved
        spend_now = metrics.llm_spend(s, TEAM, WEEK)
        spend_next = metrics.llm_spend(s, TEAM, Period(WEEK.end, WEEK.end + WEEK.length))
    assert WEEK.previous() == Period(MONDAY - timedelta(days=7), MONDAY)
    assert before == Rate(1, 1)
    trend = compare(now, before)
    assert trend.direction == Direction.DOWN and trend.change == pytest.approx(-0.5)
    assert compare(spend_next, spend_now).direction == Direction.UP
    assert compare(Rate(1, 2), Rate(2, 4)).direction == Direction.FLAT
    assert compare(NO_DATA, before).direction == Direction.UNKNOWN
    assert compare(timedelta(hours=2), timedelta(hours=3)).change == -3600


def test_a_period_is_aware_and_forward() -> None:
    with pytest.raises(ValueError):
        Period(datetime(2026, 1, 1), datetime(2026, 1, 2))
    with pytest.raises(ValueError):
        Period(at(1), at(1))
    with pytest.raises(ValueError):
        Rate(2, 1)
