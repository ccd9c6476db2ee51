"""One worker process: RQ's `SimpleWorker`, plus the job's ids on every log line and a stop that
never outlasts the platform's patience.

Log ids: a job's arguments are named by its function (`run_turn(team_id, turn_id)`,
`advance(team_id, campaign_id)`, …), so each job runs in a log context of exactly those names
and values (logs.py): every line it logs carries them, RQ's own failure lines included.

Stopping: RQ's warm stop (SIGINT from the supervisor, or SIGTERM/SIGINT sent to this process)
takes no new job and lets the running one finish. An agent's turn may stream for minutes
while a platform kills a container about 30 s after its SIGTERM, so the running job gets
`WORKER_SHUTDOWN_GRACE_S`; past it, `HandBack` is raised in the job (a BaseException: no
`except Exception` keeps it). Unwinding gives the job's leases back (jobs/agent/lease.py, the
campaign engine's pass) and RQ marks the job failed; the runs this process still holds are
forgiven, not counted as attempts (the stop says nothing about the work), and the supervisor's
last sweep enqueues them for another worker. Posts are made once whatever the run
(jobs/slack/post_once.py): the next run edits what this one began.
"""

from __future__ import annotations

import inspect
import logging
import signal
import threading
import time
from types import FrameType
from typing import Any

from rq import SimpleWorker
from rq.job import Job
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

import logs
from models import leases
from models.leases import this_process

logger = logging.getLogger(__name__)

# Sent by the grace timer to the worker's main thread: a signal aimed at that thread
# interrupts whatever it is blocked on (a socket read while Claude thinks).
HAND_BACK_SIGNAL = signal.SIGUSR1


class HandBack(BaseException):  # not an Exception: job code's `except Exception` lets it by
    """The shutdown grace ran out while this job ran: unwind it and let another worker run it."""


def job_ids(job: Job) -> dict[str, str]:
    """The job's arguments by their parameter names (`team_id`, `turn_id`, …) and its name:
    the ids its log lines carry. A job whose function cannot be resolved keeps only its name."""
    ids = {"job": (job.func_name or "").rsplit(".", 1)[-1], "job_id": job.id}
    try:
        bound = inspect.signature(job.func).bind_partial(*job.args, **job.kwargs)
    except (TypeError, ValueError, AttributeError, ImportError):
        return ids
    ids |= {name: value for name, value in bound.arguments.items() if isinstance(value, str)}
    return ids


class DepartmentWorker(SimpleWorker):
    """`SimpleWorker` with each job in its log context and a bounded warm stop."""

    def __init__(
        self,
        *args: Any,
        grace_s: float,
        sessions: sessionmaker[Session],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.grace_s = grace_s
        self.sessions = sessions
        self.performing = False
        self.handed_back = False
        self.grace_timer: threading.Timer | None = None

    def perform_job(self, job: Job, queue: Any, execution: Any) -> bool:
        """RQ's, inside the job's log context; a job handed back has its runs forgiven."""
        with logs.scope(**job_ids(job)):
            started = time.monotonic()
            self.performing = True
            try:
                done = bool(super().perform_job(job, queue, execution))
            finally:
                self.performing = False
            if self.handed_back:
                self._forgive_runs()
            else:
                logger.info(
                    "Job %s %s in %.1fs", job.id, "done" if done else "failed", _since(started)
                )
            return done

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        """RQ's warm stop (idle: it stops at once); busy: the grace starts now."""
        super().request_stop(signum, frame)  # type: ignore[no-untyped-call]
        if self.grace_timer is None:
            signal.signal(HAND_BACK_SIGNAL, self._hand_back)
            main = threading.main_thread().ident
            assert main is not None  # a running thread has an ident

            def grace_over() -> None:
                signal.pthread_kill(main, HAND_BACK_SIGNAL)

            self.grace_timer = threading.Timer(self.grace_s, grace_over)
            self.grace_timer.daemon = True
            self.grace_timer.start()
            logger.info("Stopping: the running job has %.0fs to finish", self.grace_s)

    def _hand_back(self, signum: int, frame: FrameType | None) -> None:
        if self.performing and not self.handed_back:
            self.handed_back = True
            logger.warning("Shutdown grace over: handing the running job back")
            raise HandBack()

    def _forgive_runs(self) -> None:
        """The runs this process still holds (their leases already given back by the unwind)
        are not counted as attempts, and are anyone's now. Never raises: if the database is
        away, the leases simply run out."""
        try:
            with self.sessions() as session:
                handed = leases.forgive_dead_command(session, this_process())
        except SQLAlchemyError as error:
            logger.warning("Handed-back runs not forgiven: %s", type(error).__name__)
            return
        logger.info("Handed back %d run(s) for another worker", handed)


def _since(started: float) -> float:
    return time.monotonic() - started
