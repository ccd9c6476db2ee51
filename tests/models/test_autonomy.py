"""Autonomy overrides as records: one per workspace and action, changed in place."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models.autonomy import save_override, workspace_overrides
from models.work import AutonomyOverride


def test_overrides_are_per_workspace_and_changed_in_place(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        assert workspace_overrides(session, "T1") == {}
        save_override(session, "T1", "blog_post", "L4", "U0LEAD")
        save_override(session, "T1", "blog_post", "L2", "U0OTHER")  # changes, no duplicate
        save_override(session, "T1", "campaign_email", "L4", "U0LEAD")
        save_override(session, "T2", "blog_post", "L1", "U0LEAD")
        assert workspace_overrides(session, "T1") == {"blog_post": "L2", "campaign_email": "L4"}
        assert workspace_overrides(session, "T2") == {"blog_post": "L1"}
        changed = session.scalars(
            select(AutonomyOverride).where(
                AutonomyOverride.team_id == "T1", AutonomyOverride.action == "blog_post"
            )
        ).one()
        assert changed.set_by == "U0OTHER"
        assert session.scalar(select(func.count()).select_from(AutonomyOverride)) == 3
