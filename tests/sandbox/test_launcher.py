"""`python app.py` with no Slack credentials: the whole department runs locally, in one
process tree, and Ctrl-C stops every part of it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port, wait_until

REPO = Path(__file__).resolve().parents[2]
READY_TIMEOUT_S = 30


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

    def replies(self, channel: str, ts: str) -> list[dict[str, Any]]:
        thread = self.get(f"/api/thread?channel={channel}&ts={ts}")["messages"]
        return [m for m in thread if m.get("bot_id")]


def start_sandbox(tmp_path: Path) -> Sandbox:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ANTHROPIC_"))}
    env |= {"PORT": str(port), "PYTHONUNBUFFERED": "1"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    log = tmp_path / "sandbox.log"
    process = subprocess.Popen(
        [sys.executable, str(REPO / "app.py")],
        cwd=tmp_path,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    assert wait_until(lambda: "Sandbox ready" in log.read_text(), READY_TIMEOUT_S), log.read_text()
    return Sandbox(process, url, log)


@pytest.fixture()
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    running = start_sandbox(tmp_path)
    yield running
    if running.process.poll() is None:
        running.process.send_signal(signal.SIGINT)
        try:
            running.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            running.process.kill()


def test_mention_in_the_sandbox_gets_a_persona_reply(sandbox: Sandbox) -> None:
    log = sandbox.log.read_text()
    assert "No Slack credentials: to connect a workspace set SLACK_BOT_TOKEN" in log
    assert "Starting the local sandbox instead." in log
    boot = sandbox.get("/api/bootstrap")
    assert boot["scripted"] is True
    assert {c["name"] for c in boot["channels"]} >= {"general", "mkt-content", "mkt-social"}
    sent = sandbox.send(
        "U0MARIA", "C0GENERAL", "<@U0BOT> copywriter: three taglines for the launch"
    )
    assert sent["ok"] is True

    def answered() -> bool:
        replies = sandbox.replies("C0GENERAL", sent["ts"])
        return bool(replies) and "_On it…_" not in replies[0]["text"]

    assert wait_until(answered, 30), sandbox.log.read_text()
    [reply] = sandbox.replies("C0GENERAL", sent["ts"])
    assert reply["username"] == "Copywriter"


def test_dm_in_the_sandbox_is_answered_by_the_cmo(sandbox: Sandbox) -> None:
    sent = sandbox.send("U0SAM", "D0SAM", "what should we focus on this quarter?")
    assert sent["ok"] is True
    assert wait_until(lambda: bool(sandbox.replies("D0SAM", sent["ts"])), 30), (
        sandbox.log.read_text()
    )
    assert sandbox.replies("D0SAM", sent["ts"])[0]["username"] == "CMO"


def test_bad_input_gets_a_clear_error_and_changes_nothing(sandbox: Sandbox) -> None:
    assert sandbox.send("U0SAM", "D0MARIA", "peeking")["error"] == "not_your_dm"
    assert sandbox.send("U0NOBODY", "C0GENERAL", "hi")["error"] == "user_not_found"
    assert sandbox.send("U0SAM", "C0NOPE", "hi")["error"] == "channel_not_found"
    assert sandbox.send("U0SAM", "C0GENERAL", "   ")["error"] == "no_text"
    assert sandbox.get("/api/messages?channel=C0GENERAL")["messages"] == []


def test_ctrl_c_stops_every_process(sandbox: Sandbox) -> None:
    # the worker supervisor and its worker processes
    assert wait_until(lambda: len(_descendants(sandbox.process.pid)) >= 3, 20)
    children = _descendants(sandbox.process.pid)
    sandbox.process.send_signal(signal.SIGINT)
    assert sandbox.process.wait(timeout=40) == 0
    assert wait_until(lambda: not any(_alive(pid) for pid in children), 10)


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout
    pairs = [tuple(int(x) for x in line.split()) for line in out.splitlines() if line.strip()]
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        kids = [child for child, ppid in pairs if ppid == parent]
        found += kids
        frontier += kids
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"
