"""A workspace's settings as every job reads them: its own values over the deployment's.

The deployment's values are the defaults (`settings.py` for channels and budgets,
`bots/approvals.toml` for who decides); a workspace's row in `workspace_settings`
(`models/workspace_settings.py`) overrides them. Jobs and listeners ask here, never
`rt.settings.escalation_channel` or `rt.approvals` for who may decide, so two workspaces on
one deployment never share an approver or a channel name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bots.approvers import ApprovalConfig
from jobs.runtime import Runtime
from models.workspace_settings import (
    People,
    WorkspaceDefaults,
    WorkspaceSettings,
    approvers_of,
    settings_for,
)
from settings import Settings


def defaults_of(settings: Settings) -> WorkspaceDefaults:
    """The deployment's values, which a workspace's own settings override."""
    return WorkspaceDefaults(
        escalation_channel=settings.escalation_channel,
        campaign_channel=settings.campaign_channel,
        campaign_budget_usd=settings.campaign_budget_usd,
        request_budget_usd=settings.request_budget_usd,
    )


def workspace_settings(rt: Runtime, team_id: str) -> WorkspaceSettings:
    """The settings in force for `team_id` (one primary-key read)."""
    with rt.sessions() as session:
        return settings_for(session, team_id, defaults_of(rt.settings))


def with_people(base: ApprovalConfig, chosen: Mapping[str, People]) -> ApprovalConfig:
    """The approvals configuration with a workspace's people for the types it chose."""
    if not chosen:
        return base
    return base.with_people({kind: (p.users, p.groups) for kind, p in chosen.items()})


def approvals_for(rt: Runtime, team_id: str) -> ApprovalConfig:
    """Who decides what in `team_id`: the file's configuration with the workspace's people."""
    return with_people(rt.approvals, workspace_settings(rt, team_id).approvers)


def channel_name(rt: Runtime, team_id: str, default_name: str) -> str:
    """The workspace's name for a department channel known by its default name."""
    return workspace_settings(rt, team_id).channel(default_name)


@dataclass(frozen=True)
class WorkspaceApprovers:
    """`approvals_for` for listeners, which hold an engine rather than a Runtime. `base` is
    the approvals file (labels, chains and defaults are the deployment's)."""

    engine: Engine
    base: ApprovalConfig

    def for_team(self, team_id: str) -> ApprovalConfig:
        with Session(self.engine) as session:
            return with_people(self.base, approvers_of(session, team_id))
