"""`python -m jobs.worker`: the worker command (RQ workers plus the turn sweeper).

A supervisor process forks N worker processes (each an RQ `SimpleWorker`: no fork per job,
so a job starts within milliseconds of being enqueued), restarts any that die, and runs the
sweeper every few seconds. It keeps running while Redis is away and picks the work back up
when it returns.

Leases name the worker process holding them ("host:pid", models/leases.py). When a child
dies, the supervisor gives back that child's leases and sweeps at once, so its turn is
running again within seconds, not a lease length later; a supervisor starting after a crash
gives back the leases of this host's processes that no longer exist.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from datetime import timedelta
from multiprocessing.process import BaseProcess
from types import FrameType

from pydantic import ValidationError
from redis.exceptions import RedisError
from rq import SimpleWorker
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from errors import StartupError
from jobs import runtime as runtime_module
from jobs.queue import turn_queue
from jobs.sweeper import sweep_safely
from models import leases
from models.leases import holder_name
from settings import Settings, describe_error

logger = logging.getLogger("jobs.worker")
REDIS_RETRY_CAP_S = 10.0
RESTART_DELAY_S = 1.0


def run_worker_process(queue_name: str) -> None:
    """One RQ worker; reconnects with backoff while Redis is unreachable."""
    _setup_logging()
    runtime_module.forget_inherited()
    rt = runtime_module.current()
    delay = 0.2
    while True:
        try:
            worker = SimpleWorker([turn_queue(rt.redis, queue_name)], connection=rt.redis)
            worker.work(logging_level="WARNING")
            return
        except RedisError as error:
            logger.warning(
                "Worker cannot reach Redis (%s); retrying in %.1fs", type(error).__name__, delay
            )
            time.sleep(delay)
            delay = min(REDIS_RETRY_CAP_S, delay * 2)


class Supervisor:
    def __init__(self, settings: Settings, processes: int) -> None:
        self.settings = settings
        self.processes = processes
        self.children: list[BaseProcess] = []
        self.stopping = False
        # Forked from a supervisor that has imported everything and runs no threads, a worker
        # starts in milliseconds instead of re-importing for a second and a half; it builds its
        # own clients and connections (runtime.forget_inherited).
        self.context = multiprocessing.get_context("fork")

    def run(self) -> None:
        rt = runtime_module.current()  # validates roster, prices and schema before starting
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        self._release_dead_on_host(rt.sessions)
        self.children = [self._spawn() for _ in range(self.processes)]
        logger.info(
            "Started %d worker process(es) on queue %r", self.processes, self.settings.queue_name
        )
        while not self.stopping:
            self._sweep(rt)
            dead = self._reap_dead(rt.sessions)
            if dead:
                self._sweep(rt)  # the dead child's work is queued for the live ones now
                self._respawn(dead)
            self._sleep(self.settings.sweep_interval_s)
        for child in self.children:
            child.join(timeout=30)

    def _spawn(self) -> BaseProcess:
        child = self.context.Process(
            target=run_worker_process, args=(self.settings.queue_name,), daemon=False
        )
        child.start()
        return child

    def _sweep(self, rt: runtime_module.Runtime) -> None:
        sweep_safely(
            rt.sessions,
            rt.redis,
            self.settings.queue_name,
            grace_s=self.settings.enqueue_grace_s,
            remind_after=timedelta(hours=rt.approvals.defaults.reminder_after_hours),
        )

    def _reap_dead(self, sessions: sessionmaker[Session]) -> list[int]:
        """Give back each dead child's leases at once; the indexes of the dead children."""
        dead = [index for index, child in enumerate(self.children) if not child.is_alive()]
        for index in dead:
            child = self.children[index]
            logger.warning("Worker process %s exited (%s)", child.pid, child.exitcode)
            if child.pid is not None:
                _release_holder(sessions, holder_name(socket.gethostname(), child.pid))
        return dead

    def _respawn(self, dead: list[int]) -> None:
        for index in dead:
            if self.stopping:
                return
            time.sleep(RESTART_DELAY_S)
            self.children[index] = self._spawn()

    def _release_dead_on_host(self, sessions: sessionmaker[Session]) -> None:
        """After a crash of the whole worker command: leases of this host's processes that
        are gone are given back at once (a holder whose pid is alive is left alone)."""
        try:
            with sessions() as session:
                holders = leases.holders_on_host(session, socket.gethostname())
        except SQLAlchemyError as error:
            logger.warning("Leases of dead processes not checked: %s", type(error).__name__)
            return
        for holder in holders:
            pid = leases.pid_of(holder)
            if pid is not None and not _alive(pid):
                _release_holder(sessions, holder)

    def _sleep(self, seconds: float) -> None:
        """Until the next sweep, or sooner when a child dies (its turn should not wait)."""
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            if not all(child.is_alive() for child in self.children):
                return
            time.sleep(min(0.1, seconds))

    def _stop(self, signum: int, _frame: FrameType | None) -> None:
        logger.info("Stopping workers (signal %d); running turns finish first", signum)
        self.stopping = True
        if signum == signal.SIGINT:
            # Ctrl-C reaches the whole terminal process group, the workers included; a second
            # signal from here would turn RQ's warm shutdown into a cold one.
            return
        for child in self.children:
            if child.is_alive() and child.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child.pid, signal.SIGTERM)


def _release_holder(sessions: sessionmaker[Session], holder: str) -> None:
    """Never raises: if the database is away, the leases simply run out instead."""
    try:
        with sessions() as session:
            released = leases.release_held_by(session, holder)
    except SQLAlchemyError as error:
        logger.warning("Leases of %s not given back: %s", holder, type(error).__name__)
        return
    if released:
        logger.info("Gave back %d lease(s) held by dead worker %s", released, holder)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process has that pid
    return True


def _setup_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the department's workers and sweeper.")
    parser.add_argument("--processes", type=int, default=None, help="worker processes")
    parser.add_argument("--check", action="store_true", help="validate configuration and exit")
    args = parser.parse_args(argv)
    _setup_logging()
    try:
        settings = Settings()
        runtime_module.install(runtime_module.build_runtime(settings))
    except ValidationError as error:
        print(describe_error(error), file=sys.stderr)
        return 2
    except StartupError as error:
        print(str(error), file=sys.stderr)
        return 2
    if args.check:
        print("Worker configuration OK")
        return 0
    Supervisor(settings, args.processes or settings.worker_processes).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
