"""Who holds a lease, and giving back the leases of a worker process that died.

A turn's or a task's lease names its holder, "<hostname>:<pid>" of the worker process that
claimed it. The supervisor that saw the process die (or a supervisor starting on the same
host after a crash) expires that holder's leases at once, so the sweeper re-enqueues the
work within seconds instead of waiting for the lease to run out.
"""

from __future__ import annotations

import os
import socket

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.base import utcnow
from models.records import Turn, TurnStatus
from models.work import Task, TaskStatus

HOLDER_MAX_CHARS = 80


def this_process() -> str:
    """The holder name of the calling process; computed per call, since workers are forked."""
    return holder_name(socket.gethostname(), os.getpid())


def holder_name(host: str, pid: int) -> str:
    suffix = f":{pid}"
    return host[: HOLDER_MAX_CHARS - len(suffix)] + suffix


def release_held_by(session: Session, holder: str) -> int:
    """Expire every running lease that `holder` holds, across teams (the holder is one dead
    process, so this touches only its own work); returns how many were released.

    Guarded on status and holder: a lease another process took over in the meantime has a
    new holder and is left alone. The turn or task stays running with an expired lease, so
    the next claim counts it as a retry of the same turn.
    """
    now = utcnow()
    released = 0
    for table, running in ((Turn, TurnStatus.RUNNING.value), (Task, TaskStatus.IN_PROGRESS.value)):
        result = session.execute(
            update(table)
            .where(
                table.status == running,
                table.lease_holder == holder,
                table.lease_expires_at > now,
            )
            .values(lease_expires_at=now)
            .execution_options(synchronize_session=False)
        )
        released += result.rowcount  # type: ignore[attr-defined]
    session.commit()
    return released


def holders_on_host(session: Session, host: str) -> list[str]:
    """Holders of unexpired running leases on `host`, for a starting supervisor to check."""
    now = utcnow()
    prefix = f"{host[: HOLDER_MAX_CHARS - 8]}%"  # a holder keeps at least this much host
    found: set[str] = set()
    for table, running in ((Turn, TurnStatus.RUNNING.value), (Task, TaskStatus.IN_PROGRESS.value)):
        found.update(
            holder
            for holder in session.scalars(
                select(table.lease_holder)
                .where(
                    table.status == running,
                    table.lease_expires_at > now,
                    table.lease_holder.like(prefix),
                )
                .distinct()
            )
            if holder is not None and host.startswith(holder.rpartition(":")[0])
        )
    return sorted(found)


def pid_of(holder: str) -> int | None:
    _, _, pid = holder.rpartition(":")
    return int(pid) if pid.isdigit() else None
