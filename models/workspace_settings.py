"""A workspace's own settings, stored over the deployment's defaults (issue 20).

One row per workspace (`team_id` is the key): the names it gave the department's channels,
who decides which approval type, its budgets, and the last set-up's report. Only what a
workspace changed is stored (an absent key or a NULL column means "the default"), so a new
default in `settings.py` or `bots/approvals.toml` reaches every workspace that did not choose
otherwise. Read through `settings_for`, the one function every reader uses; models/ knows no
policy, so the approvers are handed back as plain ids and `jobs/workspace.py` merges them into
the approvals configuration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Numeric, String, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime, insert_ignoring_duplicates, utcnow


class WorkspaceSetting(Base):
    __tablename__ = "workspace_settings"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # the department's default channel name → this workspace's name for it (renamed only)
    channels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # approval type → {"users": [U…], "groups": [S…]}: replaces the file's people for that type
    approvers: Mapped[dict[str, dict[str, list[str]]]] = mapped_column(JSON, default=dict)
    campaign_budget_usd: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), default=None)
    request_budget_usd: Mapped[Decimal | None] = mapped_column(Numeric(12, 4), default=None)
    # what the last set-up did, line by line (shown to admins on App Home)
    setup_report: Mapped[list[str]] = mapped_column(JSON, default=list)
    setup_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    updated_by: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


@dataclass(frozen=True)
class WorkspaceDefaults:
    """The deployment's values (settings.py), which a workspace's row overrides."""

    escalation_channel: str
    campaign_channel: str
    campaign_budget_usd: Decimal
    request_budget_usd: Decimal


@dataclass(frozen=True)
class People:
    """Who decides one approval type in this workspace: Slack user and user-group ids."""

    users: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class WorkspaceSettings:
    """The settings in force for one workspace: its own values over the defaults."""

    team_id: str
    defaults: WorkspaceDefaults
    renamed: Mapping[str, str] = field(default_factory=dict)
    approvers: Mapping[str, People] = field(default_factory=dict)
    campaign_budget_usd: Decimal = Decimal(0)
    request_budget_usd: Decimal = Decimal(0)
    setup_report: tuple[str, ...] = ()
    setup_at: datetime | None = None

    def channel(self, default_name: str) -> str:
        """This workspace's name for a department channel known by its default name."""
        return self.renamed.get(default_name, default_name)

    def default_name(self, name: str) -> str:
        """The default name of a channel known by this workspace's name (routing by channel)."""
        back = {new: old for old, new in self.renamed.items()}
        return back.get(name, name)

    @property
    def escalation_channel(self) -> str:
        return self.channel(self.defaults.escalation_channel)

    @property
    def campaign_channel(self) -> str:
        return self.channel(self.defaults.campaign_channel)


def settings_for(session: Session, team_id: str, defaults: WorkspaceDefaults) -> WorkspaceSettings:
    """The one reader: the workspace's row over `defaults` (no row: the defaults)."""
    row = session.get(WorkspaceSetting, team_id)
    if row is None:
        return WorkspaceSettings(
            team_id, defaults, {}, {}, defaults.campaign_budget_usd, defaults.request_budget_usd
        )
    return WorkspaceSettings(
        team_id=team_id,
        defaults=defaults,
        renamed=dict(row.channels or {}),
        approvers=_people(row),
        campaign_budget_usd=_or(row.campaign_budget_usd, defaults.campaign_budget_usd),
        request_budget_usd=_or(row.request_budget_usd, defaults.request_budget_usd),
        setup_report=tuple(row.setup_report or ()),
        setup_at=row.setup_at,
    )


def approvers_of(session: Session, team_id: str) -> dict[str, People]:
    """Only the approvers a workspace chose (what a click's check needs, no defaults)."""
    row = session.get(WorkspaceSetting, team_id)
    return _people(row) if row is not None else {}


def _people(row: WorkspaceSetting) -> dict[str, People]:
    return {
        kind: People(tuple(who.get("users") or ()), tuple(who.get("groups") or ()))
        for kind, who in (row.approvers or {}).items()
    }


def _or(value: Decimal | None, default: Decimal) -> Decimal:
    return default if value is None else Decimal(value)


def save(session: Session, team_id: str, user_id: str, **changes: Any) -> None:
    """Set some columns of a workspace's row (inserted first if missing, a duplicate
    ignored) and commit: two admins saving at once both succeed, the later UPDATE wins."""
    values = {"team_id": team_id, "created_at": utcnow(), "updated_at": utcnow()}
    values |= {"channels": {}, "approvers": {}, "setup_report": [], "updated_by": user_id}
    session.execute(insert_ignoring_duplicates(session, WorkspaceSetting), values)
    session.execute(
        update(WorkspaceSetting)
        .where(WorkspaceSetting.team_id == team_id)
        .values(**changes, updated_by=user_id, updated_at=utcnow())
    )
    session.commit()


def save_approvers(
    session: Session, team_id: str, user_id: str, chosen: Mapping[str, People]
) -> None:
    """Who decides each approval type in this workspace (replacing the file's people); a
    type chosen with nobody goes back to the file's."""
    stored = {
        kind: {"users": list(who.users), "groups": list(who.groups)}
        for kind, who in chosen.items()
        if who.users or who.groups
    }
    save(session, team_id, user_id, approvers=stored)


def renamed_channels(session: Session, team_id: str) -> dict[str, str]:
    """Only the channels a workspace renamed: default name → its name (the channel form)."""
    row = session.get(WorkspaceSetting, team_id)
    return dict(row.channels or {}) if row is not None else {}


def rename_channels(session: Session, team_id: str, user_id: str, names: Mapping[str, str]) -> bool:
    """This workspace calls each department channel `default` `names[default]` (the same:
    the default again). Nothing is written when nothing changes (a retried form or command),
    so a retry leaves even `updated_at` alone; True when something was saved."""
    current = renamed_channels(session, team_id)
    renamed = dict(current)
    for default, name in names.items():
        if name == default:
            renamed.pop(default, None)
        else:
            renamed[default] = name
    if renamed == current:
        return False
    save(session, team_id, user_id, channels=renamed)
    return True


def rename_channel(session: Session, team_id: str, user_id: str, default: str, name: str) -> None:
    """This workspace calls the department's channel `default` `name` (the same: the default)."""
    rename_channels(session, team_id, user_id, {default: name})
