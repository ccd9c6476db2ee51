"""Fixtures for the sandbox tests: `python app.py` with no Slack credentials, as a process."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, sync_playwright
from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from sandbox.browser import CHROMIUM_ARGS, chromium_path
from sandbox.signing import SlackRequestSender
from sandbox.slack_api import SlackStandIn
from sandbox.web_server import Person, SandboxChannel, Workspace, serve
from tests.conftest import (
    BOT_TOKEN,
    BOT_USER,
    SIGNING_SECRET,
    TEAM,
    serve_app,
    wait_until,
)

REPO = Path(__file__).resolve().parents[2]
# Measured 65 s to "Sandbox ready" with 7 test suites sharing 2 cores (load average 10);
# wait_until returns as soon as it is ready. Below pytest-timeout's 120 s per test, so a
# sandbox that never gets ready is still stopped here.
READY_TIMEOUT_S = 100


@dataclass
class Sandbox:
    process: subprocess.Popen[str]
    url: str
    log: Path

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=5) as response:
            return json.loads(response.read())

    def send(self, user: str, channel: str, text: str, thread_ts: str | None = None) -> Any:
        body = json.dumps({"user": user, "channel": channel, "text": text, "thread_ts": thread_ts})
        request = urllib.request.Request(
            self.url + "/api/send", data=body.encode(), headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            return json.loads(error.read())

    def command(self, user: str, channel: str, typed: str) -> Any:
        """A slash command typed in the page (`/standup eod now`)."""
        body = json.dumps({"user": user, "channel": channel, "text": typed})
        request = urllib.request.Request(
            self.url + "/api/command",
            data=body.encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def replies(self, channel: str, ts: str) -> list[dict[str, Any]]:
        thread = self.get(f"/api/thread?channel={channel}&ts={ts}")["messages"]
        return [m for m in thread if m.get("bot_id")]


# PORT cannot be 0 and the page binds it seconds after start-up, so its port is chosen here:
# below Linux's ephemeral range (32768-60999), which client connections and port-0 servers
# draw from, so nothing else on the machine takes it meanwhile. Should something still have
# taken it, the sandbox exits saying so and starts again on another.
PAGE_PORTS = range(20000, 32768)
START_ATTEMPTS = 3


def page_port() -> int:
    """A free port outside the ephemeral range for a sandbox's page."""
    while True:
        port = random.choice(PAGE_PORTS)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port


def start_sandbox(
    tmp_path: Path, extra_env: dict[str, str] | None = None, args: tuple[str, ...] = ()
) -> Sandbox:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ANTHROPIC_"))}
    env |= {"PYTHONUNBUFFERED": "1"}
    # Every sandbox on this machine shares one workspace's chat.update budget (db 5, team
    # T0SANDBOX): at the default 40 a minute, parallel tests' final edits wait for tokens.
    # The budget itself is tested in tests/jobs/test_edit_budget.py.
    env["SLACK_CHAT_UPDATE_PER_MINUTE"] = "600"
    # The scripted department answers at once: tests read what was said and clicked. The
    # streaming tests (test_browser_streams.py) set a reader's pace again, to watch it stream.
    env["SANDBOX_STREAM_DELAY_S"] = "0"
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env |= extra_env or {}
    for _ in range(START_ATTEMPTS):
        running = _launch(tmp_path, env | {"PORT": str(page_port())}, args)
        if running.process.poll() is None or "Address already in use" not in _log(running):
            break
    assert running.process.poll() is None, f"The sandbox stopped:\n{_log(running)}"
    return running


def _launch(tmp_path: Path, env: dict[str, str], args: tuple[str, ...]) -> Sandbox:
    """`python app.py`, returned once it is ready or has exited."""
    log = tmp_path / "sandbox.log"
    process = subprocess.Popen(
        [sys.executable, str(REPO / "app.py"), *args],
        cwd=tmp_path,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        text=True,
    )
    running = Sandbox(process, f"http://127.0.0.1:{env['PORT']}", log)
    try:
        ready = wait_until(
            lambda: "Sandbox ready" in _log(running) or process.poll() is not None,
            READY_TIMEOUT_S,
        )
    except BaseException:  # pytest-timeout's Failed, Ctrl-C
        ready = False
        raise
    finally:
        if not ready:
            stop_sandbox(running)  # else its workers outlive the test
    assert ready, f"The sandbox was not ready after {READY_TIMEOUT_S} s:\n{_log(running)}"
    return running


def _log(running: Sandbox) -> str:
    return running.log.read_text()


@pytest.fixture(scope="session")
def _stopping_sandboxes() -> Iterator[list[Sandbox]]:
    """Sandboxes told to stop whose exit is awaited once, at the end of the session: a
    sandbox takes 2-4 s to stop (its workers finish first), time the next test can use."""
    stopping: list[Sandbox] = []
    yield stopping
    for running in stopping:
        _await_exit(running)


@pytest.fixture()
def sandbox(tmp_path: Path, _stopping_sandboxes: list[Sandbox]) -> Iterator[Sandbox]:
    running = start_sandbox(tmp_path)
    yield running
    if running.process.poll() is None:
        running.process.send_signal(signal.SIGINT)  # Ctrl-C, as in stop_sandbox
    _stopping_sandboxes.append(running)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, one per test module (pages get contexts of their own)."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def module_sandbox(
    tmp_path_factory: pytest.TempPathFactory, _stopping_sandboxes: list[Sandbox]
) -> Iterator[Sandbox]:
    """One sandbox for a whole test module (a start costs 5-10 s): for tests that need no
    empty workspace and find their own messages, whatever ran before them."""
    running = start_sandbox(tmp_path_factory.mktemp("sandbox"))
    yield running
    if running.process.poll() is None:
        running.process.send_signal(signal.SIGINT)
    _stopping_sandboxes.append(running)


def stop_sandbox(running: Sandbox) -> None:
    """Ctrl-C, as a person would; a sandbox that ignores it is killed."""
    if running.process.poll() is None:
        running.process.send_signal(signal.SIGINT)
        _await_exit(running)


def _await_exit(running: Sandbox) -> None:
    """Wait for a sandbox told to stop; one that ignores Ctrl-C is killed."""
    try:
        running.process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        running.process.kill()


# -- a small Bolt app with the interaction shapes the department's approvals use

MARIA = "U0MARIA"
SAM = "U0SAM"
CARD: list[dict[str, Any]] = [
    {"type": "header", "text": {"type": "plain_text", "text": "Approval needed: Blog post"}},
    {
        "type": "actions",
        "block_id": "decide",
        "elements": [
            {
                "type": "button",
                "action_id": "request-changes",
                "text": {"type": "plain_text", "text": "Request changes"},
                "value": "draft-1",
            }
        ],
    },
]
FEEDBACK_MODAL = {
    "type": "modal",
    "callback_id": "feedback-modal",
    "title": {"type": "plain_text", "text": "Request changes"},
    "submit": {"type": "plain_text", "text": "Send"},
    "private_metadata": "draft-1",
    "blocks": [
        {
            "type": "input",
            "block_id": "feedback",
            "label": {"type": "plain_text", "text": "What should change?"},
            "element": {"type": "plain_text_input", "action_id": "text", "multiline": True},
        }
    ],
}


def demo_app(client: WebClient) -> App:
    """A small Bolt app with the interaction shapes the department's approvals use."""
    app = App(
        client=client, name="sandbox", signing_secret=SIGNING_SECRET, process_before_response=True
    )

    @app.action("request-changes")
    def open_feedback(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=FEEDBACK_MODAL)

    @app.view("feedback-modal")
    def take_feedback(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        text = view["state"]["values"]["feedback"]["text"]["value"] or ""
        if len(text) < 10:
            ack(
                response_action="errors", errors={"feedback": "Say a little more (10+ characters)."}
            )
            return
        ack()
        client.chat_postMessage(channel="C0GENERAL", text=f"Changes requested: {text}")

    @app.command("/echo")
    def echo(ack: Ack, respond: Respond, command: dict[str, Any]) -> None:
        """Answers every way a Bolt app answers a command, picked by the first word."""
        how, _, text = str(command["text"]).partition(" ")
        if how == "public":
            ack(response_type="in_channel", text=f"Everyone sees: {text}")
        elif how == "later":
            ack()
            respond(text=f"Later, for you: {text}")
        elif how == "form":
            client.views_open(trigger_id=command["trigger_id"], view=FEEDBACK_MODAL)
            ack()
        else:
            ack(text=f"Only you see: {command['text']}")

    return app


@pytest.fixture()
def page_api(slack: SlackStandIn) -> Iterator[str]:
    client = WebClient(token=BOT_TOKEN, base_url=slack.url)
    server, url = serve_app(demo_app(client))
    for person in (MARIA, SAM):
        slack.add_user(person, person.lower())
    workspace = Workspace(
        TEAM,
        "Sandbox Co",
        BOT_USER,
        [Person(MARIA, "maria", "Maria"), Person(SAM, "sam", "Sam")],
        [SandboxChannel("C0GENERAL", "general")],
        [],
        True,
        SlackRequestSender(url, SIGNING_SECRET, team_id=TEAM, bot_user_id=BOT_USER),
        slack,
        frozenset({"/echo"}),
    )
    web = serve(workspace, "127.0.0.1", 0)
    yield f"http://127.0.0.1:{web.server_address[1]}"
    web.shutdown()
    server.close()


def call(base: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        base + path, data=data, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        return json.loads(error.read())
