"""The campaign engine's speed: a parallel phase fanned out over worker processes, and what the
engine itself adds around each step.

`python -m bench.campaign_engine` (or `make bench`) prints its numbers; it is not a test and
exits 0 on a missed goal. Needs Redis on 127.0.0.1:6379 (db 14, flushed; `--redis-url` for
another).

Part 1: a plan whose one phase is 5 parallel steps, five agents, the scripted Claude taking
1 s to answer each. The real worker command with 1 worker process, then with 5: the phase's
wall time (the first step's task made → the last step's task done) with 5 against 1 (the
sequential baseline, about 5 s). Part 2: a sequential phase of N quick steps with 2 worker
processes; per step, ready → its job started (the step's task committed by the engine pass →
RQ's `started_at` of its job) and done → next ready (a step's task done → the next step's task
committed by the pass its fan-in woke).
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import shlex
import statistics
import sys
from collections.abc import Callable
from datetime import UTC, datetime

from rq import Queue, Worker
from rq.job import Job
from sqlalchemy.orm import Session, sessionmaker

from bench._campaign import FIVE, add_channels, approved, plan, step
from bench._env import REDIS_BENCH_URL, TEAM, BenchEnv, bench_env, wait_until
from bench._load import percentile
from jobs import runtime as runtime_module
from jobs.queue import RUN_TASK
from models import campaign_steps, campaigns
from models.campaigns import CampaignStatus
from models.work import Task
from sandbox.claude_api import TextReply
from sandbox.worker_command import worker_command

PARALLEL_GOAL_S = 1.6
OVERHEAD_P50_GOAL_MS = 50.0
CLAUDE_LATENCY_S = 1.0
EDITS_PER_MINUTE = 600  # as the tests run; see run_campaign
# The default (3 s) and the tests' window: a held-back progress edit is made by a catch-up
# job that sleeps out the window in a worker process, which the next step may wait for.
PROGRESS_WINDOWS_S = (3.0, 0.05)
TIMEOUT_S = 120.0
ANSWER = "Done: the draft is in this thread."


def parse_options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=2, help="runs per worker count")
    parser.add_argument("--steps", type=int, default=10, help="sequential steps in part 2")
    parser.add_argument("--redis-url", default=REDIS_BENCH_URL, help="a Redis db to flush and use")
    return parser.parse_args(argv)


def _wait(predicate: Callable[[], bool]) -> bool:
    return wait_until(predicate, TIMEOUT_S)


def _step_tasks(sessions: sessionmaker[Session], campaign_id: str) -> list[Task]:
    """The campaign's step tasks in plan order."""
    with sessions() as session:
        rows = campaign_steps.steps_of(session, TEAM, campaign_id)
        found = [session.get(Task, row.task_id) for row in rows if row.task_id]
        for task in found:
            if task is not None:
                session.expunge(task)
    return [task for task in found if task is not None]


def run_campaign(
    env: BenchEnv, name: str, raw: dict[str, object], processes: int, **extra: object
) -> list[Task]:
    """Run one approved campaign to its end with `processes` worker processes (`extra`:
    settings of the run's own)."""
    queue = f"bench-campaign-{os.getpid()}-{name}"
    settings = env.settings_for(
        f"{name}.db",
        queue_name=queue,
        sweep_interval_s=1.0,
        # The default 40 edits a minute (Slack's Tier 3) holds final edits back for tokens
        # after a burst of six: that is Slack's pace, not the engine's (README).
        slack_chat_update_per_minute=EDITS_PER_MINUTE,
        **extra,
    )
    rt = runtime_module.build_runtime(settings)
    with worker_command(settings, env.workdir / f"{name}.log", processes=processes):
        rq_queue = Queue(queue, connection=env.redis)
        if not _wait(lambda: len(Worker.all(queue=rq_queue)) >= processes):
            raise RuntimeError(f"{processes} worker process(es) did not start")
        campaign_id = approved(rt, raw)

        def ended() -> bool:
            with rt.sessions() as session:
                return campaigns.status_of(session, TEAM, campaign_id) == CampaignStatus.DONE

        if not _wait(ended):
            raise RuntimeError(f"campaign {name} did not end")
        return _step_tasks(rt.sessions, campaign_id)


def parallel_phase_s(env: BenchEnv, processes: int, round_: int) -> float:
    """Wall time of a 5-step parallel phase with Claude answering in 1 s."""
    reply = TextReply(ANSWER, first_byte_delay_s=CLAUDE_LATENCY_S)
    env.claude.enqueue(*[reply] * len(FIVE))
    raw = plan(f"parallel-{processes}-{round_}", "parallel", [step(*s) for s in FIVE])
    # Every process may take a step (none kept for people's mentions): the engine's own fan-out.
    tasks = run_campaign(
        env, f"parallel{processes}r{round_}", raw, processes, worker_processes_for_people=0
    )
    return (max(t.updated_at for t in tasks) - min(t.created_at for t in tasks)).total_seconds()


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def step_overheads(
    env: BenchEnv, steps: int, round_: int, window_s: float
) -> tuple[list[float], list[float]]:
    """(ready → job started, done → next ready) of every step of a sequential phase, in s,
    with progress edits coalesced to one per `window_s`."""
    chain = [step(f"step-{n}", "copywriter", "blog_post") for n in range(1, steps + 1)]
    raw = plan(f"seq-{round_}-{round(window_s * 1000)}ms", "sequential", chain)
    name = f"sequence{round_}w{window_s:g}".replace(".", "_")
    tasks = run_campaign(env, name, raw, 2, campaign_progress_edit_every_s=window_s)
    started = []
    for task in tasks:
        job = Job.fetch(RUN_TASK.job_id(TEAM, task.id), connection=env.redis)
        assert job.started_at is not None
        started.append((_utc(job.started_at) - task.created_at).total_seconds())
    handoffs = [
        (later.created_at - earlier.updated_at).total_seconds()
        for earlier, later in itertools.pairwise(tasks)
    ]
    return started, handoffs


def _ms_line(name: str, values_s: list[float]) -> str:
    p50, p90 = (percentile(values_s, p) * 1000 for p in (50, 90))
    worst = max(values_s) * 1000
    verdict = "met" if p50 < OVERHEAD_P50_GOAL_MS else "MISSED"
    return (
        f"  {name:<28} p50 {p50:6.1f} ms  p90 {p90:6.1f} ms  max {worst:6.1f} ms "
        f"(n={len(values_s)}; goal p50 < {OVERHEAD_P50_GOAL_MS:.0f} ms: {verdict})"
    )


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    print(f"command: {shlex.join(sys.orig_argv)}")
    print(f"python:  {platform.python_implementation()} {sys.version.split()[0]}")
    print(f"cpus:    {os.cpu_count()} ({platform.machine()}, load {os.getloadavg()[0]:.1f})\n")
    with bench_env(options.redis_url) as env:
        add_channels(env)
        walls = {
            processes: [parallel_phase_s(env, processes, r) for r in range(options.rounds)]
            for processes in (1, 5)
        }
        print(
            f"Part 1: a parallel phase of 5 steps, Claude answering each in {CLAUDE_LATENCY_S:g} s"
        )
        for processes, values in walls.items():
            shown = ", ".join(f"{v:.2f}" for v in values)
            median = statistics.median(values)
            print(f"  {processes} worker process(es): {shown} s (median {median:.2f})")
        five, one = statistics.median(walls[5]), statistics.median(walls[1])
        verdict = "met" if five <= PARALLEL_GOAL_S else "MISSED"
        print(f"  5 workers / 1 worker: {five / one:.2f}x ({one / five:.1f}x faster)")
        print(f"  goal ≤ {PARALLEL_GOAL_S} s with 5 workers: {verdict} ({five:.2f} s)")
        print(f"\nPart 2: engine overhead per step, {options.steps} sequential steps, 2 workers")
        for window_s in PROGRESS_WINDOWS_S:
            started: list[float] = []
            handoffs: list[float] = []
            for r in range(options.rounds):
                ready, next_ready = step_overheads(env, options.steps, r, window_s)
                started += ready
                handoffs += next_ready
            print(f"  progress edits at most every {window_s:g} s:")
            print(_ms_line("step ready → job started", started))
            print(_ms_line("step done → next step ready", handoffs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
