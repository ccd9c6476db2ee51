"""What a standup reads, on both databases: the period starts at the previous standup held
(else a day back), and the rows are this workspace's open tasks, its tasks finished since,
and its pending approvals."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from jobs.rituals import standup_rows
from models import rituals
from models.base import utcnow
from models.rituals import Ritual, RitualRun, RunStatus
from models.work import Task
from sandbox.task_rows import request_task

TEAM, OTHER = "T1", "T2"


def _run(session: Session, key: str, team: str = TEAM) -> RitualRun:
    run_id = rituals.claim_run(session, team, Ritual.STANDUP, key, date(2026, 1, 14))
    assert run_id is not None
    run = rituals.load_run(session, team, run_id)
    assert run is not None
    return run


def test_the_period_starts_at_the_previous_standup_held_else_a_day_back(
    sessions: sessionmaker[Session],
) -> None:
    now = utcnow()
    with sessions() as session:
        first = _run(session, "2026-01-13")
        assert standup_rows.period_start(session, first, now) == now - timedelta(hours=24)
        held_at = now - timedelta(hours=23)
        session.execute(
            update(RitualRun)
            .where(RitualRun.id == first.id)
            .values(status=RunStatus.DONE.value, started_at=held_at)
        )
        skipped = _run(session, "2026-01-14-skipped")
        session.execute(
            update(RitualRun)
            .where(RitualRun.id == skipped.id)
            .values(status=RunStatus.SKIPPED.value, started_at=now - timedelta(hours=1))
        )
        elsewhere = _run(session, "2026-01-14", team=OTHER)
        session.execute(
            update(RitualRun)
            .where(RitualRun.id == elsewhere.id)
            .values(status=RunStatus.DONE.value, started_at=now - timedelta(hours=2))
        )
        session.commit()
        today = _run(session, "2026-01-14")
        assert standup_rows.period_start(session, today, now) == held_at


def test_the_rows_are_open_work_work_finished_since_and_pending_approvals(
    sessions: sessionmaker[Session],
) -> None:
    now = utcnow()
    with sessions() as session:
        rows = [
            request_task(TEAM, title="open", status="in_progress"),
            request_task(TEAM, title="done today", status="done", updated_at=now),
            request_task(TEAM, title="done long ago", status="done"),
            request_task(TEAM, title="cancelled", status="cancelled", updated_at=now),
            request_task(OTHER, title="other team", status="in_progress"),
        ]
        session.add_all(rows)
        session.commit()
        session.execute(
            update(Task)
            .where(Task.title == "done long ago")
            .values(updated_at=now - timedelta(days=5))
        )
        session.commit()
        found = standup_rows.load(session, TEAM, now - timedelta(hours=24))
        assert sorted(task.title for task in found.tasks) == ["done today", "open"]
        assert found.approvals == ()


def test_unfinished_runs_are_those_pending_or_running_past_the_grace(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        pending = _run(session, "a")
        running = _run(session, "b", team=OTHER)
        held = _run(session, "c")
        rituals.move_run(
            session, OTHER, running.id, from_=(RunStatus.PENDING,), to=RunStatus.RUNNING
        )
        rituals.move_run(session, TEAM, held.id, from_=(RunStatus.PENDING,), to=RunStatus.RUNNING)
        rituals.move_run(session, TEAM, held.id, from_=(RunStatus.RUNNING,), to=RunStatus.DONE)
        now = utcnow()
        later, day_ago = now + timedelta(seconds=60), now - timedelta(days=1)
        found = rituals.unfinished(session, older_than=later, newer_than=day_ago)
        assert sorted(found) == sorted([(TEAM, pending.id), (OTHER, running.id)])
        assert rituals.unfinished(session, older_than=day_ago, newer_than=day_ago) == []
        assert rituals.unfinished(session, older_than=later, newer_than=later) == []  # too old
