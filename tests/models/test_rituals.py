"""Ritual runs on both databases: a day's key is taken once however many claim it at once,
status moves are guarded, a workspace sees only its own runs, and migration 0010 goes up and
down."""

from __future__ import annotations

import concurrent.futures
from datetime import date

import sqlalchemy as sa
from alembic import command
from sqlalchemy.orm import Session, sessionmaker

from models import rituals
from models.db import alembic_config, upgrade
from models.rituals import Ritual, RunStatus

TEAM, OTHER_TEAM = "T1", "T2"
DAY = date(2026, 1, 14)


def test_eight_claims_of_one_days_key_make_one_run(sessions: sessionmaker[Session]) -> None:
    def claim(_index: int) -> str | None:
        with sessions() as session:
            return rituals.claim_run(session, TEAM, Ritual.STANDUP, DAY.isoformat(), DAY)

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        made = [run_id for run_id in pool.map(claim, range(8)) if run_id is not None]
    assert len(made) == 1
    with sessions() as session:
        (run,) = rituals.runs_on(session, TEAM, Ritual.STANDUP, DAY)
        assert run.id == made[0] and run.status == RunStatus.PENDING
        # the same key in another workspace, or for another ritual, is another run
        assert rituals.claim_run(session, OTHER_TEAM, Ritual.STANDUP, DAY.isoformat(), DAY)
        assert rituals.claim_run(session, TEAM, Ritual.EOD, DAY.isoformat(), DAY)
        assert rituals.load_run(session, OTHER_TEAM, run.id) is None


def test_moves_are_guarded_and_stamp_their_times(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        run_id = rituals.claim_run(session, TEAM, Ritual.STANDUP, "k", DAY, requested_by="U1")
        assert run_id is not None
        assert not rituals.move_run(
            session, OTHER_TEAM, run_id, from_=(RunStatus.PENDING,), to=RunStatus.RUNNING
        )
        assert rituals.move_run(
            session, TEAM, run_id, from_=(RunStatus.PENDING,), to=RunStatus.RUNNING
        )
        assert not rituals.move_run(  # a second worker does not start it again
            session, TEAM, run_id, from_=(RunStatus.PENDING,), to=RunStatus.RUNNING
        )
        rituals.set_thread(session, TEAM, run_id, "C1", "1.0")
        assert rituals.move_run(
            session, TEAM, run_id, from_=(RunStatus.RUNNING,), to=RunStatus.DONE
        )
        run = rituals.load_run(session, TEAM, run_id)
        assert run is not None and run.requested_by == "U1"
        assert (run.channel_id, run.thread_ts, run.status) == ("C1", "1.0", RunStatus.DONE)
        assert run.started_at is not None and run.finished_at is not None
        assert run.started_at <= run.finished_at


def test_migration_0010_goes_up_and_down(database_url: str) -> None:
    upgrade(database_url)
    assert "ritual_runs" in sa.inspect(sa.create_engine(database_url)).get_table_names()
    command.downgrade(alembic_config(database_url), "0009")
    engine = sa.create_engine(database_url)
    assert "ritual_runs" not in sa.inspect(engine).get_table_names()
    assert "campaigns" in sa.inspect(engine).get_table_names()
    engine.dispose()
    upgrade(database_url)
