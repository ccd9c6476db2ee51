"""Putting turns on the RQ queue: one job per turn, its id the turn's id."""

from __future__ import annotations

import logging

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

logger = logging.getLogger(__name__)

TURN_JOB_TIMEOUT_S = 15 * 60
TURN_RESULT_TTL_S = 24 * 3600
TURN_FAILURE_TTL_S = 7 * 24 * 3600


def enqueue_turn(queue: Queue, team_id: str, turn_id: str) -> None:
    """Enqueue the turn's job in one Redis round trip; raises RedisError if Redis is away."""
    _enqueue(queue, "jobs.agent.turns.run_turn", team_id, turn_id, job_id=turn_id)


def task_job_id(task_id: str) -> str:
    return f"task-{task_id}"


def enqueue_task_job(queue: Queue, team_id: str, task_id: str) -> None:
    """Enqueue an agent's turn on a task (job id derived from the task id)."""
    _enqueue(queue, "jobs.agent.task_turns.run_task", team_id, task_id, job_id=task_job_id(task_id))


def enqueue_job(queue: Queue, function: str, team_id: str, record_id: str, *, job_id: str) -> None:
    """Any other per-record job (after a decision, a reminder), its id fixed."""
    _enqueue(queue, function, team_id, record_id, job_id=job_id)


def _enqueue(queue: Queue, function: str, team_id: str, record_id: str, *, job_id: str) -> None:
    """One job per record, its id fixed (a duplicate enqueue replaces, never doubles)."""
    with queue.connection.pipeline() as pipeline:
        queue.enqueue(
            function,
            team_id,
            record_id,
            job_id=job_id,
            job_timeout=TURN_JOB_TIMEOUT_S,
            result_ttl=TURN_RESULT_TTL_S,
            failure_ttl=TURN_FAILURE_TTL_S,
            description=f"{function.rsplit('.', 1)[-1]} {record_id}",
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


def turn_queue(connection: Redis, name: str) -> Queue:
    return Queue(name, connection=connection)
