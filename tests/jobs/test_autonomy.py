"""Autonomy levels: the defaults from bots/authority.toml, overridden per workspace,
validated against the matrix before anything is written."""

from __future__ import annotations

import pytest

from bots.authority import load_authority
from jobs.approvals.autonomy import AutonomyError, autonomy_level, set_autonomy
from models.autonomy import workspace_overrides
from tests.conftest import db_sessions

MATRIX = load_authority()


def test_a_workspace_override_wins_over_the_default_for_that_workspace_only(
    database_url: str,
) -> None:
    with db_sessions(database_url)() as session:
        assert autonomy_level(session, MATRIX, "T1", "blog_post") == "L3"
        set_autonomy(session, MATRIX, "T1", "blog_post", "L4", "U0LEAD")
        set_autonomy(session, MATRIX, "T1", "blog_post", "L2", "U0LEAD")
        assert autonomy_level(session, MATRIX, "T1", "blog_post") == "L2"
        assert autonomy_level(session, MATRIX, "T1", "campaign_email") == "L3"  # not overridden
        assert autonomy_level(session, MATRIX, "T2", "blog_post") == "L3"  # other workspace


def test_bad_overrides_are_refused_and_change_nothing(database_url: str) -> None:
    with db_sessions(database_url)() as session:
        with pytest.raises(AutonomyError, match="must be one of L1, L2, L3, L4"):
            set_autonomy(session, MATRIX, "T1", "blog_post", "L9", "U0LEAD")
        with pytest.raises(AutonomyError, match="Unknown action 'tweetstorm'"):
            set_autonomy(session, MATRIX, "T1", "tweetstorm", "L4", "U0LEAD")
        with pytest.raises(AutonomyError, match="Unknown action 'tweetstorm'"):
            autonomy_level(session, MATRIX, "T1", "tweetstorm")
        assert workspace_overrides(session, "T1") == {}
