"""compose.yaml, the Procfile and the Dockerfile, checked without a container engine: every
command of ours is a real entry point that accepts its arguments (each is run, with --check
where it would otherwise serve), every variable is a setting, the health checks are the
app's endpoints, and the schema is migrated once, before any replica starts."""

from __future__ import annotations

import logging
import re
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import app as app_module
from handlers.health import HEALTH_PATH, READY_PATH
from jobs import scheduler, worker
from jobs.worker import KILL_AFTER_GRACE_S
from models import migrate
from sandbox.claude_api import ScriptedClaude
from sandbox.slack_api import SlackStandIn
from settings import Settings, as_environment
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
OURS = ("migrate", "web", "worker", "scheduler")
STORES = {"postgres", "redis"}
COMPOSE_ONLY = {"POSTGRES_PASSWORD", "WEB_PORT"}  # interpolated by compose, not read by us
ENTRY_POINTS = {  # the command, as compose and the Procfile give it → what runs it
    "python -m models.migrate": migrate.main,
    "python app.py": app_module.main,
    "python -m jobs.worker --no-cron": worker.main,
    "python -m jobs.scheduler": scheduler.main,
}


def _interpolated(value: str) -> str:
    """compose's `${NAME:-default}` with nothing set: the default."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def _command(service: dict[str, Any]) -> list[str]:
    command = service["command"]
    return list(command) if isinstance(command, list) else shlex.split(command)


def _procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def test_compose_starts_the_app_workers_scheduler_and_both_stores() -> None:
    assert set(SERVICES) == {*OURS, *STORES}
    for name in OURS:
        assert SERVICES[name]["build"] == "." and SERVICES[name]["init"] is True, name
    assert SERVICES["postgres"]["image"].startswith("postgres:")
    assert SERVICES["redis"]["image"].startswith("redis:")


@pytest.mark.parametrize("name", OURS)
def test_each_service_runs_one_of_our_entry_points(name: str) -> None:
    command = " ".join(_command(SERVICES[name]))
    assert any(command.startswith(known) for known in ENTRY_POINTS), command


def test_the_procfile_runs_the_same_commands_with_json_logs() -> None:
    procfile = _procfile()
    assert set(procfile) == {"release", "web", "worker", "scheduler"}
    for kind, line in procfile.items():
        command = line.removeprefix("LOG_FORMAT=${LOG_FORMAT:-json} ")
        assert command in ENTRY_POINTS, kind
        assert kind == "release" or line != command, f"{kind} logs JSON by default"
        compose_name = "migrate" if kind == "release" else kind
        assert " ".join(_command(SERVICES[compose_name])).startswith(command)


@pytest.mark.parametrize("name", OURS)
def test_every_variable_is_a_setting_and_valid(name: str) -> None:
    env = {k: _interpolated(str(v)) for k, v in SERVICES[name]["environment"].items()}
    fields = {field.upper() for field in Settings.model_fields}
    assert set(env) - COMPOSE_ONLY <= fields
    values: dict[str, Any] = {k.lower(): v for k, v in env.items()}
    settings = Settings(**values)  # validates each value
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert settings.log_format == "json"


def test_the_schema_is_migrated_once_before_any_replica_starts() -> None:
    migrating = [n for n in OURS if _command(SERVICES[n])[:3] == ["python", "-m", "models.migrate"]]
    assert migrating == ["migrate"]
    assert SERVICES["migrate"]["restart"] == "no"
    assert SERVICES["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in ("web", "worker", "scheduler"):
        depends = SERVICES[name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
        assert depends["redis"] == {"condition": "service_healthy"}, name


def test_health_checks_use_the_apps_endpoints_and_the_stores_own() -> None:
    probe = " ".join(SERVICES["web"]["healthcheck"]["test"])
    assert f"127.0.0.1:3000{READY_PATH}" in probe
    assert HEALTH_PATH in (ROOT / "compose.yaml").read_text()  # named for liveness probes
    assert "pg_isready" in SERVICES["postgres"]["healthcheck"]["test"]
    assert "ping" in SERVICES["redis"]["healthcheck"]["test"]


def test_a_stopping_worker_hands_back_before_compose_kills_it() -> None:
    grace_s = Settings.model_fields["worker_shutdown_grace_s"].default
    stop_s = int(SERVICES["worker"]["stop_grace_period"].removesuffix("s"))
    assert grace_s + KILL_AFTER_GRACE_S < stop_s


def test_the_image_runs_the_python_the_project_requires() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    base = re.search(r"^FROM python:(\d+)\.(\d+)", dockerfile, re.MULTILINE)
    assert base is not None
    assert (int(base[1]), int(base[2])) >= (3, 11)
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.MULTILINE)
    assert ".env" in (ROOT / ".dockerignore").read_text().split()  # no secret in the image


@pytest.fixture()
def own_logging() -> Iterator[None]:
    """The entry points configure the root logger (logs.py): the runner's is put back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


@pytest.mark.usefixtures("own_logging")
def test_every_entry_point_accepts_its_arguments(
    slack: SlackStandIn,
    claude: ScriptedClaude,
    database_url: str,
    redis_conn: object,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each command as compose runs it, in this process, seeing valid settings: the migration
    for real (on a fresh database), the others up to their configuration check."""
    fresh = f"sqlite:///{Path.cwd() / 'fresh.db'}"
    settings = make_settings(slack, claude, fresh)
    for key, value in as_environment(settings, {}).items():
        monkeypatch.setenv(key, value)
    for name in OURS:
        command = _command(SERVICES[name])
        argv = command[3:] if command[1] == "-m" else command[2:]
        if name == "web":
            monkeypatch.setattr(sys, "argv", ["app.py", *argv, "--check"])
            assert app_module.main() == 0, capsys.readouterr()
        elif name == "migrate":
            assert migrate.main(argv) == 0, capsys.readouterr()
        else:
            entry = worker.main if name == "worker" else scheduler.main
            assert entry([*argv, "--check"]) == 0, capsys.readouterr()
    out = capsys.readouterr().out
    assert "Configuration OK (HTTP mode)" in out
    assert "Worker configuration OK" in out and "Scheduler configuration OK" in out
