"""A campaign killed at 20 random points ends exactly as one never killed (issue 17).

The real worker command (supervisor, sweeper and two worker processes) runs a campaign with a
sequential, a parallel and a conditional phase against the Slack stand-in and the scripted
Claude. A reference campaign runs untouched; then the same plan runs again while the whole
worker command is SIGKILLed and started again at 20 points drawn by a seeded RNG: at the n-th
Slack call from the last start, either before the call takes effect, after it took effect but
before it was answered (a message posted whose ts was never saved), or a few milliseconds
after it. In the end, the campaign's records (its status, each step's status and its one task,
the variables) and every message it left in Slack (channel, thread, persona, text) are the
same as the reference's. The app plays no part once a plan is approved (the engine, the steps
and the sweeper run in the worker command), so the plan is approved by `control.approve`.

Set CAMPAIGN_KILL_SEED to replay a failing run; the seed is in every failure's message.
"""

from __future__ import annotations

import os
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from jobs.campaigns import control, report
from jobs.queue import Lane, lane_queue, turn_queue
from jobs.runtime import Runtime
from jobs.sweeper import sweep
from models import campaign_steps, campaigns, posts
from models.campaigns import CampaignStatus
from models.kinds import CampaignStepDetails
from models.work import Task
from sandbox.claude_api import ScriptedClaude
from sandbox.slack_api import SlackStandIn
from sandbox.worker_forks import ForkedWorkerCommand, fork_worker_command
from settings import Settings
from tests.conftest import HUMAN, TEAM, make_settings, wait_until
from tests.test_campaign_engine import CAMPAIGNS, LAUNCH, _planned

KILLS = 20
MAX_RUNS = 3  # campaigns killed until KILLS kills were made
HOLD_S = 30.0  # a held Slack call is let go after this even if nobody kills its caller
SETTLE_S = 30.0  # from the last kill to the campaign ended as the reference did
PASS_POLL_S = 0.05
KILL_TEST_TIMEOUT_S = 300
# Sequential, parallel, conditional (lead_score set before approval: one branch runs, the
# other is skipped). The continuous phase needs time to pass, which these processes cannot fake.
SCENARIO = LAUNCH | {"phases": LAUNCH["phases"][:3]}
TEAM_CHANNELS = {
    "C0LEADERSHIP": "mkt-leadership",
    "C0COMMS": "mkt-comms",
    "C0SOCIAL": "mkt-social",
    "C0INSIGHTS": "mkt-insights",
}
MODES = ("before", "after", "late")  # where a kill lands around the chosen Slack call
IDS = re.compile(r"\b[0-9a-f]{32}\b")
TS = re.compile(r"\d{10}\.\d{6}|p\d{16}")
DOLLARS = re.compile(r"\$[\d,]+\.\d{2} of")  # spend: a killed Claude call is paid again


class KillSwitch:
    """The Slack stand-in's call hook: at the n-th call from `arm`, tell the test (and, for a
    kill before or after the call's effect, hold the call until the test has killed)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._left = 0
        self._mode = "late"
        self.reached = threading.Event()
        self._released = threading.Event()
        self.method = ""

    def arm(self, calls: int, mode: str) -> None:
        with self._lock:
            self._left, self._mode = calls, mode
            self.reached.clear()
            self._released.clear()

    def release(self) -> None:
        self._released.set()

    def __call__(self, method: str, took_effect: bool) -> None:
        with self._lock:
            if self._left == 0 or took_effect != (self._mode != "before"):
                return
            self._left -= 1
            if self._left:
                return
            self.method, hold = method, self._mode != "late"
        self.reached.set()
        if hold:
            self._released.wait(HOLD_S)


@dataclass
class World:
    """The stand-ins, the worker command's settings and its current process."""

    runtime: Runtime
    slack: SlackStandIn
    settings: Settings
    logs: Path
    seed: int
    starts: int = 0
    worker: ForkedWorkerCommand | None = None
    kills: list[str] = field(default_factory=list)

    def start(self) -> None:
        self.starts += 1
        log = self.logs / f"worker{self.starts}.log"
        self.worker = fork_worker_command(self.settings, log, processes=2)

    def kill(self) -> None:
        if self.worker is not None:
            self.worker.kill()

    def why(self) -> str:
        """What a failure's message starts with: how to replay it, where it was killed, and
        what a stuck run was waiting on (each task's state and lease, each lane's jobs)."""
        tail = self.worker.output()[-3000:] if self.worker else ""
        with self.runtime.sessions() as session:
            rows = session.scalars(select(Task).where(Task.team_id == TEAM)).all()
            tasks = [
                f"{t.id[:8]} {t.assigned_to} {t.status} attempts={t.attempts} "
                f"lease={t.lease_expires_at} holder={t.lease_holder} updated={t.updated_at}"
                for t in rows
            ]
        queue = turn_queue(self.runtime.redis, self.settings.queue_name)
        lanes = {lane.value: lane_queue(queue, lane).get_job_ids() for lane in Lane}
        # A stuck run twice showed tasks whose leases had run out and no sweep queuing them:
        # is the command's supervisor alive, and would a sweep from here queue them?
        alive = self.worker is not None and self.worker.running()
        swept = sweep(
            self.runtime.sessions,
            self.runtime.redis,
            self.settings.queue_name,
            grace_s=self.settings.enqueue_grace_s,
        )
        return (
            f"CAMPAIGN_KILL_SEED={self.seed}; kills: {self.kills}\n{tail}\n"
            + "\n".join(tasks)
            + f"\nqueued: {lanes}\nsupervisor alive: {alive}; a sweep from the test queued: "
            + f"{swept}"
        )


@pytest.fixture()
def world(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, tmp_path: Path
) -> Iterator[World]:
    slack.add_channel(CAMPAIGNS, "mkt-campaigns")
    for channel, name in TEAM_CHANNELS.items():
        slack.add_channel(channel, name)
    settings = make_settings(
        slack,
        claude,
        runtime.settings.database_url,
        turn_lease_s=1.5,  # a zombie's lease (no reaper for orphans here) runs out soon
        sweep_interval_s=0.2,
        campaign_pass_lease_s=2.0,
    )
    seed = int(os.environ.get("CAMPAIGN_KILL_SEED") or random.SystemRandom().randrange(10**6))
    made = World(runtime, slack, settings, tmp_path, seed)
    made.start()
    try:
        yield made
    finally:
        slack.call_hook = None
        made.kill()


def _launch(rt: Runtime, slack: SlackStandIn) -> str:
    campaign_id = _planned(rt, slack, SCENARIO)
    assert control.set_variable(rt, TEAM, campaign_id, "lead_score", 82.0, HUMAN)
    assert control.approve(rt, TEAM, campaign_id, HUMAN)
    return campaign_id


def _state(rt: Runtime, campaign_id: str) -> dict[str, Any]:
    """The campaign's records without ids, times and attempts: what a kill must not change,
    read while no engine pass runs. A late wake-up (a step's own, or the sweeper's from just
    before the end) may still pass over an ended campaign, finding nothing to do: its pass
    token is held for that moment, so the records are read again once it is let go (a token
    never let go stays in what is returned, and fails the comparison)."""
    deadline = time.monotonic() + SETTLE_S
    while True:
        found = _records(rt, campaign_id)
        if found["campaign"][1] is None or time.monotonic() > deadline:
            return found
        time.sleep(PASS_POLL_S)


def _records(rt: Runtime, campaign_id: str) -> dict[str, Any]:
    with rt.sessions() as session:
        campaign = campaigns.load_campaign(session, TEAM, campaign_id)
        assert campaign is not None
        rows = campaign_steps.steps_of(session, TEAM, campaign_id)
        step_tasks = [
            task
            for task in session.scalars(select(Task))
            if isinstance(task.details, CampaignStepDetails)
            and task.details.campaign_id == campaign_id
        ]
        below = session.scalars(
            select(Task.id).where(Task.parent_task_id.in_([t.id for t in step_tasks]))
        ).all()
        variables = campaign_steps.variables_of(session, TEAM, campaign_id)
    by_id = {task.id: task for task in step_tasks}
    return {
        "campaign": (campaign.status, campaign.pass_token),
        "steps": sorted(
            (
                row.step_id,
                row.run,
                row.status,
                row.gate_cleared,
                _task_shape(by_id[row.task_id]) if row.task_id in by_id else None,
            )
            for row in rows
        ),
        "tasks per step": sorted(Counter(_step_of(task) for task in step_tasks).items()),
        "subtasks": len(below),
        "variables": variables,
    }


def _step_of(task: Task) -> str:
    details = task.details
    assert isinstance(details, CampaignStepDetails)
    return details.step_id


def _task_shape(task: Task) -> tuple[Any, ...]:
    deliverable = IDS.sub("<id>", task.deliverable or "")
    thread = (task.channel_id, task.thread_ts is not None)
    return (task.assigned_to, task.status, task.title, task.turns_used, deliverable, thread)


def _all_messages(slack: SlackStandIn) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (channel, message["ts"]): message
        for channel in slack.workspace.channels
        for message in slack.messages(channel)
    }


def _posts(slack: SlackStandIn, before: set[tuple[str, str]], campaign_id: str) -> list[Any]:
    """Every message that appeared since `before`, as a sorted list of (channel, its thread's
    first words, persona, text), with ids and timestamps blanked."""
    found = {key: m for key, m in _all_messages(slack).items() if key not in before}
    everything = _all_messages(slack)

    def clean(text: str) -> str:
        text = text.replace(campaign_id, "<campaign>")
        return DOLLARS.sub("$… of", TS.sub("<ts>", IDS.sub("<id>", text)))

    def thread_of(channel: str, message: dict[str, Any]) -> str:
        root = everything.get((channel, message.get("thread_ts") or message["ts"]))
        return clean(str(root.get("text", "")))[:60] if root else "?"

    return sorted(
        (
            channel,
            thread_of(channel, message),
            str(message.get("username", "")),
            clean(str(message.get("text", ""))),
        )
        for (channel, _ts), message in found.items()
    )


def _settled(rt: Runtime, slack: SlackStandIn, campaign_id: str) -> bool:
    """Ended, its report posted, its last pass over, its progress message showing the end."""
    with rt.sessions() as session:
        status = campaigns.status_of(session, TEAM, campaign_id)
        reported = posts.parts_of(session, TEAM, report.report_key(campaign_id))
        campaign = campaigns.load_campaign(session, TEAM, campaign_id)
    if status not in report.ENDED or not reported or campaign is None or campaign.pass_token:
        return False
    thread = slack.messages(CAMPAIGNS, campaign.thread_ts)
    return any(
        m["text"].startswith("*Progress of") and m["text"].split("\n")[0].endswith("· done")
        for m in thread
    )


def _kill_at_random_points(
    world: World, rng: random.Random, calls_per_run: int, kills: int, ended: Callable[[], bool]
) -> None:
    """SIGKILL the worker command at up to `kills` points, each at the n-th Slack call after
    the last start (n drawn so that the kills spread over the whole campaign), and start it
    again; fewer if the campaign ends first."""
    switch = KillSwitch()
    world.slack.call_hook = switch
    most = max(1, 2 * calls_per_run // KILLS)
    for _ in range(kills):
        calls, mode = rng.randint(1, most), rng.choice(MODES)
        switch.arm(calls, mode)
        wait_until(lambda: switch.reached.is_set() or ended(), SETTLE_S)
        if not switch.reached.is_set():
            break  # the campaign ended before this point
        if mode == "late":
            time.sleep(rng.uniform(0, 0.05))  # somewhere in what follows the call
        world.kill()
        switch.release()
        world.kills.append(f"{mode} {switch.method} #{calls}")
        world.start()
    world.slack.call_hook = None
    switch.arm(0, "late")
    switch.release()  # a call held just as the campaign ended


def _killed_run(
    world: World,
    rng: random.Random,
    calls_per_run: int,
    expected_state: dict[str, Any],
    expected_posts: list[Any],
) -> None:
    """One campaign killed at the kills still to make, then compared with the reference."""
    rt, slack = world.runtime, world.slack
    before = set(_all_messages(slack))
    killed = _launch(rt, slack)
    left = KILLS - len(world.kills)
    _kill_at_random_points(world, rng, calls_per_run, left, lambda: _settled(rt, slack, killed))

    def as_reference() -> bool:
        return _settled(rt, slack, killed) and _posts(slack, before, killed) == expected_posts

    wait_until(as_reference, SETTLE_S)
    found = Counter(_posts(slack, before, killed))
    missing, extra = Counter(expected_posts) - found, found - Counter(expected_posts)
    assert not missing and not extra, f"{world.why()}\nmissing: {missing}\nextra: {extra}"
    assert _state(rt, killed) == expected_state, world.why()


# 25-45 s on a quiet 2-core machine; with a second suite running beside it, over the
# suite's 120 s per test. Each of its waits is bounded by SETTLE_S on its own.
@pytest.mark.timeout(KILL_TEST_TIMEOUT_S)
def test_a_campaign_killed_at_20_random_points_ends_as_if_never_killed(world: World) -> None:
    """20 kills in one campaign, or in a second one if the first ended before its 20th."""
    rt, slack = world.runtime, world.slack
    before = set(_all_messages(slack))
    calls_before = len(slack.calls)
    reference = _launch(rt, slack)
    assert wait_until(lambda: _settled(rt, slack, reference), SETTLE_S), world.why()
    expected_state, expected_posts = _state(rt, reference), _posts(slack, before, reference)
    assert expected_state["campaign"] == (CampaignStatus.DONE, None)
    calls_per_run = len(slack.calls) - calls_before
    rng = random.Random(world.seed)

    for _run in range(MAX_RUNS):
        _killed_run(world, rng, calls_per_run, expected_state, expected_posts)
        if len(world.kills) == KILLS:
            return
    pytest.fail(f"only {len(world.kills)} kills in {MAX_RUNS} campaigns: {world.why()}")
