"""Approval records and their transitions: pending → approved / changes requested / rejected /
superseded / expired, each one guarded UPDATE, so a double click, two approvers at the same
instant or a retried interaction make exactly one transition."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, TeamScoped, UTCDateTime, guarded, new_id, utcnow


class ApprovalStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"
    EXPIRED = "expired"


DECISIONS = (ApprovalStatus.APPROVED, ApprovalStatus.CHANGES_REQUESTED, ApprovalStatus.REJECTED)


class Approval(TeamScoped, Base):
    """One version of a draft waiting for a person's (or an agent's) decision."""

    __tablename__ = "approvals"
    __table_args__ = (
        UniqueConstraint("team_id", "subject_id", "version", name="uq_approvals_version"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    subject_id: Mapped[str] = mapped_column(String(32))  # the task whose deliverable this is
    action_type: Mapped[str] = mapped_column(String(40))  # blog_post, campaign_email, ...
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(150))
    draft: Mapped[str] = mapped_column(Text)
    drafted_by: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default=ApprovalStatus.PENDING.value)
    decided_by: Mapped[str | None] = mapped_column(String(40), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    feedback: Mapped[str | None] = mapped_column(Text, default=None)
    channel_id: Mapped[str | None] = mapped_column(String(32), default=None)  # its card
    card_ts: Mapped[str | None] = mapped_column(String(32), default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


def propose(
    session: Session,
    *,
    team_id: str,
    subject_id: str,
    action_type: str,
    title: str,
    draft: str,
    drafted_by: str,
) -> Approval:
    """A new version for approval; any pending earlier version is superseded (its buttons die)."""
    latest = session.scalar(
        select(Approval.version)
        .where(Approval.team_id == team_id, Approval.subject_id == subject_id)
        .order_by(Approval.version.desc())
        .limit(1)
    )
    session.execute(
        update(Approval)
        .where(
            Approval.team_id == team_id,
            Approval.subject_id == subject_id,
            Approval.status == ApprovalStatus.PENDING.value,
        )
        .values(status=ApprovalStatus.SUPERSEDED.value)
        .execution_options(synchronize_session=False)
    )
    approval = Approval(
        team_id=team_id,
        subject_id=subject_id,
        action_type=action_type,
        version=(latest or 0) + 1,
        title=title[:150],
        draft=draft,
        drafted_by=drafted_by,
    )
    session.add(approval)
    session.commit()
    return approval


def decide(
    session: Session,
    team_id: str,
    approval_id: str,
    to: ApprovalStatus,
    *,
    by: str,
    feedback: str | None = None,
) -> bool:
    """The one transition out of pending; False for the loser of a race or a stale card."""
    if to not in DECISIONS:
        raise ValueError(f"{to} is not a decision")
    return guarded(
        session,
        update(Approval)
        .where(
            Approval.team_id == team_id,
            Approval.id == approval_id,
            Approval.status == ApprovalStatus.PENDING.value,
        )
        .values(status=to.value, decided_by=by, decided_at=utcnow(), feedback=feedback),
    )


def due_for_reminder(session: Session, *, older_than: datetime, limit: int = 100) -> list[Approval]:
    """Pending approvals created before `older_than` that have had no reminder yet."""
    return list(
        session.scalars(
            select(Approval)
            .where(
                Approval.status == ApprovalStatus.PENDING.value,
                Approval.created_at < older_than,
                Approval.reminded_at.is_(None),
            )
            .limit(limit)
        )
    )


def mark_reminded(session: Session, approval: Approval) -> bool:
    """Exactly one reminder per approval, however many sweeps race for it."""
    return guarded(
        session,
        update(Approval)
        .where(Approval.id == approval.id, Approval.reminded_at.is_(None))
        .values(reminded_at=utcnow()),
    )
