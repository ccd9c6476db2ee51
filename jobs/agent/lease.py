"""The one way a job holds a lease on a turn or a task while it runs.

Claim (a guarded UPDATE that sets a random token, an expiry and the holder, "host:pid"),
then a heartbeat thread that pushes the expiry out every quarter of the lease, then the
work, then the lease given back whatever happened: after a normal end the release is a
no-op (finishing cleared the lease), after an exception it expires the lease at once so the
sweeper retries the work at its next pass instead of a lease length later. Only a dead
worker's lease ever runs out, and the supervisor that saw it die gives it back too
(models/leases.py).

A retry is the same turn again: its post key comes from the turn (a turn's id, a task's
id and turn number), never from the claim, so a retry edits what the dead run posted.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from models import leases
from models.leases import Lease, LeasedTable, this_process

logger = logging.getLogger(__name__)

HEARTBEATS_PER_LEASE = 4  # a lease survives three missed beats (a slow database, a GC pause)
C = TypeVar("C", bound=Lease)
R = TypeVar("R")


@dataclass(frozen=True)
class LeasedWork(Generic[C]):
    """One kind of leased work: its table (extending and releasing are the same for every
    table, models/leases.py) and its own claim, which adds the kind's conditions and returns
    the kind's proof of holding. `also_extend` keeps more work held on each heartbeat (a
    turn's request task)."""

    table: LeasedTable
    claim: Callable[[Session, str, str, float, str], C | None]
    also_extend: Callable[[Session, C, float], object] | None = None

    @property
    def kind(self) -> str:
        return self.table.kind

    def extend(self, session: Session, held: C, lease_s: float) -> bool:
        if not leases.extend(session, self.table, held, lease_s):
            return False
        if self.also_extend is not None:
            self.also_extend(session, held, lease_s)
        return True


def claim(
    sessions: sessionmaker[Session], work: LeasedWork[C], team_id: str, work_id: str, lease_s: float
) -> C | None:
    """Take the lease for this process, or None if someone else holds the work."""
    with sessions() as session:
        return work.claim(session, team_id, work_id, lease_s, this_process())


def run_held(
    sessions: sessionmaker[Session],
    work: LeasedWork[C],
    held: C,
    lease_s: float,
    name: str,
    body: Callable[[], R],
) -> R:
    """Run `body` while heartbeating `held`; give the lease back when it ends or raises."""

    def extend() -> bool:
        with sessions() as session:
            return work.extend(session, held, lease_s)

    try:
        with heartbeat(extend, lease_s, f"{work.kind} {name}"):
            return body()
    except Exception:
        logger.exception("%s %s failed; giving its lease back for a retry", work.kind, name)
        raise
    finally:
        _release(sessions, work, held, name)


def _release(sessions: sessionmaker[Session], work: LeasedWork[C], held: C, name: str) -> None:
    """Never raises: a release that fails leaves the lease to run out instead."""
    try:
        with sessions() as session:
            leases.release(session, work.table, held)
    except SQLAlchemyError as error:  # the database is away: the lease runs out instead
        logger.warning(
            "Could not give back the lease of %s %s: %s", work.kind, name, type(error).__name__
        )
    except Exception:
        logger.exception("Could not give back the lease of %s %s", work.kind, name)


@contextmanager
def heartbeat(extend: Callable[[], bool], lease_s: float, name: str) -> Iterator[None]:
    """Call `extend` every quarter of the lease until the block ends or it returns False."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(lease_s / HEARTBEATS_PER_LEASE):
            try:
                if not extend():
                    return  # the lease was lost: someone else holds the work now
            except SQLAlchemyError as error:  # an outage: one line a beat, not a traceback
                logger.warning("Lease heartbeat failed for %s: %s", name, type(error).__name__)
            except Exception:
                logger.exception("Lease heartbeat failed for %s", name)

    thread = threading.Thread(target=beat, name=f"lease-{name}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
