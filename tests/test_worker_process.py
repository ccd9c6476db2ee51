"""The README's worker command as real processes: killed mid-turn, stopped mid-turn, and Redis
going away."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from models.db import upgrade
from models.records import LlmCall, Turn, TurnStatus
from models.work import Task, TaskStatus
from sandbox.claude_api import ScriptedClaude, TextReply
from sandbox.signing import SlackRequestSender, app_mention_event
from sandbox.slack_api import SlackStandIn
from sandbox.task_rows import copywriter_task
from sandbox.worker_command import (
    STOP_TIMEOUT_S,
    WorkerCommand,
    kill_lease_holder,
    start_worker_command,
)
from tests.conftest import (
    BOT_USER,
    CHANNEL_CONTENT,
    CHANNEL_GENERAL,
    HUMAN,
    SIGNING_SECRET,
    TEAM,
    db_sessions,
    free_port,
    make_settings,
    serve_app,
    temporary_redis,
    wait_until,
)

ANSWER = " ".join(f"Point {n}: lead with the outcome, then the proof." for n in range(1, 31))


def _thread() -> str:
    return f"{int(time.time()) - 60}.000100"


def _streaming(slack: SlackStandIn) -> bool:
    """The answer's first words have reached Slack: the run is mid-stream."""
    return any(ANSWER[:40] in str(c.args.get("text")) for c in slack.calls_to("chat.update"))


def _turn_status(database_url: str) -> str | None:
    with db_sessions(database_url)() as session:
        turn = session.scalars(select(Turn)).first()
        return turn.status if turn else None


def test_worker_killed_mid_turn_posts_the_answer_exactly_once(
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
        turn_lease_s=1.5,
        sweep_interval_s=0.2,
        stream_update_interval_s=0.1,
    )
    server, url = serve_app(app_module.create_app(settings))
    slow = TextReply(ANSWER, chunk_chars=20, delay_per_chunk_s=0.1)  # ~9 s of streaming
    claude.enqueue(slow, TextReply(ANSWER, chunk_chars=200))
    thread = _thread()
    try:
        first = start_worker_command(settings, tmp_path / "worker1.log")
        workers.append(first)
        event = app_mention_event(
            user=HUMAN,
            channel=CHANNEL_GENERAL,
            text=f"<@{BOT_USER}> cmo: ten launch principles",
            ts=thread,
        )
        assert SlackRequestSender(url, SIGNING_SECRET, team_id=TEAM).send_event(event).status == 200
        assert wait_until(lambda: _streaming(slack), 30), first.output()
        first.kill()  # mid-stream: placeholder posted, partial text shown
        assert _turn_status(database_url) == TurnStatus.RUNNING.value

        second = start_worker_command(settings, tmp_path / "worker2.log")
        workers.append(second)
        assert wait_until(lambda: _turn_status(database_url) == TurnStatus.ANSWERED.value, 60), (
            second.output()
        )
    finally:
        server.close()

    bot_messages = [m for m in slack.messages(CHANNEL_GENERAL, thread) if m.get("bot_id")]
    assert len(bot_messages) == 1  # the second run edited the first run's message
    assert bot_messages[0]["text"] == ANSWER
    assert len(slack.calls_to("chat.postMessage")) == 1
    with db_sessions(database_url)() as session:
        turn = session.scalars(select(Turn)).one()
        calls = session.scalars(select(LlmCall)).all()
    assert turn.attempts == 1  # the whole command died: its run is forgiven, not counted
    assert len(claude.requests) == 2
    assert [c.status for c in calls] == ["ok"]  # the killed attempt never finished to be recorded


RECOVERY_TARGET_S = 10.0  # from a worker process's death to its work answered again


def _task(database_url: str, task_id: str | None = None) -> Task:
    with db_sessions(database_url)() as session:
        query = select(Task) if task_id is None else select(Task).where(Task.id == task_id)
        task = session.scalars(query).one()
        session.expunge(task)
        return task


def _copywriter_task(database_url: str, slack: SlackStandIn) -> str:
    """An open task for the copywriter in a thread of #mkt-content (the worker command's
    sweeper enqueues it); the thread's ts."""
    upgrade(database_url)
    thread = slack.add_message(CHANNEL_CONTENT, user=HUMAN, text="Ten launch principles")
    with db_sessions(database_url)() as session:
        session.add(copywriter_task(TEAM, CHANNEL_CONTENT, thread))
        session.commit()
    return thread


def _answers_in(slack: SlackStandIn, thread: str) -> list[str]:
    return [m["text"] for m in slack.messages(CHANNEL_CONTENT, thread) if m.get("bot_id")]


def test_a_task_turn_killed_mid_stream_is_answered_again_within_seconds_as_the_same_turn(
    slack: SlackStandIn,
    claude: ScriptedClaude,
    database_url: str,
    redis_conn: object,
    workers: list[WorkerCommand],
    tmp_path: Path,
) -> None:
    """SIGKILL the worker process in the middle of a specialist's task turn. The lease (20 s)
    is far from running out: the supervisor gives it back as it restarts the process."""
    settings = make_settings(slack, claude, database_url, stream_update_interval_s=0.1)
    assert settings.turn_lease_s >= 2 * RECOVERY_TARGET_S
    thread = _copywriter_task(database_url, slack)
    slow = TextReply(ANSWER, chunk_chars=20, delay_per_chunk_s=0.1)  # ~9 s of streaming
    claude.enqueue(slow, TextReply(ANSWER, chunk_chars=200))
    worker = start_worker_command(settings, tmp_path / "worker.log")  # its sweeper enqueues it
    workers.append(worker)
    assert wait_until(lambda: _streaming(slack), 60), worker.output()
    pid = kill_lease_holder(_task(database_url).lease_holder)
    killed_at = time.monotonic()
    assert pid != worker.process.pid  # a worker process, not the supervisor

    def done() -> bool:
        return _task(database_url).status == TaskStatus.DONE.value

    assert wait_until(done, 60), worker.output()
    recovery_s = time.monotonic() - killed_at
    assert recovery_s <= RECOVERY_TARGET_S, (recovery_s, worker.output())

    assert _answers_in(slack, thread) == [ANSWER]  # the retry edited its own placeholder
    task = _task(database_url)
    assert (task.turns_used, task.attempts) == (1, 2)  # no allowed turn spent on the retry
    assert len(claude.requests) == 2


@pytest.mark.parametrize("ctrl_c", [False, True], ids=["sigterm-supervisor", "sigint-group"])
def test_a_stopped_worker_command_finishes_the_running_turn_first(
    slack: SlackStandIn,
    claude: ScriptedClaude,
    database_url: str,
    redis_conn: object,
    workers: list[WorkerCommand],
    tmp_path: Path,
    ctrl_c: bool,
) -> None:
    """A process manager's SIGTERM reaches the supervisor only, which passes a stop on to its
    workers (RQ's WorkerPool); a Ctrl-C reaches every process of the group and the pool's
    stop follows, a second signal that RQ ignores within a second. Either way the turn that
    is streaming is finished, not cut off, and then the command exits."""
    settings = make_settings(slack, claude, database_url, stream_update_interval_s=0.1)
    thread = _copywriter_task(database_url, slack)
    claude.enqueue(TextReply(ANSWER, chunk_chars=20, delay_per_chunk_s=0.05))  # ~4.5 s
    worker = start_worker_command(settings, tmp_path / "worker.log", processes=2)
    workers.append(worker)
    assert wait_until(lambda: _streaming(slack), 60), worker.output()

    if ctrl_c:
        os.killpg(worker.process.pid, signal.SIGINT)
    else:
        worker.process.terminate()

    assert worker.process.wait(STOP_TIMEOUT_S) == 0, worker.output()
    assert _task(database_url).status == TaskStatus.DONE.value, worker.output()
    assert _answers_in(slack, thread) == [ANSWER]
    assert len(claude.requests) == 1
    assert "cold shut down" not in worker.output()


def test_worker_survives_redis_going_away_and_picks_the_work_back_up(
    slack: SlackStandIn,
    claude: ScriptedClaude,
    database_url: str,
    workers: list[WorkerCommand],
    tmp_path: Path,
) -> None:
    import app as app_module

    port = free_port()
    settings = make_settings(
        slack, claude, database_url, redis_url=f"redis://127.0.0.1:{port}/0", sweep_interval_s=0.2
    )
    server, url = serve_app(app_module.create_app(settings))
    sender = SlackRequestSender(url, SIGNING_SECRET, team_id=TEAM)
    claude.enqueue(TextReply("First answer."), TextReply("Second answer."))
    try:
        with temporary_redis(port):
            worker = start_worker_command(settings, tmp_path / "worker.log")
            workers.append(worker)
            first = _thread()
            sender.send_event(
                app_mention_event(
                    user=HUMAN, channel=CHANNEL_GENERAL, text=f"<@{BOT_USER}> one", ts=first
                )
            )
            assert wait_until(
                lambda: _turn_status(database_url) == TurnStatus.ANSWERED.value, 30
            ), worker.output()
        # Redis is gone now: the next request is persisted and waits.
        second = f"{int(time.time()) - 30}.000100"
        assert (
            sender.send_event(
                app_mention_event(
                    user=HUMAN, channel=CHANNEL_GENERAL, text=f"<@{BOT_USER}> two", ts=second
                )
            ).status
            == 200
        )
        assert worker.process.poll() is None  # the worker command is still running
        with temporary_redis(port):

            def answered() -> bool:
                texts = [
                    m["text"] for m in slack.messages(CHANNEL_GENERAL, second) if m.get("bot_id")
                ]
                return texts == ["Second answer."]

            assert wait_until(answered, 60), worker.output()
        assert worker.process.poll() is None
    finally:
        server.close()
