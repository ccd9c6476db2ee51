"""The campaign engine with the real pieces: Redis and an RQ worker, the database, the Slack
stand-in and the scripted Claude, time under freezegun.

A conference-launch-like plan runs phase by phase (sequential order, a parallel fan-out, a
conditional both ways, a continuous phase ticking twice until the end date); pause, resume
and cancel; a second pass changes nothing; a worker killed mid-step, or mid-pass, resumes
without starting anything twice.
"""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory, StepTickTimeFactory, TickingDateTimeFactory
from sqlalchemy import select

from bots.hand_off import hand_off_plan
from bots.plan_checks import check_plan
from bots.plans import Plan
from jobs.campaigns import control
from jobs.campaigns.engine import CampaignEngine
from jobs.runtime import Runtime
from jobs.sweeper import sweep
from models import campaign_steps, campaigns, tasks
from models.base import utcnow
from models.campaigns import Campaign, CampaignStatus, StepStatus
from models.records import LlmCall
from models.work import Task, TaskStatus
from sandbox.campaign_rows import planned_campaign
from sandbox.claude_api import ScriptedClaude
from sandbox.product_turns import agent_of
from sandbox.slack_api import SlackStandIn
from tests.conftest import CHANNEL_CONTENT, HUMAN, TEAM, work

CAMPAIGNS = "C0CAMPAIGNS"
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
BRIEF = "Awareness campaign for the AI analytics feature; conference in 3 weeks; budget $50k"
Clock = FrozenDateTimeFactory | StepTickTimeFactory | TickingDateTimeFactory


def _step(step_id: str, agent: str, action_type: str, day: int = 1) -> dict[str, Any]:
    due = (START + timedelta(days=day)).date().isoformat()
    action = f"Do the {step_id.replace('-', ' ')}"
    return {"id": step_id, "agent": agent, "action": action, "action_type": action_type} | {
        "due": due
    }


LAUNCH: dict[str, Any] = {
    "name": "ai-analytics-launch",
    "pattern": "product_launch",
    "start": "2026-12-01",
    "end": "2026-12-03",
    "variables": {"lead_score": "number"},
    "phases": [
        {
            "name": "Strategy",
            "type": "sequential",
            "steps": [
                _step("define-strategy", "vp_marketing", "campaign_strategy"),
                _step("content-calendar", "content_manager", "content_calendar"),
            ],
        },
        {
            "name": "Content",
            "type": "parallel",
            "steps": [
                _step("blog-posts", "copywriter", "blog_post"),
                _step("social-assets", "social_media_manager", "campaign_asset"),
                _step("email-sequence", "email_specialist", "campaign_email"),
            ],
        },
        {
            "name": "Lead Management",
            "type": "conditional",
            "condition": "lead_score > 70",
            "if_true": [_step("sales-handoff", "campaign_manager", "routine_email")],
            "if_false": [_step("nurture", "email_specialist", "routine_email")],
        },
        {
            "name": "Monitoring",
            "type": "continuous",
            "after": ["Content"],
            "every_hours": 24,
            "steps": [_step("track-metrics", "analytics_specialist", "analytics_report")],
        },
    ],
}


def _three_steps(gates: dict[str, str] | None = None) -> dict[str, Any]:
    """A plan of three steps in a row; `gates` puts a person's gate (when: before or after)
    on the named steps."""
    steps = [_step(step_id, "copywriter", "blog_post") for step_id in ("first", "second", "third")]
    for step in steps:
        if step["id"] in (gates or {}):
            step["gate"] = {"approver": "person", "when": (gates or {})[step["id"]]}
    return {
        "name": "three-steps",
        "start": "2026-12-01",
        "end": "2026-12-10",
        "phases": [{"name": "Work", "type": "sequential", "steps": steps}],
    }


STEPS_IN_A_ROW = _three_steps()


@pytest.fixture()
def clock(slack: SlackStandIn) -> Iterator[Clock]:
    """Time starts at START and runs on (the workers need it to move); tests jump it."""
    for channel, name in ((CAMPAIGNS, "mkt-campaigns"), ("C0SOCIAL", "mkt-social")):
        slack.add_channel(channel, name)
    slack.add_channel("C0INSIGHTS", "mkt-insights")
    with freeze_time(START, tick=True) as frozen:
        yield frozen


def _checked(rt: Runtime, raw: dict[str, Any]) -> Plan:
    limits = rt.campaign_data.advisor.plans
    check = check_plan(raw, rt.roster, rt.authority, limits)
    assert check.plan is not None, check.problems
    return check.plan


def _planned(rt: Runtime, slack: SlackStandIn, raw: dict[str, Any]) -> str:
    """A campaign as the later slice leaves it: analysed, planned, its card in a thread."""
    return planned_campaign(
        rt,
        TEAM,
        _checked(rt, raw),
        channel=CAMPAIGNS,
        requested_by=HUMAN,
        brief=BRIEF,
        budget_usd=Decimal("50000"),
    )


def _state(rt: Runtime, campaign_id: str) -> dict[str, list[tuple[Any, ...]]]:
    """Everything an engine pass could change, to compare before and after."""
    with rt.sessions() as session:
        steps = campaign_steps.steps_of(session, TEAM, campaign_id)
        all_tasks = session.scalars(select(Task).order_by(Task.created_at)).all()
        status = campaigns.status_of(session, TEAM, campaign_id)
    return {
        "campaign": [(status,)],
        "steps": sorted((s.step_id, s.run, s.status, s.task_id, s.next_run_at) for s in steps),
        "tasks": [(t.id, t.status, t.title) for t in all_tasks],
    }


def _statuses(rt: Runtime, campaign_id: str) -> dict[str, str]:
    with rt.sessions() as session:
        rows = campaign_steps.steps_of(session, TEAM, campaign_id)
    return {f"{r.step_id}#{r.run}" if r.run else r.step_id: r.status for r in rows}


def _step_tasks(rt: Runtime, campaign_id: str) -> dict[str, Task]:
    with rt.sessions() as session:
        rows = campaign_steps.steps_of(session, TEAM, campaign_id)
        found = {
            f"{r.step_id}#{r.run}" if r.run else r.step_id: session.get(Task, r.task_id)
            for r in rows
            if r.task_id
        }
    return {key: task for key, task in found.items() if task is not None}


def _sweep(rt: Runtime) -> list[str]:
    return sweep(rt.sessions, rt.redis, rt.settings.queue_name, grace_s=60)


def _agents_asked(claude: ScriptedClaude) -> list[str]:
    """The agent of each Claude request, in order."""
    return [agent_of(r.body) or "" for r in claude.requests]


def test_a_conference_launch_runs_phase_by_phase_until_its_end_date(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, clock: Clock
) -> None:
    campaign_id = _planned(runtime, slack, LAUNCH)
    assert control.approve(runtime, TEAM, campaign_id, HUMAN)
    assert not control.approve(runtime, TEAM, campaign_id, HUMAN)  # a second click
    work(runtime)  # every pass and step task the plan allows, until lead_score is known

    statuses = _statuses(runtime, campaign_id)
    content = ("blog-posts", "social-assets", "email-sequence")
    assert {key: statuses[key] for key in ("sales-handoff", "nurture")} == {
        "sales-handoff": StepStatus.PENDING,
        "nurture": StepStatus.PENDING,
    }  # the conditional waits for its variable
    assert statuses["track-metrics#1"] == StepStatus.DONE
    assert statuses["track-metrics#2"] == StepStatus.PENDING  # scheduled for tomorrow
    assert all(statuses[key] == StepStatus.DONE for key in ("define-strategy", *content))
    step_tasks = _step_tasks(runtime, campaign_id)
    strategy, calendar = step_tasks["define-strategy"], step_tasks["content-calendar"]
    assert calendar.created_at >= strategy.updated_at  # sequential: after the first was done
    with runtime.sessions() as session:
        first_call = min(
            call.created_at
            for call in session.scalars(select(LlmCall))
            if call.task_id in {step_tasks[key].id for key in content}
        )
    assert max(step_tasks[key].created_at for key in content) < first_call  # fanned out at once
    assert all(step_tasks[key].created_at > calendar.updated_at for key in content)

    assert control.set_variable(runtime, TEAM, campaign_id, "lead_score", 82.0, HUMAN)
    work(runtime)
    statuses = _statuses(runtime, campaign_id)
    assert (statuses["sales-handoff"], statuses["nurture"]) == (
        StepStatus.DONE,
        StepStatus.SKIPPED,
    )

    for day in (1, 2):  # the continuous phase ticks: one run a day until the end date
        clock.move_to(START + timedelta(days=day, minutes=1))
        assert _sweep(runtime) == [f"campaign-{campaign_id}"]
        work(runtime)
        assert _statuses(runtime, campaign_id)[f"track-metrics#{day + 1}"] == StepStatus.DONE
    assert "track-metrics#4" not in _statuses(runtime, campaign_id)  # 3 Dec 09:00 is past the end

    before = _state(runtime, campaign_id)
    assert before["campaign"] == [(CampaignStatus.DONE,)]
    asked = _agents_asked(claude)
    assert len(asked) == 9 and asked[:2] == ["vp_marketing", "content_manager"]
    assert CampaignEngine(runtime).advance(TEAM, campaign_id) == CampaignStatus.DONE
    assert _state(runtime, campaign_id) == before and len(claude.requests) == 9
    step_tasks = _step_tasks(runtime, campaign_id)
    for key, task in step_tasks.items():  # its own thread, one answer in it
        assert task.status == TaskStatus.DONE, key
        assert len(slack.messages(str(task.channel_id), task.thread_ts)[1:]) == 1, key
    assert step_tasks["blog-posts"].channel_id == CHANNEL_CONTENT  # the Copywriter's channel
    with runtime.sessions() as session:
        card = campaigns.load_campaign(session, TEAM, campaign_id)
    assert card is not None and card.thread_ts is not None
    links = [m for m in slack.messages(CAMPAIGNS, card.thread_ts)[1:] if "Assigned" in m["text"]]
    assert len(links) == len(step_tasks) == 9  # each step's thread linked from the card's


def test_a_low_score_takes_the_other_branch(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, clock: Clock
) -> None:
    leads_only = LAUNCH | {"phases": [LAUNCH["phases"][2]]}
    campaign_id = _planned(runtime, slack, leads_only)
    assert control.set_variable(runtime, TEAM, campaign_id, "lead_score", 40.0, HUMAN)
    control.approve(runtime, TEAM, campaign_id, HUMAN)
    work(runtime)
    assert _statuses(runtime, campaign_id) == {
        "sales-handoff": StepStatus.SKIPPED,
        "nurture": StepStatus.DONE,
    }
    assert _agents_asked(claude) == ["email_specialist"]
    assert _state(runtime, campaign_id)["campaign"] == [(CampaignStatus.DONE,)]


def test_pause_holds_new_steps_and_resume_goes_on(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, clock: Clock
) -> None:
    campaign_id = _planned(runtime, slack, STEPS_IN_A_ROW)
    control.approve(runtime, TEAM, campaign_id, HUMAN)
    CampaignEngine(runtime).advance(TEAM, campaign_id)  # the first step's task is created
    assert control.pause(runtime, TEAM, campaign_id)
    work(runtime)  # the running step finishes; nothing new starts
    assert _statuses(runtime, campaign_id) == {
        "first": StepStatus.DONE,
        "second": StepStatus.PENDING,
        "third": StepStatus.PENDING,
    }
    assert control.resume(runtime, TEAM, campaign_id)
    work(runtime)
    assert set(_statuses(runtime, campaign_id).values()) == {StepStatus.DONE}
    assert len(claude.requests) == 3


def test_cancel_stops_the_running_step_and_cancels_the_rest(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, clock: Clock
) -> None:
    campaign_id = _planned(runtime, slack, STEPS_IN_A_ROW)
    control.approve(runtime, TEAM, campaign_id, HUMAN)
    engine = CampaignEngine(runtime)
    engine.advance(TEAM, campaign_id)  # the first step's task is created and queued
    assert control.cancel(runtime, TEAM, campaign_id, HUMAN)
    assert engine.advance(TEAM, campaign_id) == CampaignStatus.CANCELLED  # ahead of the task
    work(runtime)  # the step's job finds its task cancelled
    assert set(_statuses(runtime, campaign_id).values()) == {StepStatus.CANCELLED}
    (task,) = _step_tasks(runtime, campaign_id).values()
    assert task.status == TaskStatus.CANCELLED and claude.requests == []
    assert not control.resume(runtime, TEAM, campaign_id)
    assert _state(runtime, campaign_id)["campaign"] == [(CampaignStatus.CANCELLED,)]


def test_a_killed_worker_mid_step_resumes_without_starting_anything_twice(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, clock: Clock
) -> None:
    campaign_id = _planned(runtime, slack, STEPS_IN_A_ROW)
    control.approve(runtime, TEAM, campaign_id, HUMAN)
    engine = CampaignEngine(runtime)
    engine.advance(TEAM, campaign_id)
    first = _step_tasks(runtime, campaign_id)["first"]
    with runtime.sessions() as session:  # a worker took the step's task, then was killed
        assert tasks.claim(session, TEAM, first.id, 20, "gone-host:1") is not None
    runtime.redis.flushdb()  # its job went with it
    before = _state(runtime, campaign_id)
    engine.advance(TEAM, campaign_id)  # a duplicate pass (a sweep, a retried job)
    assert _state(runtime, campaign_id) == before

    clock.move_to(utcnow() + timedelta(seconds=61))  # the dead worker's lease runs out
    assert _sweep(runtime) == [f"task-{first.id}"]
    work(runtime)
    assert set(_statuses(runtime, campaign_id).values()) == {StepStatus.DONE}
    assert _agents_asked(claude) == ["copywriter"] * 3  # each step once, the first retried
    assert len(_step_tasks(runtime, campaign_id)) == 3
    with runtime.sessions() as session:
        assert len(session.scalars(select(Task)).all()) == 3


def test_a_pass_killed_before_its_enqueue_is_made_good_by_the_sweeper(
    runtime: Runtime,
    slack: SlackStandIn,
    claude: ScriptedClaude,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The step's task was committed but the worker died before enqueueing it, and the
    wake-up of the campaign after a step was lost too: the sweeper finds both."""
    campaign_id = _planned(runtime, slack, STEPS_IN_A_ROW)
    with runtime.sessions() as session:
        assert campaigns.approve(session, TEAM, campaign_id, HUMAN)  # its enqueue lost

    def killed(*_args: object, **_kwargs: object) -> None:
        raise SystemExit("killed between the commit and the enqueue")

    monkeypatch.setattr("jobs.campaigns.engine.enqueue_task", killed)
    with pytest.raises(SystemExit):
        CampaignEngine(runtime).advance(TEAM, campaign_id)
    monkeypatch.undo()
    monkeypatch.setattr("jobs.agent.task_turns.try_enqueue", lambda *_a: False)  # no wake-ups

    clock.move_to(utcnow() + timedelta(seconds=61))
    assert sorted(_sweep(runtime)) == sorted(
        [f"campaign-{campaign_id}", f"task-{_step_tasks(runtime, campaign_id)['first'].id}"]
    )
    work(runtime)
    sweeps = 1
    while _state(runtime, campaign_id)["campaign"] != [(CampaignStatus.DONE,)] and sweeps < 6:
        clock.move_to(utcnow() + timedelta(seconds=61))  # each lost wake-up, found by a sweep
        assert _sweep(runtime) == [f"campaign-{campaign_id}"]
        work(runtime)
        sweeps += 1
    assert sweeps <= 4  # one pass per step that finished unnoticed
    assert _statuses(runtime, campaign_id) == dict.fromkeys(
        ("first", "second", "third"), StepStatus.DONE
    )
    assert len(claude.requests) == 3
    assert _state(runtime, campaign_id)["campaign"] == [(CampaignStatus.DONE,)]


def test_the_engine_does_nothing_for_a_campaign_not_yet_approved(
    runtime: Runtime, slack: SlackStandIn, clock: Clock
) -> None:
    campaign_id = _planned(runtime, slack, STEPS_IN_A_ROW)
    assert CampaignEngine(runtime).advance(TEAM, campaign_id) == "not-approved"
    assert CampaignEngine(runtime).advance("T0OTHER", campaign_id) == "missing"
    assert _statuses(runtime, campaign_id) == {}


def test_passes_at_once_start_each_step_once(
    runtime: Runtime, slack: SlackStandIn, clock: Clock
) -> None:
    fan_out = LAUNCH | {"phases": [LAUNCH["phases"][1]]}
    campaign_id = _planned(runtime, slack, fan_out)
    with runtime.sessions() as session:
        assert campaigns.approve(session, TEAM, campaign_id, HUMAN)
    barrier = threading.Barrier(4)

    def advance() -> str:
        barrier.wait()
        return CampaignEngine(runtime).advance(TEAM, campaign_id)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: advance(), range(4)))
    assert _statuses(runtime, campaign_id) == dict.fromkeys(
        ("blog-posts", "social-assets", "email-sequence"), StepStatus.STARTED
    )
    with runtime.sessions() as session:
        assert len(session.scalars(select(Task)).all()) == 3
        assert session.scalar(select(Campaign.pass_token)) is None  # let go


def _finish_step_task(rt: Runtime, campaign_id: str, step: str, to: TaskStatus) -> None:
    """The step's task ends as the task runner would end it (without running Claude)."""
    task = _step_tasks(rt, campaign_id)[step]
    with rt.sessions() as session:
        assert tasks.move(session, TEAM, task.id, from_=(TaskStatus.OPEN,), to=to)


def test_a_failed_step_fails_the_campaign_and_cancels_what_had_not_started(
    runtime: Runtime, slack: SlackStandIn, clock: Clock
) -> None:
    campaign_id = _planned(runtime, slack, STEPS_IN_A_ROW)
    control.approve(runtime, TEAM, campaign_id, HUMAN)
    engine = CampaignEngine(runtime)
    engine.advance(TEAM, campaign_id)
    _finish_step_task(runtime, campaign_id, "first", TaskStatus.FAILED)
    assert engine.advance(TEAM, campaign_id) == CampaignStatus.FAILED
    assert _statuses(runtime, campaign_id) == {
        "first": StepStatus.FAILED,
        "second": StepStatus.CANCELLED,
        "third": StepStatus.CANCELLED,
    }
    assert not control.resume(runtime, TEAM, campaign_id)


def test_gates_wait_for_their_decision_before_and_after_a_step(
    runtime: Runtime, slack: SlackStandIn, clock: Clock
) -> None:
    """A gate after the first step holds its output; a gate before the second holds its
    start. Each decision is taken once; the engine goes on after each."""
    gated = _three_steps({"first": "after", "second": "before"})
    campaign_id = _planned(runtime, slack, gated)
    control.approve(runtime, TEAM, campaign_id, HUMAN)
    engine = CampaignEngine(runtime)
    engine.advance(TEAM, campaign_id)
    _finish_step_task(runtime, campaign_id, "first", TaskStatus.DONE)
    engine.advance(TEAM, campaign_id)
    assert _statuses(runtime, campaign_id)["first"] == StepStatus.WAITING_APPROVAL
    with runtime.sessions() as session:
        rows = {r.step_id: r.id for r in campaign_steps.steps_of(session, TEAM, campaign_id)}
    assert control.decide_gate(runtime, TEAM, campaign_id, rows["first"], approved=True)
    assert not control.decide_gate(runtime, TEAM, campaign_id, rows["first"], approved=False)
    engine.advance(TEAM, campaign_id)
    assert _statuses(runtime, campaign_id) == {
        "first": StepStatus.DONE,
        "second": StepStatus.WAITING_APPROVAL,  # held before it starts: no task yet
        "third": StepStatus.PENDING,
    }
    assert "second" not in _step_tasks(runtime, campaign_id)
    assert control.decide_gate(runtime, TEAM, campaign_id, rows["second"], approved=True)
    engine.advance(TEAM, campaign_id)
    assert _statuses(runtime, campaign_id)["second"] == StepStatus.STARTED


def test_a_hand_off_whose_analysis_died_before_its_card_gets_the_card_first(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, clock: Clock
) -> None:
    """The analysis saved the hand-off as running and died before posting the card: the
    sweeper's pass posts the card, then starts the step with its thread linked from it."""
    rule = runtime.campaign_data.advisor.direct_delegation
    manager = runtime.roster.get("content_manager")
    raw = hand_off_plan("write a blog post", manager, rule, START.date(), START.date())
    campaign = Campaign(
        team_id=TEAM,
        requested_by=HUMAN,
        brief="write a blog post",
        budget_usd=Decimal("50"),
        channel_id=CAMPAIGNS,
        status=CampaignStatus.RUNNING.value,
        decision={
            "approach": "direct_delegation",
            "confidence": 0.9,
            "reasons": ["One manager can take it"],
            "considerations": [],
        },
        plan=_checked(runtime, raw).model_dump(mode="json"),
    )
    with runtime.sessions() as session:
        session.add(campaign)
        session.commit()
    clock.tick(120)  # past the sweeper's grace
    assert _sweep(runtime) == [f"campaign-{campaign.id}"]
    assert CampaignEngine(runtime).advance(TEAM, campaign.id) == "running"
    work(runtime)  # the manager's work

    with runtime.sessions() as session:
        found = campaigns.load_campaign(session, TEAM, campaign.id)
    assert found is not None and found.thread_ts is not None
    [card] = [m for m in slack.messages(CAMPAIGNS) if m["ts"] == found.thread_ts]
    task = _step_tasks(runtime, campaign.id)["hand-off"]
    assert task.channel_id == CHANNEL_CONTENT and task.thread_ts is not None
    shown = str(card["blocks"])
    assert "*Handed to Content Manager*: One manager can take it" in shown
    assert f"p{task.thread_ts.replace('.', '')}|the thread>" in shown
