"""The records a standup reads, for one workspace: the period since the last standup, the
tasks finished in it or still open, and the approvals pending a person."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from jobs.rituals.standup_facts import StandupRows
from models.approvals import Approval, ApprovalStatus
from models.rituals import Ritual, RitualRun, RunStatus
from models.work import FINISHED, Task, TaskStatus

DEFAULT_PERIOD = timedelta(hours=24)  # the first standup of a workspace looks back a day


def period_start(session: Session, run: RitualRun, now: datetime) -> datetime:
    """When the previous standup was held (its start), else 24 h ago: "since the last
    standup" means since the last one that ran, whatever the day (a Monday covers the
    weekend)."""
    previous = session.scalar(
        select(RitualRun.started_at)
        .where(
            RitualRun.team_id == run.team_id,
            RitualRun.ritual == Ritual.STANDUP.value,
            RitualRun.id != run.id,
            RitualRun.status == RunStatus.DONE.value,
            RitualRun.started_at.is_not(None),
            RitualRun.started_at < (run.started_at or now),
        )
        .order_by(RitualRun.started_at.desc())
        .limit(1)
    )
    return previous if previous is not None else now - DEFAULT_PERIOD


def load(session: Session, team_id: str, since: datetime) -> StandupRows:
    """Open tasks, tasks done since `since`, and the workspace's pending approvals."""
    tasks = session.scalars(
        select(Task)
        .where(
            Task.team_id == team_id,
            or_(
                Task.status.not_in([status.value for status in FINISHED]),
                (Task.status == TaskStatus.DONE.value) & (Task.updated_at >= since),
            ),
        )
        .order_by(Task.created_at)
    ).all()
    approvals = session.scalars(
        select(Approval)
        .where(Approval.team_id == team_id, Approval.status == ApprovalStatus.PENDING.value)
        .order_by(Approval.created_at)
    ).all()
    return StandupRows(tuple(tasks), tuple(approvals))
