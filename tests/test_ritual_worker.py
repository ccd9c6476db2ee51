"""The ritual scheduler in the worker command, and the sweeper's resumption of a ritual run
whose worker died: the README's command starts RQ's cron scheduler beside its workers, starts
it again if it dies, and stops it with them; a run started by a worker that is gone is
enqueued again, one started by a live worker is left alone."""

from __future__ import annotations

import os
import signal
from datetime import date
from pathlib import Path

from redis import Redis
from rq import SimpleWorker
from rq.cron import CronScheduler
from rq.worker_pool import WorkerData

from jobs.queue import RUN_RITUAL, WorkspaceJob, enqueue, turn_queue
from jobs.rituals.sweep import runs_to_resume
from jobs.runtime import Runtime
from jobs.worker import Supervisor
from models import rituals
from models.rituals import Ritual, RunStatus
from sandbox.worker_command import STOP_TIMEOUT_S, WorkerCommand, start_worker_command
from settings import Settings
from tests.conftest import TEAM, wait_until
from tests.test_task_recovery import _dead_child


def schedulers(connection: Redis) -> list[CronScheduler]:
    return CronScheduler.all(connection)


def test_the_worker_command_runs_one_cron_scheduler_and_stops_it(
    settings: Settings, redis_conn: Redis, workers: list[WorkerCommand], tmp_path: Path
) -> None:
    worker = start_worker_command(settings, tmp_path / "worker.log", cron=True)
    workers.append(worker)
    assert wait_until(lambda: len(schedulers(redis_conn)) == 1, 30), worker.output()
    [scheduler] = schedulers(redis_conn)
    assert [job.func_name for job in scheduler.get_jobs()] == [
        "jobs.rituals.tick.tick_rituals",
        "jobs.workspace_exit.purge_expired_workspaces",
    ]
    assert scheduler.get_jobs()[0].cron == "* * * * *"
    assert scheduler.get_jobs()[0].queue_name == settings.queue_name

    os.kill(scheduler.pid, signal.SIGKILL)  # the supervisor starts another
    assert wait_until(
        lambda: [s.pid for s in schedulers(redis_conn) if s.pid != scheduler.pid] != [], 30
    ), worker.output()

    worker.process.terminate()
    assert worker.process.wait(STOP_TIMEOUT_S) == 0, worker.output()
    alive = [s for s in schedulers(redis_conn) if s.pid != scheduler.pid]
    assert alive == []  # the one it started stopped and unregistered


def test_without_cron_the_worker_command_runs_no_scheduler(
    settings: Settings, redis_conn: Redis, workers: list[WorkerCommand], tmp_path: Path
) -> None:
    worker = start_worker_command(settings, tmp_path / "worker.log")
    workers.append(worker)
    assert wait_until(lambda: "Started 1 worker process" in worker.output(), 30)
    assert schedulers(redis_conn) == []
    worker.stop()


def test_a_run_whose_worker_died_is_enqueued_again(runtime: Runtime) -> None:
    day = date(2026, 1, 14)
    queue = turn_queue(runtime.redis, runtime.settings.queue_name)
    with runtime.sessions() as session:
        run_id = rituals.claim_run(session, TEAM, Ritual.STANDUP, day.isoformat(), day)
        assert run_id is not None
        rituals.move_run(session, TEAM, run_id, from_=(RunStatus.PENDING,), to=RunStatus.RUNNING)
    enqueue(queue, RUN_RITUAL, TEAM, run_id)
    assert runs_to_resume(runtime.sessions, runtime.redis, grace_s=0) == []  # queued
    # A worker takes the job (as RQ's dequeue does) and is registered while it runs it.
    worker = SimpleWorker(
        [queue], connection=runtime.redis, name="standup-worker", job_class=WorkspaceJob
    )
    worker.register_birth()  # type: ignore[no-untyped-call]
    job = queue.dequeue_any([queue], None, connection=runtime.redis)
    assert job is not None
    with runtime.redis.pipeline() as pipeline:
        job[0].prepare_for_execution(worker.name, pipeline)
        pipeline.execute()
    assert runs_to_resume(runtime.sessions, runtime.redis, grace_s=0) == []  # in motion
    # The worker process dies: its supervisor sees it, unregisters it and sweeps at once.
    supervisor = Supervisor(runtime, processes=1, with_cron=False)
    child = _dead_child()
    supervisor.worker_dict[worker.name] = WorkerData(worker.name, child.pid or 0, child)
    assert runs_to_resume(runtime.sessions, runtime.redis, grace_s=0) == []  # not seen yet
    supervisor.check_workers(respawn=False)
    assert queue.job_ids == [RUN_RITUAL.job_id(TEAM, run_id)]
    assert runs_to_resume(runtime.sessions, runtime.redis, grace_s=0) == []  # queued again
