"""PostgreSQL restarted under load: the README's web app and worker command on a PostgreSQL
server of the test's own (tests/temporary_postgres.py), which is stopped (fast: open
connections are cut) in the middle of a stream of mentions and started again.

What Slack and the people see, and what must hold:
- while the database is down, a mention cannot be persisted: the app answers 5xx, never a
  200 for a request it would then lose, and Slack delivers it again later (emulated here:
  Slack's first retry comes at once and fails too, its second a minute later, after the
  database is back, compressed to "once /healthz says ok");
- `/healthz` says the database is down during the outage and ok after it;
- the worker command rides it out without a restart: the turns the outage cut off are
  given back (or their leases run out) and the sweeper queues them again;
- every mention gets exactly one answer, its own: none lost, none posted twice.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from waitress.server import create_server

import app as app_module
from handlers.health import HEALTH_PATH, Health, with_health
from handlers.ingress import wsgi_handler
from jobs.runtime import redis_client
from models.db import make_engine, upgrade
from models.records import Turn, TurnStatus
from sandbox.claude_api import ScriptedClaude, TextReply
from sandbox.signing import SlackRequestSender, app_mention_event
from sandbox.slack_api import SlackStandIn
from sandbox.worker_command import WorkerCommand, start_worker_command
from settings import Settings
from tests.conftest import (
    BOT_USER,
    CHANNEL_GENERAL,
    HUMAN,
    SIGNING_SECRET,
    TEAM,
    db_sessions,
    free_port,
    make_settings,
    wait_until,
)
from tests.temporary_postgres import TemporaryPostgres, temporary_postgres

BEFORE, DURING, AFTER = 12, 8, 10  # mentions sent before, during and after the outage
WORKER_PROCESSES = 3
# Generous bounds for a loaded 2-core machine (the worker command's imports alone took 20 s
# at a load of 13); a passing run waits only as long as the work takes.
STARTUP_S = 120.0
WORK_S = 120.0
CUT_OFF = "failed; giving its lease back"  # jobs/agent/lease.py: a run the outage cut off
STREAM_CHUNKS = 10  # each answer streams for half a second: turns are cut off mid-stream


def _question(n: int) -> str:
    return f"question {n:02d}: how do we launch the spring range?"


def _answer_for(body: dict[str, Any]) -> TextReply:
    """Each mention's own answer (it names the question), streamed over half a second."""
    text = json.dumps(body.get("messages") or [])
    number = text.split("question ", 1)[1][:2] if "question " in text else "??"
    answer = f"Answer to question {number}: " + "lead with the outcome, then the proof. " * 8
    return TextReply(
        answer.strip(), chunk_chars=len(answer) // STREAM_CHUNKS + 1, delay_per_chunk_s=0.05
    )


def _expected_answer(n: int) -> str:
    return _answer_for({"messages": [{"content": _question(n)}]}).text


@dataclass
class Mention:
    number: int
    ts: str
    event_id: str
    statuses: list[int] = field(default_factory=list)  # each delivery's HTTP status


@dataclass
class EmulatedSlack:
    """Delivers each mention as Slack's Events API does, keeping every answer's status."""

    sender: SlackRequestSender
    slack: SlackStandIn
    mentions: list[Mention] = field(default_factory=list)

    def mention(self, n: int) -> Mention:
        text = f"<@{BOT_USER}> {_question(n)}"
        ts = self.slack.add_message(CHANNEL_GENERAL, user=HUMAN, text=text)
        sent = Mention(n, ts, f"EvFAULT{n:04d}")
        self.mentions.append(sent)
        self.deliver(sent)
        return sent

    def deliver(self, sent: Mention, retry_num: int | None = None) -> int:
        text = f"<@{BOT_USER}> {_question(sent.number)}"
        event = app_mention_event(user=HUMAN, channel=CHANNEL_GENERAL, text=text, ts=sent.ts)
        status = self.sender.send_event(
            event,
            event_id=sent.event_id,
            retry_num=retry_num,
            retry_reason=None if retry_num is None else "http_error",
        ).status
        sent.statuses.append(status)
        return status


def _health(url: str) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return dict(json.loads(response.read()))
    except urllib.error.HTTPError as error:
        return dict(json.loads(error.read()))


def _database_is(state: str, url: str) -> bool:
    return bool(_health(url)["checks"]["database"] == state)


@pytest.fixture()
def postgres() -> Iterator[TemporaryPostgres]:
    with temporary_postgres(free_port()) as server:
        upgrade(server.url)
        yield server


@dataclass
class Web:
    events_url: str
    health_url: str


@pytest.fixture()
def web(settings_on_postgres: Settings) -> Iterator[Web]:
    """The web process as `app.py serve` builds it: Bolt's handler behind /healthz."""
    settings = settings_on_postgres
    health = Health(make_engine(settings.database_url), redis_client(settings), settings.queue_name)
    handler = with_health(wsgi_handler(app_module.create_app(settings)), health)
    server = create_server(handler, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=_serve, args=(server,), daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.effective_port}"
    yield Web(f"{base}/slack/events", f"{base}{HEALTH_PATH}")
    server.close()


def _serve(server: Any) -> None:
    with contextlib.suppress(OSError, ValueError):  # closing the socket ends the select loop
        server.run()


@dataclass
class HeldAnswers:
    """Once a test clears `release`, Claude's answers wait until it is set again: the test
    can then stop the database while turns are surely in flight (under load, a fixed wait
    once found none running)."""

    release: threading.Event = field(default_factory=threading.Event)
    asked: list[int] = field(default_factory=list)  # one entry per request being answered

    def answer(self, body: dict[str, Any]) -> TextReply:
        self.asked.append(1)
        self.release.wait(STARTUP_S)
        return _answer_for(body)


@pytest.fixture()
def held() -> HeldAnswers:
    answers = HeldAnswers()
    answers.release.set()
    return answers


@pytest.fixture()
def scripted_claude(held: HeldAnswers) -> Iterator[ScriptedClaude]:
    with ScriptedClaude(responder=held.answer) as stub:
        yield stub


@pytest.fixture()
def settings_on_postgres(
    slack: SlackStandIn,
    scripted_claude: ScriptedClaude,
    postgres: TemporaryPostgres,
    redis_conn: object,
) -> Settings:
    # Short leases and sweeps: a turn cut off while the database could not even take its
    # lease back is retried seconds after the outage, not the default 20 s. A grace of a
    # second keeps the sweeper off jobs a busy worker has popped but not yet claimed.
    return make_settings(
        slack,
        scripted_claude,
        postgres.url,
        turn_lease_s=6.0,
        sweep_interval_s=0.2,
        enqueue_grace_s=1.0,
        stream_update_interval_s=0.25,
    )


def _bot_texts(slack: SlackStandIn, thread: str) -> list[str]:
    return [m["text"] for m in slack.messages(CHANNEL_GENERAL, thread) if m.get("bot_id")]


def _answered(url: str) -> int:
    with db_sessions(url)() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(Turn)
                .where(Turn.status == TurnStatus.ANSWERED.value)
            )
            or 0
        )


@pytest.fixture()
def worker(
    settings_on_postgres: Settings, workers: list[WorkerCommand], tmp_path: Path
) -> WorkerCommand:
    """The worker command, started before the web app is built (its imports take seconds)."""
    command = start_worker_command(
        settings_on_postgres, tmp_path / "worker.log", processes=WORKER_PROCESSES
    )
    workers.append(command)
    return command


def test_postgres_restarted_mid_load_loses_no_mention_and_posts_none_twice(
    slack: SlackStandIn,
    scripted_claude: ScriptedClaude,
    held: HeldAnswers,
    postgres: TemporaryPostgres,
    worker: WorkerCommand,
    web: Web,
) -> None:
    delivery = EmulatedSlack(
        SlackRequestSender(web.events_url, SIGNING_SECRET, team_id=TEAM), slack
    )
    assert _database_is("ok", web.health_url)

    held.release.clear()
    before = [delivery.mention(n) for n in range(BEFORE)]
    assert all(m.statuses == [200] for m in before)
    # Mid-load: turns are running (their answers held back), more wait in the queue.
    assert wait_until(lambda: len(held.asked) >= 2, STARTUP_S), worker.output()

    postgres.stop()
    held.release.set()  # the running turns stream their answers with no database to finish in
    assert wait_until(lambda: _database_is("down", web.health_url), 30)
    during = [delivery.mention(n) for n in range(BEFORE, BEFORE + DURING)]
    for sent in during:  # Slack's first retry comes at once: the database is still away
        delivery.deliver(sent, retry_num=1)
    # The database stays away until a running turn has met the outage (however long a loaded
    # machine takes to get there), so the outage surely cut one off.
    assert wait_until(lambda: CUT_OFF in worker.output(), WORK_S), worker.output()
    postgres.start()

    assert wait_until(lambda: _database_is("ok", web.health_url), 30)
    for sent in during:  # Slack's next retry, a minute later in real life
        delivery.deliver(sent, retry_num=2)
    after = [delivery.mention(n) for n in range(BEFORE + DURING, BEFORE + DURING + AFTER)]

    total = BEFORE + DURING + AFTER
    assert wait_until(lambda: _answered(postgres.url) == total, WORK_S), worker.output()
    assert worker.running(), worker.output()  # never restarted by anyone

    # Slack never got a 200 for a mention the app could not persist; its retry got one.
    assert all(m.statuses[:2] == [m.statuses[0]] * 2 and m.statuses[0] >= 500 for m in during), [
        m.statuses for m in during
    ]
    assert all(m.statuses[2] == 200 for m in during)
    assert all(m.statuses == [200] for m in after)
    # Exactly one answer per mention, its own, in its thread; no other message anywhere.
    for sent in delivery.mentions:
        assert _bot_texts(slack, sent.ts) == [_expected_answer(sent.number)], sent
    assert len(slack.calls_to("chat.postMessage")) == total
    with db_sessions(postgres.url)() as session:
        attempts = list(session.scalars(select(Turn.attempts)))
    assert len(attempts) == total  # Slack's retries made no second turn
    assert max(attempts) >= 2  # the outage did cut turns off, and they ran again


def _children(pid: int) -> list[int]:
    """The worker command's forked processes (its RQ workers and the ritual scheduler)."""
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in found]


def test_worker_command_started_or_respawned_while_postgres_is_down_waits_for_it(
    slack: SlackStandIn,
    scripted_claude: ScriptedClaude,
    postgres: TemporaryPostgres,
    settings_on_postgres: Settings,
    web: Web,
    workers: list[WorkerCommand],
    tmp_path: Path,
) -> None:
    """A deploy during a database failover starts the worker command with no database; a
    worker process that dies during an outage is forked again with none. Both wait for it
    (as they wait for Redis) instead of exiting, or dying and being forked again every
    second, and take work as soon as it is back."""
    delivery = EmulatedSlack(
        SlackRequestSender(web.events_url, SIGNING_SECRET, team_id=TEAM), slack
    )
    postgres.stop()
    worker = start_worker_command(
        settings_on_postgres, tmp_path / "worker.log", processes=2, cron=True
    )
    workers.append(worker)
    assert wait_until(lambda: "waiting for the database" in worker.output(), STARTUP_S), (
        worker.output()
    )
    assert worker.running(), worker.output()
    postgres.start()
    first = delivery.mention(1)
    assert first.statuses == [200]
    assert wait_until(lambda: _bot_texts(slack, first.ts) == [_expected_answer(1)], WORK_S), (
        worker.output()
    )

    postgres.stop()
    children = _children(worker.process.pid)
    assert len(children) == 3, worker.output()  # two workers and the ritual scheduler
    waits_before = worker.output().count("waiting for the database")
    for child in children:
        os.kill(child, signal.SIGKILL)
    assert wait_until(
        lambda: worker.output().count("waiting for the database") >= waits_before + 3, STARTUP_S
    ), worker.output()
    postgres.start()
    second = delivery.mention(2)
    assert wait_until(lambda: _bot_texts(slack, second.ts) == [_expected_answer(2)], WORK_S), (
        worker.output()
    )
    assert worker.running(), worker.output()
    # Each killed process was forked again once: none died again for want of the database.
    log = worker.output()
    assert len(re.findall(r"Worker process \d+ exited", log)) == 2, log
    assert log.count("Ritual scheduler exited") == 1, log
