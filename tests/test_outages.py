"""Start-up while the database is away: the worker command waits for it (jobs/outages.py), a
check says so in one line, the web process serves 503 until it answers
(handlers/database_gate.py), and in Socket Mode it connects only once it answers. The outage
under load is tests/test_postgres_outage.py."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import cast

import pytest
from redis import Redis
from slack_bolt import App
from sqlalchemy import func, make_url, select
from sqlalchemy.exc import OperationalError

import app as app_module
from errors import DatabaseUnreachable
from handlers.serving import STOP_SIGNALS, serve_socket_mode
from jobs import outages
from jobs.claude.client import LlmAttempt
from jobs.claude.pricing import Usage
from jobs.claude.usage import record_call
from jobs.runtime import Runtime
from models.db import POSTGRES_CONNECT_TIMEOUT_S, assert_migrated, make_engine
from models.records import Turn
from sandbox.claude_api import ScriptedClaude
from sandbox.signing import SlackRequestSender
from sandbox.slack_api import SlackStandIn
from sandbox.slack_events import app_mention_event
from tests.conftest import (
    BOT_TOKEN,
    BOT_USER,
    CHANNEL_GENERAL,
    HUMAN,
    REDIS_TEST_URL,
    SIGNING_SECRET,
    TEAM,
    db_sessions,
    free_port,
    make_settings,
    serve_wsgi,
    wait_until,
)
from tests.tcp_door import TcpDoor
from tests.test_app_shutdown import STOP_S, socket_mode_app
from tests.test_socket_mode import APP_TOKEN, event_payload

REPO = Path(__file__).resolve().parent.parent
STARTUP_S = 60.0  # `python app.py`'s imports on a loaded 2-core machine; a pass waits less


def _nowhere() -> str:
    """A PostgreSQL URL with a password, on a port where no server listens."""
    return f"postgresql+psycopg://app:s3cret-pw@127.0.0.1:{free_port()}/marketing"


def test_an_unreachable_database_is_named_without_its_credentials() -> None:
    url = _nowhere()
    with pytest.raises(DatabaseUnreachable) as raised:
        assert_migrated(make_engine(url))
    port = url.rsplit(":", 1)[1].split("/")[0]
    assert str(raised.value) == (
        f"Cannot reach the database at postgresql://127.0.0.1:{port}/marketing (OperationalError)"
    )


def test_waiting_for_the_database_retries_with_backoff_until_it_answers(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    slept: list[float] = []
    monkeypatch.setattr("jobs.outages.time.sleep", slept.append)
    answers = iter([False] * 8 + [True])

    def build() -> str:
        if not next(answers):
            raise DatabaseUnreachable("Cannot reach the database at postgresql://db:5432/x")
        return "runtime"

    assert outages.when_database_answers(build, "Worker command") == "runtime"
    assert slept == [0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 10.0, 10.0]
    assert caplog.text.count("Worker command waiting for the database") == 8


@pytest.mark.parametrize(
    "command", [["app.py", "--check"], ["-m", "jobs.worker", "--check"]], ids=["app", "worker"]
)
def test_a_check_with_the_database_away_says_so_in_one_line(
    tmp_path: Path, command: list[str]
) -> None:
    """Deploy scripts' checks fail at once (only a started worker command waits)."""
    url = _nowhere()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": "/tmp",
        "PYTHONPATH": str(REPO),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",  # never reached: the database comes first
        "ANTHROPIC_API_KEY": "test-key",
        "DATABASE_URL": url,
        "REDIS_URL": REDIS_TEST_URL,
    }
    if command[0] == "app.py":
        command = [str(REPO / "app.py"), *command[1:]]
    result = subprocess.run(
        [sys.executable, *command],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "Cannot reach the database at postgresql://127.0.0.1:" in result.stderr
    assert "Traceback" not in result.stderr
    assert "s3cret-pw" not in result.stderr + result.stdout


def test_a_model_call_the_database_cannot_record_stays_in_the_log_priced(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    """Paid for, then the database went away: the job fails (and runs again), and the call is
    not lost to the accounts: the log line carries its attribution and price."""
    away = dataclasses.replace(runtime, sessions=db_sessions(_nowhere()))
    model = runtime.settings.model_for("sonnet")
    attempt = LlmAttempt(
        model=model, usage=Usage(input_tokens=1200, output_tokens=300), latency_ms=900
    )
    with pytest.raises(OperationalError):
        record_call(
            away, team_id=TEAM, turn_id="turn-1", task_id=None, agent_id="cmo", attempt=attempt
        )
    cost = runtime.prices.cost_usd(model, attempt.usage)
    assert f"team {TEAM} turn turn-1 task None agent cmo model {model}" in caplog.text
    assert f"1200 in / 300 out tokens, ${cost}" in caplog.text


def test_a_database_that_never_answers_is_reported_unreachable_not_waited_for() -> None:
    """A server that takes the connection and says nothing (hung, or half gone in a
    failover): the connect gives up after POSTGRES_CONNECT_TIMEOUT_S instead of the minutes
    TCP would wait, so the web process answers Slack (and /healthz) instead of hanging."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel completes the handshake; nobody ever answers
        port = silent.getsockname()[1]
        engine = make_engine(f"postgresql+psycopg://app@127.0.0.1:{port}/marketing")
        raised: list[BaseException] = []

        def connect() -> None:
            try:
                assert_migrated(engine)
            except BaseException as error:
                raised.append(error)

        attempt = threading.Thread(target=connect, daemon=True)
        attempt.start()
        attempt.join(timeout=POSTGRES_CONNECT_TIMEOUT_S * 12)  # bounds a hang, not a speed
        assert not attempt.is_alive(), "the connect is still waiting"
    assert [type(error) for error in raised] == [DatabaseUnreachable]


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


@pytest.mark.parametrize("database_kind", ["postgresql"], indirect=True)
def test_the_web_process_started_with_the_database_away_answers_503_until_it_answers(
    slack: SlackStandIn, claude: ScriptedClaude, database_url: str, redis_conn: Redis
) -> None:
    """The database's host refuses connections when the web process starts: it starts all
    the same, says "down" on /healthz and /readyz, and answers Slack 503, keeping nothing;
    once the database answers, Slack's next delivery of the same event is served."""
    real = make_url(database_url)
    door = TcpDoor(free_port(), (real.host or "127.0.0.1", real.port or 5432))
    away = real.set(host="127.0.0.1", port=door.port).render_as_string(hide_password=False)
    settings = make_settings(slack, claude, away)
    server, base = serve_wsgi(
        app_module.web_app(app_module.create_app(settings, wait_for_database=True), settings)
    )
    sender = SlackRequestSender(f"{base}/slack/events", SIGNING_SECRET, team_id=TEAM)
    text = f"<@{BOT_USER}> hello"
    event = app_mention_event(user=HUMAN, channel=CHANNEL_GENERAL, text=text, ts="1.000100")
    try:
        assert _status(f"{base}/healthz") == 503 and _status(f"{base}/readyz") == 503
        assert sender.send_event(event, event_id="Ev-outage").status == 503
        assert redis_conn.keys("rq:job:*") == []
        door.open()
        assert wait_until(lambda: sender.send_event(event, event_id="Ev-outage").status == 200)
        assert _status(f"{base}/healthz") == 200
    finally:
        server.close()
        door.close()
    with db_sessions(database_url)() as session:
        assert session.scalar(select(func.count()).select_from(Turn)) == 1


@pytest.mark.parametrize("database_kind", ["postgresql"], indirect=True)
def test_socket_mode_started_with_the_database_away_connects_once_it_answers(
    slack: SlackStandIn,
    claude: ScriptedClaude,
    database_url: str,
    redis_conn: Redis,
    tmp_path: Path,
) -> None:
    """`python app.py` in Socket Mode, the database's host refusing connections: it waits,
    saying so, with no connection to Slack (it could not persist an envelope); once the
    database answers it connects, and a mention over the socket becomes one turn."""
    real = make_url(database_url)
    door = TcpDoor(free_port(), (real.host or "127.0.0.1", real.port or 5432))
    away = real.set(host="127.0.0.1", port=door.port).render_as_string(hide_password=False)
    log = tmp_path / "app.log"
    settings = make_settings(slack, claude, away, slack_app_token=APP_TOKEN)
    with socket_mode_app(slack, settings, log) as (server, process), contextlib.closing(door):
        waiting = "Socket Mode app waiting for the database"
        assert wait_until(lambda: waiting in log.read_text(), STARTUP_S), log.read_text()
        assert process.poll() is None, log.read_text()
        assert slack.calls_to("apps.connections.open") == [] and not server.wait_connected(0)
        door.open()
        assert server.wait_connected(STARTUP_S), log.read_text()
        payload = event_payload(f"<@{BOT_USER}> cmo: a tagline?", "1700000000.000100", "EvDb1")
        assert server.wait_for_ack(server.send("events_api", payload), STOP_S) is not None
        process.terminate()
        assert process.wait(STOP_S) == 0, log.read_text()
    with db_sessions(database_url)() as session:
        [turn] = session.scalars(select(Turn).where(Turn.team_id == TEAM))
    assert turn.text.endswith("a tagline?")
    assert "Traceback" not in log.read_text()


def test_socket_mode_stopped_while_it_waits_for_the_database_exits_quietly(
    slack: SlackStandIn, claude: ScriptedClaude, tmp_path: Path
) -> None:
    """A deploy stopped (SIGTERM) before the database ever answered: the process ends at
    once with the status of any stop, no traceback, never having connected to Slack."""
    log = tmp_path / "app.log"
    settings = make_settings(slack, claude, _nowhere(), slack_app_token=APP_TOKEN)
    with socket_mode_app(slack, settings, log) as (_server, process):
        waiting = "Socket Mode app waiting for the database"
        assert wait_until(lambda: waiting in log.read_text(), STARTUP_S), log.read_text()
        process.terminate()
        assert process.wait(STOP_S) == 0, log.read_text()
    output = log.read_text()
    assert "Traceback" not in output and "Exception ignored" not in output, output
    assert "s3cret-pw" not in output
    assert slack.calls_to("apps.connections.open") == []


def test_ctrl_c_while_socket_mode_waits_ends_the_wait_without_connecting() -> None:
    """SIGINT (a terminal's Ctrl-C) ends the wait as SIGTERM does, with no KeyboardInterrupt
    out of it; the signal handlers are given back."""
    before = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    waited: list[str] = []

    def interrupted() -> None:
        waited.append("waiting")
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(STOP_S)  # as the backoff's sleep: the signal ends it
        waited.append("not interrupted")

    started = time.monotonic()
    serve_socket_mode(cast(App, None), APP_TOKEN, interrupted)  # never reaches the app
    assert waited == ["waiting"] and time.monotonic() - started < STOP_S
    assert {sig: signal.getsignal(sig) for sig in STOP_SIGNALS} == before
