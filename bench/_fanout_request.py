"""One measured fan-out request: send the mention, wait for the synthesis, read where the
time went from the database, the Slack stand-in and the scripted Claude's request log."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bench._env import BOT_USER, CHANNEL, HUMAN, TEAM, BenchEnv
from bench._fanout_world import MANAGER, script_fanout
from bots.roster import Roster
from models.records import LlmCall, Turn
from models.work import Task, TaskStatus
from sandbox.signing import SlackRequestSender, app_mention_event

ANSWER_TIMEOUT_S = 60.0
SETTLED_TIMEOUT_S = 10.0
POLL_S = 0.02
WRITE_METHODS = ("chat.postMessage", "chat.update")
_numbers = itertools.count(1)


@dataclass(frozen=True)
class Timeline:
    """Seconds after the mention was sent, for one request."""

    wall_s: float  # the synthesis text reached the origin thread
    ack_s: float
    turn_started_s: float
    delegated_s: list[float]  # each subtask row created (the manager's delegate calls)
    specialist_called_s: list[float]  # each specialist's request reached the model
    specialist_done_s: list[float]  # each specialist's model call recorded
    synthesis_called_s: float


def run_request(
    env: BenchEnv,
    sender: SlackRequestSender,
    sessions: sessionmaker[Session],
    roster: Roster,
    n: int,
    latency_s: float,
) -> Timeline:
    """Script, send and wait for one request; raises RuntimeError if it never finishes."""
    tag = f"fan-out request {next(_numbers)}"
    synthesis = script_fanout(env.claude, roster, tag, n, latency_s)
    text = f"<@{BOT_USER}> cmo: plan the spring launch with your team ({tag})"
    asked = env.slack.add_message(CHANNEL, user=HUMAN, text=text)
    event = app_mention_event(user=HUMAN, channel=CHANNEL, text=text, ts=asked, team=TEAM)
    models_before = len(env.claude.requests)
    calls_before = len(env.slack.calls)
    sent_at, sent_mono = time.time(), time.monotonic()
    response = sender.send_event(event)
    if response.status != 200:
        raise RuntimeError(f"the app answered {response.status} to the mention")
    if not _poll(lambda: _posted_at(env, synthesis, calls_before) is not None, ANSWER_TIMEOUT_S):
        raise RuntimeError(f"no synthesis in the origin thread within {ANSWER_TIMEOUT_S:.0f} s")
    if not _poll(lambda: _all_finished(sessions, asked), SETTLED_TIMEOUT_S):
        raise RuntimeError("the request's tasks did not all finish")
    end = _posted_at(env, synthesis, calls_before)
    assert end is not None
    arrivals = [(r.at - sent_mono, r.body) for r in env.claude.requests[models_before:] if r.body]
    if len(arrivals) != 2 * n + 2:  # N+1 manager rounds, N specialists, one synthesis
        raise RuntimeError(f"expected {2 * n + 2} model calls, saw {len(arrivals)}")
    return _timeline(sessions, asked, sent_at, end, response.elapsed_s, arrivals, roster)


def _posted_at(env: BenchEnv, synthesis: str, skip: int) -> float | None:
    """When the stand-in answered the write that put the synthesis in the channel."""
    for call in env.slack.calls[skip:]:
        args = call.args
        written = call.method in WRITE_METHODS and args.get("channel") == CHANNEL
        if written and synthesis in str(args.get("text", "")):
            return call.at
    return None


def _poll(predicate: Callable[[], bool], timeout_s: float) -> bool:
    """Re-check every POLL_S: cheap for the stand-ins, which share this process; the end
    time itself comes from the stand-in's own record of the call, not from this loop."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(POLL_S)
    return True


def _root_and_children(session: Session, asked: str) -> tuple[Turn | None, list[Task]]:
    turn = session.scalar(select(Turn).where(Turn.message_ts == asked))
    if turn is None:
        return None, []
    rows = session.scalars(select(Task).where(Task.origin_turn_id == turn.id)).all()
    return turn, list(rows)


def _all_finished(sessions: sessionmaker[Session], asked: str) -> bool:
    with sessions() as session:
        _, rows = _root_and_children(session, asked)
    return bool(rows) and all(row.status == TaskStatus.DONE.value for row in rows)


def _since(sent_at: float, moment: datetime | None) -> float:
    return float("nan") if moment is None else moment.timestamp() - sent_at


def _timeline(
    sessions: sessionmaker[Session],
    asked: str,
    sent_at: float,
    end: float,
    ack_s: float,
    arrivals: list[tuple[float, dict[str, object]]],
    roster: Roster,
) -> Timeline:
    with sessions() as session:
        turn, rows = _root_and_children(session, asked)
        assert turn is not None
        children = [row for row in rows if row.parent_task_id is not None]
        calls = session.scalars(
            select(LlmCall).where(LlmCall.task_id.in_([c.id for c in children]))
        ).all()
    manager_role = f"You are the {roster.get(MANAGER).display_name} "
    manager_calls = [at for at, body in arrivals if _role(body).startswith(manager_role)]
    return Timeline(
        wall_s=end - sent_at,
        ack_s=ack_s,
        turn_started_s=_since(sent_at, turn.started_at),
        delegated_s=sorted(_since(sent_at, c.created_at) for c in children),
        specialist_called_s=sorted(
            at for at, body in arrivals if not _role(body).startswith(manager_role)
        ),
        specialist_done_s=sorted(_since(sent_at, call.created_at) for call in calls),
        synthesis_called_s=max(manager_calls) if manager_calls else float("nan"),
    )


def _role(body: dict[str, object]) -> str:
    system = body.get("system")
    if isinstance(system, list) and len(system) > 1 and isinstance(system[1], dict):
        return str(system[1].get("text", ""))
    return ""
