"""`python -m jobs.worker`: the worker command (RQ workers, the sweeper and the ritual
scheduler).

RQ's `WorkerPool` forks N worker processes (each an RQ `SimpleWorker`: no fork per job, so a
job starts within milliseconds of being enqueued), restarts any that die and passes a stop on
to them. On top of it, the supervisor runs the sweeper every few seconds, and keeps running
while Redis is away (the workers reconnect and pick the work back up when it returns).

Leases name the worker process holding them ("host:pid", models/leases.py). When a child
dies, the supervisor gives back that child's leases and sweeps at once, so its turn is
running again within a second or two, not a lease length later; a supervisor starting after
a crash gives back the leases of this host's processes that no longer exist.

The ritual scheduler (RQ's cron, jobs/rituals/cron.py) runs in one more child process, kept
alive and stopped with the workers; `--no-cron` leaves it out (for a deployment that runs
`rq cron jobs.rituals.cron_config` on its own).
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from datetime import timedelta
from functools import partial
from multiprocessing.process import BaseProcess
from pathlib import Path

from pydantic import ValidationError
from redis import Redis
from redis.exceptions import RedisError
from rq import SimpleWorker, worker_registration
from rq.worker_pool import WorkerData, WorkerPool
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from errors import StartupError
from jobs import runtime as runtime_module
from jobs.outages import backoff, when_database_answers
from jobs.queue import WorkspaceJob, turn_queue
from jobs.rituals.cron import CronProcess
from jobs.rituals.run import check_handlers
from jobs.sweeper import sweep_safely
from models import leases
from models.leases import holder_name
from settings import Settings, describe_error

logger = logging.getLogger("jobs.worker")


def run_worker_process(queue_name: str, name: str) -> None:
    """One RQ worker in a process forked from the supervisor; waits with backoff while the
    database or Redis is unreachable (RQ's own retry covers only a worker already working)."""
    # Until RQ installs its handlers, a stop ends this process at once: it holds no work
    # yet, and the supervisor's handlers it inherited belong to the supervisor.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _setup_logging()
    runtime_module.forget_inherited()
    # Forked again during a database outage, it waits here rather than die every second.
    rt = when_database_answers(runtime_module.current, f"Worker {name}")
    for delay in backoff():
        try:
            queue = turn_queue(rt.redis, queue_name)
            SimpleWorker([queue], name=name, connection=rt.redis, job_class=WorkspaceJob).work(
                logging_level="WARNING"
            )
            return
        except RedisError as error:
            logger.warning(
                "Worker cannot reach Redis (%s); retrying in %.1fs", type(error).__name__, delay
            )
            time.sleep(delay)


class Supervisor(WorkerPool):
    """RQ's `WorkerPool` keeps N workers alive and stops them; this adds the sweeper and gives
    back a dead child's leases. Its loop checks the children about once a second."""

    def __init__(
        self, rt: runtime_module.Runtime, processes: int, *, with_cron: bool = True
    ) -> None:
        super().__init__([rt.settings.queue_name], rt.redis, num_workers=processes)
        self.rt = rt
        self.next_sweep_at = 0.0  # monotonic seconds; 0: at the next check
        self.cron = CronProcess() if with_cron else None

    def run(self) -> None:
        """Until SIGTERM or SIGINT; then the workers finish their running jobs first."""
        self._release_dead_on_host()
        if self.cron is not None:
            self.cron.start()
        self.start(logging_level="WARNING")

    def stop_workers(self) -> None:
        """RQ's stop for the workers, and the scheduler's."""
        super().stop_workers()  # type: ignore[no-untyped-call]
        if self.cron is not None:
            self.cron.stop()

    def all_workers_have_stopped(self) -> bool:
        """The pool exits once its workers and the scheduler have ended."""
        return super().all_workers_have_stopped() and (self.cron is None or self.cron.stopped())

    def get_worker_process(
        self, name: str, burst: bool, _sleep: float = 0, logging_level: str = "INFO"
    ) -> BaseProcess:
        """Our entry point instead of RQ's `run_worker`: the child must drop the database
        connections it inherited (runtime.forget_inherited) and wait for Redis if it is away;
        RQ's would die and be forked again every second, and start RQ's scheduler of
        delayed jobs (we enqueue none; the rituals' cron is `self.cron`)."""
        # Forked from a supervisor that has imported everything and runs no threads, a worker
        # starts in milliseconds instead of re-importing for a second and a half.
        return multiprocessing.get_context("fork").Process(
            target=run_worker_process, args=(self.rt.settings.queue_name, name), name=name
        )

    def start_workers(
        self, burst: bool = True, _sleep: float = 0, logging_level: str = "INFO"
    ) -> None:
        """RQ's, then one line saying so (operators and bench/sandbox_latency.py read it)."""
        super().start_workers(burst, _sleep, logging_level)
        logger.info(
            "Started %d worker process(es) on queue %r",
            self.num_workers,
            self.rt.settings.queue_name,
        )

    def check_workers(self, respawn: bool = True) -> None:
        """RQ's reap and respawn, then a sweep when one is due."""
        super().check_workers(respawn)
        if self.cron is not None and self.status != self.Status.STOPPED:
            self.cron.keep_alive()
        if self.status != self.Status.STOPPED and time.monotonic() >= self.next_sweep_at:
            self.next_sweep_at = time.monotonic() + self.rt.settings.sweep_interval_s
            sweep_safely(
                self.rt.sessions,
                self.rt.redis,
                self.rt.settings.queue_name,
                grace_s=self.rt.settings.enqueue_grace_s,
                remind_after=timedelta(hours=self.rt.approvals.defaults.reminder_after_hours),
            )

    def handle_dead_worker(self, worker_data: WorkerData) -> None:
        """Give the dead child's leases back at once and sweep right after (this check), so
        its turn is queued for the live workers now rather than when its lease runs out."""
        super().handle_dead_worker(worker_data)
        logger.warning(
            "Worker process %s exited (%s)", worker_data.pid, worker_data.process.exitcode
        )
        _release_holder(self.rt.sessions, holder_name(socket.gethostname(), worker_data.pid))
        _unregister_worker(self.rt.redis, worker_data.name)
        self.next_sweep_at = 0.0

    def _release_dead_on_host(self) -> None:
        """After the whole worker command died: the runs of this host's processes that are
        gone are given back at once, not counted as attempts (the death was the command's,
        not the work's); a holder whose pid is alive is left alone."""
        try:
            with self.rt.sessions() as session:
                holders = leases.holders_on_host(session, socket.gethostname())
        except SQLAlchemyError as error:
            logger.warning("Leases of dead processes not checked: %s", type(error).__name__)
            return
        for holder in holders:
            pid = leases.pid_of(holder)
            if pid is not None and not _alive(pid):
                _release_holder(self.rt.sessions, holder, forgive=True)


def _release_holder(sessions: sessionmaker[Session], holder: str, *, forgive: bool = False) -> None:
    """Never raises: if the database is away, the leases simply run out instead."""
    give_back = leases.forgive_dead_command if forgive else leases.release_held_by
    try:
        with sessions() as session:
            released = give_back(session, holder)
    except SQLAlchemyError as error:
        logger.warning("Leases of %s not given back: %s", holder, type(error).__name__)
        return
    if released:
        logger.info("Gave back %d lease(s) held by dead worker %s", released, holder)


def _unregister_worker(connection: Redis, name: str) -> None:
    """A dead child's RQ registration goes at once: the sweeper takes a started job whose
    worker is no longer registered as lost (jobs/rituals/sweep.py). Never raises."""
    try:
        worker = SimpleWorker.find_by_key(
            SimpleWorker.redis_worker_namespace_prefix + name, connection=connection
        )
        if worker is not None:
            worker_registration.unregister(worker)
        connection.delete(SimpleWorker.redis_worker_namespace_prefix + name)
    except RedisError as error:
        logger.warning("Dead worker %s not unregistered: %s", name, type(error).__name__)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process has that pid
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """Dead but not yet reaped by its parent (after a crash of the whole command, the worker
    processes are orphans that init reaps when it gets to it). Linux; elsewhere: not known."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def _setup_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the department's workers and sweeper.")
    parser.add_argument("--processes", type=int, default=None, help="worker processes")
    parser.add_argument("--check", action="store_true", help="validate configuration and exit")
    parser.add_argument(
        "--no-cron", action="store_true", help="run no ritual scheduler (rq cron runs one)"
    )
    args = parser.parse_args(argv)
    _setup_logging()
    try:
        settings = Settings()
        # A check says at once that the database does not answer; a start waits for it (a
        # deploy during a failover), as the workers wait for Redis.
        build = partial(runtime_module.build_runtime, settings)
        rt = build() if args.check else when_database_answers(build, "Worker command")
        check_handlers(rt.rituals.rituals)  # a ritual a workspace may switch on can run
    except ValidationError as error:
        print(describe_error(error), file=sys.stderr)
        return 2
    except StartupError as error:
        print(str(error), file=sys.stderr)
        return 2
    if args.check:
        print("Worker configuration OK")
        return 0
    # Installed so that each forked worker finds it and lets go of its pooled database
    # connections (runtime.forget_inherited) instead of sharing the supervisor's.
    runtime_module.install(rt)
    Supervisor(rt, args.processes or settings.worker_processes, with_cron=not args.no_cron).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
