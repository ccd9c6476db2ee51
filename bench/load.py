"""Sustained load: signed mentions from simulated people in 3 workspaces into the real app over
HTTP, the real worker command with 1, 2 and 4 processes, on SQLite and on PostgreSQL; then a
mention's time to its first post while another workspace runs a 500-step campaign.

`python -m bench.load` (or `make bench`) prints its numbers; it is not a test and exits 0 on a
missed goal. `--quick` runs every part for seconds at most (the suite's smoke test). Needs Redis
(`--redis-url`, a db it flushes) and, for PostgreSQL, a server where `--postgres-url`'s
database may be dropped and created (skipped with a note if it cannot be reached).

Per run (a fresh database, the app in a child process, `python -m jobs.worker --processes N`):
1. paced: mentions at a rate one worker keeps up with, per worker (open loop): p99 ack and
   p50/p99 event -> first post in the thread (the scripted Claude answers after a fixed
   latency, part of every first post);
2. sustained: 1,200 mentions a minute for the phase (open loop, more than the workers finish):
   events accepted per minute and p99 ack with the workers busy, turns completed per minute
   (the workers' throughput, backlog waiting), and the machine's CPU use meanwhile.
Fairness: workspace A's 500-step campaign (5 parallel phases of 100) runs while B and C send
mentions; their p50/p99 to first post against the same mentions with no campaign.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bench._env import REDIS_BENCH_URL, BenchEnv, bench_env, wait_until
from bench._load import percentile
from bench._load_fairness import FairResult, print_fairness, run_fairness
from bench._load_world import (
    WORKSPACES,
    Senders,
    Sent,
    add_workspaces,
    database_for,
    finished_between,
    first_posts,
    group_cpu_s,
    send_open_loop,
    to_first_post_s,
    wait_for_workers,
)
from bench._servers import served
from bench.ack_latency import print_header
from sandbox.worker_command import worker_command
from settings import Settings

CLAUDE_LATENCY_S = 0.5
OFFERED_PER_MIN = 1200
PACED_PER_WORKER_PER_S = 0.8  # under one worker's pace at CLAUDE_LATENCY_S (about 1.5/s)
ACK_P99_GOAL_MS = 100.0
ACCEPTED_GOAL_PER_MIN = 1000
FIRST_POST_GOAL_S = 2.0
POSTED_TIMEOUT_S = 60.0
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_load"  # dropped, created


@dataclass(frozen=True)
class Durations:
    paced_s: float
    sustained_s: float
    fair_s: float


FULL = Durations(paced_s=20.0, sustained_s=30.0, fair_s=30.0)
# The suite's smoke test: a mention or more per part; sustained long enough to finish turns.
QUICK = Durations(paced_s=0.5, sustained_s=3.0, fair_s=0.5)


@dataclass
class RunResult:
    backend: str
    workers: int
    paced_rate: float
    paced: list[Sent] = field(default_factory=list)
    paced_first_post_s: list[float] = field(default_factory=list)
    sustained: list[Sent] = field(default_factory=list)
    sustained_wall_s: float = 0.0
    completed_per_min: float = 0.0
    completed: int = 0  # turns finished during the sustained phase (all of it)
    cpu_busy_pct: float = 0.0  # the whole machine's, other users' work included
    app_cpu_s: float = 0.0  # the app's process, during the sustained phase
    workers_cpu_s: float = 0.0  # the worker command's processes, during the sustained phase


def parse_options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="seconds per part (smoke test)")
    parser.add_argument("--workers", default="1,2,4", help="worker processes per run")
    parser.add_argument("--backends", default="sqlite,postgres", help="databases to run on")
    parser.add_argument("--redis-url", default=REDIS_BENCH_URL, help="a Redis db to flush")
    parser.add_argument("--postgres-url", default=POSTGRES_URL, help="a database to recreate")
    parser.add_argument(
        "--fair-workers",
        type=int,
        default=Settings.model_fields["worker_processes"].default,
        help="worker processes in the fairness part",
    )
    parser.add_argument("--no-fairness", action="store_true", help="skip the campaign part")
    return parser.parse_args(argv)


def settings_for_run(env: BenchEnv, url: str, name: str) -> Settings:
    return env.settings_at(
        url,
        queue_name=f"bench-load-{os.getpid()}-{name}",
        # Slack's Tier-3 pace for edits (40 a minute and workspace) would be what is measured.
        slack_chat_update_per_minute=600,
    )


def cpu_times() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine (Linux; zeros elsewhere)."""
    try:
        fields = [float(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except OSError:
        return 0.0, 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)
    return sum(fields) - idle, sum(fields)


def run_one(env: BenchEnv, backend: str, workers: int, d: Durations, pg_url: str) -> RunResult:
    url = database_for(env, backend, f"load-{backend}-{workers}", pg_url)
    settings = settings_for_run(env, url, f"{backend}-{workers}")
    env.slack.reset()
    result = RunResult(backend, workers, PACED_PER_WORKER_PER_S * workers)
    log = env.workdir / f"worker-{backend}-{workers}.log"
    with (
        served("real", settings, str(env.workdir)) as app,
        worker_command(settings, log, workers) as command,
    ):
        wait_for_workers(env.redis, settings.queue_name, workers)
        senders = Senders(app.url)
        try:
            result.paced = send_open_loop(senders, WORKSPACES, result.paced_rate, d.paced_s)
            wait_until(lambda: _all_posted(env, result.paced), POSTED_TIMEOUT_S)
            result.paced_first_post_s = to_first_post_s(result.paced, first_posts(env.slack))
            busy0, total0 = cpu_times()
            app0, workers0 = app.cpu_s(), group_cpu_s(command.process.pid)
            started = time.time()
            result.sustained = send_open_loop(
                senders, WORKSPACES, OFFERED_PER_MIN / 60, d.sustained_s
            )
            ended = time.time()
            busy1, total1 = cpu_times()
            result.app_cpu_s = app.cpu_s() - app0
            result.workers_cpu_s = group_cpu_s(command.process.pid) - workers0
        finally:
            senders.close()
    result.sustained_wall_s = ended - started
    warm = min(5.0, d.sustained_s / 5)  # the workers were idle when the phase began
    done = finished_between(url, started + warm, ended)
    result.completed_per_min = done / (ended - started - warm) * 60
    result.completed = finished_between(url, started, ended)
    result.cpu_busy_pct = (busy1 - busy0) / (total1 - total0) * 100 if total1 > total0 else 0.0
    return result


def _all_posted(env: BenchEnv, sent: list[Sent]) -> bool:
    posts = first_posts(env.slack)
    return all(s.ts in posts for s in sent)


def print_run(result: RunResult) -> None:
    paced_acks = [s.ack_s for s in result.paced]
    first = result.paced_first_post_s
    accepted = [s for s in result.sustained if s.status == 200]
    accepted_per_min = len(accepted) / result.sustained_wall_s * 60
    ack99 = percentile([s.ack_s for s in result.sustained], 99) * 1000
    print(
        f"  {result.backend:<8} {result.workers} worker(s) | paced {result.paced_rate:3.1f}/s: "
        f"ack p99 {percentile(paced_acks, 99) * 1000:5.1f} ms, first post p50 "
        f"{percentile(first, 50):4.2f} p99 {percentile(first, 99):4.2f} s "
        f"({len(first)}/{len(result.paced)}) | sustained: accepted {accepted_per_min:5.0f}/min "
        f"({len(result.sustained) - len(accepted)} refused), ack p99 {ack99:5.1f} ms, "
        f"completed {result.completed_per_min:4.0f} turns/min, CPU {result.cpu_busy_pct:3.0f}%"
    )
    per_event = result.app_cpu_s / len(result.sustained) * 1000 if result.sustained else 0.0
    per_turn = result.workers_cpu_s / result.completed * 1000 if result.completed else 0.0
    print(
        f"  {'':8} CPU: app {per_event:4.1f} ms per event, workers {per_turn:5.1f} ms per "
        f"completed turn (so 2 free cores finish about {120_000 / per_turn if per_turn else 0:.0f}"
        " turns/min)"
    )


def print_goals(results: list[RunResult]) -> None:
    """The issue's goals, per backend: accepted and ack at the largest worker count, and the
    completed turns' growth against one worker (the baseline in the same run)."""
    print("\n  goals:")
    for backend in sorted({r.backend for r in results}):
        runs = sorted((r for r in results if r.backend == backend), key=lambda r: r.workers)
        for run in runs:
            accepted = sum(1 for s in run.sustained if s.status == 200)
            per_min = accepted / run.sustained_wall_s * 60
            ack99 = percentile([s.ack_s for s in run.sustained], 99) * 1000
            ok = per_min >= ACCEPTED_GOAL_PER_MIN and ack99 < ACK_P99_GOAL_MS
            print(
                f"  {backend} {run.workers}w: >= {ACCEPTED_GOAL_PER_MIN} accepted/min with p99 "
                f"ack < {ACK_P99_GOAL_MS:.0f} ms: {_verdict(ok)} "
                f"({per_min:.0f}/min, {ack99:.1f} ms)"
            )
        base = runs[0].completed_per_min
        growth = ", ".join(
            f"{r.workers}w {r.completed_per_min / base:.2f}x" if base else f"{r.workers}w n/a"
            for r in runs
        )
        print(f"  {backend}: completed turns/min against {runs[0].workers} worker(s): {growth}")


def _reachable(url: str) -> bool:
    """PostgreSQL answers at `url`'s server (the runs on it are skipped otherwise)."""
    engine = create_engine(make_url(url).set(database="postgres"))
    try:
        with engine.connect():
            return True
    except SQLAlchemyError as error:
        print(f"PostgreSQL not reachable ({type(error).__name__}): its runs are skipped")
        return False
    finally:
        engine.dispose()


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "MISS"


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    durations = QUICK if options.quick else FULL
    workers = [int(n) for n in options.workers.split(",")]
    backends = [
        b
        for b in options.backends.split(",")
        if b != "postgres" or _reachable(options.postgres_url)
    ]
    print_header()
    with bench_env(options.redis_url) as env:
        env.claude.think_s = CLAUDE_LATENCY_S
        add_workspaces(env.slack)
        print(
            f"Sustained load: {len(WORKSPACES)} workspaces, scripted Claude answering after "
            f"{CLAUDE_LATENCY_S} s, {OFFERED_PER_MIN} mentions/min offered for "
            f"{durations.sustained_s:g} s (after {durations.paced_s:g} s paced)"
        )
        results = []
        for backend in backends:
            for count in workers:
                result = run_one(env, backend, count, durations, options.postgres_url)
                results.append(result)
                print_run(result)
        if results:
            print_goals(results)
        if not options.no_fairness:
            backend = "postgres" if any(r.backend == "postgres" for r in results) else "sqlite"
            fair: list[FairResult] = [
                run_fairness(
                    env,
                    backend,
                    options.fair_workers,
                    durations.fair_s,
                    options.postgres_url,
                    campaign=with_campaign,
                    quick=options.quick,
                )
                for with_campaign in (False, True)
            ]
            print_fairness(fair, FIRST_POST_GOAL_S)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
