"""Autonomy levels per workspace: the defaults of bots/authority.toml, overridden per team."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bots.authority import AuthorityMatrix
from models.work import AutonomyOverride

LEVELS = ("L1", "L2", "L3", "L4")


class AutonomyError(ValueError):
    """An unknown action or level: the override is refused and nothing changes."""


def autonomy_level(session: Session, matrix: AuthorityMatrix, team_id: str, action: str) -> str:
    """The level that applies to `action` in this workspace."""
    if action not in matrix.autonomy:
        raise AutonomyError(
            f"Unknown action {action!r}; known: {', '.join(sorted(matrix.autonomy))}"
        )
    override = session.scalar(
        select(AutonomyOverride.level).where(
            AutonomyOverride.team_id == team_id, AutonomyOverride.action == action
        )
    )
    return override or matrix.autonomy[action]


def set_autonomy(
    session: Session, matrix: AuthorityMatrix, team_id: str, action: str, level: str, user_id: str
) -> None:
    """Set a workspace's level for one action (validated; one row per team and action)."""
    if action not in matrix.autonomy:
        raise AutonomyError(
            f"Unknown action {action!r}; known: {', '.join(sorted(matrix.autonomy))}"
        )
    if level not in LEVELS:
        raise AutonomyError(f"Autonomy level must be one of {', '.join(LEVELS)}, not {level!r}")
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
