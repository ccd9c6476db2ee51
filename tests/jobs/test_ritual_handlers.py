"""Every ritual of bots/rituals.toml, on or off, has a handler that can run: one a workspace
switches on (`/standup quarterly on`) must never end its runs FAILED "no-handler"."""

from __future__ import annotations

import pytest

from bots.ritual_config import RITUAL_NAMES, load_ritual_config
from errors import ConfigError
from jobs.rituals import run
from models.rituals import Ritual


def test_every_ritual_in_the_data_has_a_handler_that_runs() -> None:
    shipped = load_ritual_config().rituals
    assert set(shipped) == set(RITUAL_NAMES) == {ritual.value for ritual in Ritual}
    run.check_handlers(shipped)  # raises on a missing or broken handler
    assert all(run.handler_for(Ritual(name)) is not None for name in shipped)


def test_a_ritual_without_a_handler_stops_start_up_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(run.HANDLERS, Ritual.QUARTERLY)
    with pytest.raises(ConfigError, match=r"Ritual 'quarterly' has no handler"):
        run.check_handlers(load_ritual_config().rituals)


def test_a_handler_that_cannot_be_run_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(run.HANDLERS, Ritual.MONTHLY, "jobs.rituals.monthly:hold_month")
    with pytest.raises(ConfigError, match=r"'monthly': handler jobs\.rituals\.monthly:hold_month"):
        run.check_handlers(["monthly"])
    monkeypatch.setitem(run.HANDLERS, Ritual.MONTHLY, "jobs.rituals.periods:quarter_name")
    with pytest.raises(ConfigError, match="cannot be run"):  # takes a date, not (runtime, run)
        run.check_handlers(["monthly"])
