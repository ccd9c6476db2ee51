"""RQ 3's cron scheduler, set up for the rituals: one job, `tick_rituals`, every minute.

No timer of ours: `rq.cron.CronScheduler` keeps the minute and enqueues the tick on the
workers' queue; the tick decides what is due (jobs/rituals/tick.py). The worker command
runs one scheduler in a process of its own beside its workers (`CronProcess`), restarted if
it dies; `python -m jobs.scheduler` (or `rq cron jobs.rituals.cron_config`) runs one alone.
Any number may run at once (one per host, a restart overlapping the old one): each enqueues
its tick, and the day's key in the database lets exactly one tick start each ritual.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time
from multiprocessing.process import BaseProcess

from redis import Redis
from redis.exceptions import RedisError
from rq.cron import CronScheduler

from jobs import runtime as runtime_module
from jobs.outages import backoff, when_database_answers
from jobs.rituals.tick import tick_rituals
from jobs.workspace_exit import purge_expired_workspaces

logger = logging.getLogger(__name__)

EVERY_MINUTE = "* * * * *"
PURGE_EVERY_HOUR = "17 * * * *"
PURGE_TIMEOUT_S = 15 * 60  # deleting a large workspace's rows
TICK_TIMEOUT_S = 55  # a tick is a few queries per workspace; it must end before the next one
TICK_QUEUED_TTL_S = 120  # a tick nobody picked up in 2 minutes is dropped: a later one covers it
TICK_RESULT_TTL_S = 600
TICK_FAILURE_TTL_S = 7 * 24 * 3600


def tick_options() -> dict[str, object]:
    """The tick's RQ options, shared by `cron_scheduler` and the `rq cron` config file."""
    return {
        "cron": EVERY_MINUTE,
        "job_timeout": TICK_TIMEOUT_S,
        "ttl": TICK_QUEUED_TTL_S,
        "result_ttl": TICK_RESULT_TTL_S,
        "failure_ttl": TICK_FAILURE_TTL_S,
    }


def purge_options() -> dict[str, object]:
    """The retention purge (jobs/workspace_exit.py): hourly, a minute apart from the hour's
    rituals."""
    return {**tick_options(), "cron": PURGE_EVERY_HOUR, "job_timeout": PURGE_TIMEOUT_S}


def cron_scheduler(connection: Redis, queue_name: str) -> CronScheduler:
    """A scheduler that enqueues `tick_rituals` on `queue_name` at every minute's start."""
    scheduler = CronScheduler(connection=connection, logging_level=logging.WARNING)
    scheduler.register(tick_rituals, queue_name, **tick_options())  # type: ignore[arg-type]
    scheduler.register(purge_expired_workspaces, queue_name, **purge_options())  # type: ignore[arg-type]
    return scheduler


def run_cron_process() -> None:
    """A forked child of the worker command: the scheduler until SIGINT/SIGTERM, waiting
    for the database or Redis while it is away (the scheduler's own loop stops on a Redis
    error)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        runtime_module.forget_inherited()
        rt = when_database_answers(runtime_module.current, "Ritual scheduler")
        serve_cron(rt.redis, rt.settings.queue_name)
    except KeyboardInterrupt:
        # Stopped (Ctrl-C, or the worker command's stop) before the scheduler's own loop took
        # over its signals: nothing to finish. Gone at once, so no finalizer of a half-built
        # client prints a traceback on the way out.
        os._exit(0)


def serve_cron(connection: Redis, queue_name: str) -> None:
    """The scheduler until SIGINT/SIGTERM, started again while Redis is away (its own loop
    ends on a Redis error); also `python -m jobs.scheduler`'s whole work."""
    for delay in backoff():
        try:
            cron_scheduler(connection, queue_name).start()  # type: ignore[no-untyped-call]
            return
        except RedisError as error:
            logger.warning(
                "Cron scheduler cannot reach Redis (%s); retry in %.1fs",
                type(error).__name__,
                delay,
            )
            time.sleep(delay)


class CronProcess:
    """The worker command's scheduler process: started with the workers, started again when
    it dies, asked to stop with them."""

    def __init__(self) -> None:
        self.process: BaseProcess | None = None

    def start(self) -> None:
        self.process = multiprocessing.get_context("fork").Process(
            target=run_cron_process, name="rq-cron"
        )
        self.process.start()
        logger.info("Started the ritual scheduler (RQ cron, pid %s)", self.process.pid)

    def keep_alive(self) -> None:
        if self.process is not None and not self.process.is_alive():
            logger.warning("Ritual scheduler exited (%s); starting it again", self.process.exitcode)
            self.start()

    def stop(self) -> None:
        if self.process is not None and self.process.pid and self.process.is_alive():
            os.kill(self.process.pid, signal.SIGINT)

    def stopped(self) -> bool:
        if self.process is None:
            return True
        self.process.join(0.1)
        return not self.process.is_alive()
