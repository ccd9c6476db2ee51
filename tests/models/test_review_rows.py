"""The records the reviews list by name, on SQLite and PostgreSQL: work done in a period,
what slipped, what is open (due first), the decisions taken and the cards waiting on
people, each for one workspace only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from models import review_rows
from models.approvals import ApprovalStatus
from models.kinds import ApprovalStepDetails
from models.metric_values import Period
from models.work import TaskStatus
from tests.work_rows import approval, decision, task

TEAM, OTHER = "T1", "T2"
DAY = datetime(2026, 12, 2, tzinfo=UTC)
TODAY = Period(DAY, DAY + timedelta(days=1))


def at(hours: float) -> datetime:
    return DAY + timedelta(hours=hours)


def seed(session: Session, team: str) -> None:
    done = task(team, TaskStatus.DONE, at(-30), at(10), title="done")
    rows = [
        done,
        task(team, TaskStatus.DONE, at(-30), at(9), title="done first"),
        task(team, TaskStatus.DONE, at(-30), at(-2), title="done before"),
        task(team, TaskStatus.DONE, at(1), at(2), ApprovalStepDetails(approval_id="a")),
        task(team, TaskStatus.OPEN, at(-5), at(-5), title="due today", due=date(2026, 12, 2)),
        task(team, TaskStatus.WAITING, at(-50), at(-50), title="late", due=date(2026, 11, 30)),
        task(team, TaskStatus.IN_PROGRESS, at(-60), at(-60), title="undated"),
        task(team, TaskStatus.OPEN, at(-5), at(-5), title="next week", due=date(2026, 12, 9)),
        task(team, TaskStatus.CANCELLED, at(-5), at(-5), title="dropped", due=date(2026, 12, 1)),
    ]
    session.add_all(rows)
    session.flush()
    card = approval(team, done, ApprovalStatus.PENDING, None, "blog_post")
    card.card_ts = "2.0"
    session.add_all(
        [
            card,
            approval(team, done, ApprovalStatus.PENDING, None, "blog_post"),  # no card yet
            decision(team, "cmo", at(3), "kept"),
            decision(team, "department", at(4), "expired"),
            decision(team, "cmo", at(30), "tomorrow"),
        ]
    )
    session.commit()


def test_the_rows_a_review_lists(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        seed(session, TEAM)
        seed(session, OTHER)
        titles = [t.title for t in review_rows.work_done(session, TEAM, TODAY)]
        assert titles == ["done first", "done"]
        slipped = review_rows.work_slipped(session, TEAM, date(2026, 12, 2))
        assert [t.title for t in slipped] == ["late", "due today"]
        open_work = review_rows.work_open(session, TEAM, limit=3)
        assert [t.title for t in open_work] == ["late", "due today", "next week"]
        assert [t.title for t in review_rows.work_open(session, TEAM, 10)][-1] == "undated"
        decided = review_rows.decisions_taken(session, TEAM, TODAY)
        assert [d.decision for d in decided] == ["kept"]
        (waiting,) = review_rows.waiting_on_people(session, TEAM)
        assert waiting.card_ts == "2.0" and waiting.team_id == TEAM
        assert review_rows.work_done(session, "T9", TODAY) == []
