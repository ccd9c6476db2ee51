"""PostgreSQL for the tests: a schema of this test process's own, on a shared server.

Each pytest process (each xdist worker) works in schemas named `test_gw<n>_<random>_<label>`,
put on the search path through libpq's `options`, so the URL it hands to a worker command or
any other child process lands in the same schema. A shared database's `public` schema, or a
parallel worker's tables, are never touched; the schemas are dropped at the end.

- `migrated`: migrated once per process; before each test its tables are emptied (one round
  trip of DELETEs, about 20 ms here; a TRUNCATE of the ~20 tables took 0.5 s each time).
- an empty schema (the model tests' migration tests): dropped and created again per test.

Where no server answers, the PostgreSQL half is skipped on a developer's machine and fails when
the `CI` environment variable is set (CI must run it).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field

import pytest
from sqlalchemy import Engine, MetaData, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError, OperationalError

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
CONNECT_TIMEOUT_S = 3
# A test's leftover transaction must not make the next test's emptying wait for ever.
LOCK_TIMEOUT_MS = 5000


def _create_database_if_missing(url: str) -> None:
    """A clean machine's server may lack the test database: create it from `postgres`."""
    target = make_url(url)
    probe = create_engine(target, connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
    try:
        with probe.connect():
            return
    except OperationalError as error:
        if "does not exist" not in str(error):
            raise
    finally:
        probe.dispose()
    maintenance = create_engine(
        target.set(database="postgres"),
        isolation_level="AUTOCOMMIT",  # CREATE DATABASE cannot run in a transaction
        connect_args={"connect_timeout": CONNECT_TIMEOUT_S},
    )
    try:
        with maintenance.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    except DBAPIError as error:  # a parallel worker created it first
        if "already exists" not in str(error):
            raise
    finally:
        maintenance.dispose()


def require_postgres(url: str, ci: str | None) -> None:
    """Skip where no server answers at `url`; in CI fail instead, saying so. `ci` is the
    `CI` environment variable: CI whenever it is set, unless to "", "0" or "false"."""
    try:
        _create_database_if_missing(url)
    except Exception as error:
        message = f"PostgreSQL not reachable at {url} ({error.__class__.__name__})"
        if ci is not None and ci.strip().lower() not in ("", "0", "false"):
            pytest.fail(
                f"{message}, and CI is set: the PostgreSQL tests must run in CI. Start "
                "PostgreSQL or point TEST_POSTGRES_URL at one.",
                pytrace=False,
            )
        pytest.skip(message)


@dataclass
class PostgresSchema:
    """A schema of this test process's own, and a URL whose search path is that schema (its
    connections carry the schema's name as libpq's `application_name`, so leftovers of an
    earlier test can be found and ended)."""

    name: str
    url: str
    admin: Engine  # on POSTGRES_URL itself, to drop and create the schema
    _emptying: str | None = field(default=None, repr=False)

    @classmethod
    def create(cls, label: str) -> PostgresSchema:
        """A new, empty schema (the server must answer: see `require_postgres`)."""
        from tests.conftest import xdist_worker_index  # (tests/conftest.py imports this module)

        name = f"test_gw{xdist_worker_index()}_{uuid.uuid4().hex[:8]}_{label}"
        url = make_url(POSTGRES_URL).update_query_dict(
            {"options": f"-csearch_path={name}", "application_name": name}
        )
        schema = cls(name, url.render_as_string(hide_password=False), create_engine(POSTGRES_URL))
        schema.reset()
        return schema

    def reset(self) -> None:
        """An empty schema, as a fresh database would be (a test may leave anything)."""
        self.end_leftover_connections()
        with self.admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{self.name}"'))
        self._emptying = None

    def empty_tables(self) -> None:
        """Every row gone and every sequence restarted, the schema (and Alembic's version)
        kept: a migrated database as fresh as a copy of a migrated file."""
        self.end_leftover_connections()
        if self._emptying is None:
            self._emptying = self._emptying_sql()
        if not self._emptying:
            return
        engine = create_engine(self.url)
        try:
            with engine.begin() as connection:
                connection.exec_driver_sql(self._emptying)
        finally:
            engine.dispose()

    def _emptying_sql(self) -> str:
        """DELETEs children first (the foreign keys found in the schema itself, so tables
        that no model maps are emptied too), then sequence restarts, as one script."""
        engine = create_engine(self.url)
        try:
            with engine.connect() as connection:
                tables = MetaData()
                tables.reflect(connection)
                sequences = connection.scalars(
                    text(
                        "select sequence_name from information_schema.sequences"
                        " where sequence_schema = current_schema()"
                    )
                ).all()
        finally:
            engine.dispose()
        statements = [f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}"]
        statements += [
            f'DELETE FROM "{table.name}"'
            for table in reversed(tables.sorted_tables)
            if table.name != "alembic_version"
        ]
        statements += [f'ALTER SEQUENCE "{name}" RESTART' for name in sequences]
        return ";\n".join(statements) if len(statements) > 1 else ""

    def end_leftover_connections(self) -> None:
        """End the connections an earlier test left open on this schema (an engine never
        disposed, a transaction a failed test never closed): they would hold locks, and the
        server's connections are shared with everything else on the machine."""
        with self.admin.begin() as connection:
            connection.execute(
                text(
                    "select pg_terminate_backend(pid) from pg_stat_activity"
                    " where application_name = :name and pid <> pg_backend_pid()"
                ),
                {"name": self.name},
            )

    def drop(self) -> None:
        self.end_leftover_connections()
        with self.admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
        self.admin.dispose()
