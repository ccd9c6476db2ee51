"""The scheduler's minute: start every ritual that is due in any workspace, exactly once.

RQ's cron scheduler (jobs/rituals/cron.py) enqueues `tick_rituals` every minute; the tick
claims each due ritual's run for the local date (models/rituals.claim_run: one row per
workspace, ritual and day) and enqueues RUN_RITUAL only when this tick's claim made the row.
Two schedulers, a tick enqueued twice, a restart at 09:30 or a person's `/standup` first:
whoever claims second finds the key taken and starts nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime

from rq import Queue
from sqlalchemy.exc import SQLAlchemyError

from jobs import runtime as runtime_module
from jobs.queue import RUN_RITUAL, try_enqueue, turn_queue
from jobs.rituals.calendar import due_on, scheduled_at
from jobs.rituals.workspace import of_runtime
from jobs.runtime import Runtime
from models import ritual_settings, rituals, workspaces
from models.base import utcnow

logger = logging.getLogger(__name__)


def tick_rituals() -> str:
    """RQ entry point (enqueued by the cron scheduler, so it takes no record id): what it
    started, for the job's result."""
    rt = runtime_module.current()
    started = start_due_rituals(rt, turn_queue(rt.redis, rt.settings.queue_name), utcnow())
    return f"{len(started)} ritual run(s) started"


def start_due_rituals(rt: Runtime, queue: Queue, now: datetime) -> list[str]:
    """Claim and enqueue every ritual due at `now` in every known workspace; the new run ids.
    One workspace's failure is logged and leaves the others to run."""
    with rt.sessions() as session:
        gone = workspaces.uninstalled(session)  # no rituals for a workspace that left
        teams = [t for t in ritual_settings.known_workspaces(session) if t not in gone]
    started: list[str] = []
    for team_id in teams:
        try:
            started += _start_due_in(rt, queue, team_id, now)
        except SQLAlchemyError:
            logger.exception("Rituals of workspace %s not checked at %s", team_id, now)
    return started


def _start_due_in(rt: Runtime, queue: Queue, team_id: str, now: datetime) -> list[str]:
    with rt.sessions() as session:
        workspace = of_runtime(rt, session, team_id)
    started = []
    for ritual, schedule in workspace.schedules.items():
        day = due_on(schedule, workspace.calendar, now)
        if day is None:
            continue
        with rt.sessions() as session:
            run_id = rituals.claim_run(
                session,
                team_id,
                ritual,
                day.isoformat(),
                day,
                scheduled_for=scheduled_at(day, schedule.clock, workspace.calendar.zone),
            )
        if run_id is not None:  # the sweeper enqueues it if Redis is away now
            try_enqueue(queue, RUN_RITUAL, team_id, run_id)
            started.append(run_id)
            logger.info("Ritual %s of %s for %s: run %s", ritual, team_id, day, run_id)
    return started
