"""Start-up refuses to run half-configured, with one clear line and no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from models.db import upgrade
from sandbox.slack_api import SlackStandIn
from tests.conftest import BOT_TOKEN, REDIS_TEST_URL

REPO = Path(__file__).resolve().parent.parent
BASE_ENV = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}


def _run(
    module_args: list[str], env: dict[str, str], cwd: Path, timeout_s: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *module_args],
        cwd=cwd,
        env={**BASE_ENV, **env},
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )


def test_app_check_without_slack_credentials_reports_sandbox_mode(tmp_path: Path) -> None:
    """Scripts may ask first: exit 3 means "no Slack credentials, app.py runs the sandbox"."""
    result = _run([str(REPO / "app.py"), "--check"], {}, tmp_path)
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    mode = _run([str(REPO / "app.py"), "--mode"], {}, tmp_path)
    assert (mode.returncode, mode.stdout.strip()) == (3, "the sandbox")


def test_app_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-secret-value",
        "SLACK_SIGNING_SECRET": "s",
        "DATABASE_URL": f"sqlite:///{tmp_path}/new.db",
    }
    result = _run([str(REPO / "app.py"), "--check"], env, tmp_path)
    assert result.returncode == 2
    assert "Run `make migrate`" in result.stderr
    assert "xoxb-secret-value" not in result.stderr + result.stdout


def _configured(tmp_path: Path, slack: SlackStandIn, **env: str) -> dict[str, str]:
    """The environment of an app configured against a migrated database and the Slack
    stand-in: the bot token, database and API URL, plus `env`."""
    url = f"sqlite:///{tmp_path}/ok.db"
    upgrade(url)
    return {"SLACK_BOT_TOKEN": BOT_TOKEN, "DATABASE_URL": url, "SLACK_API_URL": slack.url} | env


@pytest.mark.parametrize(
    ("env", "mode"),
    [
        ({"SLACK_SIGNING_SECRET": "s"}, "HTTP mode"),
        ({"SLACK_APP_TOKEN": "xapp-1-test"}, "Socket Mode"),
    ],
    ids=["http", "socket-mode-needs-no-signing-secret"],
)
def test_app_check_passes_when_everything_is_in_place(
    tmp_path: Path, slack: SlackStandIn, env: dict[str, str], mode: str
) -> None:
    env = _configured(tmp_path, slack, **env)
    result = _run([str(REPO / "app.py"), "--check"], env, tmp_path)
    assert (result.returncode, result.stdout.strip()) == (0, f"Configuration OK ({mode})"), (
        result.stderr
    )
    assert [call.method for call in slack.calls_to("auth.test")] == ["auth.test"]
    asked = _run([str(REPO / "app.py"), "--mode"], env, tmp_path)
    assert (asked.returncode, asked.stdout.strip()) == (0, mode)


@pytest.mark.parametrize(
    ("env", "args", "missing"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-secret-value"}, [], "SLACK_SIGNING_SECRET is not set"),
        (
            {"SLACK_BOT_TOKEN": "xoxb-secret-value", "SLACK_SIGNING_SECRET": ""},
            ["--check"],
            "SLACK_SIGNING_SECRET is empty",
        ),
        ({"SLACK_APP_TOKEN": "xapp-secret-value"}, ["--mode"], "SLACK_BOT_TOKEN is not set"),
    ],
    ids=["bot-token-only", "empty-signing-secret", "app-token-only"],
)
def test_a_partial_slack_configuration_never_starts_the_sandbox(
    tmp_path: Path, env: dict[str, str], args: list[str], missing: str
) -> None:
    """Not the sandbox (which would run against DATABASE_URL's data) and not an app that
    verifies with an empty key: one line naming what is missing, nothing touched."""
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path}/real.db", "REDIS_URL": REDIS_TEST_URL}
    result = _run([str(REPO / "app.py"), *args], env, tmp_path, timeout_s=45)
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Slack is half configured:") and missing in line
    assert "secret-value" not in result.stderr + result.stdout
    assert not (tmp_path / "real.db").exists()
    assert not (tmp_path / ".sandbox").exists()


def test_an_empty_signing_secret_in_dotenv_stops_start_up(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-secret-value\nSLACK_SIGNING_SECRET=\n")
    result = _run([str(REPO / "app.py"), "--check"], {}, tmp_path)
    assert result.returncode == 2
    assert "SLACK_SIGNING_SECRET is empty" in result.stderr


def test_app_with_a_wrong_token_or_unreachable_slack_says_so(
    tmp_path: Path, slack: SlackStandIn
) -> None:
    env = _configured(tmp_path, slack, SLACK_BOT_TOKEN="xoxb-wrong", SLACK_SIGNING_SECRET="s")
    wrong = _run([str(REPO / "app.py"), "--check"], env, tmp_path)
    assert wrong.returncode == 2
    assert (
        wrong.stderr.startswith("Slack refused SLACK_BOT_TOKEN") and "invalid_auth" in wrong.stderr
    )
    assert "xoxb-wrong" not in wrong.stderr
    env["SLACK_API_URL"] = "http://127.0.0.1:9/api/"
    unreachable = _run([str(REPO / "app.py"), "--check"], env, tmp_path)
    assert unreachable.returncode == 2
    last_line = unreachable.stderr.strip().splitlines()[-1]
    assert last_line.startswith("Cannot reach the Slack API at http://127.0.0.1:9/api/")
    assert "Traceback" not in unreachable.stderr


def test_worker_without_an_anthropic_key_says_so(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/w.db"
    upgrade(url)
    result = _run(["-m", "jobs.worker"], {"DATABASE_URL": url, "PYTHONPATH": str(REPO)}, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().endswith(
        "ANTHROPIC_API_KEY is not set: the workers need it to call Claude."
    )
    assert "Traceback" not in result.stderr


def test_malformed_setting_names_it(tmp_path: Path) -> None:
    result = _run([str(REPO / "app.py")], {"HTTP_THREADS": "0"}, tmp_path)
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "Setting HTTP_THREADS is invalid: Input should be greater than or equal to 1"
    )
