"""Alembic environment: the URL comes from the config (models/db.py) or DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

# Imported to register their tables on Base.metadata (autogenerate compares against it).
from models import (  # noqa: F401
    approvals,
    campaigns,
    ritual_settings,
    rituals,
    welcomes,
    work,
    workspace_settings,
    workspaces,
)
from models.base import Base
from models.installations import slack_tables

config = context.config
# slack_sdk's installation and state tables are created by migration 0018 but declared by
# slack_sdk, not on Base.metadata; tests/models/test_installations.py checks them against
# slack_sdk's own definitions, so autogenerate (and `alembic check`) leaves them out.
SLACK_SDK_TABLES = frozenset(table.name for table in slack_tables())


def _ours(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic's include_object: a table, or an index or column of one, not slack_sdk's."""
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return getattr(table, "name", None) not in SLACK_SDK_TABLES


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from settings import Settings

    return Settings().database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(_url())
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            include_object=_ours,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
