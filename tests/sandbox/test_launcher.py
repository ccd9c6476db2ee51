"""`python app.py` with no Slack credentials: the whole department runs locally, in one
process tree, and Ctrl-C stops every part of it."""

from __future__ import annotations

import os
import signal
import subprocess

from tests.conftest import wait_until
from tests.sandbox.conftest import Sandbox


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
