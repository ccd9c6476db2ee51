"""The load benchmark's fairness part: workspaces B and C mention the bot while workspace A's
500-step campaign runs (5 parallel phases of 100 steps, each step an agent's turn), against
the same mentions with no campaign, in the same run."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from bench._campaign import FIVE, add_channels, approved, step
from bench._env import BenchEnv, wait_until
from bench._load import percentile
from bench._load_world import (
    WORKSPACES,
    Senders,
    Sent,
    database_for,
    first_posts,
    pickup_s,
    send_open_loop,
    to_first_post_s,
    wait_for_workers,
)
from bench._servers import served
from jobs import runtime as runtime_module
from models import campaign_steps
from models.campaigns import StepStatus
from sandbox.worker_command import worker_command

MENTIONS_PER_S = 1.0
PHASES, STEPS_PER_PHASE = 5, 100
QUICK_PHASES, QUICK_STEPS_PER_PHASE = 1, 20
RUNNING_TIMEOUT_S = 60.0
POSTED_TIMEOUT_S = 60.0


@dataclass
class FairResult:
    backend: str
    workers: int
    campaign_steps: int  # 0: the baseline, no campaign
    sent: list[Sent] = field(default_factory=list)
    first_post_s: list[float] = field(default_factory=list)
    pickup_s: list[float] = field(default_factory=list)
    steps_done: int = 0  # the campaign's steps finished while the mentions were sent
    steps_in_flight: int = 0  # started and unfinished when the mentions ended


def big_plan(phases: int, per_phase: int) -> dict[str, Any]:
    """`phases` parallel phases of `per_phase` steps, the five agents in turn."""
    return {
        "name": f"load-{phases * per_phase}",
        "start": "2026-12-01",
        "end": "2026-12-11",
        "phases": [
            {
                "name": f"Wave {p + 1}",
                "type": "parallel",
                "steps": [step(f"w{p}-s{n}", *FIVE[n % len(FIVE)][1:]) for n in range(per_phase)],
            }
            for p in range(phases)
        ],
    }


def run_fairness(
    env: BenchEnv,
    backend: str,
    workers: int,
    duration_s: float,
    postgres_url: str,
    *,
    campaign: bool,
    quick: bool,
) -> FairResult:
    phases, per_phase = (
        (QUICK_PHASES, QUICK_STEPS_PER_PHASE) if quick else (PHASES, STEPS_PER_PHASE)
    )
    name = f"fair-{backend}-{'campaign' if campaign else 'baseline'}"
    url = database_for(env, backend, name, postgres_url)
    settings = env.settings_at(
        url, queue_name=f"bench-load-{os.getpid()}-{name}", slack_chat_update_per_minute=600
    )
    env.slack.reset()
    add_channels(env)
    rt = runtime_module.build_runtime(settings)
    result = FairResult(backend, workers, phases * per_phase if campaign else 0)
    team_a, others = WORKSPACES[0], WORKSPACES[1:]
    with (
        served("real", settings, str(env.workdir)) as app,
        worker_command(settings, env.workdir / f"{name}.log", workers),
    ):
        wait_for_workers(env.redis, settings.queue_name, workers)
        senders = Senders(app.url)
        try:
            if campaign:
                raw = big_plan(phases, per_phase)
                limits = rt.campaign_data.advisor.plans.model_copy(
                    update={"max_steps": 500, "max_steps_per_phase": 100}
                )
                campaign_id = approved(rt, raw, team_a, limits)
                if not wait_until(
                    lambda: _steps(rt, team_a, campaign_id)[0] > 0, RUNNING_TIMEOUT_S
                ):
                    raise RuntimeError("the campaign's steps did not start")
            done_before = _steps(rt, team_a, campaign_id)[1] if campaign else 0
            result.sent = send_open_loop(senders, others, MENTIONS_PER_S, duration_s)
            if campaign:
                result.steps_in_flight, done = _steps(rt, team_a, campaign_id)
                result.steps_done = done - done_before
            wait_until(lambda: _posted(env, result.sent), POSTED_TIMEOUT_S)
            result.first_post_s = to_first_post_s(result.sent, first_posts(env.slack))
            result.pickup_s = pickup_s(url, result.sent)
        finally:
            senders.close()
    return result


def _steps(rt: runtime_module.Runtime, team_id: str, campaign_id: str) -> tuple[int, int]:
    """(started, done) steps of the campaign."""
    with rt.sessions() as session:
        rows = campaign_steps.steps_of(session, team_id, campaign_id)
    started = sum(1 for r in rows if r.status == StepStatus.STARTED)
    done = sum(1 for r in rows if r.status == StepStatus.DONE)
    return started, done


def _posted(env: BenchEnv, sent: list[Sent]) -> bool:
    posts = first_posts(env.slack)
    return all(s.ts in posts for s in sent)


def print_fairness(results: list[FairResult], goal_s: float) -> None:
    print(
        f"\nFairness: workspaces B and C mention at {MENTIONS_PER_S:g}/s while workspace A's "
        "campaign runs (or none: the baseline)"
    )
    for r in results:
        what = f"{r.campaign_steps}-step campaign" if r.campaign_steps else "no campaign"
        first = r.first_post_s
        print(
            f"  {r.backend} {r.workers}w, {what:<20} first post p50 {percentile(first, 50):4.2f} "
            f"p99 {percentile(first, 99):4.2f} s ({len(first)}/{len(r.sent)} posted), of which "
            f"waiting for a worker p99 {percentile(r.pickup_s, 99):4.2f} s"
            + (
                f" | campaign steps done meanwhile {r.steps_done}, in flight {r.steps_in_flight}"
                if r.campaign_steps
                else ""
            )
        )
    base, loaded = results[0], results[-1]
    p99_base, p99 = percentile(base.first_post_s, 99), percentile(loaded.first_post_s, 99)
    print(f"  ratio p99 under the campaign / baseline: {p99 / p99_base:.2f}x")
    verdict = "PASS" if p99 < goal_s and len(loaded.first_post_s) == len(loaded.sent) else "MISS"
    print(f"  goal p99 to first post under the campaign < {goal_s:g} s: {verdict} ({p99:.2f} s)")
