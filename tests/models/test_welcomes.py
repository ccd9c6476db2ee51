"""Welcomes on both databases: one per person and workspace, and migration 0016 up and down."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from sqlalchemy.orm import Session, sessionmaker

from models import welcomes
from models.db import alembic_config, upgrade


def test_a_first_visit_is_recorded_once_per_person_and_workspace(
    sessions: sessionmaker[Session],
) -> None:
    engine = sessions.kw["bind"]
    with engine.connect() as connection:
        assert welcomes.record_first_visit(connection, "T1", "U1", "D1", "home")
        assert not welcomes.record_first_visit(connection, "T1", "U1", "D1", "dm")
        assert welcomes.record_first_visit(connection, "T2", "U1", "D9", "dm")  # another team
        assert welcomes.still_unwelcomed(connection, "T1", "U1")
    with sessions() as session:
        found = welcomes.load_welcome(session, "T1", "U1")
        assert found is not None and found.via == "home"
        found.ts = "1.000001"
        session.commit()
    with engine.connect() as connection:
        assert not welcomes.still_unwelcomed(connection, "T1", "U1")
        assert welcomes.still_unwelcomed(connection, "T2", "U1")


def test_migration_0016_goes_up_and_down(database_url: str) -> None:
    upgrade(database_url)
    command.downgrade(alembic_config(database_url), "0014")
    assert "welcomes" not in sa.inspect(sa.create_engine(database_url)).get_table_names()
    upgrade(database_url)
    assert "welcomes" in sa.inspect(sa.create_engine(database_url)).get_table_names()
