"""`python app.py` stopped by a platform (SIGTERM) while a request is in flight: over HTTP it
takes no new connection, answers the request it holds and exits 0; in Socket Mode it finishes
and acknowledges the envelope it holds, then closes the socket and exits 0."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from handlers.shortcuts import SEND_MODAL
from sandbox.claude_api import ScriptedClaude
from sandbox.signing import SentResponse, SlackRequestSender
from sandbox.slack_api import SlackStandIn
from sandbox.slack_socket import SocketModeServer
from sandbox.web_assistant import message_action_payload
from sandbox.worker_command import REPO_ROOT
from settings import Settings, as_environment
from tests.conftest import (
    CHANNEL_CONTENT,
    HUMAN,
    SIGNING_SECRET,
    TEAM,
    free_port,
    make_settings,
    wait_until,
)
from tests.test_socket_mode import APP_TOKEN

STOP_S = 20.0


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def start_app(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    """`python app.py` with these settings, its output appended to `log`."""
    env = as_environment(settings, os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT)
    with log.open("ab") as handle:
        return subprocess.Popen(
            [sys.executable, str(REPO_ROOT / "app.py")],
            cwd=log.parent,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )


@contextmanager
def socket_mode_app(
    slack: SlackStandIn, settings: Settings, log: Path
) -> Iterator[tuple[SocketModeServer, subprocess.Popen[bytes]]]:
    """`python app.py` in Socket Mode against the stand-in's socket for APP_TOKEN (which
    `settings` must carry); the socket is closed and the process killed if still running."""
    server = slack.socket_mode(APP_TOKEN)
    process = start_app(settings, log)
    try:
        yield server, process
    finally:
        server.close()
        if process.poll() is None:
            process.kill()
            process.wait(STOP_S)


@pytest.fixture()
def app_process(
    slack: SlackStandIn,
    claude: ScriptedClaude,
    database_url: str,
    redis_conn: object,
    tmp_path: Path,
) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    port = free_port()
    log = tmp_path / "app.log"
    process = start_app(make_settings(slack, claude, database_url, port=port), log)
    try:
        assert wait_until(lambda: _answers(port), 60), log.read_text()
        yield process, port, log
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(STOP_S)


def _hold_views_open(slack: SlackStandIn) -> tuple[threading.Event, threading.Event]:
    """The shortcut's listener will wait on views.open until `go_on` is set."""
    in_flight, go_on = threading.Event(), threading.Event()

    def hold(method: str, took_effect: bool) -> None:
        if method == "views.open" and not took_effect:
            in_flight.set()
            go_on.wait(STOP_S)

    slack.call_hook = hold
    return in_flight, go_on


def _shortcut(slack: SlackStandIn) -> dict[str, Any]:
    posted = slack.add_message(CHANNEL_CONTENT, user="U0SAM", text="Webinar moved to Friday")
    payload = message_action_payload(slack, HUMAN, CHANNEL_CONTENT, posted, "send-to-department")
    assert payload is not None
    return payload


def test_sigterm_mid_request_answers_it_refuses_new_connections_and_exits(
    app_process: tuple[subprocess.Popen[bytes], int, Path], slack: SlackStandIn
) -> None:
    process, port, log = app_process
    in_flight, go_on = _hold_views_open(slack)
    payload = _shortcut(slack)
    answers: list[SentResponse] = []
    sender = SlackRequestSender(
        f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, team_id=TEAM
    )
    request = threading.Thread(target=lambda: answers.append(sender.send_interaction(payload)))
    request.start()
    try:
        assert in_flight.wait(STOP_S), log.read_text()  # the shortcut's listener waits on Slack
        process.terminate()
        assert wait_until(lambda: _refused(port), STOP_S), log.read_text()
        assert process.poll() is None  # still finishing the request it holds
    finally:
        go_on.set()
        slack.call_hook = None
    request.join(STOP_S)
    assert [answer.status for answer in answers] == [200]
    assert process.wait(STOP_S) == 0, log.read_text()
    [modal] = slack.workspace.views.for_user(HUMAN)["modals"]  # the listener's work was done
    assert modal["callback_id"] == SEND_MODAL
    assert "Stopped" in log.read_text()


def test_sigterm_in_socket_mode_acknowledges_the_envelope_in_hand_then_exits(
    slack: SlackStandIn,
    claude: ScriptedClaude,
    database_url: str,
    redis_conn: object,
    tmp_path: Path,
) -> None:
    log = tmp_path / "app.log"
    settings = make_settings(slack, claude, database_url, slack_app_token=APP_TOKEN)
    with socket_mode_app(slack, settings, log) as (server, process):
        assert server.wait_connected(60), log.read_text()
        in_flight, go_on = _hold_views_open(slack)
        envelope = server.send("interactive", _shortcut(slack))
        try:
            assert in_flight.wait(STOP_S), log.read_text()
            process.terminate()  # the envelope is still in hand: its ack must still come
        finally:
            go_on.set()
            slack.call_hook = None
        assert server.wait_for_ack(envelope, STOP_S) is not None, log.read_text()
        assert process.wait(STOP_S) == 0, log.read_text()
    [modal] = slack.workspace.views.for_user(HUMAN)["modals"]
    assert modal["callback_id"] == SEND_MODAL
