"""Installations through slack_sdk's SQLAlchemy store: encrypted at rest, tables from our
migration matching slack_sdk's own, key rotation. Both databases."""

from __future__ import annotations

import time

import pytest
from alembic import command
from pydantic import SecretStr
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import Engine, create_engine, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from errors import ConfigError
from models.db import alembic_config, upgrade
from models.installations import (
    SECRET_FIELDS,
    EncryptedInstallationStore,
    installation_store,
    rotate_token_keys,
    slack_tables,
    state_store,
)
from models.token_cipher import TokenCipher, new_key

CLIENT_ID = "111.222"
TEAM = "T0INSTALL"
SECRETS = {
    "bot_token": "xoxb-plain-bot-token",
    "bot_refresh_token": "xoxe-1-plain-refresh",
    "user_token": "xoxp-plain-user-token",
    "user_refresh_token": "xoxe-1-plain-user-refresh",
    "incoming_webhook_url": "https://hooks.slack.com/services/T0/B0/plain-hook",
}


def _engine(sessions: sessionmaker[Session]) -> Engine:
    engine: Engine = sessions.kw["bind"]
    return engine


def _installation(**values: object) -> Installation:
    fields: dict[str, object] = {
        "app_id": "A0APP",
        "enterprise_id": None,
        "team_id": TEAM,
        "team_name": "Install Co",
        "bot_id": "B0BOT",
        "bot_user_id": "U0BOT",
        "bot_scopes": "chat:write,commands",
        "bot_token_expires_in": 43200,
        "user_id": "U0INSTALLER",
        "user_scopes": "search:read",
        "user_token_expires_in": 43200,
        **SECRETS,
    }
    fields.update(values)
    return Installation(**fields)  # type: ignore[arg-type]


def _store(sessions: sessionmaker[Session], keys: str) -> EncryptedInstallationStore:
    return installation_store(
        _engine(sessions), CLIENT_ID, TokenCipher.from_setting(SecretStr(keys))
    )


def _raw_rows(sessions: sessionmaker[Session]) -> list[str]:
    """Every stored value of the installation tables, as text."""
    values: list[str] = []
    with sessions() as session:
        for table in ("slack_installations", "slack_bots"):
            for row in session.execute(text(f"select * from {table}")):
                values += [str(value) for value in row]
    return values


def test_the_raw_columns_never_hold_a_plain_token(sessions: sessionmaker[Session]) -> None:
    store = _store(sessions, new_key())
    store.save(_installation())
    raw = _raw_rows(sessions)
    assert raw, "nothing was stored"
    for secret in SECRETS.values():
        assert not any(secret in value for value in raw), secret
    found = store.find_installation(enterprise_id=None, team_id=TEAM)
    assert found is not None
    assert {name: getattr(found, name) for name in SECRET_FIELDS} == SECRETS
    bot = store.find_bot(enterprise_id=None, team_id=TEAM)
    assert bot is not None and bot.bot_token == SECRETS["bot_token"]
    assert bot.bot_refresh_token == SECRETS["bot_refresh_token"]


def test_a_long_rotating_token_fits_on_postgresql_too(sessions: sessionmaker[Session]) -> None:
    """slack_sdk's VARCHAR(200) would refuse its ciphertext; our TEXT columns keep it."""
    store = _store(sessions, new_key())
    long_token = "xoxe.xoxb-1-" + "M" * 180
    store.save(_installation(bot_token=long_token))
    bot = store.find_bot(enterprise_id=None, team_id=TEAM)
    assert bot is not None and bot.bot_token == long_token


def test_key_rotation_re_encrypts_and_the_old_key_can_then_go(
    sessions: sessionmaker[Session],
) -> None:
    old, new = new_key(), new_key()
    _store(sessions, old).save(_installation())
    before = _raw_rows(sessions)
    rotated = rotate_token_keys(
        _engine(sessions), TokenCipher.from_setting(SecretStr(f"{new},{old}"))
    )
    assert rotated == len(SECRETS) + 2  # the installation's secrets and the bot's two
    assert _raw_rows(sessions) != before
    bot = _store(sessions, new).find_bot(enterprise_id=None, team_id=TEAM)
    assert bot is not None and bot.bot_token == SECRETS["bot_token"]
    with pytest.raises(ConfigError, match="cannot be decrypted"):
        _store(sessions, old).find_bot(enterprise_id=None, team_id=TEAM)


def test_a_dropped_key_fails_loudly_and_rotation_changes_nothing(
    sessions: sessionmaker[Session],
) -> None:
    _store(sessions, new_key()).save(_installation())
    before = _raw_rows(sessions)
    with pytest.raises(ConfigError, match="cannot be decrypted"):
        rotate_token_keys(_engine(sessions), TokenCipher.from_setting(SecretStr(new_key())))
    assert _raw_rows(sessions) == before


def test_the_oauth_state_store_issues_and_consumes_once(sessions: sessionmaker[Session]) -> None:
    states = state_store(_engine(sessions))
    state = states.issue()
    assert states.consume(state) is True
    assert states.consume(state) is False


def test_the_migrated_tables_are_slack_sdks(sessions: sessionmaker[Session]) -> None:
    """Column names, types, nullability and indexes as slack_sdk defines them (a newer
    slack_sdk that adds or changes a column fails here, and needs a migration). Secret
    columns are TEXT on purpose (ciphertexts); everything else is slack_sdk's."""
    inspector = inspect(_engine(sessions))
    for table in slack_tables():
        migrated = {column["name"]: column for column in inspector.get_columns(table.name)}
        assert set(migrated) == set(table.c.keys()), table.name
        for column in table.c:
            found = migrated[column.name]
            assert found["nullable"] == column.nullable, (table.name, column.name)
            expected = "TEXT" if column.name in SECRET_FIELDS else _type_name(column.type)
            assert _type_name(found["type"]) == expected, (table.name, column.name)
        indexes = {
            index["name"]: index["column_names"] for index in inspector.get_indexes(table.name)
        }
        assert indexes == {index.name: [c.name for c in index.columns] for index in table.indexes}


def _type_name(column_type: object) -> str:
    """VARCHAR(32), TEXT, INTEGER, BOOLEAN, DATETIME: PostgreSQL's TIMESTAMP is a DATETIME."""
    name = type(column_type).__name__.upper()
    length = getattr(column_type, "length", None)
    name = {"TIMESTAMP": "DATETIME", "STRING": "VARCHAR"}.get(name, name)
    return f"{name}({length})" if length else name


def test_an_expiring_token_keeps_its_expiry(sessions: sessionmaker[Session]) -> None:
    store = _store(sessions, new_key())
    store.save(_installation(bot_token_expires_in=60))
    bot = store.find_bot(enterprise_id=None, team_id=TEAM)
    assert bot is not None and bot.bot_token_expires_at is not None
    assert abs(bot.bot_token_expires_at - (time.time() + 60)) < 30


def test_deleting_leaves_no_token(sessions: sessionmaker[Session]) -> None:
    store = _store(sessions, new_key())
    store.save(_installation())
    store.delete_all(enterprise_id=None, team_id=TEAM)
    assert store.find_bot(enterprise_id=None, team_id=TEAM) is None
    with sessions() as session:
        for table in slack_tables()[:2]:
            assert session.execute(select(table.c.id)).first() is None


OURS = {"slack_installations", "slack_bots", "slack_oauth_states", "workspaces"}


def test_migration_0018_goes_up_and_down(database_url: str) -> None:
    upgrade(database_url)
    engine = create_engine(database_url)
    command.downgrade(alembic_config(database_url), "0017")
    assert not OURS & set(inspect(engine).get_table_names())
    upgrade(database_url)
    assert set(inspect(engine).get_table_names()) >= OURS
    engine.dispose()
