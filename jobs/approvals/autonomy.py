"""Which autonomy level applies to an action in a workspace: the default of
bots/authority.toml unless the workspace overrode it (models/autonomy.py keeps the records).

The level decides whether a submitted draft needs anyone at all (L4: approved at once).
"""

from __future__ import annotations

from typing import get_args

from sqlalchemy.orm import Session

from bots.authority import AuthorityMatrix, Autonomy
from models import autonomy

LEVELS: tuple[str, ...] = get_args(Autonomy)


class AutonomyError(ValueError):
    """An unknown action or level: the override is refused and nothing changes."""


def autonomy_level(session: Session, matrix: AuthorityMatrix, team_id: str, action: str) -> str:
    """The level that applies to `action` in this workspace."""
    _check_action(matrix, action)
    return autonomy.workspace_overrides(session, team_id).get(action) or matrix.autonomy[action]


def set_autonomy(
    session: Session, matrix: AuthorityMatrix, team_id: str, action: str, level: str, user_id: str
) -> None:
    """Set a workspace's level for one action, refusing an action or a level the matrix does
    not know (one override per team and action)."""
    _check_action(matrix, action)
    if level not in LEVELS:
        raise AutonomyError(f"Autonomy level must be one of {', '.join(LEVELS)}, not {level!r}")
    autonomy.save_override(session, team_id, action, level, user_id)


def _check_action(matrix: AuthorityMatrix, action: str) -> None:
    if action not in matrix.autonomy:
        raise AutonomyError(
            f"Unknown action {action!r}; known: {', '.join(sorted(matrix.autonomy))}"
        )
