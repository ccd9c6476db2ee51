"""Ritual runs: one row per ritual held (or skipped) in a workspace on a local date (issue 18).

The row is the ritual's idempotency key. A scheduler tick, a second scheduler, a restart at
09:30 and `/standup` all try to insert the same `(team_id, ritual, run_key)`; the unique
constraint lets exactly one in, and only the winner enqueues the job. The job loads the run
by id, so a killed worker's job resumes from the row (and from `slack_posts`, which keeps
every post of the run once).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, Index, String, UniqueConstraint, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import (
    Base,
    TeamScoped,
    UTCDateTime,
    guarded,
    insert_ignoring_duplicates,
    new_id,
    utcnow,
)


class Ritual(enum.StrEnum):
    STANDUP = "standup"  # the daily standup thread (design §6.3)
    MORNING = "morning"  # the Analytics Specialist's morning summary (§5.3)
    EOD = "eod"  # the VP's end-of-day summary to the CMO (§5.3)
    WEEKLY = "weekly"  # weekly planning, Monday (§6.3)
    MONTHLY = "monthly"  # the CMO's monthly review (§6.3)
    QUARTERLY = "quarterly"  # quarterly planning: off by default


class RunStatus(enum.StrEnum):
    PENDING = "pending"  # claimed, its job enqueued
    RUNNING = "running"
    DONE = "done"
    SKIPPED = "skipped"  # `/standup skip`: the day's key is taken, nothing is posted
    FAILED = "failed"


class RitualRun(TeamScoped, Base):
    __tablename__ = "ritual_runs"
    __table_args__ = (
        UniqueConstraint("team_id", "ritual", "run_key", name="uq_ritual_runs_key"),
        Index("ix_ritual_runs_date", "team_id", "ritual", "local_date"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    ritual: Mapped[str] = mapped_column(String(16))
    # The idempotency key: the local date (ISO) for the day's scheduled run; a run asked for
    # by a person once the day's has been held gets a key of its own.
    run_key: Mapped[str] = mapped_column(String(40))
    local_date: Mapped[date] = mapped_column(Date)  # the workspace's date the run is for
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.PENDING.value)
    requested_by: Mapped[str | None] = mapped_column(String(32), default=None)  # None: schedule
    channel_id: Mapped[str | None] = mapped_column(String(32), default=None)
    thread_ts: Mapped[str | None] = mapped_column(String(32), default=None)  # the opener
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


def claim_run(
    session: Session,
    team_id: str,
    ritual: Ritual,
    run_key: str,
    local_date: date,
    *,
    status: RunStatus = RunStatus.PENDING,
    requested_by: str | None = None,
    scheduled_for: datetime | None = None,
) -> str | None:
    """Insert the run for this key; its id if this call made it, None if it existed already
    (another scheduler, a restart or a person got there first)."""
    run_id = new_id()
    now = utcnow()
    made = session.execute(
        insert_ignoring_duplicates(session, RitualRun).returning(RitualRun.id),
        {
            "id": run_id,
            "team_id": team_id,
            "ritual": ritual.value,
            "run_key": run_key,
            "local_date": local_date,
            "status": status.value,
            "requested_by": requested_by,
            "channel_id": None,
            "thread_ts": None,
            "scheduled_for": scheduled_for,
            "started_at": None,
            "finished_at": None,
            "created_at": now,
        },
    ).scalar()
    session.commit()
    return run_id if made is not None else None


def load_run(session: Session, team_id: str, run_id: str) -> RitualRun | None:
    return session.scalar(
        select(RitualRun)
        .where(RitualRun.team_id == team_id, RitualRun.id == run_id)
        .execution_options(populate_existing=True)
    )


def move_run(
    session: Session,
    team_id: str,
    run_id: str,
    *,
    from_: tuple[RunStatus, ...],
    to: RunStatus,
) -> bool:
    """One guarded status change; False if the run was not in `from_` (someone moved it)."""
    now = utcnow()
    values: dict[str, object] = {"status": to.value}
    if to == RunStatus.RUNNING:
        values["started_at"] = now
    if to in (RunStatus.DONE, RunStatus.FAILED, RunStatus.SKIPPED):
        values["finished_at"] = now
    return guarded(
        session,
        update(RitualRun)
        .where(
            RitualRun.team_id == team_id,
            RitualRun.id == run_id,
            RitualRun.status.in_([status.value for status in from_]),
        )
        .values(**values),
    )


def set_thread(session: Session, team_id: str, run_id: str, channel_id: str, ts: str) -> None:
    """Where the run's opener was posted, so its replies and a resumed run find the thread."""
    session.execute(
        update(RitualRun)
        .where(RitualRun.team_id == team_id, RitualRun.id == run_id)
        .values(channel_id=channel_id, thread_ts=ts)
    )
    session.commit()


def runs_on(session: Session, team_id: str, ritual: Ritual, local_date: date) -> list[RitualRun]:
    """The day's runs of a ritual, oldest first (the scheduled one and any asked for)."""
    return list(
        session.scalars(
            select(RitualRun)
            .where(
                RitualRun.team_id == team_id,
                RitualRun.ritual == ritual.value,
                RitualRun.local_date == local_date,
            )
            .order_by(RitualRun.created_at)
        )
    )


def unfinished(
    session: Session, *, older_than: datetime, newer_than: datetime
) -> list[tuple[str, str]]:
    """(team_id, run_id) of every run still pending or running that was claimed between the
    two instants: the sweeper's candidates (a run older than `newer_than` is left alone, so a
    ritual that keeps failing is not retried for ever). Across workspaces: ids only."""
    rows = session.execute(
        select(RitualRun.team_id, RitualRun.id).where(
            RitualRun.status.in_([RunStatus.PENDING.value, RunStatus.RUNNING.value]),
            RitualRun.created_at < older_than,
            RitualRun.created_at > newer_than,
        )
    )
    return [(team_id, run_id) for team_id, run_id in rows]
