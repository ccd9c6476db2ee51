"""Campaign records on both databases: each transition has one winner, a step's task is
created exactly once, variables keep their type, the first outcome is kept, the sweeper finds
lost engine passes, and migration 0009 goes up and down."""

from __future__ import annotations

import concurrent.futures
import threading
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from alembic import command
from sqlalchemy.orm import Session, sessionmaker

from models import campaign_passes, campaign_steps, campaigns
from models.base import new_id, utcnow
from models.campaigns import Campaign, CampaignOutcome, CampaignStatus, CampaignStep, StepStatus
from models.db import alembic_config, upgrade
from models.kinds import CampaignStepDetails
from models.records import SlackPost
from models.work import Task, TaskStatus

TEAM = "T1"
OTHER_TEAM = "T2"
PLAN = {"name": "launch", "phases": []}  # stored as given: models/ does not read plans


def _campaign(session: Session, status: CampaignStatus, **values: object) -> Campaign:
    fields: dict[str, object] = {
        "team_id": TEAM,
        "requested_by": "U1",
        "brief": "Launch the analytics feature",
        "status": status.value,
        "budget_usd": Decimal("50.00"),
        "plan": PLAN,
        "channel_id": "C1",
        "thread_ts": "1.0",
    }
    campaign = Campaign(**(fields | values))
    session.add(campaign)
    session.commit()
    return campaign


def _step(session: Session, campaign: Campaign, step_id: str = "a", **values: object) -> str:
    fields: dict[str, object] = {
        "id": new_id(),
        "team_id": TEAM,
        "campaign_id": campaign.id,
        "step_id": step_id,
        "phase": "Strategy",
        "run": 0,
        "status": StepStatus.PENDING.value,
        "due_date": date(2026, 12, 5),
        "created_at": utcnow(),
    }
    row = CampaignStep(**(fields | values))
    campaign_steps.add_steps(session, [row])
    return row.id


def _task(campaign: Campaign, step_id: str = "a") -> Task:
    return Task(
        id=new_id(),
        team_id=TEAM,
        created_by="vp_marketing",
        assigned_to="copywriter",
        title="Write",
        brief="Write it",
        details=CampaignStepDetails(
            campaign_id=campaign.id, step_id=step_id, requested_in=("C1", "1.0")
        ),
    )


def test_status_changes_have_one_winner_and_respect_the_team(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        planned = _campaign(session, CampaignStatus.PLANNED)
        no_thread = _campaign(session, CampaignStatus.PLANNED, thread_ts=None)
        assert not campaigns.approve(session, OTHER_TEAM, planned.id, "U2")
        assert campaigns.approve(session, TEAM, planned.id, "U2")
        assert not campaigns.approve(session, TEAM, planned.id, "U3")  # a double click
        assert not campaigns.approve(session, TEAM, no_thread.id, "U2")  # no card thread yet
        assert not campaigns.resume(session, TEAM, planned.id)
        assert campaigns.pause(session, TEAM, planned.id)
        assert not campaigns.pause(session, TEAM, planned.id)
        assert campaigns.resume(session, TEAM, planned.id)
        assert campaigns.cancel(session, TEAM, planned.id, "U2")
        assert not campaigns.cancel(session, TEAM, planned.id, "U2")
        stored = campaigns.load_campaign(session, TEAM, planned.id)
        assert stored is not None
        assert (stored.status, stored.decided_by) == (CampaignStatus.CANCELLED, "U2")


def test_a_step_starts_once_with_its_task_even_when_two_passes_race(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        campaign = _campaign(session, CampaignStatus.RUNNING)
        row_id = _step(session, campaign)
    barrier = threading.Barrier(4)

    def start() -> bool:
        with sessions() as session:
            barrier.wait()
            return campaign_steps.start(session, TEAM, row_id, _task(campaign))

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: start(), range(4)))
    assert results.count(True) == 1
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Task)) == 1
        (row,) = campaign_steps.steps_of(session, TEAM, campaign.id)
        assert row.status == StepStatus.STARTED and row.task_id is not None


def test_no_step_starts_while_the_campaign_is_paused(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        campaign = _campaign(session, CampaignStatus.PAUSED)
        row_id = _step(session, campaign)
        assert not campaign_steps.start(session, TEAM, row_id, _task(campaign))
        assert session.scalar(sa.select(sa.func.count()).select_from(Task)) == 0


def test_a_gate_decision_clears_or_fails_the_step_once(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        campaign = _campaign(session, CampaignStatus.RUNNING)
        before = _step(session, campaign, "a", status=StepStatus.WAITING_APPROVAL.value)
        rejected = _step(session, campaign, "b", status=StepStatus.WAITING_APPROVAL.value)
        assert campaign_steps.decide_gate(session, TEAM, campaign.id, before, approved=True)
        assert not campaign_steps.decide_gate(session, TEAM, campaign.id, before, approved=False)
        assert campaign_steps.decide_gate(session, TEAM, campaign.id, rejected, approved=False)
        rows = {r.step_id: r for r in campaign_steps.steps_of(session, TEAM, campaign.id)}
        assert (rows["a"].status, rows["a"].gate_cleared) == (StepStatus.PENDING, True)
        assert rows["b"].status == StepStatus.FAILED


def test_variables_keep_their_type_and_the_latest_value(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        campaign = _campaign(session, CampaignStatus.RUNNING)
        done = _campaign(session, CampaignStatus.DONE)
        assert campaign_steps.set_variable(session, TEAM, campaign.id, "lead_score", 40.0, "U1")
        assert campaign_steps.set_variable(session, TEAM, campaign.id, "lead_score", 82.0, "U1")
        assert campaign_steps.set_variable(session, TEAM, campaign.id, "tier", "gold", "U1")
        assert campaign_steps.set_variable(session, TEAM, campaign.id, "vip", True, "U1")
        assert not campaign_steps.set_variable(session, TEAM, done.id, "lead_score", 1.0, "U1")
        assert not campaign_steps.set_variable(session, OTHER_TEAM, campaign.id, "x", 1.0, "U1")
        values = campaign_steps.variables_of(session, TEAM, campaign.id)
    assert values == {"lead_score": 82.0, "tier": "gold", "vip": True}
    assert [type(values[name]) for name in ("lead_score", "tier", "vip")] == [float, str, bool]


def test_the_first_outcome_of_a_campaign_is_kept(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        campaign = _campaign(session, CampaignStatus.DONE, pattern="product_launch")

        def outcome(hours: float) -> CampaignOutcome:
            return CampaignOutcome(
                id=new_id(),
                team_id=TEAM,
                campaign_id=campaign.id,
                pattern="product_launch",
                estimated_hours=120,
                actual_hours=hours,
                success=True,
                satisfaction=0.9,
                rework_needed=False,
                key_learning="Parallel content creation worked well",
                recorded_by="U1",
                created_at=utcnow(),
            )

        assert campaign_steps.record_outcome(session, outcome(118))
        assert not campaign_steps.record_outcome(session, outcome(200))
        (kept,) = campaign_steps.outcomes(session, TEAM)
        assert kept.actual_hours == 118 and campaign_steps.outcomes(session, OTHER_TEAM) == []


def test_the_sweeper_finds_the_campaigns_whose_pass_was_lost(
    sessions: sessionmaker[Session],
) -> None:
    now = utcnow()
    with sessions() as session:
        quiet = _campaign(session, CampaignStatus.RUNNING)
        quiet_step = _step(session, quiet)
        campaign_steps.start(session, TEAM, quiet_step, _task(quiet))
        campaign_passes.mark_advanced(session, TEAM, quiet.id, now + timedelta(seconds=1))
        finished = _campaign(session, CampaignStatus.RUNNING)
        finished_step = _step(session, finished)
        task = _task(finished)
        campaign_steps.start(session, TEAM, finished_step, task)
        campaign_passes.mark_advanced(session, TEAM, finished.id, now + timedelta(seconds=1))
        session.execute(
            sa.update(Task).where(Task.id == task.id).values(status=TaskStatus.DONE.value)
        )
        session.commit()
        due = _campaign(session, CampaignStatus.RUNNING)
        _step(session, due, next_run_at=now + timedelta(hours=1))
        campaign_passes.mark_advanced(session, TEAM, due.id, now + timedelta(seconds=1))
        never = _campaign(session, CampaignStatus.RUNNING)  # approved, its first pass lost
        planned = _campaign(session, CampaignStatus.PLANNED)
        later = now + timedelta(hours=2)
        found = set(campaign_steps.campaigns_to_advance(session, grace_s=60, now=later))
        fresh = campaign_steps.campaigns_to_advance(session, grace_s=60, now=now)
    assert found == {(TEAM, finished.id), (TEAM, due.id), (TEAM, never.id)}
    assert quiet.id not in {c for _t, c in found} and planned.id not in {c for _t, c in found}
    assert fresh == []  # within the grace, each waits for its own wake-up


def test_the_sweeper_finds_the_ended_campaigns_whose_report_is_not_in_slack(
    sessions: sessionmaker[Session],
) -> None:
    """The report's post-once row with a ts is the proof it was posted; a row without one
    (the worker died mid-post) or none at all means a pass must post it."""
    now = utcnow()
    with sessions() as session:
        ended = {s: _campaign(session, s) for s in (CampaignStatus.DONE, CampaignStatus.FAILED)}
        for campaign in ended.values():
            _step(session, campaign)
        reported = _campaign(session, CampaignStatus.DONE)
        _step(session, reported)
        half_posted = _campaign(session, CampaignStatus.CANCELLED)
        _step(session, half_posted)
        never_ran = _campaign(session, CampaignStatus.CANCELLED)  # no steps: no report due
        for campaign, ts in ((reported, "1.000100"), (half_posted, None)):
            session.add(
                SlackPost(
                    team_id=TEAM,
                    turn_id=f"r{campaign.id[:31]}",
                    part=0,
                    channel_id="C1",
                    thread_ts="1.0",
                    ts=ts,
                )
            )
        session.commit()
        later = now + timedelta(hours=2)
        found = {c for _t, c in campaign_steps.campaigns_to_advance(session, grace_s=60, now=later)}
        fresh = campaign_steps.campaigns_to_advance(session, grace_s=60, now=now)
    assert found == {ended[CampaignStatus.DONE].id, ended[CampaignStatus.FAILED].id, half_posted.id}
    assert reported.id not in found and never_ran.id not in found
    assert fresh == []


def test_migration_0009_goes_up_and_down(database_url: str) -> None:
    upgrade(database_url)
    tables = set(sa.inspect(sa.create_engine(database_url)).get_table_names())
    assert {"campaigns", "campaign_steps", "campaign_variables", "campaign_outcomes"} <= tables
    command.downgrade(alembic_config(database_url), "0008")
    engine = sa.create_engine(database_url)
    assert not {t for t in sa.inspect(engine).get_table_names() if t.startswith("campaign")}
    engine.dispose()
    upgrade(database_url)  # and up again, from what the downgrade left


def test_one_pass_at_a_time_and_a_pass_asked_for_meanwhile_is_not_lost(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        campaign = _campaign(session, CampaignStatus.RUNNING)
        token = campaign_passes.claim_pass(session, TEAM, campaign.id, 60)
        assert token is not None
        assert campaign_passes.claim_pass(session, TEAM, campaign.id, 60) is None  # knocks
        assert not campaign_passes.release_pass(session, TEAM, campaign.id, token)  # again
        assert campaign_passes.release_pass(session, TEAM, campaign.id, token)
        dead = campaign_passes.claim_pass(session, TEAM, campaign.id, -1)  # a holder that died
        assert dead is not None
        assert campaign_passes.claim_pass(session, TEAM, campaign.id, 60) not in (None, dead)
        assert not campaign_passes.release_pass(session, TEAM, campaign.id, dead)


def test_the_sweeper_finds_campaigns_left_in_analysis_and_the_card_is_set_once(
    sessions: sessionmaker[Session],
) -> None:
    now = utcnow()
    with sessions() as session:
        waiting = _campaign(session, CampaignStatus.ANALYZING, thread_ts=None)
        _campaign(session, CampaignStatus.PLANNED)
        later = now + timedelta(seconds=61)
        assert campaigns.stuck_analyzing(session, grace_s=60, now=later) == [(TEAM, waiting.id)]
        assert campaigns.stuck_analyzing(session, grace_s=60, now=now) == []
        assert not campaigns.set_card(session, OTHER_TEAM, waiting.id, "C9", "9.0")
        assert campaigns.set_card(session, TEAM, waiting.id, "C2", "2.0")
        assert not campaigns.set_card(session, TEAM, waiting.id, "C3", "3.0")  # set once
        found = campaigns.load_campaign(session, TEAM, waiting.id)
        assert found is not None and (found.channel_id, found.thread_ts) == ("C2", "2.0")
        assert len(campaigns.recent(session, TEAM)) == 2
        assert campaigns.recent(session, OTHER_TEAM) == []
