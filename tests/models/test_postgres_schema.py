"""The PostgreSQL half of the tests: in schemas of this process's own, and never skipped in CI."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import free_port
from tests.postgres import PostgresSchema, require_postgres

UNREACHABLE = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"


@pytest.mark.parametrize("database_kind", ["postgresql"], indirect=True)
def test_the_tables_live_in_this_processs_schema_not_in_public(
    sessions: sessionmaker[Session], migrated_postgres: PostgresSchema
) -> None:
    with sessions() as session:
        assert session.scalar(text("select current_schema()")) == migrated_postgres.name
        schemas = session.scalars(
            text(
                "select table_schema from information_schema.tables"
                " where table_name = 'alembic_version'"
            )
        ).all()
        assert migrated_postgres.name in schemas
        assert session.scalar(
            text("select count(*) from information_schema.schemata where schema_name = 'public'")
        )


@pytest.mark.parametrize("ci", ["1", "true", "yes"])
def test_without_a_server_the_postgresql_half_fails_in_ci(ci: str) -> None:
    with pytest.raises(pytest.fail.Exception, match="CI is set: the PostgreSQL tests must run"):
        require_postgres(UNREACHABLE, ci)


@pytest.mark.parametrize("ci", [None, "", "0", "false"])
def test_without_a_server_the_postgresql_half_is_skipped_outside_ci(ci: str | None) -> None:
    with pytest.raises(pytest.skip.Exception, match="PostgreSQL not reachable at"):
        require_postgres(UNREACHABLE, ci)
