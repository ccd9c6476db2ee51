"""The worker command stopped by a platform (SIGTERM, then a kill ~30 s later) while an agent's
turn streams for longer than that: the turn is handed back within WORKER_SHUTDOWN_GRACE_S and
answered exactly once by another worker; the work waiting in the queue is left for it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from jobs.worker import KILL_AFTER_GRACE_S
from models.records import Turn, TurnStatus
from sandbox.claude_api import ScriptedClaude, TextReply
from sandbox.signing import SlackRequestSender, app_mention_event
from sandbox.slack_api import SlackStandIn
from sandbox.worker_command import WorkerCommand, start_worker_command
from tests.conftest import (
    BOT_TOKEN,
    BOT_USER,
    CHANNEL_GENERAL,
    HUMAN,
    SIGNING_SECRET,
    TEAM,
    db_sessions,
    make_settings,
    serve_app,
    wait_until,
)

ANSWER = " ".join(f"Point {n}: lead with the outcome, then the proof." for n in range(1, 31))
GRACE_S = 1.0


def _turns(database_url: str) -> dict[str, Turn]:
    """The turns by their thread."""
    with db_sessions(database_url)() as session:
        found = session.scalars(select(Turn)).all()
        session.expunge_all()
    return {turn.thread_ts or turn.message_ts: turn for turn in found}


def _bot_texts(slack: SlackStandIn, thread: str) -> list[str]:
    return [m["text"] for m in slack.messages(CHANNEL_GENERAL, thread) if m.get("bot_id")]


def _asks(words: str) -> Callable[[dict[str, Any]], bool]:
    """A request whose messages carry `words` (the person's text)."""
    return lambda body: words in json.dumps(body.get("messages", []))


def _json_lines(worker: WorkerCommand) -> list[dict[str, object]]:
    return [json.loads(line) for line in worker.output().splitlines() if line.startswith("{")]


def test_a_turn_longer_than_the_grace_is_handed_back_and_answered_once_elsewhere(
    slack: SlackStandIn,
    claude: ScriptedClaude,
    database_url: str,
    redis_conn: object,
    workers: list[WorkerCommand],
    tmp_path: Path,
) -> None:
    import app as app_module

    settings = make_settings(
        slack,
        claude,
        database_url,
        stream_update_interval_s=0.1,
        worker_shutdown_grace_s=GRACE_S,
        log_format="json",
    )
    server, url = serve_app(app_module.create_app(settings))
    sender = SlackRequestSender(url, SIGNING_SECRET, team_id=TEAM)
    slow = TextReply(ANSWER, chunk_chars=20, delay_per_chunk_s=0.1)  # ~9 s of streaming
    # Keyed by the request's text: the second worker command may take the two turns in
    # either order (or at once).
    claude.script_for(_asks("one line"), TextReply("Second answer."))
    claude.script_for(_asks("ten launch principles"), slow, TextReply(ANSWER, chunk_chars=200))
    first, second = (f"{int(time.time()) - age}.000100" for age in (60, 50))
    try:
        stopped = start_worker_command(settings, tmp_path / "stopped.log")
        workers.append(stopped)
        for thread, text in ((first, "ten launch principles"), (second, "one line")):
            event = app_mention_event(
                user=HUMAN, channel=CHANNEL_GENERAL, text=f"<@{BOT_USER}> cmo: {text}", ts=thread
            )
            assert sender.send_event(event).status == 200
            if thread == first:
                assert wait_until(lambda: ANSWER[:40] in " ".join(_bot_texts(slack, first)), 60)

        stopping_at = time.monotonic()
        stopped.process.terminate()
        assert stopped.process.wait(GRACE_S + KILL_AFTER_GRACE_S + 10) == 0, stopped.output()
        took_s = time.monotonic() - stopping_at
        assert "outlived its grace" not in stopped.output()  # handed back, not killed

        turns = _turns(database_url)
        assert turns[second].status == TurnStatus.RECEIVED.value  # never taken by the stopping one
        assert turns[first].status == TurnStatus.RUNNING.value
        assert turns[first].lease_holder is None and turns[first].attempts == 0  # forgiven

        other = start_worker_command(settings, tmp_path / "other.log")
        workers.append(other)

        def both_answered() -> bool:
            states = {t.status for t in _turns(database_url).values()}
            return states == {TurnStatus.ANSWERED.value}

        assert wait_until(both_answered, 60), other.output()
    finally:
        server.close()

    assert _bot_texts(slack, first) == [ANSWER]  # the second run edited the first run's message
    assert _bot_texts(slack, second) == ["Second answer."]
    assert len(slack.calls_to("chat.postMessage")) == 2
    assert len(claude.requests) == 3
    assert _turns(database_url)[first].attempts == 1
    handed = [line for line in _json_lines(stopped) if "handing the running job back" in str(line)]
    assert handed and handed[0]["team_id"] == TEAM
    assert handed[0]["turn_id"] == turns[first].id
    for log in (stopped.output(), other.output()):
        assert BOT_TOKEN not in log and SIGNING_SECRET not in log
    print(f"stopped in {took_s:.1f}s with a grace of {GRACE_S}s")
