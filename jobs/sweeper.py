"""Finds turns that are in the database but not in motion, and puts them back in the queue.

Two ways a turn gets stuck: Redis was down when it arrived (the listener persisted it and
could not enqueue), or the worker running it died (its lease expires). RQ alone would find a
dead worker's job only after minutes; a person in Slack will not wait that long.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from jobs.claude.usage import record_spooled
from jobs.queue import (
    ADVANCE_CAMPAIGN,
    AFTER_DECISION,
    ANALYZE_CAMPAIGN,
    CAMPAIGN_DECISION,
    FORGET_WORKSPACE,
    REMIND_APPROVERS,
    RUN_RITUAL,
    RUN_TASK,
    RUN_TURN,
    JobRef,
    Lane,
    enqueue,
    lane_queue,
    task_lane,
    turn_queue,
)
from jobs.rituals.sweep import runs_to_resume
from models import approvals, campaign_budget, campaign_steps, campaigns, leases, tasks, workspaces
from models.base import utcnow
from models.leases import TASKS, TURNS

logger = logging.getLogger(__name__)


def sweep(
    sessions: sessionmaker[Session],
    connection: Redis,
    queue_name: str,
    *,
    grace_s: float,
    remind_after: timedelta | None = None,
) -> list[str]:
    """Re-enqueue every lost turn, task, decision follow-up, campaign analysis, campaign
    engine pass and ritual run once, and queue the reminder of each approval left pending
    longer than `remind_after`; returns the job ids. Safe to run anywhere, any time. First,
    the model calls paid for while the database was away are recorded."""
    record_spooled(sessions, connection)
    with sessions() as session:
        lost = leases.lost(session, TURNS, grace_s=grace_s)
        lost_work = [
            (t, r, task_lane(tasks.is_campaign_step(session, t, r)))
            for t, r in leases.lost(session, TASKS, grace_s=grace_s)
        ]
        followups = approvals.decided_not_followed_up(session, grace_s=grace_s)
        campaign_followups = campaign_budget.decided_not_applied(session, grace_s=grace_s)
        to_advance = campaign_steps.campaigns_to_advance(session, grace_s=grace_s)
        analyzing = campaigns.stuck_analyzing(session, grace_s=grace_s)
        due = (
            approvals.due_for_reminder(session, older_than=utcnow() - remind_after)
            if remind_after is not None
            else []
        )
        gone = workspaces.uninstalled(session)
        to_forget = workspaces.not_forgotten(session, utcnow() - timedelta(seconds=grace_s))
    queue = turn_queue(connection, queue_name)
    lost_jobs: list[tuple[JobRef, str, str, Lane]] = [
        (RUN_TASK, t, r, lane) for t, r, lane in lost_work
    ]
    others: list[tuple[JobRef, str, str]] = [(RUN_TURN, t, r) for t, r in lost]
    others += [(AFTER_DECISION, t, a) for t, a in followups]
    others += [(CAMPAIGN_DECISION, t, a) for t, a in campaign_followups]
    others += [(REMIND_APPROVERS, a.team_id, a.id) for a in due]
    others += [(ADVANCE_CAMPAIGN, t, c) for t, c in to_advance]
    others += [(RUN_RITUAL, t, r) for t, r in runs_to_resume(sessions, connection, grace_s=grace_s)]
    lost_jobs += [(ref, t, r, ref.lane) for ref, t, r in others]
    # A workspace that uninstalled gets no work back, only the job that forgets it.
    lost_jobs = [job for job in lost_jobs if job[1] not in gone]
    lost_jobs += [(FORGET_WORKSPACE, t, t, FORGET_WORKSPACE.lane) for t in to_forget]
    requeued = []
    unleased = [(ANALYZE_CAMPAIGN, t, c) for t, c in analyzing if t not in gone]
    for ref, team_id, record_id in unleased:  # no lease: a running job is left to finish
        if not _in_redis(connection, ref.job_id(team_id, record_id)):
            requeued.append(enqueue(queue, ref, team_id, record_id))
    for ref, team_id, record_id, lane in lost_jobs:
        if _waiting_in_queue(lane_queue(queue, lane), ref.job_id(team_id, record_id)):
            continue
        requeued.append(enqueue(queue, ref, team_id, record_id, lane=lane))
    if requeued:
        logger.info("Sweeper re-enqueued %d job(s): %s", len(requeued), ", ".join(requeued))
    return requeued


def _in_redis(connection: Redis, job_id: str) -> bool:
    """A job queued or running (an analysis has no lease; RQ marks a dead worker's job
    failed, and then the next sweep enqueues it again)."""
    try:
        job = Job.fetch(job_id, connection=connection)
    except NoSuchJobError:
        return False
    return job.get_status(refresh=False) in (JobStatus.QUEUED, JobStatus.STARTED)


def _waiting_in_queue(queue: Queue, job_id: str) -> bool:
    """A job whose id is in the queue's list will run; anything else (missing, started by a
    dead worker, or marked queued but popped by a worker killed before it marked the job
    started: its record says queued, yet nothing will ever run it) is replaced."""
    if queue.connection.lpos(queue.key, job_id) is not None:
        return True
    with contextlib.suppress(NoSuchJobError):
        Job.fetch(job_id, connection=queue.connection).delete()
    return False


def sweep_safely(
    sessions: sessionmaker[Session],
    connection: Redis,
    queue_name: str,
    *,
    grace_s: float,
    remind_after: timedelta | None = None,
) -> int:
    """One sweep that never raises: an outage is logged and the next sweep tries again."""
    try:
        return len(
            sweep(sessions, connection, queue_name, grace_s=grace_s, remind_after=remind_after)
        )
    except (RedisError, SQLAlchemyError) as error:
        logger.warning("Sweep skipped: %s", type(error).__name__)
        return 0
