"""The operator's commands for SLACK_TOKEN_KEYS, run as `python app.py …` would run them."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from slack_sdk.oauth.installation_store import Installation

import app as app_module
from models.db import make_engine
from models.installations import installation_store
from models.token_cipher import TokenCipher, new_key

TEAM = "T0KEYS"


def _store(url: str, keys: str):  # type: ignore[no-untyped-def]
    return installation_store(make_engine(url), "1.2", TokenCipher.from_setting(SecretStr(keys)))


def test_rotate_token_keys_then_drop_the_old_key(
    monkeypatch: pytest.MonkeyPatch, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = new_key(), new_key()
    installation = Installation(
        app_id="A0", enterprise_id=None, team_id=TEAM, bot_token="xoxb-k", user_id="U0"
    )
    _store(database_url, old).save(installation)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SLACK_TOKEN_KEYS", f"{new},{old}")
    monkeypatch.setattr("sys.argv", ["app.py", "rotate-token-keys"])
    assert app_module.main() == 0
    assert "Re-encrypted 2 stored secret(s)" in capsys.readouterr().out
    bot = _store(database_url, new).find_bot(enterprise_id=None, team_id=TEAM)
    assert bot is not None and bot.bot_token == "xoxb-k"


def test_new_token_key_prints_a_usable_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.argv", ["app.py", "new-token-key"])
    assert app_module.main() == 0
    TokenCipher.from_setting(SecretStr(capsys.readouterr().out.strip()))


def test_rotation_without_keys_says_so(
    monkeypatch: pytest.MonkeyPatch, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setattr("sys.argv", ["app.py", "rotate-token-keys"])
    assert app_module.main() == 2
    assert capsys.readouterr().err.strip() == "SLACK_TOKEN_KEYS is not set: nothing to rotate to."
