"""The records the reviews list by name, on SQLite and PostgreSQL: work done in a period,
what slipped, what is open (due first), the decisions taken and the cards waiting on
people, each for one workspace only; and the finishing time they rely on (migration 0014)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy.orm import Session, sessionmaker

from models import review_rows, tasks
from models.approvals import ApprovalStatus
from models.db import alembic_config, upgrade
from models.kinds import ApprovalStepDetails
from models.metric_values import Period
from models.work import TaskStatus
from tests.work_rows import approval, decision, task

TEAM, OTHER = "T1", "T2"


def _revision_before(revision: str) -> str:
    """The revision a migration follows (the chain is re-ordered as branches merge)."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    before = script.get_revision(revision).down_revision
    assert isinstance(before, str)
    return before


BEFORE_0014 = _revision_before("0014")
REQUEST_CONTEXT = """'{"kind": "request"}'"""  # a task's context, as SQL
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


def test_every_finishing_transition_stamps_the_time(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        rows = [task(TEAM, TaskStatus.OPEN, at(0), at(0)) for _ in range(2)]
        session.add_all(rows)
        session.commit()
        first, second = (row.id for row in rows)
        assert tasks.move(session, TEAM, first, from_=(TaskStatus.OPEN,), to=TaskStatus.WAITING)
        assert tasks.load_task(session, TEAM, first).finished_at is None  # type: ignore[union-attr]
        assert tasks.complete(session, TEAM, first, "deliverable", from_=(TaskStatus.WAITING,))
        assert tasks.move(session, TEAM, second, from_=(TaskStatus.OPEN,), to=TaskStatus.FAILED)
        session.expire_all()
        for task_id in (first, second):
            finished = tasks.load_task(session, TEAM, task_id)
            assert finished is not None and finished.finished_at is not None


def test_migration_0014_goes_up_and_down_and_fills_in_finished_tasks(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), BEFORE_0014)
    engine = sa.create_engine(database_url)
    made = datetime(2026, 11, 1, 9, tzinfo=UTC).replace(tzinfo=None)
    with engine.begin() as connection:
        for task_id, status in (("a", "done"), ("b", "open")):
            connection.execute(
                sa.text(
                    "INSERT INTO tasks (id, team_id, created_at, created_by, assigned_to, title,"
                    " brief, status, priority, depends_on, context, requirements,"
                    " approval_required, depth, turns_used, cost_usd, attempts, updated_at)"
                    " VALUES (:id, 'T1', :at, 'cmo', 'cmo', 't', 'b', :status, 'normal', '[]',"
                    f" {REQUEST_CONTEXT}, '{{}}', false, 0, 0, 0, 0, :at)"
                ),
                {"id": task_id, "status": status, "at": made},
            )
    upgrade(database_url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT id, finished_at FROM tasks")).all()
        filled: dict[str, object] = {row[0]: row[1] for row in rows}
    assert filled["b"] is None and filled["a"] is not None
    command.downgrade(alembic_config(database_url), BEFORE_0014)
    columns = {c["name"] for c in sa.inspect(engine).get_columns("tasks")}
    assert "finished_at" not in columns and "updated_at" in columns
    engine.dispose()
    upgrade(database_url)
