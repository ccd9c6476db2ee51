"""Approval records and their transitions: pending → approved / changes requested / rejected /
superseded / expired, each one guarded UPDATE, so a double click, two approvers at the same
instant or a retried interaction make exactly one transition (and one decision record)."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, UniqueConstraint, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, TeamScoped, UTCDateTime, guarded, new_id, utcnow
from models.work import Decision, Task, TaskStatus


class ApprovalStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"
    EXPIRED = "expired"


DECISIONS = (ApprovalStatus.APPROVED, ApprovalStatus.CHANGES_REQUESTED, ApprovalStatus.REJECTED)
DECISION_LABELS = {
    ApprovalStatus.APPROVED: "Approved",
    ApprovalStatus.CHANGES_REQUESTED: "Changes requested",
    ApprovalStatus.REJECTED: "Rejected",
    ApprovalStatus.EXPIRED: "Expired without a decision",
}


class Approval(TeamScoped, Base):
    """One version of a draft on its way through the reviewers (`chain`, agent ids) to a
    person: `step` is the reviewer now holding it; step == len(chain) is the human card."""

    __tablename__ = "approvals"
    __table_args__ = (
        UniqueConstraint("team_id", "subject_id", "version", name="uq_approvals_version"),
        Index("ix_approvals_subject", "team_id", "subject_id"),
        Index("ix_approvals_status", "status", "created_at"),
        Index("ix_approvals_campaign", "team_id", "campaign_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    subject_id: Mapped[str] = mapped_column(String(32))  # the task that waits for the decision
    task_id: Mapped[str | None] = mapped_column(String(32), default=None)  # this version's step
    action_type: Mapped[str] = mapped_column(String(40))  # blog_post, campaign_email, ...
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(150))
    draft: Mapped[str] = mapped_column(Text)
    drafted_by: Mapped[str] = mapped_column(String(40))
    submitted_by: Mapped[str] = mapped_column(String(40), default="")
    on_approval: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[str] = mapped_column(Text, default="")  # a later version: what changed
    requested_by: Mapped[str] = mapped_column(String(32), default="")  # the Slack user who asked
    chain: Mapped[list[str]] = mapped_column(JSON, default=list)
    step: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default=ApprovalStatus.PENDING.value)
    decided_by: Mapped[str | None] = mapped_column(String(40), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    feedback: Mapped[str | None] = mapped_column(Text, default=None)
    channel_id: Mapped[str | None] = mapped_column(String(32), default=None)  # its thread
    thread_ts: Mapped[str | None] = mapped_column(String(32), default=None)
    card_ts: Mapped[str | None] = mapped_column(String(32), default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # A campaign's gate (subject: the step row) or budget hold (subject: the campaign): its
    # decision goes to the campaign engine, not to a submitter's task.
    campaign_id: Mapped[str | None] = mapped_column(String(32), default=None)

    @property
    def at_human_step(self) -> bool:
        return self.step >= len(self.chain)


def propose(
    session: Session,
    *,
    team_id: str,
    subject_id: str,
    action_type: str,
    title: str,
    draft: str,
    drafted_by: str,
    submitted_by: str = "",
    on_approval: str = "",
    changes: str = "",
    requested_by: str = "",
    chain: list[str] | None = None,
    step: int = 0,
    approval_id: str | None = None,
    task_id: str | None = None,
    where: tuple[str, str] | None = None,
    campaign_id: str | None = None,
) -> Approval:
    """A new version for approval, committed with whatever the session holds (the step's
    task); any pending earlier version is superseded, so its buttons stop acting."""
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
        id=approval_id or new_id(),
        team_id=team_id,
        subject_id=subject_id,
        task_id=task_id,
        action_type=action_type,
        version=(latest or 0) + 1,
        title=title[:150],
        draft=draft,
        drafted_by=drafted_by,
        submitted_by=submitted_by or drafted_by,
        on_approval=on_approval,
        changes=changes,
        requested_by=requested_by,
        chain=list(chain or []),
        step=step,
        notes=[],
        channel_id=where[0] if where else None,
        thread_ts=where[1] if where else None,
        campaign_id=campaign_id,
    )
    session.add(approval)
    session.commit()
    return approval


def load(session: Session, team_id: str, approval_id: str) -> Approval | None:
    return session.scalar(
        select(Approval).where(Approval.team_id == team_id, Approval.id == approval_id)
    )


def versions(session: Session, team_id: str, subject_id: str) -> list[Approval]:
    return list(
        session.scalars(
            select(Approval)
            .where(Approval.team_id == team_id, Approval.subject_id == subject_id)
            .order_by(Approval.version)
        )
    )


def decide(
    session: Session,
    team_id: str,
    approval_id: str,
    to: ApprovalStatus,
    *,
    by: str,
    feedback: str | None = None,
) -> bool:
    """The one transition out of pending, committed together with its decision record;
    False (and nothing written) for the loser of a race or a stale card."""
    if to not in DECISIONS:
        raise ValueError(f"{to} is not a decision")
    return _close(session, team_id, approval_id, to, by=by, feedback=feedback)


def expire(session: Session, team_id: str, approval_id: str) -> bool:
    """Pending for too long, or the work behind it was stopped: closes without a decision."""
    return _close(session, team_id, approval_id, ApprovalStatus.EXPIRED, by="department")


def _close(
    session: Session,
    team_id: str,
    approval_id: str,
    to: ApprovalStatus,
    *,
    by: str,
    feedback: str | None = None,
) -> bool:
    result = session.execute(
        update(Approval)
        .where(
            Approval.team_id == team_id,
            Approval.id == approval_id,
            Approval.status == ApprovalStatus.PENDING.value,
        )
        .values(status=to.value, decided_by=by, decided_at=utcnow(), feedback=feedback)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        return False
    approval = session.get(Approval, approval_id, populate_existing=True)
    assert approval is not None
    reviewed = [note["by"] for note in approval.notes if note.get("verdict") == "approve"]
    session.add(
        Decision(
            team_id=team_id,
            # a campaign's gate or budget has no task behind it (its subject is a step or
            # the campaign); the decision's context names it
            task_id=None if approval.campaign_id is not None else approval.subject_id,
            decision_maker=by,
            type=f"approval_{approval.action_type}"[:40],
            context=f"{approval.title} (version {approval.version})",
            decision=DECISION_LABELS[to],
            reasoning=feedback or "",
            approval_chain=[*reviewed, by],
            escalated=False,
            requested_by=approval.requested_by,
        )
    )
    session.commit()
    return True


def advance(session: Session, approval: Approval, *, note: dict[str, Any]) -> bool:
    """The reviewer at `approval.step` passed it on: one step further, its note kept.

    Guarded on the step, so a re-run of the same review cannot skip a reviewer.
    """
    return guarded(
        session,
        update(Approval)
        .where(
            Approval.team_id == approval.team_id,
            Approval.id == approval.id,
            Approval.status == ApprovalStatus.PENDING.value,
            Approval.step == approval.step,
        )
        .values(step=approval.step + 1, notes=[*approval.notes, note]),
    )


def set_card(session: Session, approval: Approval, card_ts: str) -> None:
    session.execute(
        update(Approval)
        .where(Approval.team_id == approval.team_id, Approval.id == approval.id)
        .values(card_ts=card_ts)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def due_for_reminder(session: Session, *, older_than: datetime, limit: int = 100) -> list[Approval]:
    """Pending approvals in front of a person (their card is posted) since before
    `older_than`, with no reminder yet. Crosses workspaces: callers act per record's team."""
    return list(
        session.scalars(
            select(Approval)
            .where(
                Approval.status == ApprovalStatus.PENDING.value,
                Approval.card_ts.is_not(None),
                Approval.created_at < older_than,
                Approval.reminded_at.is_(None),
            )
            .order_by(Approval.created_at)
            .limit(limit)
        )
    )


def mark_reminded(session: Session, approval: Approval) -> bool:
    """Exactly one reminder per approval, however many sweeps race for it."""
    return guarded(
        session,
        update(Approval)
        .where(
            Approval.team_id == approval.team_id,
            Approval.id == approval.id,
            Approval.reminded_at.is_(None),
        )
        .values(reminded_at=utcnow()),
    )


def decided_not_followed_up(
    session: Session, *, grace_s: float, limit: int = 100
) -> list[tuple[str, str]]:
    """(team, approval) pairs decided by a person whose step still waits: the job that acts
    on the decision was never enqueued (Redis was away) or its worker died."""
    rows = session.execute(
        select(Approval.team_id, Approval.id)
        .join(Task, (Task.team_id == Approval.team_id) & (Task.id == Approval.task_id))
        .where(
            Approval.status != ApprovalStatus.PENDING.value,
            Approval.status != ApprovalStatus.SUPERSEDED.value,
            Approval.decided_at < utcnow() - timedelta(seconds=grace_s),
            Task.status == TaskStatus.ESCALATED.value,
        )
        .limit(limit)
    )
    return [(team_id, approval_id) for team_id, approval_id in rows]
