"""Autonomy overrides: the levels a workspace set for some of its actions.

Only the records. Which actions exist, which levels are allowed and what applies when a
workspace set nothing is the department's policy (bots/authority.toml), applied by
jobs/approvals/autonomy.py.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.work import AutonomyOverride


def workspace_overrides(session: Session, team_id: str) -> dict[str, str]:
    """Action → level, for the actions this workspace overrode (one row each)."""
    rows = session.execute(
        select(AutonomyOverride.action, AutonomyOverride.level).where(
            AutonomyOverride.team_id == team_id
        )
    )
    return {action: level for action, level in rows}


def save_override(session: Session, team_id: str, action: str, level: str, user_id: str) -> None:
    """Set (or change) this workspace's level for one action, recording who set it; the
    caller has checked the action and the level against the policy."""
    row = session.scalar(
        select(AutonomyOverride).where(
            AutonomyOverride.team_id == team_id, AutonomyOverride.action == action
        )
    )
    if row is None:
        session.add(AutonomyOverride(team_id=team_id, action=action, level=level, set_by=user_id))
    else:
        row.level, row.set_by = level, user_id
    session.commit()
