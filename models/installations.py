"""Slack installations and OAuth state in our database, through slack_sdk's own SQLAlchemy
stores, with every secret encrypted at rest.

`EncryptedInstallationStore` wraps `SQLAlchemyInstallationStore`: what it saves has each
token (and the incoming-webhook URL, which is as good as a token) Fernet-encrypted
(`models/token_cipher.py`); what it finds comes back decrypted. The tables are slack_sdk's
(`slack_installations`, `slack_bots`, `slack_oauth_states`), created by migration 0018, not
by `create_tables()`; tests/models/test_installations.py compares the two, so an upgrade of
slack_sdk that changes them is caught. The secret columns are TEXT there, not slack_sdk's
VARCHAR(200): a ciphertext is longer than its token.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from logging import Logger
from typing import Any, TypeVar

from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, MetaData, Table, select, update

from errors import ConfigError
from models import workspaces
from models.base import utcnow
from models.db import make_sessionmaker
from models.token_cipher import TokenCipher
from settings import Settings

logger = logging.getLogger(__name__)

SECRET_FIELDS = (
    "bot_token",
    "bot_refresh_token",
    "user_token",
    "user_refresh_token",
    "incoming_webhook_url",
)
BOT_SECRET_FIELDS = ("bot_token", "bot_refresh_token")
OAUTH_STATE_EXPIRATION_S = 600  # an install link works for ten minutes

Record = TypeVar("Record", Installation, Bot)
Saved = Callable[[str], None]  # called with the team id after each install (`save`)


class EncryptedInstallationStore(InstallationStore):
    """slack_sdk's SQLAlchemy store with the secrets encrypted; Bolt and our workers use it."""

    def __init__(
        self, inner: SQLAlchemyInstallationStore, cipher: TokenCipher, on_save: Saved | None
    ) -> None:
        self.inner = inner
        self.cipher = cipher
        self.on_save = on_save

    @property
    def logger(self) -> Logger:
        return logger

    @property
    def client_id(self) -> str:
        return self.inner.client_id

    def save(self, installation: Installation) -> None:
        self.inner.save(self._sealed(Installation(**installation.to_dict_for_copying())))
        self._saved(installation.team_id)

    def save_bot(self, bot: Bot) -> None:
        """A refreshed token (rotation), not an install: no `on_save`."""
        self.inner.save_bot(self._sealed(Bot(**bot.to_dict_for_copying())))

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        bot = self.inner.find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        return None if bot is None else self._opened(bot)

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        found = self.inner.find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )
        return None if found is None else self._opened(found)

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self.inner.delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        self.inner.delete_installation(
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
        )

    def _sealed(self, record: Record) -> Record:
        for name in _secret_fields(record):
            setattr(record, name, self.cipher.encrypt(getattr(record, name)))
        return record

    def _opened(self, record: Record) -> Record:
        for name in _secret_fields(record):
            setattr(record, name, self.cipher.decrypt(getattr(record, name)))
        return record

    def _saved(self, team_id: str | None) -> None:
        if self.on_save is not None and team_id is not None:
            self.on_save(team_id)


def _secret_fields(record: Installation | Bot) -> tuple[str, ...]:
    return SECRET_FIELDS if isinstance(record, Installation) else BOT_SECRET_FIELDS


def installation_store(
    engine: Engine, client_id: str, cipher: TokenCipher, on_save: Saved | None = None
) -> EncryptedInstallationStore:
    return EncryptedInstallationStore(
        SQLAlchemyInstallationStore(client_id=client_id, engine=engine), cipher, on_save
    )


def department_store(settings: Settings, engine: Engine) -> EncryptedInstallationStore:
    """The department app's installations (the app and the workers share it). Each install
    (or reinstall) marks the workspace installed, clearing an uninstall."""
    if settings.slack_client_id is None or settings.slack_token_keys is None:
        raise ConfigError("The OAuth install needs SLACK_CLIENT_ID and SLACK_TOKEN_KEYS")
    cipher = TokenCipher.from_setting(settings.slack_token_keys)
    sessions = make_sessionmaker(engine)

    def installed(team_id: str) -> None:
        with sessions() as session:
            workspaces.mark_installed(session, team_id, utcnow())

    return installation_store(engine, settings.slack_client_id, cipher, installed)


def agent_app_store(
    settings: Settings, engine: Engine, client_id: str
) -> EncryptedInstallationStore:
    """An agent's own app's installations (one Slack app per agent, installed by OAuth): the
    same tables and keys as the department's, under that app's client id. An install does not
    mark the workspace installed: that is the department's."""
    if settings.slack_token_keys is None:
        raise ConfigError("An agent app's OAuth install needs SLACK_TOKEN_KEYS")
    return installation_store(
        engine, client_id, TokenCipher.from_setting(settings.slack_token_keys)
    )


def bot_users(engine: Engine, team_id: str, client_ids: Collection[str]) -> dict[str, str]:
    """Each app's (by client id) bot user in a workspace, from its latest installation: one
    query, nothing decrypted (a user id is no secret). An app not installed there is absent."""
    bots = SQLAlchemyInstallationStore.build_bots_table(MetaData(), "slack_bots")
    query = (
        select(bots.c.client_id, bots.c.bot_user_id)
        .where(bots.c.team_id == team_id, bots.c.client_id.in_(list(client_ids)))
        .where(bots.c.enterprise_id.is_(None))
        .order_by(bots.c.installed_at)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return {str(row.client_id): str(row.bot_user_id) for row in rows if row.bot_user_id}


def state_store(engine: Engine) -> SQLAlchemyOAuthStateStore:
    return SQLAlchemyOAuthStateStore(expiration_seconds=OAUTH_STATE_EXPIRATION_S, engine=engine)


def slack_tables() -> list[Table]:
    """slack_sdk's own definitions of its tables (what migration 0018 must match)."""
    metadata = MetaData()
    return [
        SQLAlchemyInstallationStore.build_installations_table(metadata, "slack_installations"),
        SQLAlchemyInstallationStore.build_bots_table(metadata, "slack_bots"),
        SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, "slack_oauth_states"),
    ]


def rotate_token_keys(engine: Engine, cipher: TokenCipher) -> int:
    """Re-encrypt every stored secret with the first key; the number of values rewritten.
    One transaction: a failure (a value no key opens) changes nothing."""
    tables = {table.name: table for table in slack_tables()}
    rewritten = 0
    with engine.begin() as connection:
        for name, fields in (
            ("slack_installations", SECRET_FIELDS),
            ("slack_bots", BOT_SECRET_FIELDS),
        ):
            table = tables[name]
            for row in connection.execute(select(table.c.id, *(table.c[f] for f in fields))):
                values: dict[str, Any] = {
                    f: cipher.rotate(row._mapping[f]) for f in fields if row._mapping[f] is not None
                }
                if values:
                    connection.execute(update(table).where(table.c.id == row.id).values(values))
                    rewritten += len(values)
    return rewritten
