"""A workspace's own ritual settings, stored over the defaults of `bots/rituals.toml`.

Only what a workspace changed is stored (a NULL column means "the default"), so a new default
in the data file reaches every workspace that did not choose otherwise. One row per workspace
and ritual (on/off, local time, days, channel) and one per workspace for its calendar (time
zone, holidays). Merging with the defaults is the caller's (jobs/rituals/workspace.py):
models/ knows no policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, String, UniqueConstraint, select, union, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, TeamScoped, UTCDateTime, insert_ignoring_duplicates, new_id, utcnow
from models.records import Turn
from models.workspaces import Workspace


class RitualSetting(TeamScoped, Base):
    __tablename__ = "ritual_settings"
    __table_args__ = (UniqueConstraint("team_id", "ritual", name="uq_ritual_settings_ritual"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    ritual: Mapped[str] = mapped_column(String(16))
    enabled: Mapped[bool | None] = mapped_column(Boolean, default=None)
    local_time: Mapped[str | None] = mapped_column(String(5), default=None)  # "09:30"
    days: Mapped[str | None] = mapped_column(String(27), default=None)  # "mon,tue,wed"
    channel: Mapped[str | None] = mapped_column(String(80), default=None)  # a name, no #
    updated_by: Mapped[str] = mapped_column(String(32))  # the Slack user who last changed it
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WorkspaceCalendar(TeamScoped, Base):
    __tablename__ = "workspace_calendars"
    __table_args__ = (UniqueConstraint("team_id", name="uq_workspace_calendars_team_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    time_zone: Mapped[str | None] = mapped_column(String(64), default=None)  # IANA name
    holidays: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO dates, sorted
    updated_by: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


@dataclass(frozen=True)
class RitualOverride:
    """What a workspace chose for one ritual; None: the default."""

    enabled: bool | None = None
    local_time: str | None = None
    days: str | None = None
    channel: str | None = None


@dataclass(frozen=True)
class CalendarOverride:
    time_zone: str | None = None
    holidays: tuple[date, ...] = ()


def ritual_overrides(session: Session, team_id: str) -> dict[str, RitualOverride]:
    """Ritual name → what this workspace chose for it (rituals it never changed are absent)."""
    rows = session.scalars(select(RitualSetting).where(RitualSetting.team_id == team_id))
    return {
        row.ritual: RitualOverride(row.enabled, row.local_time, row.days, row.channel)
        for row in rows
    }


def save_ritual(
    session: Session, team_id: str, ritual: str, user_id: str, **changes: bool | str | None
) -> None:
    """Set some of one ritual's columns (enabled, local_time, days, channel) for a workspace.
    The row is inserted if missing, ignoring a duplicate, then updated: two people changing
    settings at once both succeed, the later UPDATE wins."""
    _ensure_row(session, RitualSetting, team_id, ritual=ritual, updated_by=user_id)
    session.execute(
        update(RitualSetting)
        .where(RitualSetting.team_id == team_id, RitualSetting.ritual == ritual)
        .values(updated_by=user_id, updated_at=utcnow(), **changes)
    )
    session.commit()


def calendar_override(session: Session, team_id: str) -> CalendarOverride:
    row = session.scalar(select(WorkspaceCalendar).where(WorkspaceCalendar.team_id == team_id))
    if row is None:
        return CalendarOverride()
    return CalendarOverride(row.time_zone, tuple(date.fromisoformat(d) for d in row.holidays))


def save_calendar(
    session: Session,
    team_id: str,
    user_id: str,
    *,
    time_zone: str | None = None,
    holidays: tuple[date, ...] | None = None,
) -> None:
    """Change the workspace's time zone and/or holiday list (None leaves it as it is)."""
    _ensure_row(session, WorkspaceCalendar, team_id, holidays=[], updated_by=user_id)
    values: dict[str, object] = {"updated_by": user_id, "updated_at": utcnow()}
    if time_zone is not None:
        values["time_zone"] = time_zone
    if holidays is not None:
        values["holidays"] = sorted({day.isoformat() for day in holidays})
    session.execute(
        update(WorkspaceCalendar).where(WorkspaceCalendar.team_id == team_id).values(**values)
    )
    session.commit()


def known_workspaces(session: Session) -> list[str]:
    """Every workspace the scheduler holds rituals for: one that installed the app (OAuth),
    where someone talked to the department (a turn) or changed a ritual setting. The one
    cross-workspace read besides the sweeper: ids only (the tick leaves out uninstalled
    ones)."""
    found = union(
        select(Turn.team_id),
        select(RitualSetting.team_id),
        select(WorkspaceCalendar.team_id),
        select(Workspace.team_id),
    )
    return sorted(session.scalars(select(found.subquery().c.team_id)))


def _ensure_row(
    session: Session,
    table: type[RitualSetting] | type[WorkspaceCalendar],
    team_id: str,
    **values: object,
) -> None:
    row: dict[str, object] = {"id": new_id(), "team_id": team_id, "created_at": utcnow()}
    if table is RitualSetting:
        row |= {"enabled": None, "local_time": None, "days": None, "channel": None}
    else:
        row |= {"time_zone": None}
    session.execute(
        insert_ignoring_duplicates(session, table), row | values | {"updated_at": utcnow()}
    )
