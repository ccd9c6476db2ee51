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

config = context.config


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
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
