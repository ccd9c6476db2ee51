"""The campaign budget's hold: set when a step's next Claude call would pass the budget (or the
spend has reached it), released by the raise a person approves; and the tasks it parked.

Each change is one guarded UPDATE: two tasks reaching the budget at once set the hold once,
and a raise approved twice (a retried job) raises once. A parked task is one whose turn was
given back before its call, as if never claimed (its attempt and turn are not counted), so
the turn that runs after the raise is the same turn, editing the same reply.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session

from models import leases
from models.approvals import Approval, ApprovalStatus
from models.base import guarded, utcnow
from models.campaign_spend import campaign_tasks
from models.campaigns import Campaign, CampaignStatus, CampaignStep, StepStatus, campaign_update
from models.kinds import CampaignStepDetails
from models.leases import TASKS
from models.tasks import TaskClaim, load_task
from models.work import Task, TaskStatus

MAX_TASK_DEPTH = 12  # deeper than any cascade (the depth limits stop well before)
HOLDING = (CampaignStatus.RUNNING, CampaignStatus.PAUSED)  # what a hold can still apply to
DECIDED = (ApprovalStatus.APPROVED, ApprovalStatus.CHANGES_REQUESTED, ApprovalStatus.REJECTED)


def hold(session: Session, team_id: str, campaign_id: str, raise_to: Decimal) -> bool:
    """Hold a running (or paused) campaign for its budget, offering `raise_to`; False if it
    is held already (the first hold's offer stands) or over."""
    return guarded(
        session,
        campaign_update(
            team_id,
            campaign_id,
            Campaign.budget_hold_usd.is_(None),
            Campaign.status.in_([status.value for status in HOLDING]),
        ).values(budget_hold_usd=raise_to),
    )


def set_card(session: Session, team_id: str, campaign_id: str, approval_id: str) -> bool:
    """The hold's card (its approval) is made: one per hold, however many passes look."""
    return guarded(
        session,
        campaign_update(
            team_id,
            campaign_id,
            Campaign.budget_hold_usd.is_not(None),
            Campaign.budget_approval_id.is_(None),
        ).values(budget_approval_id=approval_id),
    )


def raise_budget(session: Session, team_id: str, campaign_id: str, approval_id: str) -> bool:
    """The person approved this hold's raise: the budget becomes the offer and the hold is
    gone. A later hold's card is another approval, so an old one raises nothing."""
    return guarded(
        session,
        campaign_update(
            team_id,
            campaign_id,
            Campaign.budget_approval_id == approval_id,
        ).values(
            budget_usd=Campaign.budget_hold_usd, budget_hold_usd=None, budget_approval_id=None
        ),
    )


def campaign_of_task(session: Session, team_id: str, task_id: str) -> str | None:
    """The campaign a task works for: its own, if it is a step's task, else its root's (work
    delegated below a step belongs to the campaign too); None for other work."""
    current = load_task(session, team_id, task_id)
    for _ in range(MAX_TASK_DEPTH):
        if current is None:
            return None
        if current.parent_task_id is None:
            details = current.details
            return details.campaign_id if isinstance(details, CampaignStepDetails) else None
        current = load_task(session, team_id, current.parent_task_id)
    return None


def park(session: Session, held: TaskClaim) -> bool:
    """Give the turn back before its call: parked, neither the attempt nor the turn counted.
    Only the lease holder can."""
    return guarded(
        session,
        update(Task)
        .where(*leases.held(TASKS, held))
        .values(
            status=TaskStatus.PARKED.value,
            lease_token=None,
            lease_expires_at=None,
            attempts=Task.attempts - 1,
            turns_used=Task.turns_used - 1,
        ),
    )


def unpark(session: Session, team_id: str, campaign_id: str) -> list[str]:
    """Put the campaign's parked tasks back where they were: ready for their synthesis if
    they have subtasks (all finished, or they would be waiting), else open. Their ids, to
    enqueue; a task unparked by another pass is not among them."""
    parked = list(
        session.scalars(
            select(Task.id).where(
                Task.team_id == team_id,
                Task.status == TaskStatus.PARKED.value,
                Task.id.in_(campaign_tasks(team_id, campaign_id)),
            )
        )
    )
    moved = []
    for task_id in parked:
        child = select(Task.id).where(Task.team_id == team_id, Task.parent_task_id == task_id)
        has_children = bool(session.scalar(select(exists(child))))
        back = TaskStatus.READY if has_children else TaskStatus.OPEN
        if guarded(
            session,
            update(Task)
            .where(
                Task.team_id == team_id,
                Task.id == task_id,
                Task.status == TaskStatus.PARKED.value,
            )
            .values(status=back.value),
        ):
            moved.append(task_id)
    return moved


def cancel_parked(session: Session, team_id: str, campaign_id: str) -> None:
    """A campaign that failed while its budget held some work: that work will not run (its
    calls are not paid for), so it is cancelled and its steps are recorded as not done."""
    session.execute(
        update(Task)
        .where(
            Task.team_id == team_id,
            Task.status == TaskStatus.PARKED.value,
            Task.id.in_(campaign_tasks(team_id, campaign_id)),
        )
        .values(status=TaskStatus.CANCELLED.value)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def approvals_of(session: Session, team_id: str, campaign_id: str) -> list[Approval]:
    """Every approval of a campaign (its gates' and its budget holds'), oldest first."""
    return list(
        session.scalars(
            select(Approval)
            .where(Approval.team_id == team_id, Approval.campaign_id == campaign_id)
            .order_by(Approval.created_at, Approval.version)
            .execution_options(populate_existing=True)
        )
    )


def decided_not_applied(
    session: Session, *, grace_s: float, limit: int = 100
) -> list[tuple[str, str]]:
    """(team, approval) pairs of campaign approvals a person decided whose effect is missing
    (the follow-up job was never enqueued or died): a gate whose step still waits, a hold
    whose card is still the campaign's. Crosses workspaces, for the sweeper."""
    decided = (
        Approval.campaign_id.is_not(None),
        Approval.status.in_([status.value for status in DECIDED]),
        Approval.decided_at < utcnow() - timedelta(seconds=grace_s),
    )
    gate_waits = exists().where(
        CampaignStep.team_id == Approval.team_id,
        CampaignStep.id == Approval.subject_id,
        CampaignStep.status == StepStatus.WAITING_APPROVAL.value,
    )
    hold_open = exists().where(
        Campaign.team_id == Approval.team_id,
        Campaign.id == Approval.campaign_id,
        Campaign.budget_approval_id == Approval.id,
        Campaign.status.in_([status.value for status in HOLDING]),
    )
    rows = session.execute(
        select(Approval.team_id, Approval.id)
        .where(*decided, or_(gate_waits, hold_open))
        .order_by(Approval.decided_at)
        .limit(limit)
    )
    return [(team_id, approval_id) for team_id, approval_id in rows]
