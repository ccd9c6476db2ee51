"""Which workspaces installed the department, which left, and when their data goes.

A row per workspace: `installed_at` (its last install), `uninstalled_at` (set by the
`app_uninstalled` / `tokens_revoked` listener, cleared by a reinstall), `purge_after` (the
uninstall plus DATA_RETENTION_DAYS) and `tokens_deleted_at` (the forget job ran: tokens gone,
queued jobs dropped, campaigns paused; the sweeper re-enqueues the job until it is set).
`purge` deletes every row of a workspace from every table with a `team_id` column, found in
the models' metadata, so a table added later is covered without a line here.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Connection, String, Table, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

import models
from models.base import Base, UTCDateTime, insert_ignoring_duplicates


class Workspace(Base):
    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    installed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    uninstalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    purge_after: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    tokens_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


def mark_installed(session: Session, team_id: str, at: datetime) -> None:
    """An install (or reinstall, or a token refresh) clears any uninstall mark."""
    session.execute(insert_ignoring_duplicates(session, Workspace), [{"team_id": team_id}])
    session.execute(
        update(Workspace)
        .where(Workspace.team_id == team_id)
        .values(installed_at=at, uninstalled_at=None, purge_after=None, tokens_deleted_at=None)
    )
    session.commit()


def mark_uninstalled(session: Session, team_id: str, at: datetime, retention_days: int) -> bool:
    """The first uninstall counts (a repeated event does not push the purge back); True if
    this call set the mark."""
    session.execute(insert_ignoring_duplicates(session, Workspace), [{"team_id": team_id}])
    result = session.execute(
        update(Workspace)
        .where(Workspace.team_id == team_id, Workspace.uninstalled_at.is_(None))
        .values(uninstalled_at=at, purge_after=at + timedelta(days=retention_days))
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]


def is_uninstalled(session: Session, team_id: str) -> bool:
    gone = session.scalar(select(Workspace.uninstalled_at).where(Workspace.team_id == team_id))
    return gone is not None


def uninstalled(session: Session) -> set[str]:
    """The workspaces whose work must not run or be scheduled."""
    rows = session.scalars(select(Workspace.team_id).where(Workspace.uninstalled_at.is_not(None)))
    return set(rows)


def tokens_deleted(session: Session, team_id: str, since: datetime, at: datetime) -> bool:
    """The forget job finished for the uninstall of `since` (not a later reinstall's)."""
    result = session.execute(
        update(Workspace)
        .where(Workspace.team_id == team_id, Workspace.uninstalled_at == since)
        .values(tokens_deleted_at=at)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]


def not_forgotten(session: Session, before: datetime) -> list[str]:
    """Uninstalled before `before`, but the forget job has not finished (Redis was away)."""
    rows = session.scalars(
        select(Workspace.team_id).where(
            Workspace.uninstalled_at < before, Workspace.tokens_deleted_at.is_(None)
        )
    )
    return list(rows)


def due_for_purge(session: Session, now: datetime) -> list[str]:
    rows = session.scalars(
        select(Workspace.team_id)
        .where(Workspace.purge_after <= now, Workspace.uninstalled_at.is_not(None))
        .order_by(Workspace.purge_after)
    )
    return list(rows)


def load_every_model() -> None:
    """Import every module of `models` so `Base.metadata` knows every table."""
    for module in pkgutil.iter_modules(models.__path__):
        importlib.import_module(f"models.{module.name}")


def team_tables(extra: Iterable[Table] = ()) -> list[Table]:
    """Every table with a team_id column, dependants before what they refer to."""
    load_every_model()
    tables = [*reversed(Base.metadata.sorted_tables), *extra]
    return [table for table in tables if "team_id" in table.c]


def purge(connection: Connection, team_id: str, tables: Iterable[Table]) -> dict[str, int]:
    """Delete the workspace's rows from every table (in the caller's transaction), only if it
    is still uninstalled; the rows deleted per table."""
    still_gone = connection.scalar(
        select(Workspace.uninstalled_at).where(Workspace.team_id == team_id)
    )
    if still_gone is None:
        return {}
    if connection.dialect.name == "postgresql":
        # A departed workspace's rows may be many: its purge alone may outlast
        # DATABASE_STATEMENT_TIMEOUT_S (this transaction only).
        connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
    deleted = {}
    for table in tables:
        result = connection.execute(table.delete().where(table.c.team_id == team_id))
        deleted[table.name] = result.rowcount
    return deleted
