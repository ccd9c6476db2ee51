"""Listeners find their services in Bolt's context, put there by handlers.register's middleware."""

from __future__ import annotations

import pytest
from slack_bolt import BoltContext

from handlers.context import services


def test_a_listener_of_an_app_not_wired_by_register_fails_loudly() -> None:
    with pytest.raises(RuntimeError, match=r"handlers\.register"):
        services(BoltContext())
