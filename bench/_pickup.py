"""Part 2: event received -> job started, with the real worker command running.

Mentions go out on one keep-alive connection at a fixed rate (open loop: send, then wait for
the next slot), slow enough for two worker processes to keep up, so the numbers measure
pick-up latency rather than a growing backlog. A few warm-up turns run first, uncounted.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from redis import Redis
from rq import Worker
from rq.job import Job
from sqlalchemy import select

from bench._env import BOT_USER, SIGNING_SECRET, TEAM, BenchEnv, wait_until
from bench._load import Delivery, mentions, percentile
from bench._servers import served
from models.db import make_engine, make_sessionmaker
from models.records import Turn, TurnStatus
from sandbox.signing import SlackRequestSender
from sandbox.worker_command import worker_command

WORKER_PROCESSES = 2
WARMUP_TURNS = 10
P50_GOAL_MS = 50.0
WORKERS_UP_TIMEOUT_S = 60.0
ANSWERED_TIMEOUT_S = 90.0
POLL_INTERVAL_S = 0.1
DONE = (TurnStatus.ANSWERED.value, TurnStatus.FAILED.value)


@dataclass
class PickupResult:
    count: int
    rate_per_s: float
    ack_s: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    segments_s: dict[str, list[float]] = field(default_factory=dict)
    worker_log: str = ""


def send_paced(sender: SlackRequestSender, deliveries: list[Delivery], rate: float) -> list[float]:
    """Send at `rate` per second on one connection; the ack latencies (s)."""
    interval, started, acks = 1.0 / rate, time.monotonic(), []
    for index, (event_id, event) in enumerate(deliveries):
        delay = started + index * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        response = sender.send_event(event, event_id=event_id)
        if response.status != 200:
            raise RuntimeError(f"the real app answered {response.status} to {event_id}")
        acks.append(response.elapsed_s)
    return acks


def _seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    return None if start is None or end is None else (end - start).total_seconds()


def run_pickup(env: BenchEnv, count: int, rate: float) -> PickupResult:
    """Serve the real app, run the worker command, send mentions, read the turns table."""
    settings = env.settings_for("pickup.db")
    env.redis.flushdb()
    sessions = make_sessionmaker(make_engine(settings.database_url))
    result = PickupResult(count, rate)

    def turns_of(prefix: str) -> list[Turn]:
        with sessions() as session:
            return list(session.scalars(select(Turn).where(Turn.event_id.like(f"Ev{prefix}%"))))

    def all_done(prefix: str, expected: int) -> bool:
        rows = turns_of(prefix)
        return len(rows) == expected and all(t.status in DONE for t in rows)

    with (
        served("real", settings, str(env.workdir)) as real,
        worker_command(settings, env.workdir / "worker.log", WORKER_PROCESSES),
    ):
        if not wait_until(lambda: _workers_up(env.redis), WORKERS_UP_TIMEOUT_S, POLL_INTERVAL_S):
            raise RuntimeError("the worker processes did not register with RQ")
        with SlackRequestSender(real.url, SIGNING_SECRET, team_id=TEAM, bot_user_id=BOT_USER) as s:
            send_paced(s, mentions(WARMUP_TURNS, "PW"), rate)
            wait_until(lambda: all_done("PW", WARMUP_TURNS), ANSWERED_TIMEOUT_S, POLL_INTERVAL_S)
            result.ack_s = send_paced(s, mentions(count, "PK"), rate)
        wait_until(lambda: all_done("PK", count), ANSWERED_TIMEOUT_S, POLL_INTERVAL_S)
        rows = turns_of("PK")
    result.worker_log = (env.workdir / "worker.log").read_text(errors="replace")
    for turn in rows:
        result.statuses[turn.status] = result.statuses.get(turn.status, 0) + 1
    result.segments_s = _segments(env.redis, rows)
    return result


def _workers_up(redis: Redis) -> bool:
    return int(Worker.count(connection=redis)) >= WORKER_PROCESSES


def _segments(redis: Redis, rows: list[Turn]) -> dict[str, list[float]]:
    """created -> started, split at RQ's own enqueued_at / started_at stamps."""
    jobs = {job.id: job for job in Job.fetch_many([t.id for t in rows], connection=redis) if job}
    segments: dict[str, list[float]] = {
        "created -> started (turns table)": [],
        "  created -> RQ enqueued_at (listener)": [],
        "  RQ enqueued_at -> RQ started_at (queue)": [],
        "  RQ started_at -> claimed (job start)": [],
        "started -> finished (the whole turn)": [],
    }
    for turn in rows:
        job = jobs.get(turn.id)
        enqueued, rq_started = (job.enqueued_at, job.started_at) if job else (None, None)
        pairs = [
            (turn.created_at, turn.started_at),
            (turn.created_at, enqueued),
            (enqueued, rq_started),
            (rq_started, turn.started_at),
            (turn.started_at, turn.finished_at),
        ]
        for name, (start, end) in zip(segments, pairs, strict=True):
            seconds = _seconds_between(start, end)
            if seconds is not None:
                segments[name].append(seconds)
    return segments


def print_pickup(result: PickupResult) -> None:
    print("\nPart 2: event received -> job started (turns.started_at - turns.created_at)")
    print(
        f"  real app served as in part 1; `python -m jobs.worker --processes "
        f"{WORKER_PROCESSES}` as a subprocess; scripted Claude answers at once"
    )
    print(
        f"  load: {result.count} mentions sent sequentially on one connection at "
        f"{result.rate_per_s:g}/s (open loop), after {WARMUP_TURNS} uncounted warm-up turns"
    )
    answered = result.statuses.get(TurnStatus.ANSWERED.value, 0)
    print(f"  turns answered: {answered}/{result.count}  (statuses: {result.statuses})")
    print(f"  {'(ms)':44}  p50     p90     p99")
    acks = {"ack while the worker runs (HTTP)": result.ack_s}
    for name, values in {**acks, **result.segments_s}.items():
        p50, p90, p99 = (percentile(values, p) * 1000 for p in (50, 90, 99))
        print(f"  {name:<44}{p50:6.1f}  {p90:6.1f}  {p99:6.1f}   (n={len(values)})")
    pickup = result.segments_s["created -> started (turns table)"]
    p50 = percentile(pickup, 50) * 1000
    verdict = "PASS" if p50 < P50_GOAL_MS else "MISS"
    print(f"  goal created -> started p50 < {P50_GOAL_MS:.0f} ms: {verdict} ({p50:.1f} ms)")
    if answered < result.count:
        print("  worker log (last lines):")
        for line in result.worker_log.splitlines()[-15:]:
            print(f"    {line}")
