"""What bounds a connection to PostgreSQL (models/db.make_engine): TCP keepalives and a
statement_timeout, added to the URL's own libpq options (the tests' search_path stays);
SQLite's engine takes neither."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, insert, text

from models import workspaces
from models.base import Base, utcnow
from models.db import make_engine, postgres_connect_args
from models.workspaces import Workspace


def _show(engine: Engine, name: str) -> str:
    with engine.connect() as connection:
        return str(connection.execute(text(f"SHOW {name}")).scalar_one())


@pytest.mark.parametrize("database_kind", ["postgresql"], indirect=True)
def test_a_postgres_session_has_the_statement_timeout_and_keepalives(database_url: str) -> None:
    engine = make_engine(database_url, statement_timeout_s=7)
    try:
        assert _show(engine, "statement_timeout") == "7s"
        assert _show(engine, "search_path").startswith("test_")  # the URL's options kept
        with engine.connect() as connection:
            params = connection.connection.dbapi_connection.info.get_parameters()  # type: ignore[union-attr]
        assert params["keepalives_idle"] == "60" and params["keepalives_count"] == "3"
    finally:
        engine.dispose()
    unlimited = make_engine(database_url)  # 0: no limit (the release's migration)
    try:
        assert _show(unlimited, "statement_timeout") == "0"
    finally:
        unlimited.dispose()


def test_the_url_wins_over_each_default() -> None:
    url = "postgresql+psycopg://app@db/x?keepalives_idle=5&options=-c%20statement_timeout%3D1s"
    args = postgres_connect_args(url, statement_timeout_s=30)
    assert "keepalives_idle" not in args and "options" not in args
    assert args["keepalives"] == 1


@pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)
def test_sqlite_is_unaffected(database_url: str) -> None:
    engine = make_engine(database_url, statement_timeout_s=7)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar_one() == 1
    assert engine.dialect.name == "sqlite"
    engine.dispose()


@pytest.mark.parametrize("database_kind", ["postgresql"], indirect=True)
def test_a_workspace_purge_runs_without_the_statement_timeout(migrated_database_url: str) -> None:
    """However many rows a departed workspace left, its purge is not cut off halfway."""
    engine = make_engine(migrated_database_url, statement_timeout_s=7)
    try:
        with engine.begin() as connection:
            connection.execute(insert(Workspace).values(team_id="T0GONE", uninstalled_at=utcnow()))
            assert workspaces.purge(connection, "T0GONE", [Base.metadata.tables["workspaces"]]) == {
                "workspaces": 1
            }
            assert connection.execute(text("SHOW statement_timeout")).scalar_one() == "0"
        assert _show(engine, "statement_timeout") == "7s"  # the next transaction's own
    finally:
        engine.dispose()
