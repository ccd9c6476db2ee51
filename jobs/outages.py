"""How the worker command rides out an outage of Redis or of the database.

Nothing waits for an outage to end in a job: a job that meets one fails, and the work is
found again in the database once it is back.

- Redis away: the listener persists the turn and answers 200; the workers and the ritual
  scheduler reconnect with backoff (jobs/worker.py, jobs/rituals/cron.py); the sweeper
  enqueues what was never enqueued.
- Database away: the listener cannot persist, so Slack gets a 500 and delivers again later;
  a job that meets it fails (RQ records it), its lease is given back or runs out, and the
  sweeper (which skips its passes meanwhile, jobs/sweeper.py) enqueues the work again. A
  re-run is the same turn: its posts are found and edited, never made twice
  (jobs/slack/post_once.py). SQLAlchemy's `pool_pre_ping` swaps the dead pooled connections
  for new ones on first use after the restart (models/db.py).
- A process that starts during an outage (the worker command, a worker or the scheduler
  forked again) builds its runtime, which reads the schema's revision: `when_database_answers`
  retries that with backoff instead of letting the process die and be forked again every
  second. The web process waits too (handlers/database_gate.py): over HTTP it serves, and
  answers 503 to Slack and its health checks until the database answers (with this module's
  `backoff` between checks); in Socket Mode it opens its socket only then, waiting here
  (`when_database_answers`). Only a `--check` stops at once: it is a check.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

from errors import DatabaseUnreachable

logger = logging.getLogger(__name__)

FIRST_RETRY_S = 0.2
RETRY_CAP_S = 10.0  # the longest an outage's end goes unnoticed
T = TypeVar("T")


def backoff() -> Iterator[float]:
    """Seconds to wait before each next try: doubling from FIRST_RETRY_S up to RETRY_CAP_S."""
    delay = FIRST_RETRY_S
    while True:
        yield delay
        delay = min(RETRY_CAP_S, delay * 2)


def when_database_answers(build: Callable[[], T], who: str) -> T:
    """`build()`, tried again with backoff for as long as it raises DatabaseUnreachable."""
    for delay in backoff():
        try:
            return build()
        except DatabaseUnreachable as error:
            logger.warning("%s waiting for the database: %s; retry in %.1fs", who, error, delay)
            time.sleep(delay)
    raise AssertionError("backoff() never ends")  # pragma: no cover
