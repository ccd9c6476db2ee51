"""Autonomy levels: the defaults from data, overridden per workspace, validated."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bots.authority import load_authority
from models.autonomy import AutonomyError, autonomy_level, set_autonomy

MATRIX = load_authority()


def test_overrides_are_per_workspace(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        assert autonomy_level(session, MATRIX, "T1", "blog_post") == "L3"
        set_autonomy(session, MATRIX, "T1", "blog_post", "L4", "U0LEAD")
        set_autonomy(session, MATRIX, "T1", "blog_post", "L2", "U0LEAD")  # changes, no duplicate
        assert autonomy_level(session, MATRIX, "T1", "blog_post") == "L2"
        assert autonomy_level(session, MATRIX, "T2", "blog_post") == "L3"  # other workspace


def test_bad_overrides_are_refused_and_change_nothing(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        with pytest.raises(AutonomyError, match="must be one of L1, L2, L3, L4"):
            set_autonomy(session, MATRIX, "T1", "blog_post", "L9", "U0LEAD")
        with pytest.raises(AutonomyError, match="Unknown action 'tweetstorm'"):
            set_autonomy(session, MATRIX, "T1", "tweetstorm", "L4", "U0LEAD")
        assert autonomy_level(session, MATRIX, "T1", "blog_post") == "L3"
