"""A workspace that leaves, beside one that stays: only the leaver's jobs are dropped, its
campaigns paused, its rituals skipped, and after the retention period every row of it (and
nothing of the other) deleted. Real Redis, the migrated database."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from freezegun import freeze_time
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from jobs.queue import (
    FORGET_WORKSPACE,
    PUBLISH_HOME,
    RUN_TURN,
    Lane,
    enqueue,
    lane_queue,
    turn_queue,
)
from jobs.rituals.tick import start_due_rituals
from jobs.runtime import Runtime
from jobs.workspace_exit import forget, purge_expired
from models import ritual_settings, turns, workspaces
from models.base import utcnow
from models.campaigns import Campaign, CampaignStatus
from models.installations import slack_tables
from models.turns import InboundMessage

LEAVING, STAYING = "T0LEAVING", "T0STAYING"


def _turn(rt: Runtime, team_id: str) -> str:
    message = InboundMessage(
        team_id, f"Ev-{team_id}", "app_mention", "C1", False, "1.0", "1.0", "U1", "hello"
    )
    with rt_engine(rt).connect() as connection:
        turn_id = turns.record_inbound(connection, message)
    assert turn_id is not None
    return turn_id


def _campaign(session: Session, team_id: str) -> str:
    campaign = Campaign(
        team_id=team_id,
        requested_by="U1",
        brief="Launch",
        status=CampaignStatus.RUNNING.value,
        budget_usd=Decimal("50.00"),
        plan={"name": "launch", "phases": []},
        channel_id="C1",
        thread_ts="1.0",
    )
    session.add(campaign)
    session.commit()
    return campaign.id


def _rows(rt: Runtime, team_id: str) -> int:
    total = 0
    with rt.sessions() as session:
        for table in workspaces.team_tables(slack_tables()):
            count = session.scalar(
                select(func.count()).select_from(table).where(table.c.team_id == team_id)
            )
            total += count or 0
    return total


def _leave(rt: Runtime, at: datetime) -> None:
    with rt.sessions() as session:
        assert workspaces.mark_uninstalled(session, LEAVING, at, retention_days=30)
        assert not workspaces.mark_uninstalled(session, LEAVING, at + timedelta(days=9), 30)


def test_only_the_leavers_work_stops(runtime: Runtime) -> None:
    rt = runtime
    queue = turn_queue(rt.redis, rt.settings.queue_name)
    for team in (LEAVING, STAYING):
        enqueue(queue, RUN_TURN, team, _turn(rt, team))
        enqueue(queue, PUBLISH_HOME, team, "U1")
    with rt.sessions() as session:
        leaving, staying = _campaign(session, LEAVING), _campaign(session, STAYING)
    _leave(rt, utcnow())
    enqueue(queue, FORGET_WORKSPACE, LEAVING, LEAVING)
    assert forget(rt, LEAVING) == "2 job(s) dropped, 1 campaign(s) paused"
    jobs = [job for job in queue.get_jobs() if job is not None]
    assert {job.args[0] for job in jobs if job.id != f"forget-{LEAVING}"} == {STAYING}
    with rt.sessions() as session:
        assert session.get(Campaign, leaving).status == CampaignStatus.PAUSED.value  # type: ignore[union-attr]
        assert session.get(Campaign, staying).status == CampaignStatus.RUNNING.value  # type: ignore[union-attr]
    assert forget(rt, LEAVING) == "0 job(s) dropped, 0 campaign(s) paused"  # twice is safe


def test_the_leavers_scheduled_and_deferred_jobs_go_too(runtime: Runtime) -> None:
    """A job put off with `enqueue_in` (RQ's scheduled registry) and one waiting for it
    (`depends_on`: the deferred registry, in another lane) are dropped for the leaver only."""
    rt = runtime
    queue = turn_queue(rt.redis, rt.settings.queue_name)
    urgent = lane_queue(queue, Lane.URGENT)
    for team in (LEAVING, STAYING):
        later = queue.enqueue_in(
            timedelta(hours=1), RUN_TURN.function, team, "turn-1", job_id=f"later-{team}"
        )
        urgent.enqueue(PUBLISH_HOME.function, team, "U1", job_id=f"after-{team}", depends_on=later)
    assert queue.scheduled_job_registry.get_job_ids() == [f"later-{LEAVING}", f"later-{STAYING}"]
    assert sorted(urgent.deferred_job_registry.get_job_ids()) == [
        f"after-{LEAVING}",
        f"after-{STAYING}",
    ]
    _leave(rt, utcnow())
    assert forget(rt, LEAVING) == "2 job(s) dropped, 0 campaign(s) paused"
    assert queue.scheduled_job_registry.get_job_ids() == [f"later-{STAYING}"]
    assert urgent.deferred_job_registry.get_job_ids() == [f"after-{STAYING}"]
    assert queue.fetch_job(f"later-{LEAVING}") is None
    assert urgent.fetch_job(f"after-{LEAVING}") is None


def test_the_ritual_tick_skips_a_workspace_that_left(runtime: Runtime) -> None:
    rt = runtime
    _turn(rt, LEAVING), _turn(rt, STAYING)
    with rt.sessions() as session:
        assert ritual_settings.known_workspaces(session) == [LEAVING, STAYING]
    _leave(rt, utcnow())
    queue = turn_queue(rt.redis, rt.settings.queue_name)
    every_ritual_due = datetime(2026, 12, 1, 9, 0, tzinfo=utcnow().tzinfo)  # a Tuesday, 09:00
    started = start_due_rituals(rt, queue, every_ritual_due)
    assert started and all(job.args[0] == STAYING for job in queue.get_jobs() if job)


def test_purge_after_the_retention_period_leaves_the_other_workspace(runtime: Runtime) -> None:
    rt = runtime
    for team in (LEAVING, STAYING):
        _turn(rt, team)
        with rt.sessions() as session:
            _campaign(session, team)
            workspaces.mark_installed(session, team, utcnow())
    left = utcnow()
    _leave(rt, left)
    staying_rows = _rows(rt, STAYING)
    assert _rows(rt, LEAVING) == staying_rows >= 3  # a turn, a campaign, the workspace
    with freeze_time(left + timedelta(days=30) - timedelta(seconds=1)):
        assert purge_expired(rt, utcnow()) == []
    with freeze_time(left + timedelta(days=30)):
        assert purge_expired(rt, utcnow()) == [LEAVING]
        assert purge_expired(rt, utcnow()) == []  # nothing left to purge
    assert _rows(rt, LEAVING) == 0 and _rows(rt, STAYING) == staying_rows


def test_a_reinstall_before_the_purge_keeps_the_data(runtime: Runtime) -> None:
    rt = runtime
    _turn(rt, LEAVING)
    left = utcnow()
    _leave(rt, left)
    with rt.sessions() as session:
        workspaces.mark_installed(session, LEAVING, left + timedelta(days=3))
    with freeze_time(left + timedelta(days=31)):
        assert purge_expired(rt, utcnow()) == []
    assert _rows(rt, LEAVING) == 2  # its turn and its workspace row


def test_the_purge_finds_every_table_with_a_team_id(runtime: Runtime) -> None:
    """Discovered from the models' metadata: every table of the migrated schema that has a
    team_id column is purged (a new table with one is covered without an edit)."""
    engine = rt_engine(runtime)
    schema = inspect(engine)
    with_team = {
        name
        for name in schema.get_table_names()
        if "team_id" in {column["name"] for column in schema.get_columns(name)}
    }
    assert {table.name for table in workspaces.team_tables(slack_tables())} == with_team
    assert {"turns", "tasks", "campaigns", "llm_calls", "workspaces", "slack_bots"} <= with_team


def rt_engine(rt: Runtime):  # type: ignore[no-untyped-def]
    return rt.sessions.kw["bind"]


def test_a_new_installation_has_rituals_before_anyone_talks(runtime: Runtime) -> None:
    with runtime.sessions() as session:
        workspaces.mark_installed(session, STAYING, utcnow())
        assert ritual_settings.known_workspaces(session) == [STAYING]
