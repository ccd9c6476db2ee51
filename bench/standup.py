"""How long a daily standup takes, from its scheduled minute to the VP's closing message, and
what its model calls cost (issue 18: goal < 20 s; not 14 Opus calls).

`python -m bench.standup` (also in `make bench`) prints its numbers; it is not a test and
exits 0 on a missed goal. Needs Redis on 127.0.0.1:6379 (db 13 by default, flushed).

The department has 14 agents, 6 of them with work of every kind (bench/_standup_world.py).
At the scheduled minute the scheduler's part is done: the run is claimed and its job
enqueued, which is where the clock starts; an RQ worker takes it, the VP opens the thread,
the scripted department phrases every update in one call at the sandbox's demo pace (the
`standup_updates` call waits as long as its text would take to stream), each agent posts,
the VP closes. The clock stops when the closing message is in the Slack stand-in. Token
counts are the scripted Claude's own (sandbox/claude_wire.py), priced by jobs/claude/prices.toml.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from rq import SimpleWorker
from sqlalchemy import select

from bench._env import TEAM, bench_env
from bench._standup_world import WITH_WORK, seed
from jobs import runtime as runtime_module
from jobs.claude.pricing import Usage
from jobs.queue import RUN_RITUAL, WorkspaceJob, enqueue, turn_queue
from models import rituals
from models.records import LlmCall
from models.rituals import Ritual
from sandbox.claude_api import Reply, ToolUseReply
from sandbox.scripted_department import CHUNK_CHARS, DELAY_PER_CHUNK_S, department_responder

GOAL_S = 20.0
STANDUP_CHANNEL = "C0STANDUP"
WORK_CHANNEL = "C0CONTENT"
REDIS_URL = "redis://127.0.0.1:6379/13"


@dataclass(frozen=True)
class Result:
    seconds: float
    calls: int
    usage: Usage
    cost_usd: Decimal
    opus_cost_usd: Decimal  # the same tokens on the top tier, for comparison
    replies: int


def demo_responder(body: dict[str, Any]) -> Reply:
    """The scripted department, its standup call paced like its streamed text."""
    reply = department_responder(body)
    if isinstance(reply, ToolUseReply) and reply.name == "standup_updates":
        time.sleep(len(json.dumps(reply.input)) / CHUNK_CHARS * DELAY_PER_CHUNK_S)
    return reply


def hold_one(env: Any, index: int) -> Result:
    settings = env.settings_for(f"standup-{index}.db")
    rt = runtime_module.build_runtime(settings)
    runtime_module.install(rt)
    seed(rt.sessions, env.slack, TEAM, WORK_CHANNEL)
    today = date.today()
    with rt.sessions() as session:
        run_id = rituals.claim_run(session, TEAM, Ritual.STANDUP, f"bench-{index}", today)
    assert run_id is not None
    queue = turn_queue(rt.redis, settings.queue_name)
    started = time.monotonic()
    enqueue(queue, RUN_RITUAL, TEAM, run_id)
    SimpleWorker([queue], connection=rt.redis, job_class=WorkspaceJob).work(
        burst=True, logging_level="WARNING"
    )
    seconds = time.monotonic() - started
    with rt.sessions() as session:
        run = rituals.load_run(session, TEAM, run_id)
        calls = session.scalars(select(LlmCall).where(LlmCall.turn_id == run_id)).all()
    assert run is not None and run.thread_ts is not None, "the standup did not open"
    thread = env.slack.messages(STANDUP_CHANNEL, run.thread_ts)
    closing = thread[-1]["blocks"][0]["text"]["text"]
    assert closing.startswith("Standup wrap-up"), f"no closing message: {closing!r}"
    usage = Usage(
        input_tokens=sum(c.input_tokens for c in calls),
        output_tokens=sum(c.output_tokens for c in calls),
        cache_read_tokens=sum(c.cache_read_tokens for c in calls),
        cache_write_tokens=sum(c.cache_write_tokens for c in calls),
    )
    opus = rt.prices.cost_usd(settings.model_for("opus"), usage)
    cost = sum((c.cost_usd for c in calls), Decimal(0))
    return Result(seconds, len(calls), usage, cost, opus, len(thread) - 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=3, help="standups, each on a fresh db")
    parser.add_argument("--redis-url", default=REDIS_URL, help="a Redis db this may flush")
    args = parser.parse_args(argv)
    print(f"command: {shlex.join(sys.orig_argv)}")
    print(f"python:  {platform.python_implementation()} {sys.version.split()[0]}")
    print(f"cpus:    {os.cpu_count()} ({platform.machine()}, {platform.system()})")
    print(f"world:   14 agents, {len(WITH_WORK)} with work; scripted Claude at the demo pace")
    results = []
    with bench_env(args.redis_url, responder=demo_responder) as env:
        env.slack.add_channel(STANDUP_CHANNEL, "mkt-standup")
        env.slack.add_channel(WORK_CHANNEL, "mkt-content")
        for index in range(args.repeats):
            result = hold_one(env, index)
            results.append(result)
            usage = result.usage
            print(
                f"  standup {index + 1}: {result.seconds:.2f} s to the close · "
                f"{result.replies} agent replies · {result.calls} model call(s) · tokens "
                f"{usage.input_tokens} in, {usage.output_tokens} out, {usage.cache_read_tokens} "
                f"cache read, {usage.cache_write_tokens} cache write · ${result.cost_usd:.4f} "
                f"(same tokens on Opus ${result.opus_cost_usd:.4f})"
            )
    median = statistics.median(r.seconds for r in results)
    cold = results[0]  # a day's standup finds the prompt cache cold (5-minute lifetime)
    print(f"\nscheduled minute → VP's closing message: median {median:.2f} s (goal < {GOAL_S:g} s)")
    print(
        f"one standup, cache cold: {cold.calls} model call(s), "
        f"{cold.usage.input_tokens + cold.usage.cache_write_tokens + cold.usage.cache_read_tokens}"
        f" input and {cold.usage.output_tokens} output tokens, ${cold.cost_usd:.4f} "
        f"(the same tokens on Opus: ${cold.opus_cost_usd:.4f})"
    )
    print(f"\nverdict: {'PASS' if median < GOAL_S else 'MISS'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
