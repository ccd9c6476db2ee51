"""Fairness between workspaces: one workspace's campaign steps in flight are capped
(`campaign_steps_in_flight`), the rest wait in the database and start as those finish, and
their jobs wait in the background lane, behind every workspace's turns.

The engine's passes run here by hand (as the fan-in and the sweeper would enqueue them), with
the real database, Redis and Slack stand-in; time under freezegun.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from freezegun import freeze_time

from bots.plan_checks import check_plan
from jobs import runtime as runtime_module
from jobs.campaigns import control
from jobs.campaigns.engine import CampaignEngine
from jobs.queue import ADVANCE_CAMPAIGN, RUN_TASK, Lane, lane_queue, turn_queue
from jobs.runtime import Runtime
from jobs.sweeper import sweep
from models import campaign_steps, tasks
from models.base import utcnow
from models.campaigns import StepStatus
from models.work import TaskStatus
from sandbox.campaign_rows import planned_campaign
from sandbox.slack_api import SlackStandIn
from settings import Settings
from tests.conftest import HUMAN, TEAM, empty_queues
from tests.test_campaign_engine import CAMPAIGNS, START, _step

OTHER_TEAM = "T0OTHER"
CAP = 3
AGENTS = (
    ("copywriter", "blog_post"),
    ("social_media_manager", "campaign_asset"),
    ("email_specialist", "campaign_email"),
    ("analytics_specialist", "analytics_report"),
    ("content_manager", "content_calendar"),
)


def _parallel(name: str, count: int) -> dict[str, Any]:
    steps = [_step(f"s{n}", *AGENTS[n % len(AGENTS)]) for n in range(count)]
    return {
        "name": name,
        "start": "2026-12-01",
        "end": "2026-12-10",
        "phases": [{"name": "Work", "type": "parallel", "steps": steps}],
    }


@pytest.fixture()
def rt(settings: Settings, slack: SlackStandIn) -> Iterator[Runtime]:
    slack.add_channel(CAMPAIGNS, "mkt-campaigns")
    values = settings.model_dump() | {"campaign_steps_in_flight": CAP}
    runtime = runtime_module.build_runtime(Settings(**values))
    runtime_module.install(runtime)
    with freeze_time(START, tick=True):
        yield runtime


def _running(rt: Runtime, team_id: str, raw: dict[str, Any]) -> str:
    """An approved campaign of `team_id` (its card posted), before its first pass."""
    check = check_plan(raw, rt.roster, rt.authority, rt.campaign_data.advisor.plans)
    assert check.plan is not None, check.problems
    campaign_id = planned_campaign(
        rt,
        team_id,
        check.plan,
        channel=CAMPAIGNS,
        requested_by=HUMAN,
        brief=f"Campaign {raw['name']}",
        budget_usd=Decimal("1000"),
    )
    assert control.approve(rt, team_id, campaign_id, HUMAN)
    return campaign_id


def _by_status(rt: Runtime, team_id: str, campaign_id: str) -> dict[str, int]:
    with rt.sessions() as session:
        rows = campaign_steps.steps_of(session, team_id, campaign_id)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return counts


def _finish_started(rt: Runtime, team_id: str, campaign_id: str, how_many: int) -> None:
    """`how_many` of the campaign's running steps' tasks end, as their agents' turns would."""
    with rt.sessions() as session:
        rows = campaign_steps.steps_of(session, team_id, campaign_id)
        started = [r.task_id for r in rows if r.status == StepStatus.STARTED and r.task_id]
        for task_id in started[:how_many]:
            assert tasks.move(
                session, team_id, task_id, from_=(TaskStatus.OPEN,), to=TaskStatus.DONE
            )


def _background(rt: Runtime) -> list[str]:
    return lane_queue(turn_queue(rt.redis, rt.settings.queue_name), Lane.BACKGROUND).job_ids


def test_a_workspace_runs_at_most_its_cap_of_steps_and_the_rest_start_as_they_finish(
    rt: Runtime,
) -> None:
    engine = CampaignEngine(rt)
    big = _running(rt, TEAM, _parallel("big", 5))
    engine.advance(TEAM, big)
    assert _by_status(rt, TEAM, big) == {"started": CAP, "pending": 2}
    started_jobs = [j for j in _background(rt) if j.startswith("task-")]
    assert len(started_jobs) == CAP  # the steps' jobs wait behind everyone's turns
    assert not any(
        j.startswith("task-") for j in turn_queue(rt.redis, rt.settings.queue_name).job_ids
    )

    small = _running(rt, TEAM, _parallel("small", 1))  # the same workspace: it waits
    engine.advance(TEAM, small)
    assert _by_status(rt, TEAM, small) == {"pending": 1}
    elsewhere = _running(rt, OTHER_TEAM, _parallel("elsewhere", 2))  # another workspace: runs
    engine.advance(OTHER_TEAM, elsewhere)
    assert _by_status(rt, OTHER_TEAM, elsewhere) == {"started": 2}

    _finish_started(rt, TEAM, big, 1)  # one ends: its fan-in pass starts the next, no more
    engine.advance(TEAM, big)
    assert _by_status(rt, TEAM, big) == {"done": 1, "started": CAP, "pending": 1}


def test_a_campaign_held_by_its_workspaces_cap_is_passed_again_by_the_sweeper(
    rt: Runtime,
) -> None:
    engine = CampaignEngine(rt)
    big = _running(rt, TEAM, _parallel("big", CAP))
    engine.advance(TEAM, big)
    small = _running(rt, TEAM, _parallel("small", 1))
    engine.advance(TEAM, small)  # held: the cap is full with the big campaign's steps
    empty_queues(rt)

    _finish_started(rt, TEAM, big, CAP)
    engine.advance(TEAM, big)  # big's fan-in: big is done, and frees the room
    assert _by_status(rt, TEAM, big) == {"done": CAP}
    assert _by_status(rt, TEAM, small) == {"pending": 1}
    with freeze_time(utcnow() + timedelta(seconds=120)):
        requeued = sweep(rt.sessions, rt.redis, rt.settings.queue_name, grace_s=60)
    assert ADVANCE_CAMPAIGN.job_id(TEAM, small) in requeued
    assert ADVANCE_CAMPAIGN.job_id(TEAM, big) not in requeued  # its last pass was complete
    engine.advance(TEAM, small)
    assert _by_status(rt, TEAM, small) == {"started": 1}
    with rt.sessions() as session:
        [row] = campaign_steps.steps_of(session, TEAM, small)
    assert row.task_id is not None
    assert RUN_TASK.job_id(TEAM, row.task_id) in _background(rt)
