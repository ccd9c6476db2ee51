"""Both databases the product supports: every model test runs on SQLite and PostgreSQL
(tests/conftest.py parametrizes `database_kind`; PostgreSQL's schemas: tests/postgres.py).

Here `database_url` is an *empty* database, for the migration tests that walk the chain
themselves; `sessions` opens the usual fresh, migrated one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from models.db import make_engine, make_sessionmaker
from tests.postgres import POSTGRES_URL, PostgresSchema, require_postgres


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[PostgresSchema]:
    """This process's PostgreSQL schema for migration tests: emptied before each."""
    require_postgres(POSTGRES_URL, os.environ.get("CI"))
    schema = PostgresSchema.create("empty")
    yield schema
    schema.drop()


@pytest.fixture()
def database_url(database_kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of the test's kind (not migrated); PostgreSQL's is this process's
    own schema, dropped and created again."""
    if database_kind == "sqlite":
        return f"sqlite:///{tmp_path / 'turns.db'}"
    schema: PostgresSchema = request.getfixturevalue("postgres_schema")
    schema.reset()
    return schema.url


@pytest.fixture
def sessions(migrated_database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(migrated_database_url)
    yield make_sessionmaker(engine)
    engine.dispose()
