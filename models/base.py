"""Declarative base and the column types every table shares."""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, datetime

from sqlalchemy import Connection, DateTime, Insert, MetaData, String, Update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Aware UTC now; the only clock the models use (freezegun-friendly)."""
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


def guarded(session: Session, statement: Update) -> bool:
    """Run one conditional UPDATE and commit; True if it changed exactly one row.

    Every state transition is one of these, so racing workers or clicks have one winner.
    """
    result = session.execute(statement.execution_options(synchronize_session=False))
    session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, returns aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def insert_ignoring_duplicates(bind: Connection | Session, table: type[Base]) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL: one statement, no savepoint.

    Values go in as execute() parameters, so the statement is built and compiled once.
    """
    dialect = bind.get_bind().dialect.name if isinstance(bind, Session) else bind.dialect.name
    return _insert_ignoring(dialect, table)


@functools.cache
def _insert_ignoring(dialect: str, table: type[Base]) -> Insert:
    module = postgresql if dialect == "postgresql" else sqlite
    statement: Insert = module.insert(table).on_conflict_do_nothing()
    return statement


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class TeamScoped:
    """Every record carries its Slack workspace id; every query filters by it."""

    team_id: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
