"""Putting turns on the RQ queue: one job per turn, its id the turn's id."""

from __future__ import annotations

import logging

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.job import Job, JobStatus

logger = logging.getLogger(__name__)

TURN_JOB_TIMEOUT_S = 15 * 60
TURN_RESULT_TTL_S = 24 * 3600
TURN_FAILURE_TTL_S = 7 * 24 * 3600
# Infrastructure failures inside a job (database or Slack unreachable) get RQ's retries;
# Claude's own failures are retried inside the turn.
TURN_RETRY = Retry(max=3, interval=[2, 10, 30])
LIVE_STATUSES = frozenset(
    {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}
)


def enqueue_turn(queue: Queue, team_id: str, turn_id: str) -> None:
    """Enqueue the turn's job in one Redis round trip; raises RedisError if Redis is away."""
    with queue.connection.pipeline() as pipeline:
        queue.enqueue(
            "jobs.turns.run_turn",
            team_id,
            turn_id,
            job_id=turn_id,
            job_timeout=TURN_JOB_TIMEOUT_S,
            result_ttl=TURN_RESULT_TTL_S,
            failure_ttl=TURN_FAILURE_TTL_S,
            retry=TURN_RETRY,
            description=f"turn {turn_id}",
            pipeline=pipeline,
        )
        pipeline.execute()


def try_enqueue_turn(queue: Queue, team_id: str, turn_id: str) -> bool:
    """Enqueue if Redis answers; otherwise leave the turn for the sweeper and say so."""
    try:
        enqueue_turn(queue, team_id, turn_id)
    except RedisError:
        logger.warning("Redis unavailable; turn %s left for the sweeper", turn_id)
        return False
    return True


def job_is_live(connection: Redis, turn_id: str) -> bool:
    """Whether the turn's job still waits or runs in RQ (a Redis restart forgets jobs)."""
    try:
        job = Job.fetch(turn_id, connection=connection)
    except Exception:  # rq raises NoSuchJobError, or fails to decode a half-written job
        return False
    return job.get_status(refresh=False) in LIVE_STATUSES


def turn_queue(connection: Redis, name: str) -> Queue:
    return Queue(name, connection=connection)
