"""A thread's messages are answered one at a time, in order: a follow-up sent while the
first answer is still streaming waits for it, and then sees it (real worker processes)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from jobs.agent.turns import run_turn
from jobs.queue import turn_queue
from jobs.runtime import Runtime
from models import turns
from models.records import Turn, TurnStatus
from sandbox.claude_api import ScriptedClaude, TextReply
from sandbox.signing import app_mention_event
from sandbox.slack_api import SlackStandIn
from sandbox.worker_command import WorkerCommand, start_worker_command
from settings import Settings
from tests.conftest import (
    BOT_USER,
    CHANNEL_GENERAL,
    HUMAN,
    ServedApp,
    db_sessions,
    empty_queues,
    wait_until,
    work,
)

FIRST = " ".join(f"Principle {n}: lead with the outcome." for n in range(1, 21))
SECOND = "Of those, start with principle 1."


def _last_user_text(body: dict[str, Any]) -> str:
    content = body["messages"][-1]["content"]
    return str(content if isinstance(content, str) else content[-1].get("text", ""))


def _asks(words: str) -> Any:
    return lambda body: words in _last_user_text(body)


def test_a_follow_up_waits_for_the_answer_before_it(
    bolt: ServedApp,
    settings: Settings,
    slack: SlackStandIn,
    claude: ScriptedClaude,
    workers: list[WorkerCommand],
    tmp_path: Path,
) -> None:
    claude.script_for(
        _asks("launch principles"), TextReply(FIRST, chunk_chars=20, delay_per_chunk_s=0.05)
    )
    claude.script_for(_asks("which one first"), TextReply(SECOND))
    # The sweeper would rescue a follow-up nobody handed on, a sweep later; slowed right
    # down, only the finishing turn's hand-on can start it within this test.
    slow_sweeper = settings.model_copy(update={"sweep_interval_s": 600.0})
    workers.append(start_worker_command(slow_sweeper, tmp_path / "workers.log", processes=2))
    text = f"<@{BOT_USER}> cmo: our launch principles?"
    thread = slack.add_message(CHANNEL_GENERAL, user=HUMAN, text=text)
    bolt.sender.send_event(
        app_mention_event(user=HUMAN, channel=CHANNEL_GENERAL, text=text, ts=thread)
    )
    assert wait_until(lambda: len(claude.requests) == 1, 30), workers[0].output()
    text = f"<@{BOT_USER}> which one first?"
    follow_up = slack.add_message(CHANNEL_GENERAL, user=HUMAN, text=text, thread_ts=thread)
    bolt.sender.send_event(  # while the first answer streams, a second worker is free
        app_mention_event(
            user=HUMAN, channel=CHANNEL_GENERAL, text=text, ts=follow_up, thread_ts=thread
        )
    )

    sessions = db_sessions(settings.database_url)

    def both_answered() -> bool:  # the reply is posted just before its turn is finished
        with sessions() as session:
            statuses = session.scalars(select(Turn.status)).all()
        return list(statuses) == [TurnStatus.ANSWERED.value] * 2

    assert wait_until(both_answered, 60), workers[0].output()
    assert any(m.get("text") == SECOND for m in slack.messages(CHANNEL_GENERAL, thread))
    [second] = [r for r in claude.requests if _asks("which one first")(r.body)]
    history = " ".join(str(m["content"]) for m in second.body["messages"])
    assert FIRST in history  # the follow-up's turn saw the whole first answer
    with sessions() as session:
        rows = list(session.scalars(select(Turn).order_by(Turn.message_ts)))
    first_turn, second_turn = rows
    assert first_turn.finished_at is not None and second_turn.started_at is not None
    assert second_turn.started_at >= first_turn.finished_at


def test_a_waiting_follow_up_is_not_claimed_until_the_turn_before_it_ends(
    settings: Settings, bolt: ServedApp, slack: SlackStandIn
) -> None:
    thread = f"{int(time.time()) - 60}.000100"
    for ts, text in ((thread, "first"), (f"{int(time.time()) - 50}.000100", "second")):
        bolt.sender.send_event(
            app_mention_event(
                user=HUMAN,
                channel=CHANNEL_GENERAL,
                text=f"<@{BOT_USER}> {text}",
                ts=ts,
                thread_ts=thread,
            )
        )
    with db_sessions(settings.database_url)() as session:
        first, second = session.scalars(select(Turn).order_by(Turn.message_ts)).all()
        held = turns.claim(session, first.team_id, first.id, 30, "w:1")
        assert held is not None
        assert turns.claim(session, second.team_id, second.id, 30, "w:1") is None  # waits its turn
        assert turns.next_in_thread(session, first) == second.id
        assert turns.finish(session, held, TurnStatus.ANSWERED)
        assert turns.claim(session, second.team_id, second.id, 30, "w:1") is not None


def test_a_finishing_turn_hands_on_to_the_follow_up_waiting_in_its_thread(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    """No sweeper runs here: the follow-up's own job came while the first turn was still
    open and was skipped, so only the first turn's hand-on can put it back on the queue."""
    claude.script_for(_asks("launch principles"), TextReply(FIRST))
    claude.script_for(_asks("which one first"), TextReply(SECOND))
    thread = slack.add_message(CHANNEL_GENERAL, user=HUMAN, text="launch principles?")
    follow_up = slack.add_message(
        CHANNEL_GENERAL, user=HUMAN, text="which one first?", thread_ts=thread
    )
    for ts, text in ((thread, "cmo: our launch principles?"), (follow_up, "which one first?")):
        event = app_mention_event(
            user=HUMAN,
            channel=CHANNEL_GENERAL,
            text=f"<@{BOT_USER}> {text}",
            ts=ts,
            thread_ts=thread,
        )
        assert bolt.sender.send_event(event).status == 200
    with runtime.sessions() as session:
        first, second = session.scalars(select(Turn).order_by(Turn.message_ts)).all()
    queue = turn_queue(runtime.redis, runtime.settings.queue_name)
    empty_queues(runtime)  # both jobs were taken by workers: the follow-up's first

    def status(turn: Turn) -> str:
        with runtime.sessions() as session:
            return str(session.scalars(select(Turn.status).where(Turn.id == turn.id)).one())

    run_turn(second.team_id, second.id)  # waits behind the first: nothing happens
    assert (status(first), status(second)) == ("received", "received")
    run_turn(first.team_id, first.id)
    assert (status(first), status(second)) == ("answered", "received")
    handed_on = queue.get_jobs()  # put on the queue by the turn that finished
    assert len(handed_on) == 1 and second.id in handed_on[0].args

    work(runtime)
    assert status(second) == TurnStatus.ANSWERED.value
    answers = [m["text"] for m in slack.messages(CHANNEL_GENERAL, thread) if m.get("bot_id")]
    assert answers == [FIRST, SECOND]
