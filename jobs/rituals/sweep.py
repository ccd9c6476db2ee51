"""Ritual runs not in motion: claimed while Redis was away (never enqueued), or left
pending or running by a worker that died. The sweeper enqueues them again; RUN_RITUAL is
safe to run twice (a finished run returns at once, posts are made once).

A run's job is in motion while it waits in the queue, or is started by a worker that is still
registered in Redis. The worker command unregisters a child the moment it sees it dead
(jobs/worker.py), so a killed worker's ritual resumes within a sweep, not when RQ's started
registry entry expires (the job's timeout plus a minute for a SimpleWorker).
"""

from __future__ import annotations

from datetime import timedelta

from redis import Redis
from rq import Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy.orm import Session, sessionmaker

from jobs.queue import RUN_RITUAL
from models import rituals
from models.base import utcnow

RESUME_WITHIN = timedelta(hours=6)  # an older unfinished run is left for an operator


def runs_to_resume(
    sessions: sessionmaker[Session], connection: Redis, *, grace_s: float
) -> list[tuple[str, str]]:
    """(team_id, run_id) of the recent unfinished runs whose job is not in motion."""
    now = utcnow()
    with sessions() as session:
        candidates = rituals.unfinished(
            session, older_than=now - timedelta(seconds=grace_s), newer_than=now - RESUME_WITHIN
        )
    return [
        (team_id, run_id)
        for team_id, run_id in candidates
        if not job_in_motion(connection, RUN_RITUAL.job_id(team_id, run_id))
    ]


def job_in_motion(connection: Redis, job_id: str) -> bool:
    """Queued, or started by a worker that is still alive (registered)."""
    try:
        job = Job.fetch(job_id, connection=connection)
    except NoSuchJobError:
        return False
    status = job.get_status(refresh=False)
    if status == JobStatus.QUEUED:
        return True
    if status != JobStatus.STARTED or not job.worker_name:
        return False
    return bool(connection.exists(Worker.redis_worker_namespace_prefix + job.worker_name))
