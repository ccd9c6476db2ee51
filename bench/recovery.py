"""How soon a dead worker's turn is answered again, and what the lease heartbeat costs.

`python -m bench.recovery` (or `make bench`) prints its numbers; it is not a test and exits
0 on a missed goal. Needs Redis on 127.0.0.1:6379 (it uses db 14 and flushes it; `--redis-url`
for a db of its own).

Part 1 runs the real worker command (a supervisor and 2 worker processes), lets a turn and
a task turn stream, SIGKILLs the worker process holding each (its pid is in the lease
holder) and measures from the kill to the work answered again. Part 2 is a whole host gone:
a turn held by a process on another host that stops heartbeating; only its lease running
out frees it. Part 3 counts the heartbeat's UPDATEs per minute per running turn for the
lease and beat interval in use, and times one UPDATE on this database.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bench._env import CHANNEL, HUMAN, REDIS_BENCH_URL, TEAM, BenchEnv, bench_env, wait_until
from jobs.agent.lease import HEARTBEATS_PER_LEASE
from models import leases, turns
from models.base import utcnow
from models.db import make_engine, make_sessionmaker
from models.leases import TURNS, Lease
from models.records import Turn, TurnStatus
from models.turns import InboundMessage
from models.work import Task, TaskStatus
from sandbox.claude_api import TextReply
from sandbox.task_rows import copywriter_task
from sandbox.worker_command import kill_lease_holder, worker_command
from settings import Settings

CHILD_DEATH_GOAL_S = 10.0
HOST_GONE_GOAL_S = 30.0
STREAM_S = 30.0  # the killed run streams this long; it is killed within the first second
ANSWER = " ".join(f"Point {n}: lead with the outcome, then the proof." for n in range(1, 31))
TIMEOUT_S = 120.0
OLD_LEASE_S, OLD_BEATS_PER_LEASE = 45.0, 3  # before issue 15: for comparison


def parse_options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3, help="kills per kind of work")
    parser.add_argument("--host-rounds", type=int, default=1, help="host-gone runs")
    parser.add_argument("--redis-url", default=REDIS_BENCH_URL, help="a Redis db to flush and use")
    return parser.parse_args(argv)


def _wait(predicate: Callable[[], bool]) -> bool:
    return wait_until(predicate, TIMEOUT_S)


def _new_turn(sessions: sessionmaker[Session]) -> str:
    ts = f"{time.time() - 60:.6f}"
    message = InboundMessage(
        TEAM,
        f"Ev{uuid.uuid4().hex}",
        "app_mention",
        CHANNEL,
        False,
        ts,
        ts,
        HUMAN,
        "cmo: ten launch principles",
    )
    with sessions.kw["bind"].connect() as connection:
        turn_id = turns.record_inbound(connection, message)
    assert turn_id is not None
    return turn_id


def _new_task(env: BenchEnv, sessions: sessionmaker[Session]) -> str:
    thread = env.slack.add_message(CHANNEL, user=HUMAN, text="Ten launch principles")
    task = copywriter_task(TEAM, CHANNEL, thread)
    with sessions() as session:
        session.add(task)
        session.commit()
        return task.id


def _row(sessions: sessionmaker[Session], table: type[Turn] | type[Task], row_id: str) -> object:
    with sessions() as session:
        return session.get(table, row_id)


def kill_and_time(env: BenchEnv, sessions: sessionmaker[Session], kind: str) -> float:
    """One kill of the worker process holding a streaming turn (or task turn); seconds from
    the kill to the work answered again (NaN if never)."""
    slow = TextReply(ANSWER, chunk_chars=20, delay_per_chunk_s=STREAM_S / (len(ANSWER) / 20))
    env.claude.enqueue(slow, TextReply(ANSWER, chunk_chars=200))
    updates = len(env.slack.calls_to("chat.update"))
    table: type[Turn] | type[Task] = Turn if kind == "turn" else Task
    row_id = _new_turn(sessions) if kind == "turn" else _new_task(env, sessions)
    done = TurnStatus.ANSWERED.value if kind == "turn" else TaskStatus.DONE.value
    if not _wait(lambda: len(env.slack.calls_to("chat.update")) > updates + 1):
        return float("nan")
    kill_lease_holder(getattr(_row(sessions, table, row_id), "lease_holder", None))
    killed = time.monotonic()
    if not _wait(lambda: getattr(_row(sessions, table, row_id), "status", None) == done):
        return float("nan")
    return time.monotonic() - killed


def host_gone_and_time(env: BenchEnv, sessions: sessionmaker[Session], lease_s: float) -> float:
    """A turn whose holder's host vanished just after a heartbeat: seconds until answered."""
    env.claude.enqueue(TextReply(ANSWER, chunk_chars=200))
    turn_id = _new_turn(sessions)
    with sessions() as session:
        session.execute(
            update(Turn)
            .where(Turn.team_id == TEAM, Turn.id == turn_id)
            .values(
                status=TurnStatus.RUNNING.value,
                lease_token="gone",
                attempts=1,
                lease_holder="vanished-host:4242",
                lease_expires_at=utcnow() + timedelta(seconds=lease_s),
            )
        )
        session.commit()
    gone = time.monotonic()
    answered = TurnStatus.ANSWERED.value
    if not _wait(lambda: getattr(_row(sessions, Turn, turn_id), "status", None) == answered):
        return float("nan")
    return time.monotonic() - gone


def heartbeat_cost(sessions: sessionmaker[Session], lease_s: float, beats: int) -> str:
    """UPDATEs a minute per running turn, and the mean time of one on this database."""
    with sessions() as session:
        turn_id = session.scalars(select(Turn.id).limit(1)).one()
        held = Lease(TEAM, turn_id, "bench-none")  # matches no row: timing only
        started = time.perf_counter()
        for _ in range(200):
            leases.extend(session, TURNS, held, lease_s)
        each_ms = (time.perf_counter() - started) / 200 * 1000
    per_minute = 60 / (lease_s / beats)
    return (
        f"lease {lease_s:4.0f} s, beat every {lease_s / beats:5.2f} s: "
        f"{per_minute:4.1f} UPDATEs/min per running turn, {each_ms:.2f} ms each here "
        f"({per_minute * each_ms / 60:.3f} ms of database time per second of turn)"
    )


def _line(name: str, values: list[float], goal: float) -> str:
    shown = ", ".join(f"{v:.1f}" for v in values)
    worst = max(values) if values else float("nan")
    verdict = "met" if worst <= goal else "MISSED"
    median = statistics.median(values)
    return f"  {name:<28} {shown} s (median {median:.1f}, goal ≤ {goal:.0f} s: {verdict})"


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    print(f"command: {shlex.join(sys.orig_argv)}")
    print(f"python:  {platform.python_implementation()} {sys.version.split()[0]}")
    print(f"cpus:    {os.cpu_count()} ({platform.machine()}, load {os.getloadavg()[0]:.1f})")
    with bench_env(options.redis_url) as env:
        # A queue of its own: a job taken by another checkout's worker on this Redis would
        # be dropped there ("turn not found") and only come back at a later sweep.
        queue = f"bench-recovery-{os.getpid()}"
        settings: Settings = env.settings_for(
            "recovery.db", stream_update_interval_s=0.2, queue_name=queue
        )
        sessions = make_sessionmaker(make_engine(settings.database_url))
        lease_s, sweep_s = settings.turn_lease_s, settings.sweep_interval_s
        print(f"settings: TURN_LEASE_S={lease_s:g}, SWEEP_INTERVAL_S={sweep_s:g}\n")
        with worker_command(settings, env.workdir / "worker.log", processes=2):
            turn_s = [kill_and_time(env, sessions, "turn") for _ in range(options.rounds)]
            task_s = [kill_and_time(env, sessions, "task") for _ in range(options.rounds)]
            host_s = [
                host_gone_and_time(env, sessions, lease_s) for _ in range(options.host_rounds)
            ]
        print("Part 1: a worker process SIGKILLed mid-stream, kill → answered again")
        print(_line("turn", turn_s, CHILD_DEATH_GOAL_S))
        print(_line("task turn", task_s, CHILD_DEATH_GOAL_S))
        print("Part 2: the whole host gone (its holder stops heartbeating), → answered")
        print(_line(f"turn, lease {lease_s:g} s", host_s, HOST_GONE_GOAL_S))
        print(
            f"  expected: lease + up to one sweep interval + the answer ≈ {lease_s + sweep_s:g} s"
        )
        print("Part 3: heartbeat cost")
        print("  now:    " + heartbeat_cost(sessions, lease_s, HEARTBEATS_PER_LEASE))
        print("  before: " + heartbeat_cost(sessions, OLD_LEASE_S, OLD_BEATS_PER_LEASE))
    return 0


if __name__ == "__main__":
    sys.exit(main())
