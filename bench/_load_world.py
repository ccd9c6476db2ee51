"""The load benchmark's world: three workspaces of simulated people, open-loop senders of
signed mentions, the databases (a SQLite file or a fresh PostgreSQL database per run), and
what Slack and the turns table say about each mention afterwards.

One bot token serves the three workspaces' events (the env-token mode): the stand-in is one
Slack, and each workspace has its own channel and people in it.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from redis import Redis
from rq import Queue, Worker
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from bench._env import BOT_USER, SIGNING_SECRET, BenchEnv, wait_until
from models.db import make_engine, make_sessionmaker, upgrade
from models.records import Turn
from sandbox.signing import SlackRequestSender, app_mention_event
from sandbox.slack_api import SlackStandIn

WORKSPACES = ("T0LOADA", "T0LOADB", "T0LOADC")
PEOPLE_PER_WORKSPACE = 10
MENTION_TEXT = "<@{bot}> copywriter: a tagline for the spring launch, variant {n}"
FIRST_POSTS = frozenset({"chat.postMessage", "chat.startStream"})
SENDER_THREADS = 8
WORKERS_UP_TIMEOUT_S = 60.0
_BASE_TS = int(time.time()) - 3600
_numbers = itertools.count(1)  # distinct ts and event ids across the whole run


def channel_of(team_id: str) -> str:
    return f"C0{team_id[2:]}"


def people_of(team_id: str) -> list[str]:
    return [f"U0{team_id[-1]}{n:03d}" for n in range(PEOPLE_PER_WORKSPACE)]


def add_workspaces(slack: SlackStandIn) -> None:
    for team_id in WORKSPACES:
        slack.add_channel(channel_of(team_id), f"general-{team_id[-1].lower()}")
        for user in people_of(team_id):
            slack.add_user(user, f"person-{user.lower()}")


@dataclass(frozen=True)
class Sent:
    """One mention as sent: its thread, when it left (wall clock), its ack."""

    team_id: str
    ts: str
    sent_at: float
    ack_s: float
    status: int


@dataclass
class Senders:
    """One signed sender per workspace; each sending thread keeps its own connection."""

    url: str
    by_team: dict[str, SlackRequestSender] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for team_id in WORKSPACES:
            self.by_team[team_id] = SlackRequestSender(
                self.url, SIGNING_SECRET, team_id=team_id, bot_user_id=BOT_USER
            )

    def close(self) -> None:
        for sender in self.by_team.values():
            sender.close()

    def mention(self, team_id: str, person: int) -> Sent:
        n = next(_numbers)
        ts = f"{_BASE_TS}.{n:06d}"
        people = people_of(team_id)
        event = app_mention_event(
            user=people[person % len(people)],
            channel=channel_of(team_id),
            text=MENTION_TEXT.format(bot=BOT_USER, n=n),
            ts=ts,
            team=team_id,
        )
        sent_at = time.time()
        try:
            response = self.by_team[team_id].send_event(event, event_id=f"EvLoad{n:08d}")
        except OSError:
            return Sent(team_id, ts, sent_at, time.time() - sent_at, 0)
        return Sent(team_id, ts, sent_at, response.elapsed_s, response.status)


def send_open_loop(
    senders: Senders, teams: tuple[str, ...], rate_per_s: float, duration_s: float
) -> list[Sent]:
    """Mentions at `rate_per_s` for `duration_s`, the workspaces in turn: the i-th leaves at
    start + i / rate whatever the earlier ones' acks (open loop), from `SENDER_THREADS`."""
    total = max(1, round(rate_per_s * duration_s))
    slots: Iterator[int] = iter(range(total))
    lock = threading.Lock()
    sent: list[Sent] = []
    start = time.monotonic()

    def run() -> None:
        while True:
            with lock:
                index = next(slots, None)
            if index is None:
                return
            delay = start + index / rate_per_s - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            one = senders.mention(teams[index % len(teams)], index // len(teams))
            with lock:
                sent.append(one)

    threads = [threading.Thread(target=run, daemon=True) for _ in range(SENDER_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sent


def first_posts(slack: SlackStandIn) -> dict[str, float]:
    """Each thread's first post (a reply or a stream started in it): wall-clock time."""
    found: dict[str, float] = {}
    for call in slack.calls_to():
        thread_ts = call.args.get("thread_ts")
        if call.method in FIRST_POSTS and call.status == 200 and isinstance(thread_ts, str):
            found[thread_ts] = min(call.at, found.get(thread_ts, call.at))
    return found


def to_first_post_s(sent: list[Sent], posts: dict[str, float]) -> list[float]:
    return [posts[s.ts] - s.sent_at for s in sent if s.ts in posts]


def finished_between(url: str, start: float, end: float) -> int:
    """Turns finished (answered or failed) within [start, end] (wall-clock seconds)."""
    since, until = (datetime.fromtimestamp(t, UTC) for t in (start, end))
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            rows = session.scalars(
                select(Turn.finished_at).where(
                    Turn.finished_at.is_not(None),
                    Turn.finished_at >= since,
                    Turn.finished_at <= until,
                )
            )
            return len(list(rows))
    finally:
        engine.dispose()


def group_cpu_s(pgid: int) -> float:
    """CPU seconds (user + system) of the live processes in the process group `pgid` (the
    worker command and its forked workers). Linux only (/proc); 0 elsewhere."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if int(fields[2]) == pgid:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def wait_for_workers(redis: Redis, queue_name: str, count: int) -> None:
    queue = Queue(queue_name, connection=redis)
    if not wait_until(lambda: Worker.count(queue=queue) >= count, WORKERS_UP_TIMEOUT_S):
        raise RuntimeError(f"{count} worker process(es) did not start")


def pickup_s(url: str, sent: list[Sent]) -> list[float]:
    """Event received -> its turn's job started (`turns.started_at - created_at`): the wait
    for a free worker, apart from the turn's own time to its first post."""
    wanted = {s.ts for s in sent}
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            rows = session.execute(select(Turn.message_ts, Turn.created_at, Turn.started_at))
            return [
                (started - created).total_seconds()
                for ts, created, started in rows
                if ts in wanted and started is not None
            ]
    finally:
        engine.dispose()


def fresh_postgres(url: str) -> str:
    """Drop and create the database `url` names, migrated to head; `url` back."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()
    upgrade(url)
    return url


def database_for(env: BenchEnv, backend: str, name: str, postgres_url: str) -> str:
    """A fresh, migrated database for one run."""
    if backend == "postgres":
        return fresh_postgres(postgres_url)
    url = f"sqlite:///{env.workdir / name}.db"
    upgrade(url)
    return url
