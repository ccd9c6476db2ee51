"""Lanes with the real worker command: a free worker takes a person's click before anyone's
turn, and a turn before a campaign's background work, whatever the order they came in."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from redis import Redis
from rq import Worker
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


def _lanes_by_worker(redis: Redis) -> list[list[str]]:
    return sorted(worker.queue_names() for worker in Worker.all(connection=redis))


def test_a_worker_process_is_kept_for_people_and_so_is_its_replacement(
    settings: Settings, redis_conn: Redis, workers: list[WorkerCommand], tmp_path: Path
) -> None:
    """`worker_processes_for_people` (1 by default) of the command's processes take no
    background work, so a campaign's long steps never hold every worker a mention needs."""
    assert settings.worker_processes_for_people == 1
    people = [f"{settings.queue_name}-urgent", settings.queue_name]
    every_lane = [*people, f"{settings.queue_name}-background"]
    expected = sorted([people, every_lane, every_lane])
    command = start_worker_command(settings, tmp_path / "worker.log", processes=3)
    workers.append(command)
    assert wait_until(lambda: _lanes_by_worker(redis_conn) == expected, 60), command.output()

    [kept] = [w for w in Worker.all(connection=redis_conn) if w.queue_names() == people]
    assert kept.pid is not None
    os.kill(kept.pid, signal.SIGKILL)  # the supervisor forks a replacement, kept for people

    def names() -> set[str]:
        return {w.name for w in Worker.all(connection=redis_conn)}

    assert wait_until(lambda: kept.name not in names() and len(names()) == 3, 60), command.output()
    assert wait_until(lambda: _lanes_by_worker(redis_conn) == expected, 30), command.output()
    command.stop()
