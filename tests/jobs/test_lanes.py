"""Lanes with the real worker command: a free worker takes a person's click before anyone's
turn, and a turn before a campaign's background work, whatever the order they came in."""

from __future__ import annotations

from pathlib import Path

from redis import Redis
from rq.job import Job, JobStatus

from jobs.queue import ADVANCE_CAMPAIGN, AFTER_DECISION, RUN_TURN, enqueue, turn_queue
from sandbox.worker_command import WorkerCommand, start_worker_command
from settings import Settings
from tests.conftest import TEAM, wait_until

BACKLOG = 12


def _finished(redis: Redis, job_ids: list[str]) -> bool:
    jobs = Job.fetch_many(job_ids, connection=redis)
    return all(job is not None and job.get_status() == JobStatus.FINISHED for job in jobs)


def test_an_approval_follow_up_enqueued_behind_a_backlog_runs_first(
    settings: Settings, redis_conn: Redis, workers: list[WorkerCommand], tmp_path: Path
) -> None:
    """A backlog of a campaign's engine passes, then a person's turn, then an approval's
    follow-up, all waiting before the one worker process starts: it runs the follow-up first,
    the turn next, the backlog last (in the order it came)."""
    queue = turn_queue(redis_conn, settings.queue_name)
    backlog = [enqueue(queue, ADVANCE_CAMPAIGN, TEAM, f"c{n}") for n in range(BACKLOG)]
    turn = enqueue(queue, RUN_TURN, TEAM, "t1")
    follow_up = enqueue(queue, AFTER_DECISION, TEAM, "a1")
    everything = [*backlog, turn, follow_up]

    command = start_worker_command(settings, tmp_path / "worker.log", processes=1)
    workers.append(command)
    assert wait_until(lambda: _finished(redis_conn, everything), 60), command.output()
    command.stop()

    started = {
        job.id: job.started_at
        for job in Job.fetch_many(everything, connection=redis_conn)
        if job is not None and job.started_at is not None
    }
    assert sorted(started, key=started.__getitem__) == [follow_up, turn, *backlog]
