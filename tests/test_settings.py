"""Configuration: defaults, validation, and messages that name the setting, not the secret."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from settings import Settings, describe_error, missing_slack_settings


def test_defaults_and_slash_added(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9999/api")
    settings = Settings()
    assert settings.slack_api_url == "http://127.0.0.1:9999/api/"
    assert settings.port == 3000
    assert settings.redis_url == "redis://localhost:6379/0"
    assert settings.database_url.startswith("sqlite:///")
    assert settings.model_for("haiku") == "claude-haiku-5-5"
    assert missing_slack_settings(settings) == ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "eighty"),
        ("REDIS_URL", "localhost:6379"),
        ("DATABASE_URL", "marketing.db"),
        ("SLACK_API_URL", "slack.com"),
    ],
)
def test_malformed_setting_is_named_in_one_line(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as error:
        Settings()
    message = describe_error(error.value)
    assert message.startswith(f"Setting {name} is invalid")
    assert len(message.splitlines()) == 1


def test_secrets_never_print(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-very-secret")
    settings = Settings()
    assert "very-secret" not in repr(settings) and "very-secret" not in str(settings.model_dump())


def test_dotenv_file_is_read(tmp_path: object) -> None:
    from pathlib import Path

    Path(".env").write_text("PORT=4100\nQUEUE_NAME=other\n")
    settings = Settings()
    assert (settings.port, settings.queue_name) == (4100, "other")
