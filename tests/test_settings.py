"""Configuration: defaults, validation, and messages that name the setting, not the secret."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from errors import ConfigError
from settings import Settings, SlackMode, describe_error, slack_mode


def test_defaults_and_slash_added(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9999/api")
    settings = Settings()
    assert settings.slack_api_url == "http://127.0.0.1:9999/api/"
    assert settings.port == 3000
    assert settings.redis_url == "redis://localhost:6379/0"
    assert settings.database_url.startswith("sqlite:///")
    assert settings.model_for("haiku") == "claude-haiku-5-5"
    assert slack_mode(settings) is SlackMode.SANDBOX


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


@pytest.mark.parametrize(
    ("env", "mode"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}, SlackMode.HTTP),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, SlackMode.SOCKET),
        # Socket Mode needs no signing secret, so an empty one is no obstacle either
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "SLACK_SIGNING_SECRET": ""},
            SlackMode.SOCKET,
        ),
        ({"SLACK_API_URL": "http://127.0.0.1:9/api/"}, SlackMode.SANDBOX),  # not a credential
    ],
)
def test_the_credentials_set_decide_the_mode(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], mode: SlackMode
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert slack_mode(Settings()) is mode


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"SLACK_BOT_TOKEN": "xoxb-1"},
            "HTTP mode needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET, "
            "but SLACK_SIGNING_SECRET is not set",
        ),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": ""},
            "HTTP mode needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET, "
            "but SLACK_SIGNING_SECRET is empty",
        ),
        (
            {"SLACK_SIGNING_SECRET": "   "},
            "HTTP mode needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET, "
            "but SLACK_BOT_TOKEN is not set, SLACK_SIGNING_SECRET is empty",
        ),
        (
            {"SLACK_APP_TOKEN": "xapp-1"},
            "Socket Mode needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN, but SLACK_BOT_TOKEN is not set",
        ),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": ""},
            "Socket Mode needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN, but SLACK_APP_TOKEN is empty",
        ),
        # An empty credential is a credential that was meant to be filled in, not "no Slack"
        (
            {"SLACK_SIGNING_SECRET": ""},
            "HTTP mode needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET, "
            "but SLACK_BOT_TOKEN is not set, SLACK_SIGNING_SECRET is empty",
        ),
    ],
)
def test_a_partial_slack_configuration_is_named_in_one_line(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        slack_mode(Settings())
    text = str(error.value)
    assert text.startswith(f"Slack is half configured: {message}. ")
    assert "`python app.py --sandbox`" in text and len(text.splitlines()) == 1
    assert "xoxb-1" not in text and "xapp-1" not in text


def test_an_empty_signing_secret_in_dotenv_is_not_unset(tmp_path: object) -> None:
    from pathlib import Path

    Path(".env").write_text("SLACK_BOT_TOKEN=xoxb-1\nSLACK_SIGNING_SECRET=\n")
    settings = Settings()
    assert settings.slack_signing_secret is not None
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET is empty"):
        slack_mode(settings)


def test_a_value_in_the_environment_beats_an_empty_one_in_dotenv(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pathlib import Path

    Path(".env").write_text("SLACK_BOT_TOKEN=\nSLACK_SIGNING_SECRET=\n")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    settings = Settings()
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == "xoxb-1"
    assert slack_mode(settings) is SlackMode.HTTP


def test_env_example_copied_as_is_runs_the_sandbox() -> None:
    """`cp .env.example .env` before filling anything in is not a half-set Slack."""
    from pathlib import Path

    example = Path(__file__).resolve().parent.parent / ".env.example"
    Path(".env").write_text(example.read_text())
    assert slack_mode(Settings()) is SlackMode.SANDBOX


KEY = "q5r0bB3yX0mJ7o8m1tq6J8mJ3d8d0Q3S8y0cC3i5kVY="  # a Fernet key (32 bytes, base64)
OAUTH = {
    "SLACK_CLIENT_ID": "111.222",
    "SLACK_CLIENT_SECRET": "client-secret",
    "SLACK_SIGNING_SECRET": "s",
    "SLACK_TOKEN_KEYS": KEY,
}


def test_client_id_and_secret_pick_the_oauth_install(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in OAUTH.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert slack_mode(settings) is SlackMode.OAUTH
    assert settings.data_retention_days == 30
    assert "client-secret" not in repr(settings) and KEY not in repr(settings)


@pytest.mark.parametrize(
    ("drop", "empty", "missing"),
    [
        ("SLACK_CLIENT_SECRET", None, "SLACK_CLIENT_SECRET is not set"),
        ("SLACK_TOKEN_KEYS", None, "SLACK_TOKEN_KEYS is not set"),
        (None, "SLACK_TOKEN_KEYS", "SLACK_TOKEN_KEYS is empty"),
        (
            "SLACK_CLIENT_ID",
            "SLACK_SIGNING_SECRET",
            "SLACK_CLIENT_ID is not set, SLACK_SIGNING_SECRET is empty",
        ),
    ],
)
def test_a_half_configured_oauth_install_is_named_in_one_line(
    monkeypatch: pytest.MonkeyPatch, drop: str | None, empty: str | None, missing: str
) -> None:
    for name, value in OAUTH.items():
        if name != drop:
            monkeypatch.setenv(name, "" if name == empty else value)
    with pytest.raises(ConfigError) as error:
        slack_mode(Settings())
    text = str(error.value)
    assert text.startswith(
        "Slack is half configured: HTTP mode with OAuth install needs SLACK_CLIENT_ID and "
        f"SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET and SLACK_TOKEN_KEYS, but {missing}. "
    )
    assert len(text.splitlines()) == 1 and "client-secret" not in text and KEY not in text


def test_a_bot_token_beside_the_oauth_install_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**OAUTH, "SLACK_BOT_TOKEN": "xoxb-1"}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match="unset SLACK_BOT_TOKEN") as error:
        slack_mode(Settings())
    assert "xoxb-1" not in str(error.value)


def test_a_malformed_token_key_is_named_not_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_TOKEN_KEYS", f"{KEY},not-a-key")
    with pytest.raises(ValidationError) as error:
        Settings()
    message = describe_error(error.value)
    assert message.startswith("Setting SLACK_TOKEN_KEYS is invalid: Value error, key 2 is not")
    assert KEY not in message and "not-a-key" not in message and len(message.splitlines()) == 1


def test_socket_mode_beside_the_oauth_install_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**OAUTH, "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match="needs HTTP mode"):
        slack_mode(Settings())
