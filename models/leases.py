"""Leases: which worker process runs a turn, a task turn (and next, a campaign step).

Every leased table works the same way, so the mechanics live here once, driven by a
`LeasedTable` that describes the table: a claim is one guarded UPDATE that sets a random
token, an expiry and the holder, "<hostname>:<pid>" of the worker process, and counts the
attempt; the holder heartbeats (extends) the expiry, gives the lease back (expires it) when
a run fails, and only a row that still carries its token counts as held. A row whose lease
ran out, or that waited too long to be claimed, is lost, and the sweeper enqueues it again.
What is a kind's own (a turn's one-at-a-time claim per thread, a task's turn counter, how
each ends) stays in models/turns.py and models/tasks.py.

The supervisor that saw a worker process die expires that holder's leases at once, so the
sweeper re-enqueues the work within seconds instead of waiting for the lease to run out; a
supervisor starting on the same host after the whole command died does the same and does not
count those runs as attempts (`forgive_dead_command`).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from models.base import guarded, utcnow
from models.records import Turn, TurnStatus
from models.work import Task, TaskStatus

HOLDER_MAX_CHARS = 80
# The tables that carry leases: each has team_id, id, status, attempts, lease_token,
# lease_expires_at, lease_holder and created_at columns. A new leased kind joins this union.
LeasedModel = type[Turn] | type[Task]


@dataclass(frozen=True)
class LeasedTable:
    """How one table's rows are leased: the status a held row has, the statuses a fresh
    claim starts from, and since when an unclaimed row has waited (to tell a lost one)."""

    kind: str  # for logs: "turn", "task"
    model: LeasedModel
    running: str
    claimable: tuple[str, ...]
    waiting_since: InstrumentedAttribute[Any]


@dataclass(frozen=True)
class Lease:
    """Proof that this process holds a row's lease: the row and the claim's random token."""

    team_id: str
    row_id: str
    token: str


TURNS = LeasedTable(
    "turn", Turn, TurnStatus.RUNNING.value, (TurnStatus.RECEIVED.value,), Turn.created_at
)
RUNNABLE_TASKS = (TaskStatus.OPEN.value, TaskStatus.READY.value)
# A task becomes runnable again (ready) long after it was made: it waits from its last change.
TASKS = LeasedTable("task", Task, TaskStatus.IN_PROGRESS.value, RUNNABLE_TASKS, Task.updated_at)
LEASED = (TURNS, TASKS)


def claim(
    session: Session,
    table: LeasedTable,
    team_id: str,
    row_id: str,
    lease_s: float,
    holder: str,
    *,
    also: tuple[ColumnElement[bool], ...] = (),
    values: Mapping[str, Any] | None = None,
) -> str | None:
    """Take a claimable row, or one whose holder's lease ran out (or was given back), for
    `holder`, counting the attempt; returns the lease's token, None if not ours. `also` adds
    a kind's own conditions, `values` its own columns, to the same guarded UPDATE."""
    model = table.model
    now = utcnow()
    token = uuid.uuid4().hex
    won = guarded(
        session,
        update(model)
        .where(
            model.team_id == team_id,
            model.id == row_id,
            or_(
                model.status.in_(table.claimable),
                and_(model.status == table.running, model.lease_expires_at < now),
            ),
            *also,
        )
        .values(
            status=table.running,
            lease_token=token,
            lease_expires_at=now + timedelta(seconds=lease_s),
            lease_holder=holder,
            attempts=model.attempts + 1,
            **(values or {}),
        ),
    )
    return token if won else None


def held(table: LeasedTable, lease: Lease) -> tuple[ColumnElement[bool], ...]:
    """The row as this lease's holder left it: still running, with our token. Every change
    the holder makes is guarded by this, so a holder whose lease was taken over changes
    nothing."""
    model = table.model
    return (
        model.team_id == lease.team_id,
        model.id == lease.row_id,
        model.status == table.running,
        model.lease_token == lease.token,
    )


def extend(session: Session, table: LeasedTable, lease: Lease, lease_s: float) -> bool:
    """Heartbeat; False means the lease was lost (taken over or finished elsewhere)."""
    return guarded(
        session,
        update(table.model)
        .where(*held(table, lease))
        .values(lease_expires_at=utcnow() + timedelta(seconds=lease_s)),
    )


def release(session: Session, table: LeasedTable, lease: Lease) -> bool:
    """Give the lease back at once (the run failed): the row stays running with an expired
    lease, so the sweeper enqueues it again and the next claim counts as a retry."""
    return guarded(
        session,
        update(table.model).where(*held(table, lease)).values(lease_expires_at=utcnow()),
    )


def lost(
    session: Session, table: LeasedTable, *, grace_s: float, limit: int = 100
) -> list[tuple[str, str]]:
    """(team, id) pairs that may be missing from the queue: claimable for longer than
    `grace_s` (never enqueued), or running with an expired lease (orphaned).

    The sweeper is the one cross-workspace reader: it only returns ids, and each job it
    enqueues filters by its team again.
    """
    model = table.model
    now = utcnow()
    stale = and_(
        model.status.in_(table.claimable), table.waiting_since < now - timedelta(seconds=grace_s)
    )
    expired = and_(model.status == table.running, model.lease_expires_at < now)
    rows = session.execute(
        select(model.team_id, model.id)
        .where(or_(stale, expired))
        .order_by(model.created_at)
        .limit(limit)
    )
    return [(team_id, row_id) for team_id, row_id in rows]


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
    new holder and is left alone. The row stays running with an expired lease, so the next
    claim counts it as a retry of the same turn.
    """
    now = utcnow()
    released = 0
    for table in LEASED:
        model = table.model
        result = session.execute(
            update(model)
            .where(
                model.status == table.running,
                model.lease_holder == holder,
                model.lease_expires_at > now,
            )
            .values(lease_expires_at=now)
            .execution_options(synchronize_session=False)
        )
        released += result.rowcount  # type: ignore[attr-defined]
    session.commit()
    return released


def forgive_dead_command(session: Session, holder: str) -> int:
    """Give back every run `holder` held when its whole worker command died (a deploy, a crash,
    SIGKILL of the group), expired or not, without counting it as an attempt: such a death
    says nothing about the work, and a campaign killed twenty times must not fail a step for
    it. A run that kills its own process is seen by its living supervisor and counted
    (`release_held_by`), which is what bounds a poison job. The holder is cleared, so a run is
    forgiven once; how many were."""
    now = utcnow()
    forgiven = 0
    for table in LEASED:
        model = table.model
        result = session.execute(
            update(model)
            .where(model.status == table.running, model.lease_holder == holder)
            .values(
                lease_expires_at=now,
                lease_holder=None,
                attempts=case((model.attempts > 0, model.attempts - 1), else_=0),
            )
            .execution_options(synchronize_session=False)
        )
        forgiven += result.rowcount  # type: ignore[attr-defined]
    session.commit()
    return forgiven


def holders_on_host(session: Session, host: str) -> list[str]:
    """Holders of running rows on `host` (their leases expired or not), for a starting
    supervisor to check which are dead."""
    prefix = f"{host[: HOLDER_MAX_CHARS - 8]}%"  # a holder keeps at least this much host
    found: set[str] = set()
    for table in LEASED:
        model = table.model
        found.update(
            holder
            for holder in session.scalars(
                select(model.lease_holder)
                .where(model.status == table.running, model.lease_holder.like(prefix))
                .distinct()
            )
            if holder is not None and host.startswith(holder.rpartition(":")[0])
        )
    return sorted(found)


def pid_of(holder: str) -> int | None:
    _, _, pid = holder.rpartition(":")
    return int(pid) if pid.isdigit() else None
