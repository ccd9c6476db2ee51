"""A workspace's own settings on both databases: the defaults until it chooses, its choices
apart from every other workspace's, and migration 0019 up and down."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from alembic import command
from sqlalchemy.orm import Session, sessionmaker

from models import workspace_settings
from models.db import alembic_config, upgrade
from models.workspace_settings import People, WorkspaceDefaults, settings_for

TEAM, OTHER_TEAM = "T1", "T2"
DEFAULTS = WorkspaceDefaults("mkt-escalations", "mkt-campaigns", Decimal("50"), Decimal("2"))


def test_the_defaults_until_a_workspace_chooses(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        found = settings_for(session, TEAM, DEFAULTS)
    assert (found.escalation_channel, found.campaign_channel) == (
        "mkt-escalations",
        "mkt-campaigns",
    )
    assert (found.campaign_budget_usd, found.request_budget_usd) == (Decimal("50"), Decimal("2"))
    assert found.approvers == {} and found.setup_at is None and found.channel("mkt-x") == "mkt-x"


def test_a_workspaces_choices_are_its_own(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        workspace_settings.rename_channel(session, TEAM, "U1", "mkt-campaigns", "campaigns")
        workspace_settings.save(session, TEAM, "U1", campaign_budget_usd=Decimal("75.50"))
        chosen = {"blog_post": People(("U2",), ()), "escalation": People((), ("S1",))}
        workspace_settings.save_approvers(session, TEAM, "U1", chosen | {"weekly_plan": People()})
    with sessions() as session:
        mine = settings_for(session, TEAM, DEFAULTS)
        theirs = settings_for(session, OTHER_TEAM, DEFAULTS)
    assert (
        mine.campaign_channel == "campaigns" and mine.default_name("campaigns") == "mkt-campaigns"
    )
    assert mine.campaign_budget_usd == Decimal("75.50")
    assert mine.request_budget_usd == Decimal("2")  # not chosen: the default
    assert mine.approvers == chosen  # a type chosen with nobody goes back to the file's
    assert theirs.approvers == {} and theirs.renamed == {}
    assert theirs.campaign_channel == "mkt-campaigns" and theirs.campaign_budget_usd == Decimal(
        "50"
    )
    with sessions() as session:  # back to the default name: nothing renamed
        workspace_settings.rename_channel(session, TEAM, "U1", "mkt-campaigns", "mkt-campaigns")
        assert settings_for(session, TEAM, DEFAULTS).renamed == {}


def test_migration_0019_goes_up_and_down(database_url: str) -> None:
    upgrade(database_url)
    assert "workspace_settings" in sa.inspect(sa.create_engine(database_url)).get_table_names()
    command.downgrade(alembic_config(database_url), "0017")
    engine = sa.create_engine(database_url)
    assert "workspace_settings" not in sa.inspect(engine).get_table_names()
    engine.dispose()
    upgrade(database_url)
