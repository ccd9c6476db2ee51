"""The Slack-facing process started while the database was away: it waits for the database
to answer with the schema at the code's head instead of exiting.

Over HTTP it serves anyway and turns Slack's requests away with a 503 (Slack delivers them
again later) until then; `/healthz` and `/readyz` say "down" meanwhile (handlers/health.py).
In Socket Mode there is no 503 to answer an envelope with: the socket is opened only once the
gate is open (`wait_until_open`, with jobs/outages.py's `when_database_answers`), and until
then the process logs that it waits.

A process manager would otherwise restart a web process that exits on a database outage
over and over, and a load balancer would see no process at all, rather than one that says
it is not ready. Over HTTP the check is made by requests, not by a thread: at most one at a
time, and no more often than `jobs.outages.backoff` allows, so an outage costs each request a
flag read, not a connect. Once open the gate stays open: a later outage is met where the work
is (a listener that cannot persist answers 500, jobs/outages.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine

from errors import DatabaseNotMigrated, DatabaseUnreachable
from jobs.outages import backoff, when_database_answers
from models.db import assert_migrated

logger = logging.getLogger(__name__)

OnOpen = Callable[[], None]


class DatabaseGate:
    """Open once the database has answered with the schema at head; `on_open` runs then
    (start-up work that reads the database)."""

    def __init__(self, engine: Engine, on_open: OnOpen | None = None) -> None:
        self.engine = engine
        self.on_open = on_open
        self._open = False
        self._checking = threading.Lock()
        self._delays = backoff()
        self._next_check = 0.0  # time.monotonic() of the next check

    def open_at_start(self, wait: bool) -> None:
        """The start-up check: a schema not at head stops start-up (DatabaseNotMigrated); an
        unreachable database does too, unless `wait` (serving: the gate stays closed)."""
        try:
            self._check()
        except DatabaseUnreachable as error:
            if not wait:
                raise
            logger.warning("%s; serving, and answering Slack 503 until it answers", error)
            self._next_check = time.monotonic() + next(self._delays)

    def wait_until_open(self, who: str) -> None:
        """Socket Mode's start: back here only once the database answers with the schema at
        head, retried with backoff meanwhile (logged as `who` waiting for the database). A
        schema not at head still stops start-up (DatabaseNotMigrated): waiting would not
        migrate it."""
        if not self._open:
            when_database_answers(self._check, who)

    def when_open(self, work: OnOpen) -> None:
        """`work` now if the gate is open, else when it opens."""
        if self._open:
            work()
        else:
            self.on_open = work

    def is_open(self) -> bool:
        """Whether Slack's requests may be served; checks the database again when due."""
        if self._open:
            return True
        if time.monotonic() < self._next_check or not self._checking.acquire(blocking=False):
            return False
        try:
            self._check()
            logger.info("The database answers: serving Slack's requests")
        except (DatabaseUnreachable, DatabaseNotMigrated) as error:
            delay = next(self._delays)
            logger.warning("Slack requests answered 503: %s; next check in %.1fs", error, delay)
            self._next_check = time.monotonic() + delay
        finally:
            self._checking.release()
        return self._open

    def _check(self) -> None:
        assert_migrated(self.engine)
        if self.on_open is not None:
            self.on_open()
        self._open = True
