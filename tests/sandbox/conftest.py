"""Fixtures for the sandbox tests: `python app.py` with no Slack credentials, as a process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
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
