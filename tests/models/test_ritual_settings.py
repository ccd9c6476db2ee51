"""Ritual settings on both databases: only what a workspace changed is stored, a change of
one workspace leaves another's alone, the scheduler knows a workspace by its records, and
migration 0011 goes up and down."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic import command
from sqlalchemy.orm import Session, sessionmaker

from models import ritual_settings
from models.db import alembic_config, upgrade
from models.records import Turn
from models.ritual_settings import CalendarOverride, RitualOverride

TEAM, OTHER_TEAM, THIRD_TEAM = "T1", "T2", "T3"


def test_a_workspace_stores_only_what_it_changed(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        assert ritual_settings.ritual_overrides(session, TEAM) == {}
        ritual_settings.save_ritual(session, TEAM, "standup", "U1", local_time="10:00")
        ritual_settings.save_ritual(session, TEAM, "standup", "U2", enabled=False)
        ritual_settings.save_ritual(session, OTHER_TEAM, "eod", "U9", channel="leads")
        assert ritual_settings.ritual_overrides(session, TEAM) == {
            "standup": RitualOverride(enabled=False, local_time="10:00")
        }
        assert ritual_settings.ritual_overrides(session, OTHER_TEAM) == {
            "eod": RitualOverride(channel="leads")
        }


def test_a_calendar_per_workspace(sessions: sessionmaker[Session]) -> None:
    christmas, boxing_day = date(2026, 12, 25), date(2026, 12, 26)
    with sessions() as session:
        assert ritual_settings.calendar_override(session, TEAM) == CalendarOverride()
        ritual_settings.save_calendar(session, TEAM, "U1", time_zone="Europe/Berlin")
        ritual_settings.save_calendar(session, TEAM, "U1", holidays=(boxing_day, christmas))
        ritual_settings.save_calendar(session, OTHER_TEAM, "U2", time_zone="Asia/Tokyo")
        assert ritual_settings.calendar_override(session, TEAM) == CalendarOverride(
            "Europe/Berlin", (christmas, boxing_day)
        )
        assert ritual_settings.calendar_override(session, OTHER_TEAM) == CalendarOverride(
            "Asia/Tokyo"
        )


def test_the_scheduler_knows_workspaces_by_their_records(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        assert ritual_settings.known_workspaces(session) == []
        session.add(
            Turn(
                team_id=THIRD_TEAM,
                event_id="Ev1",
                source="app_mention",
                channel_id="C1",
                user_id="U1",
                text="hi",
                message_ts="1.0",
                thread_ts="1.0",
            )
        )
        session.commit()
        ritual_settings.save_ritual(session, TEAM, "standup", "U1", enabled=True)
        ritual_settings.save_calendar(session, OTHER_TEAM, "U2", time_zone="UTC")
        ritual_settings.save_calendar(session, TEAM, "U1", time_zone="UTC")
        assert ritual_settings.known_workspaces(session) == [TEAM, OTHER_TEAM, THIRD_TEAM]


def test_migration_0011_goes_up_and_down(database_url: str) -> None:
    upgrade(database_url)
    tables = sa.inspect(sa.create_engine(database_url)).get_table_names()
    assert {"ritual_settings", "workspace_calendars"} <= set(tables)
    command.downgrade(alembic_config(database_url), "0010")
    engine = sa.create_engine(database_url)
    tables = sa.inspect(engine).get_table_names()
    assert "ritual_settings" not in tables and "workspace_calendars" not in tables
    assert "ritual_runs" in tables
    engine.dispose()
    upgrade(database_url)
