"""`python app.py` with no Slack credentials: the whole department runs locally, in one
process tree, and Ctrl-C stops every part of it.

A start costs 5-10 s: the tests that find their own messages share one sandbox
(`module_sandbox`); one that needs an empty channel or stops the sandbox starts its own."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from typing import Any

from redis import Redis
from rq import Worker

from sandbox.launcher import REDIS_DB, redis_url, sandbox_settings
from sandbox.slack_api import SlackStandIn
from settings import Settings
from tests.conftest import REDIS_TEST_URL, wait_until
from tests.sandbox.conftest import Sandbox, start_sandbox, stop_sandbox


def test_mention_in_the_sandbox_gets_a_persona_reply(module_sandbox: Sandbox) -> None:
    sandbox = module_sandbox
    log = sandbox.log.read_text()
    assert "No Slack credentials, so starting the local sandbox." in log
    assert "SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode)" in log
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


def test_dm_in_the_sandbox_is_answered_by_the_cmo(module_sandbox: Sandbox) -> None:
    sandbox = module_sandbox
    sent = sandbox.send("U0SAM", "D0SAM", "what should we focus on this quarter?")
    assert sent["ok"] is True

    def answers() -> list[Any]:  # in the DM itself: a DM answer is not threaded
        messages = sandbox.get("/api/messages?channel=D0SAM")["messages"]
        return [m for m in messages if m.get("bot_id")]

    assert wait_until(lambda: bool(answers()), 30), sandbox.log.read_text()
    assert answers()[0]["username"] == "CMO"


def test_bad_input_gets_a_clear_error_and_changes_nothing(sandbox: Sandbox) -> None:
    assert sandbox.send("U0SAM", "D0MARIA", "peeking")["error"] == "not_your_dm"
    assert sandbox.send("U0NOBODY", "C0GENERAL", "hi")["error"] == "user_not_found"
    assert sandbox.send("U0SAM", "C0NOPE", "hi")["error"] == "channel_not_found"
    assert sandbox.send("U0SAM", "C0GENERAL", "   ")["error"] == "no_text"
    assert sandbox.get("/api/messages?channel=C0GENERAL")["messages"] == []


def test_the_page_runs_a_ritual_now_and_the_worker_schedules_them(
    module_sandbox: Sandbox,
) -> None:
    """`/standup` typed in the page (or its one-click example) reaches the app, which records
    the run and answers privately; the rituals' channels exist; the sandbox's worker command
    runs RQ's cron scheduler beside its workers."""
    sandbox = module_sandbox
    boot = sandbox.get("/api/bootstrap")
    names = {c["name"] for c in boot["channels"]}
    assert {"mkt-standup", "mkt-insights", "mkt-leadership"} <= names
    answer = sandbox.command("U0MARIA", "C0GENERAL", "/standup eod now")
    assert answer == {"ok": True}
    shown = sandbox.get("/api/ephemerals?channel=C0GENERAL&user=U0MARIA")["messages"]
    assert [e["text"] for e in shown] == ["Starting the end-of-day summary now in #mkt-leadership."]
    refused = sandbox.command("U0MARIA", "C0GENERAL", "/standup time 25:00")
    assert refused == {"ok": True}
    shown = sandbox.get("/api/ephemerals?channel=C0GENERAL&user=U0MARIA")["messages"]
    assert "Nothing changed." in shown[-1]["text"]
    assert wait_until(lambda: "Started the ritual scheduler" in sandbox.log.read_text(), 20)


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


def test_the_sandbox_flag_never_uses_the_configured_database_or_redis(tmp_path: Path) -> None:
    """`--sandbox` with a whole deployment configured: the sandbox runs on a database and a
    Redis db of its own, so the real data's turns, tasks and reminders stay untouched."""
    real_db = tmp_path / "real.db"
    env = {
        "SLACK_BOT_TOKEN": "xoxb-real",
        "SLACK_SIGNING_SECRET": "real-secret",
        "DATABASE_URL": f"sqlite:///{real_db}",
        "REDIS_URL": REDIS_TEST_URL,
    }
    configured_redis = Redis.from_url(REDIS_TEST_URL)
    configured_redis.flushdb()
    running = start_sandbox(tmp_path, env, ("--sandbox",))
    try:
        assert running.get("/api/bootstrap")["workspace"]["team_id"] == "T0SANDBOX"
        assert not real_db.exists()
        assert Worker.count(connection=configured_redis) == 0
        assert configured_redis.dbsize() == 0
        assert (tmp_path / ".sandbox" / "sandbox.db").exists()
    finally:
        stop_sandbox(running)


def test_sandbox_settings_ignore_database_url_and_redis_url(
    tmp_path: Path, slack: SlackStandIn
) -> None:
    configured = Settings(
        database_url="postgresql+psycopg://prod@db.example/marketing",
        redis_url=f"redis://localhost:6379/{REDIS_DB}",  # the very db the sandbox would pick
    )
    local = sandbox_settings(configured, slack, None, "redis://127.0.0.1:1/0")
    assert local.database_url == f"sqlite:///{(tmp_path / '.sandbox' / 'sandbox.db').resolve()}"
    assert local.redis_url == "redis://127.0.0.1:1/0"
    with redis_url(configured) as chosen:
        assert not chosen.startswith("redis://127.0.0.1:6379/")  # a private server instead
        assert Redis.from_url(chosen).ping()
    with redis_url(Settings(redis_url=REDIS_TEST_URL)) as chosen:
        assert chosen == f"redis://127.0.0.1:6379/{REDIS_DB}"
