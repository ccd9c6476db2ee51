"""`make run` is one process (start.py): it decides, migrates, checks, starts, and stops it all;
the web process never loads the model client; the sandbox's database comes from a template."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue, Worker
from sqlalchemy import text

from models import db
from models.db import assert_migrated, make_engine, upgrade
from sandbox import database
from sandbox.claude_api import ScriptedClaude
from sandbox.database import TEMPLATE_PREFIX, fresh_database, schema_key
from sandbox.slack_api import SlackStandIn
from tests.conftest import BOT_TOKEN, REDIS_TEST_URL, free_port, wait_until

REPO = Path(__file__).resolve().parent.parent
BASE_ENV = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "PYTHONUNBUFFERED": "1"}
WORKER_ONLY = ("anthropic", "jobs.agent", "jobs.claude.client", "jobs.worker")
START_TIMEOUT_S = 90
# Prints the worker-only modules loaded after the given statements, as JSON.
LOADED = """
import json, sys
{statements}
only = {worker_only!r}
loaded = [m for m in sys.modules if any(m == o or m.startswith(o + ".") for o in only)]
print(json.dumps(sorted(loaded)))
"""


def _loaded_after(statements: str, env: dict[str, str] | None = None) -> list[str]:
    code = LOADED.format(statements=statements, worker_only=WORKER_ONLY)
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**BASE_ENV, **(env or {})},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


def test_the_check_sees_a_worker_module_loaded() -> None:
    """Importing what a worker runs does load the model client: the check below can fail."""
    assert "anthropic" in _loaded_after("import jobs.agent.turns")


def test_the_web_process_never_imports_the_model_client() -> None:
    """`import app`, `make run`'s start.py and the sandbox's launcher and page: none of them
    loads anthropic (2.5 s of start-up) or anything else only workers run."""
    statements = "import app, start\nfrom sandbox import launcher, web_server, database"
    assert _loaded_after(statements) == []


def test_the_built_app_never_imports_the_model_client(tmp_path: Path, slack: SlackStandIn) -> None:
    """The listeners as registered, checked against Slack (auth.test) and the database."""
    url = f"sqlite:///{tmp_path}/app.db"
    upgrade(url)
    env = _slack_env(slack, url) | {"SLACK_SIGNING_SECRET": "s"}
    statements = "import app\nfrom settings import Settings\napp.create_app(Settings())"
    assert _loaded_after(statements, env) == []


def _slack_env(slack: SlackStandIn, database_url: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack.url,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_TEST_URL,
    }


def _start(tmp_path: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], Path]:
    log = tmp_path / "start.log"
    process = subprocess.Popen(
        [sys.executable, str(REPO / "start.py")],
        cwd=tmp_path,
        env={**BASE_ENV, "PYTHONPATH": str(REPO), **env},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        text=True,
    )
    return process, log


def _processes_with(marker: str) -> list[int]:
    """Processes of ours whose environment carries `marker` (start.py's worker command)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.fixture()
def slack_app_env(tmp_path: Path, slack: SlackStandIn, claude: ScriptedClaude) -> dict[str, str]:
    """A complete Slack configuration over an unmigrated database and a queue of its own."""
    return _slack_env(slack, f"sqlite:///{tmp_path}/fresh.db") | {
        "SLACK_SIGNING_SECRET": "s",
        "ANTHROPIC_API_KEY": "test-key",
        "ANTHROPIC_BASE_URL": claude.base_url,
        "PORT": str(free_port()),
        "QUEUE_NAME": f"start-{secrets.token_hex(4)}",
        "WORKER_PROCESSES": "1",
    }


def test_start_migrates_starts_the_workers_and_ctrl_c_stops_both(
    tmp_path: Path, slack_app_env: dict[str, str]
) -> None:
    process, log = _start(tmp_path, slack_app_env)
    try:
        assert wait_until(
            lambda: "Listening on" in log.read_text() or process.poll() is not None,
            START_TIMEOUT_S,
        ), log.read_text()
        assert process.poll() is None, log.read_text()
        assert_migrated(make_engine(slack_app_env["DATABASE_URL"]))
        queue = Queue(slack_app_env["QUEUE_NAME"], connection=Redis.from_url(REDIS_TEST_URL))
        assert Worker.count(queue=queue) >= 1  # listening before the app said so
        assert _processes_with(slack_app_env["QUEUE_NAME"])
        process.send_signal(signal.SIGINT)  # a terminal's Ctrl-C
        assert process.wait(timeout=45) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
    assert _processes_with(slack_app_env["QUEUE_NAME"]) == []
    assert Worker.count(queue=queue) == 0
    assert "Traceback" not in log.read_text()


def test_the_worker_command_dying_stops_the_app(
    tmp_path: Path, slack_app_env: dict[str, str]
) -> None:
    """An app whose workers are gone would take requests nobody answers: it stops, saying so,
    and leaves none of the worker command's processes behind."""
    process, log = _start(tmp_path, slack_app_env)
    marker = slack_app_env["QUEUE_NAME"]
    try:
        assert wait_until(lambda: "Listening on" in log.read_text(), START_TIMEOUT_S)
        [supervisor] = [p for p in _processes_with(marker) if _parent(p) == process.pid]
        os.kill(supervisor, signal.SIGKILL)
        assert process.wait(timeout=45) == 1, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
    assert "The worker command stopped (exit -9); stopping." in log.read_text()
    assert wait_until(lambda: _processes_with(marker) == [], 30)


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


@pytest.mark.parametrize(
    ("change", "line"),
    [
        ({"ANTHROPIC_API_KEY": ""}, "ANTHROPIC_API_KEY is not set"),
        ({"SLACK_BOT_TOKEN": "xoxb-wrong"}, "Slack refused SLACK_BOT_TOKEN"),
    ],
    ids=["worker-check", "app-check"],
)
def test_a_failed_check_stops_everything_with_its_line(
    tmp_path: Path, slack_app_env: dict[str, str], change: dict[str, str], line: str
) -> None:
    env = {k: v for k, v in (slack_app_env | change).items() if v}
    process, log = _start(tmp_path, env)
    try:
        assert process.wait(timeout=START_TIMEOUT_S) == 2, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
    output = log.read_text()
    assert line in output and "Traceback" not in output
    assert "Listening on" not in output
    assert _processes_with(env["QUEUE_NAME"]) == []


def test_a_half_set_slack_configuration_stops_with_one_line(tmp_path: Path) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-secret-value", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    process, log = _start(tmp_path, env)
    assert process.wait(timeout=START_TIMEOUT_S) == 2
    [line] = log.read_text().strip().splitlines()
    assert line.startswith("Slack is half configured:") and "SLACK_SIGNING_SECRET" in line
    assert not (tmp_path / "x.db").exists()


def test_the_sandbox_database_is_copied_from_a_template_made_once(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.db"
    url = fresh_database(path)
    [template] = tmp_path.glob(f"{TEMPLATE_PREFIX}*.db")
    made_at = template.stat().st_mtime_ns
    engine = make_engine(url)
    assert_migrated(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE scratch (x INTEGER)"))
    engine.dispose()
    fresh_database(path)  # the next start: an empty database again, the same template
    engine = make_engine(url)
    assert_migrated(engine)
    with engine.connect() as connection:
        tables = connection.execute(text("SELECT name FROM sqlite_master")).scalars().all()
    engine.dispose()
    assert "scratch" not in tables
    assert template.stat().st_mtime_ns == made_at


def test_the_template_is_keyed_on_the_migrations_alembic_runs() -> None:
    """sandbox.database names the directory itself (so a start that copies never imports
    SQLAlchemy or Alembic): the same one models.db migrates from."""
    assert database.MIGRATIONS_DIR == db.MIGRATIONS_DIR


def test_a_changed_migration_makes_a_new_template_key(tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    (migrations / "versions").mkdir(parents=True)
    (migrations / "env.py").write_text("# env\n")
    (migrations / "versions" / "0001_a.py").write_text("revision = '0001'\n")
    before = schema_key(migrations)
    assert schema_key(migrations) == before
    (migrations / "versions" / "0001_a.py").write_text("revision = '0001'  # edited\n")
    assert schema_key(migrations) != before
