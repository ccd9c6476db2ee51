"""Rows of finished and open work, decisions and Claude calls, made directly in the database
for the tests of the metrics and of the reviews (which read nothing else)."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from decimal import Decimal

from models.approvals import Approval, ApprovalStatus
from models.kinds import AssignmentDetails, TaskDetails
from models.records import LlmCall
from models.work import FINISHED, Decision, Task, TaskStatus

VERSIONS = itertools.count(1)  # (team, subject, version) is unique


def task(
    team: str,
    status: TaskStatus,
    made: datetime,
    ended: datetime,
    details: TaskDetails | None = None,
    *,
    turn: str | None = None,
    title: str = "t",
    assigned_to: str = "copywriter",
    due: date | None = None,
    thread: tuple[str, str] | None = None,
) -> Task:
    """A task made at `made` whose last change was at `ended` (its end, if finished)."""
    return Task(
        team_id=team,
        created_by="vp_marketing",
        assigned_to=assigned_to,
        title=title,
        brief="b",
        status=status.value,
        details=details or AssignmentDetails(project="p", requested_in=("C1", "1.0")),
        origin_turn_id=turn,
        due_date=due,
        channel_id=thread[0] if thread else None,
        thread_ts=thread[1] if thread else None,
        created_at=made,
        updated_at=ended,
        finished_at=ended if status in FINISHED else None,
    )


def approval(
    team: str, subject: Task, status: ApprovalStatus, decided: datetime | None, kind: str
) -> Approval:
    return Approval(
        team_id=team,
        subject_id=subject.id,
        action_type=kind,
        version=next(VERSIONS),
        title="d",
        draft="x",
        drafted_by="copywriter",
        status=status.value,
        decided_at=decided,
        created_at=subject.created_at,
    )


def decision(team: str, maker: str, made: datetime, text: str = "d") -> Decision:
    return Decision(
        team_id=team, decision_maker=maker, type="t", decision=text, reasoning="", created_at=made
    )


def call(team: str, agent: str, model: str, cost: str, made: datetime, **tokens: int) -> LlmCall:
    return LlmCall(
        team_id=team,
        turn_id="x",
        agent_id=agent,
        model=model,
        status="ok",
        cost_usd=Decimal(cost),
        created_at=made,
        **tokens,
    )
