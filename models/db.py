"""Engines, sessions and the migration guard.

Sessions are opened inside handlers and jobs (never at import). SQLite is tuned for several
processes at once (WAL, a busy timeout) because the web app and the workers share the file.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from errors import DatabaseNotMigrated, DatabaseUnreachable

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
SQLITE_BUSY_TIMEOUT_S = 30
POSTGRES_CONNECT_TIMEOUT_S = 5
# libpq's TCP keepalives: an idle connection to a server that vanished without a word (a
# failover, a dropped network) is found dead in about a minute (60 s idle, then 3 probes
# 10 s apart), not the two hours the kernel waits by default.
POSTGRES_KEEPALIVES: dict[str, int] = {
    "keepalives": 1,
    "keepalives_idle": 60,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}


def make_engine(url: str, statement_timeout_s: float = 0) -> Engine:
    """An engine for the app; SQLite gets WAL and a busy timeout for multi-process use.
    PostgreSQL gets a connect timeout, TCP keepalives and, unless `statement_timeout_s` is 0
    (DATABASE_STATEMENT_TIMEOUT_S; the release's migration passes 0, as it waits for a lock),
    a statement_timeout: a hung server or a runaway query ends in an error, not a stuck
    request or job. A value in the URL wins over each."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # pool_pre_ping: after a restart every pooled connection is dead; each is replaced on
    # its first checkout instead of failing the request or job that drew it.
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        connect_args=postgres_connect_args(url, statement_timeout_s),
    )


def postgres_connect_args(url: str, statement_timeout_s: float) -> dict[str, Any]:
    """psycopg's connect arguments beside the URL's (which SQLAlchemy would let these
    replace: libpq's `options` is extended, never overwritten)."""
    query = make_url(url).query
    # A server gone silent fails a connect in seconds, not after the minutes TCP keeps trying.
    wanted: dict[str, Any] = {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S, **POSTGRES_KEEPALIVES}
    args = {name: value for name, value in wanted.items() if name not in query}
    if statement_timeout_s > 0:
        given = query.get("options", "")
        options = " ".join(given) if isinstance(given, tuple) else given
        if "statement_timeout" not in options:
            timeout = f"-c statement_timeout={round(statement_timeout_s * 1000)}"
            args["options"] = f"{options} {timeout}".strip()
    return args


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


_SQLITE_WRITE_LOCKS: dict[str, threading.Lock] = {}


def write_guard(engine: Engine) -> AbstractContextManager[object]:
    """Serialise this process's writes to a SQLite file; PostgreSQL needs no guard.

    SQLite admits one writer at a time. Under load, threads that find the file locked sleep
    in SQLite's busy handler for up to 100 ms a try, while the writer they wait for may itself
    be waiting for the GIL; queueing them on a lock instead keeps the ack tail short.
    """
    if engine.dialect.name != "sqlite":
        return contextlib.nullcontext()
    return _SQLITE_WRITE_LOCKS.setdefault(str(engine.url), threading.Lock())


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Bring a database to the newest schema (what `make run` and the tests do first)."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")


@functools.cache
def head_revision() -> str | None:
    """The newest migration's id, read once per process: finding it loads and compiles every
    file in migrations/ (about 50 ms), and the app and runtime each check at start-up."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def assert_migrated(engine: Engine) -> None:
    """Refuse to run against a database whose schema is not at head, saying what to run;
    `DatabaseUnreachable` (naming the server, never the password) if it does not answer."""
    head = head_revision()
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except OperationalError as error:
        if engine.dialect.name == "sqlite":  # a file, not a server that may come back
            raise
        raise DatabaseUnreachable(
            f"Cannot reach the database at {where(engine)} ({type(error.orig).__name__})"
        ) from error
    if current != head:
        raise DatabaseNotMigrated(
            f"The database is at migration {current or 'none'} but the code needs {head}. "
            "Run `make migrate` (alembic upgrade head) first."
        )


def where(engine: Engine) -> str:
    """The database an engine points at, fit for a log line: no user, no password."""
    url = engine.url
    port = f":{url.port}" if url.port else ""
    return f"{url.get_backend_name()}://{url.host}{port}/{url.database}"
