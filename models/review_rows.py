"""The records a review lists by name (the figures are models/metrics.py): the work done in
a period, the work that slipped, the decisions taken, the work still open. Every query is
for one workspace; work tasks and what counts as ended are as models/metrics.py defines."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.approvals import Approval, ApprovalStatus
from models.metric_values import Period
from models.metrics import EXPIRED_BY, WORK_KINDS
from models.work import FINISHED, Decision, Task, TaskStatus

_KIND = Task.context["kind"].as_string()
_UNFINISHED = Task.status.not_in([status.value for status in FINISHED])


def work_done(session: Session, team_id: str, period: Period) -> list[Task]:
    """Work tasks finished (done) in the period, in the order they finished."""
    return list(
        session.scalars(
            select(Task)
            .where(
                Task.team_id == team_id,
                _KIND.in_(WORK_KINDS),
                Task.status == TaskStatus.DONE.value,
                Task.finished_at >= period.start,
                Task.finished_at < period.end,
            )
            .order_by(Task.finished_at, Task.id)
        )
    )


def work_slipped(session: Session, team_id: str, on: date) -> list[Task]:
    """Unfinished work tasks due on `on` or before: they slipped (most overdue first)."""
    return list(
        session.scalars(
            select(Task)
            .where(
                Task.team_id == team_id,
                _KIND.in_(WORK_KINDS),
                _UNFINISHED,
                Task.due_date.is_not(None),
                Task.due_date <= on,
            )
            .order_by(Task.due_date, Task.id)
        )
    )


def work_open(session: Session, team_id: str, limit: int) -> list[Task]:
    """Unfinished work tasks, those due first (undated last), then the oldest."""
    return list(
        session.scalars(
            select(Task)
            .where(Task.team_id == team_id, _KIND.in_(WORK_KINDS), _UNFINISHED)
            .order_by(Task.due_date.is_(None), Task.due_date, Task.created_at, Task.id)
            .limit(limit)
        )
    )


def decisions_taken(session: Session, team_id: str, period: Period) -> list[Decision]:
    """Decision records made in the period (not the ones an expired card leaves), oldest
    first."""
    return list(
        session.scalars(
            select(Decision)
            .where(
                Decision.team_id == team_id,
                Decision.decision_maker != EXPIRED_BY,
                Decision.created_at >= period.start,
                Decision.created_at < period.end,
            )
            .order_by(Decision.created_at, Decision.id)
        )
    )


def waiting_on_people(session: Session, team_id: str) -> list[Approval]:
    """Approval cards in front of a person now, oldest first."""
    return list(
        session.scalars(
            select(Approval)
            .where(
                Approval.team_id == team_id,
                Approval.status == ApprovalStatus.PENDING.value,
                Approval.card_ts.is_not(None),
            )
            .order_by(Approval.created_at, Approval.id)
        )
    )
