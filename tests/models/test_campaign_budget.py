"""The campaign budget's hold and parked tasks on both databases: a hold is set once and
released only by its own card's raise, a parked turn is given back uncounted and put back
where it was, a task's campaign is found from work delegated below a step, the sweeper finds
a decided card whose effect is missing, and migration 0012 goes up and down."""

from __future__ import annotations

import concurrent.futures
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from alembic import command
from freezegun import freeze_time
from sqlalchemy.orm import Session, sessionmaker

from models import approvals, campaign_budget, tasks
from models.approvals import ApprovalStatus
from models.base import new_id, utcnow
from models.campaigns import Campaign, CampaignStatus, CampaignStep, StepStatus
from models.db import alembic_config, upgrade
from models.kinds import CampaignStepDetails
from models.work import Task, TaskStatus
from tests.models.test_campaigns import TEAM, _campaign, _step


def _step_task(session: Session, campaign_id: str, parent: str | None = None) -> str:
    task = Task(
        id=new_id(),
        team_id=TEAM,
        created_by="vp_marketing",
        assigned_to="copywriter",
        title="Do the first",
        brief="A step",
        parent_task_id=parent,
        details=CampaignStepDetails(
            campaign_id=campaign_id, step_id="a", run=0, requested_in=("C1", "1.0")
        ),
    )
    session.add(task)
    session.commit()
    return task.id


def test_a_hold_is_set_once_and_only_its_own_card_raises_it(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        campaign_id = _campaign(session, CampaignStatus.RUNNING).id

    def hold(offer: str) -> bool:
        with sessions() as session:
            return campaign_budget.hold(session, TEAM, campaign_id, Decimal(offer))

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        won = list(pool.map(hold, ["75.00", "80.00", "90.00", "99.00"]))
    assert won.count(True) == 1
    with sessions() as session:
        assert campaign_budget.set_card(session, TEAM, campaign_id, "A1")
        assert not campaign_budget.set_card(session, TEAM, campaign_id, "A2")
        assert not campaign_budget.raise_budget(session, TEAM, campaign_id, "A-other")
        assert campaign_budget.raise_budget(session, TEAM, campaign_id, "A1")
        assert not campaign_budget.raise_budget(session, TEAM, campaign_id, "A1")  # twice
        campaign = session.get_one(Campaign, campaign_id, populate_existing=True)
        assert campaign.budget_hold_usd is None and campaign.budget_approval_id is None
        assert campaign.budget_usd in {Decimal(o) for o in ("75.00", "80.00", "90.00", "99.00")}
    with sessions() as session:
        cancelled = _campaign(session, CampaignStatus.CANCELLED).id
        assert not campaign_budget.hold(session, TEAM, cancelled, Decimal("1"))


def test_a_parked_turn_is_given_back_uncounted_and_put_back_where_it_was(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        campaign = _campaign(session, CampaignStatus.RUNNING)
        task_id = _step_task(session, campaign.id)
        row_id = _step(session, campaign, status=StepStatus.STARTED.value)
        session.execute(
            sa.update(CampaignStep).where(CampaignStep.id == row_id).values(task_id=task_id)
        )
        session.commit()
        below = _step_task(session, campaign.id, parent=task_id)
        assert campaign_budget.campaign_of_task(session, TEAM, below) == campaign.id
        assert campaign_budget.campaign_of_task(session, TEAM, "no-such-task") is None
        assert campaign_budget.campaign_of_task(session, "T-other", below) is None
        held = tasks.claim(session, TEAM, task_id, 60, "host:1")
        assert held is not None and held.turn == 1
        assert campaign_budget.park(session, held)
        assert not campaign_budget.park(session, held)  # the lease is gone with it
        assert session.get_one(Task, task_id, populate_existing=True).status == TaskStatus.PARKED
        assert campaign_budget.unpark(session, TEAM, campaign.id) == [task_id]
        assert campaign_budget.unpark(session, TEAM, campaign.id) == []  # once
        again = tasks.claim(session, TEAM, task_id, 60, "host:2")
        assert again is not None and (again.turn, again.retries) == (1, 0)  # the same turn
        assert campaign_budget.park(session, again)  # held again, and the campaign failed
        campaign_budget.cancel_parked(session, TEAM, campaign.id)
        assert session.get_one(Task, task_id, populate_existing=True).status == TaskStatus.CANCELLED


def test_the_sweeper_finds_a_decided_card_whose_effect_is_missing(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        campaign = _campaign(session, CampaignStatus.RUNNING)
        row_id = _step(session, campaign, status=StepStatus.WAITING_APPROVAL.value)
        gate = approvals.propose(
            session,
            team_id=TEAM,
            subject_id=row_id,
            action_type="blog_post",
            title="Do the first",
            draft="May this step start?",
            drafted_by="copywriter",
            campaign_id=campaign.id,
        )
        assert approvals.decide(session, TEAM, gate.id, ApprovalStatus.APPROVED, by="U1")
    later = utcnow() + timedelta(seconds=120)
    with freeze_time(later), sessions() as session:
        assert campaign_budget.decided_not_applied(session, grace_s=60) == [(TEAM, gate.id)]
        assert campaign_budget.decided_not_applied(session, grace_s=600) == []


def test_migration_0012_goes_up_and_down(database_url: str) -> None:
    upgrade(database_url)
    columns = {
        c["name"] for c in sa.inspect(sa.create_engine(database_url)).get_columns("campaigns")
    }
    assert {"budget_hold_usd", "budget_approval_id"} <= columns
    command.downgrade(alembic_config(database_url), "0010")
    engine = sa.create_engine(database_url)
    assert "budget_hold_usd" not in {c["name"] for c in sa.inspect(engine).get_columns("campaigns")}
    assert "campaign_id" not in {c["name"] for c in sa.inspect(engine).get_columns("approvals")}
    engine.dispose()
    upgrade(database_url)
