"""The README's worker command as real processes: killed mid-turn, and Redis going away."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from sqlalchemy import select

from models.db import upgrade
from models.kinds import AssignmentDetails
from models.leases import pid_of
from models.records import LlmCall, Turn, TurnStatus
from models.work import Task, TaskStatus
from sandbox.claude_api import ScriptedClaude, TextReply
from sandbox.signing import SlackRequestSender, app_mention_event
from sandbox.slack_api import SlackStandIn
from tests.conftest import (
    BOT_USER,
    CHANNEL_CONTENT,
    CHANNEL_GENERAL,
    HUMAN,
    SIGNING_SECRET,
    TEAM,
    WorkerProcess,
    db_sessions,
    free_port,
    make_settings,
    serve_app,
    start_worker,
    temporary_redis,
    wait_until,
)

ANSWER = " ".join(f"Point {n}: lead with the outcome, then the proof." for n in range(1, 31))


def _thread() -> str:
    return f"{int(time.time()) - 60}.000100"


def _turn_status(database_url: str) -> str | None:
    with db_sessions(database_url)() as session:
        turn = session.scalars(select(Turn)).first()
        return turn.status if turn else None


def test_worker_killed_mid_turn_posts_the_answer_exactly_once(
    slack: SlackStandIn,
    claude: ScriptedClaude,
    database_url: str,
    redis_conn: object,
    workers: list[WorkerProcess],
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
        first = start_worker(settings, tmp_path / "worker1.log")
        workers.append(first)
        event = app_mention_event(
            user=HUMAN,
            channel=CHANNEL_GENERAL,
            text=f"<@{BOT_USER}> cmo: ten launch principles",
            ts=thread,
        )
        assert SlackRequestSender(url, SIGNING_SECRET, team_id=TEAM).send_event(event).status == 200

        def streaming() -> bool:
            return any(
                ANSWER[:40] in str(c.args.get("text")) for c in slack.calls_to("chat.update")
            )

        assert wait_until(streaming, 30), first.output()
        first.kill()  # mid-stream: placeholder posted, partial text shown
        assert _turn_status(database_url) == TurnStatus.RUNNING.value

        second = start_worker(settings, tmp_path / "worker2.log")
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
    assert turn.attempts == 2
    assert len(claude.requests) == 2
    assert [c.status for c in calls] == ["ok"]  # the killed attempt never finished to be recorded


RECOVERY_TARGET_S = 10.0  # from a worker process's death to its work answered again


def _task(database_url: str, task_id: str | None = None) -> Task:
    with db_sessions(database_url)() as session:
        query = select(Task) if task_id is None else select(Task).where(Task.id == task_id)
        task = session.scalars(query).one()
        session.expunge(task)
        return task


def test_a_task_turn_killed_mid_stream_is_answered_again_within_seconds_as_the_same_turn(
    slack: SlackStandIn,
    claude: ScriptedClaude,
    database_url: str,
    redis_conn: object,
    workers: list[WorkerProcess],
    tmp_path: Path,
) -> None:
    """SIGKILL the worker process in the middle of a specialist's task turn. The lease (20 s)
    is far from running out: the supervisor gives it back as it restarts the process."""
    settings = make_settings(slack, claude, database_url, stream_update_interval_s=0.1)
    assert settings.turn_lease_s >= 2 * RECOVERY_TARGET_S
    upgrade(database_url)
    thread = slack.add_message(CHANNEL_CONTENT, user=HUMAN, text="Ten launch principles")
    with db_sessions(database_url)() as session:
        session.add(
            Task(
                team_id=TEAM,
                created_by="content_manager",
                assigned_to="copywriter",
                title="Launch principles",
                brief="Ten launch principles.",
                channel_id=CHANNEL_CONTENT,
                thread_ts=thread,
                depth=1,
                details=AssignmentDetails(project="Launch", requested_in=(CHANNEL_CONTENT, thread)),
            )
        )
        session.commit()
    slow = TextReply(ANSWER, chunk_chars=20, delay_per_chunk_s=0.1)  # ~9 s of streaming
    claude.enqueue(slow, TextReply(ANSWER, chunk_chars=200))
    worker = start_worker(settings, tmp_path / "worker.log")  # its sweeper enqueues the task
    workers.append(worker)

    def streaming() -> bool:
        return any(ANSWER[:40] in str(c.args.get("text")) for c in slack.calls_to("chat.update"))

    assert wait_until(streaming, 60), worker.output()
    holder = _task(database_url).lease_holder
    pid = pid_of(holder or "")
    assert pid is not None and pid != worker.process.pid  # a worker process, not the supervisor
    os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()

    def done() -> bool:
        return _task(database_url).status == TaskStatus.DONE.value

    assert wait_until(done, 60), worker.output()
    recovery_s = time.monotonic() - killed_at
    assert recovery_s <= RECOVERY_TARGET_S, (recovery_s, worker.output())

    bot_messages = [m for m in slack.messages(CHANNEL_CONTENT, thread) if m.get("bot_id")]
    assert [m["text"] for m in bot_messages] == [ANSWER]  # the retry edited its own placeholder
    task = _task(database_url)
    assert (task.turns_used, task.attempts) == (1, 2)  # no allowed turn spent on the retry
    assert len(claude.requests) == 2


def test_worker_survives_redis_going_away_and_picks_the_work_back_up(
    slack: SlackStandIn,
    claude: ScriptedClaude,
    database_url: str,
    workers: list[WorkerProcess],
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
            worker = start_worker(settings, tmp_path / "worker.log")
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
