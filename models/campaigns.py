"""Campaigns as durable records: the campaign, the engine's view of each step of its plan, its
variables and its recorded outcome (issue 17).

A campaign's state lives here, never in job arguments: the engine (`jobs/campaigns/engine.py`)
reloads it by id on every pass, so a killed worker loses nothing. The plan, the advisor's
decision and its analysis are stored as the JSON of their pydantic models (data, not Slack
markup); `models/` imports nothing from `bots/`, so the engine validates them on load.
Every status change is one guarded UPDATE (`models/campaign_steps.py` for steps and
variables): racing clicks, a pause landing during a pass, two passes at once, one winner each.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    Update,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, TeamScoped, UTCDateTime, guarded, new_id, utcnow


class CampaignStatus(enum.StrEnum):
    ANALYZING = "analyzing"  # the brief is in, the advisor is at work
    PLANNED = "planned"  # analysis and plan shown on the card, waiting for "Approve plan"
    RUNNING = "running"  # approved: the engine starts steps
    PAUSED = "paused"  # no new steps start; running ones finish
    CANCELLED = "cancelled"
    DONE = "done"
    FAILED = "failed"  # a step failed: nothing new starts


OPEN_STATUSES = (
    CampaignStatus.ANALYZING,
    CampaignStatus.PLANNED,
    CampaignStatus.RUNNING,
    CampaignStatus.PAUSED,
)


class StepStatus(enum.StrEnum):
    PENDING = "pending"  # not started: waits for its phase, its turn or its scheduled run
    WAITING_APPROVAL = "waiting_approval"  # a gate: before its start, or after its output
    STARTED = "started"  # its task exists (and runs through the task-turn runner)
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"  # the branch a conditional phase did not take, or a run past the end
    CANCELLED = "cancelled"


PASSED = (StepStatus.DONE, StepStatus.SKIPPED)  # what a phase needs of its steps to be done
TERMINAL = (*PASSED, StepStatus.FAILED, StepStatus.CANCELLED)


class Campaign(TeamScoped, Base):
    """One `/campaign`: the brief, the advisor's decision and the approved plan."""

    __tablename__ = "campaigns"
    __table_args__ = (Index("ix_campaigns_status", "team_id", "status"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    requested_by: Mapped[str] = mapped_column(String(32))  # Slack user id
    brief: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=CampaignStatus.ANALYZING.value)
    analysis: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)  # the factors
    decision: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)  # the advisor's
    plan: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)  # a checked Plan
    pattern: Mapped[str | None] = mapped_column(String(40), default=None)
    budget_usd: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    # Set while the budget holds the campaign (no step starts, no step's call is made): the
    # budget its card offers to raise to. The raise clears it.
    budget_hold_usd: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), default=None)
    budget_approval_id: Mapped[str | None] = mapped_column(String(32), default=None)  # its card
    starts_on: Mapped[date | None] = mapped_column(Date, default=None)  # UTC dates
    ends_on: Mapped[date | None] = mapped_column(Date, default=None)
    channel_id: Mapped[str | None] = mapped_column(String(32), default=None)  # its card's thread
    thread_ts: Mapped[str | None] = mapped_column(String(32), default=None)
    decided_by: Mapped[str | None] = mapped_column(String(32), default=None)  # approved/cancelled
    # The start of the engine's last complete pass: the sweeper re-runs a pass that was lost.
    advanced_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # One engine pass at a time (`claim_pass`); a pass asked for meanwhile sets `pass_again`.
    pass_token: Mapped[str | None] = mapped_column(String(32), default=None)
    pass_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    pass_again: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class CampaignStep(TeamScoped, Base):
    """The engine's view of one run of one plan step (a continuous step has a row per run)."""

    __tablename__ = "campaign_steps"
    __table_args__ = (
        UniqueConstraint("campaign_id", "step_id", "run", name="uq_campaign_steps_run"),
        Index("ix_campaign_steps_campaign", "team_id", "campaign_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"))
    step_id: Mapped[str] = mapped_column(String(40))  # the step's id in the plan
    phase: Mapped[str] = mapped_column(String(80))  # its phase's name
    run: Mapped[int] = mapped_column(Integer, default=0)  # 0: one-off; 1, 2, …: continuous
    status: Mapped[str] = mapped_column(String(16), default=StepStatus.PENDING.value)
    task_id: Mapped[str | None] = mapped_column(ForeignKey("tasks.id"), default=None)
    due_date: Mapped[date] = mapped_column(Date)
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    gate_cleared: Mapped[bool] = mapped_column(Boolean, default=False)  # its gate approved
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class CampaignVariable(TeamScoped, Base):
    """A campaign variable (`lead_score`), set by a step's output or `/campaign set`.

    The value is a JSON scalar, so a number, a flag and text stay apart as the plan's
    conditions need (`bots.plans.Condition.evaluate` compares only values of the same type)."""

    __tablename__ = "campaign_variables"
    __table_args__ = (
        UniqueConstraint("campaign_id", "name", name="uq_campaign_variables_name"),
        Index("ix_campaign_variables_campaign", "team_id", "campaign_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"))
    name: Mapped[str] = mapped_column(String(40))
    value: Mapped[bool | float | str] = mapped_column(JSON)
    set_by: Mapped[str] = mapped_column(String(40))  # Slack user id, or the step's agent id
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class CampaignOutcome(TeamScoped, Base):
    """What a person recorded when the campaign was over: the learning loop's input
    (`bots.learning.Outcome` plus the key learning). One per campaign: the first is kept."""

    __tablename__ = "campaign_outcomes"
    __table_args__ = (UniqueConstraint("campaign_id", name="uq_campaign_outcomes_campaign"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"))
    pattern: Mapped[str | None] = mapped_column(String(40), default=None)
    estimated_hours: Mapped[float] = mapped_column(Float)
    actual_hours: Mapped[float] = mapped_column(Float)
    success: Mapped[bool] = mapped_column(Boolean)
    satisfaction: Mapped[float] = mapped_column(Float)  # 0 to 1
    rework_needed: Mapped[bool] = mapped_column(Boolean)
    key_learning: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(32))


def load_campaign(session: Session, team_id: str, campaign_id: str) -> Campaign | None:
    return session.scalar(
        select(Campaign)
        .where(Campaign.team_id == team_id, Campaign.id == campaign_id)
        .execution_options(populate_existing=True)
    )


def status_of(session: Session, team_id: str, campaign_id: str) -> str | None:
    return session.scalar(
        select(Campaign.status).where(Campaign.team_id == team_id, Campaign.id == campaign_id)
    )


def campaign_update(team_id: str, campaign_id: str, *guards: ColumnElement[bool]) -> Update:
    """An UPDATE of one campaign of one workspace that changes it only while `guards` hold:
    the shape of every campaign transition (run it through `guarded`)."""
    return update(Campaign).where(Campaign.team_id == team_id, Campaign.id == campaign_id, *guards)


def move(
    session: Session,
    team_id: str,
    campaign_id: str,
    *,
    from_: tuple[CampaignStatus, ...],
    to: CampaignStatus,
    **values: object,
) -> bool:
    """Move a campaign between states if it is in one of `from_`; True for the one winner."""
    return guarded(
        session,
        campaign_update(
            team_id,
            campaign_id,
            Campaign.status.in_([status.value for status in from_]),
        ).values(status=to.value, **values),
    )


def set_plan(
    session: Session,
    team_id: str,
    campaign_id: str,
    *,
    plan: dict[str, Any],
    starts_on: date,
    ends_on: date,
    pattern: str | None,
) -> bool:
    """The advisor's plan is in (checked by the caller): analyzing → planned."""
    return move(
        session,
        team_id,
        campaign_id,
        from_=(CampaignStatus.ANALYZING,),
        to=CampaignStatus.PLANNED,
        plan=plan,
        starts_on=starts_on,
        ends_on=ends_on,
        pattern=pattern,
    )


def edit_plan(
    session: Session,
    team_id: str,
    campaign_id: str,
    *,
    seen: datetime,
    plan: dict[str, Any],
    analysis: dict[str, Any],
    ends_on: date,
    budget_usd: Decimal,
) -> bool:
    """A person's edit of a planned campaign's plan (checked by the caller), saved only if
    the campaign is still `planned` and unchanged since `seen` (its `updated_at` when the
    form opened): an edit made over another edit, an approval or a cancel changes nothing."""
    return guarded(
        session,
        campaign_update(
            team_id,
            campaign_id,
            Campaign.status == CampaignStatus.PLANNED.value,
            Campaign.updated_at == seen,
        ).values(plan=plan, analysis=analysis, ends_on=ends_on, budget_usd=budget_usd),
    )


def set_card(session: Session, team_id: str, campaign_id: str, channel_id: str, ts: str) -> bool:
    """The campaign card is posted: its message is the campaign's thread (set once)."""
    return guarded(
        session,
        campaign_update(
            team_id,
            campaign_id,
            Campaign.thread_ts.is_(None),
        ).values(channel_id=channel_id, thread_ts=ts),
    )


def stuck_analyzing(
    session: Session, *, grace_s: float, now: datetime | None = None
) -> list[tuple[str, str]]:
    """(team, campaign) still in `analyzing` after `grace_s`: its job was never enqueued
    (Redis away at the command) or was lost. The sweeper's one cross-workspace read."""
    cutoff = (now or utcnow()) - timedelta(seconds=grace_s)
    rows = session.execute(
        select(Campaign.team_id, Campaign.id).where(
            Campaign.status == CampaignStatus.ANALYZING.value, Campaign.updated_at < cutoff
        )
    )
    return [(team_id, campaign_id) for team_id, campaign_id in rows]


def recent(session: Session, team_id: str, limit: int = 10) -> list[Campaign]:
    """A workspace's newest campaigns, for `/campaign list`."""
    return list(
        session.scalars(
            select(Campaign)
            .where(Campaign.team_id == team_id)
            .order_by(Campaign.updated_at.desc())
            .limit(limit)
        )
    )


def approve(session: Session, team_id: str, campaign_id: str, user_id: str) -> bool:
    """ "Approve plan": planned → running, once, and only with a plan and a card thread (the
    steps' threads link back to it)."""
    return guarded(
        session,
        campaign_update(
            team_id,
            campaign_id,
            Campaign.status == CampaignStatus.PLANNED.value,
            Campaign.plan.is_not(None),
            Campaign.thread_ts.is_not(None),
        ).values(status=CampaignStatus.RUNNING.value, decided_by=user_id),
    )


def pause(session: Session, team_id: str, campaign_id: str) -> bool:
    return move(
        session, team_id, campaign_id, from_=(CampaignStatus.RUNNING,), to=CampaignStatus.PAUSED
    )


def resume(session: Session, team_id: str, campaign_id: str) -> bool:
    return move(
        session, team_id, campaign_id, from_=(CampaignStatus.PAUSED,), to=CampaignStatus.RUNNING
    )


def cancel(session: Session, team_id: str, campaign_id: str, user_id: str) -> bool:
    """Any open campaign may be cancelled; the engine's next pass cancels its steps."""
    return move(
        session,
        team_id,
        campaign_id,
        from_=OPEN_STATUSES,
        to=CampaignStatus.CANCELLED,
        decided_by=user_id,
    )


def outcome_of(session: Session, team_id: str, campaign_id: str) -> CampaignOutcome | None:
    """The outcome recorded for a campaign of this workspace, if any (one at most)."""
    return session.scalar(
        select(CampaignOutcome).where(
            CampaignOutcome.team_id == team_id, CampaignOutcome.campaign_id == campaign_id
        )
    )
