"""The department's work as records: tasks, inter-agent messages and decisions.

The database is the truth; the Slack threads where agents assign and report are the view
(design §3.2 message protocol, §3.3 decision documentation).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models import kinds
from models.base import Base, TeamScoped, UTCDateTime, new_id, utcnow
from models.kinds import TaskDetails


class TaskStatus(enum.StrEnum):
    OPEN = "open"  # assigned, not started
    IN_PROGRESS = "in_progress"  # the assignee is working on it
    WAITING = "waiting"  # waiting for the subtasks it delegated
    READY = "ready"  # every subtask is in: the assignee's synthesis turn is due
    DONE = "done"
    ESCALATED = "escalated"  # waiting for someone higher up (or a human) to answer
    CANCELLED = "cancelled"
    FAILED = "failed"
    # Its campaign's budget held the turn before a Claude call: nothing ran, nothing is lost;
    # raising the budget puts it back (open, or ready for its synthesis) and it runs again.
    PARKED = "parked"


FINISHED = (TaskStatus.DONE, TaskStatus.CANCELLED, TaskStatus.FAILED)


class Task(TeamScoped, Base):
    """A piece of work one agent owes another (or a person): the record behind a delegation."""

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_parent", "team_id", "parent_task_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    origin_turn_id: Mapped[str | None] = mapped_column(String(32), default=None)
    parent_task_id: Mapped[str | None] = mapped_column(ForeignKey("tasks.id"), default=None)
    created_by: Mapped[str] = mapped_column(String(40))  # agent id, or "human"
    assigned_to: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(150))
    brief: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=TaskStatus.OPEN.value)
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    due_date: Mapped[date | None] = mapped_column(Date, default=None)
    depends_on: Mapped[list[str]] = mapped_column(JSON, default=list)
    # What the task is about, by kind: read and written as `details` (models/kinds.py).
    context: Mapped[dict[str, Any]] = mapped_column(JSON)
    requirements: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    deliverable: Mapped[str | None] = mapped_column(Text, default=None)
    approval_required: Mapped[bool] = mapped_column(default=False)
    depth: Mapped[int] = mapped_column(Integer, default=0)  # delegation depth from the request
    turns_used: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[Decimal] = mapped_column(Numeric(14, 8), default=Decimal(0))
    channel_id: Mapped[str | None] = mapped_column(String(32), default=None)  # its Slack thread
    thread_ts: Mapped[str | None] = mapped_column(String(32), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_token: Mapped[str | None] = mapped_column(String(32), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    lease_holder: Mapped[str | None] = mapped_column(String(80), default=None)  # "host:pid"
    # When it became done, failed or cancelled (what "average task time" measures to).
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    @property
    def details(self) -> TaskDetails:
        """The task's kind and what goes with it; raises `BadTaskContext` for a row of no
        known shape."""
        return kinds.load(self.id, self.context)

    @details.setter
    def details(self, value: TaskDetails) -> None:
        self.context = kinds.dump(value)


class AgentMessage(TeamScoped, Base):
    """One message between agents in the department's protocol (design §3.2)."""

    __tablename__ = "agent_messages"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    task_id: Mapped[str | None] = mapped_column(ForeignKey("tasks.id"), index=True, default=None)
    from_agent: Mapped[str] = mapped_column(String(40))
    to_agents: Mapped[list[str]] = mapped_column(JSON)
    type: Mapped[str] = mapped_column(
        String(32)
    )  # task_assignment | consultation | report | escalation | ...
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    requires_response: Mapped[bool] = mapped_column(default=False)
    respond_by: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class Decision(TeamScoped, Base):
    """A documented decision (design §3.3), including approvals and rejections."""

    __tablename__ = "decisions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    task_id: Mapped[str | None] = mapped_column(ForeignKey("tasks.id"), index=True, default=None)
    decision_maker: Mapped[str] = mapped_column(String(40))  # agent id, or a Slack user id
    type: Mapped[str] = mapped_column(String(40))
    context: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str] = mapped_column(Text)
    reasoning: Mapped[str] = mapped_column(Text)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    approval_chain: Mapped[list[str]] = mapped_column(JSON, default=list)
    escalated: Mapped[bool] = mapped_column(default=False)
    # The Slack user whose request led to it ("" when no person asked, e.g. a sweep).
    requested_by: Mapped[str] = mapped_column(String(32), default="")


class AutonomyOverride(TeamScoped, Base):
    """A workspace's own autonomy level for one kind of action (design §1.3), over the default."""

    __tablename__ = "autonomy_overrides"
    __table_args__ = (UniqueConstraint("team_id", "action", name="uq_autonomy_overrides_action"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    action: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(2))  # L1..L4
    set_by: Mapped[str] = mapped_column(String(32))  # Slack user id
