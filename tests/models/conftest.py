"""Both databases the product supports: every model test runs on SQLite and PostgreSQL.

PostgreSQL runs in a schema of this test process's own (`test_<xdist worker>_<random>`, on the
search path through libpq's `options`), emptied before each test and dropped at the end: a
shared database's `public` schema, or a parallel worker's tables, are never touched. Where
no server answers, the PostgreSQL half is skipped on a developer's machine and fails when the
`CI` environment variable is set (CI must run it).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from models.db import make_engine, make_sessionmaker, upgrade
from tests.conftest import xdist_worker_index

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
CONNECT_TIMEOUT_S = 3


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


@dataclass(frozen=True)
class PostgresSchema:
    """This test process's own schema, and a URL whose search path is that schema."""

    name: str
    url: str
    admin: Engine  # on POSTGRES_URL itself, to drop and create the schema

    def reset(self) -> None:
        """An empty schema, as a fresh database would be (a test may leave anything)."""
        with self.admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{self.name}"'))


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


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[PostgresSchema]:
    require_postgres(POSTGRES_URL, os.environ.get("CI"))
    name = f"test_gw{xdist_worker_index()}_{uuid.uuid4().hex[:8]}"
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={name}"})
    schema = PostgresSchema(
        name, url.render_as_string(hide_password=False), create_engine(POSTGRES_URL)
    )
    yield schema
    with schema.admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    schema.admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind the product supports (not migrated); PostgreSQL's is
    this process's own schema, emptied."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'turns.db'}"
    schema: PostgresSchema = request.getfixturevalue("postgres_schema")
    schema.reset()
    return schema.url


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    upgrade(database_url)
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    engine.dispose()
