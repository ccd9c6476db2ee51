"""rituals.toml: the shipped defaults are issue 18's, every ritual has one, and a bad value
stops start-up naming its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.ritual_config import DEFAULT_RITUALS_PATH, RITUAL_NAMES, load_ritual_config, parse_clock
from errors import ConfigError
from models.rituals import Ritual


def test_the_defaults() -> None:
    config = load_ritual_config()
    assert set(RITUAL_NAMES) == {ritual.value for ritual in Ritual}
    standup, morning = config.rituals["standup"], config.rituals["morning"]
    assert (standup.time, standup.channel, standup.enabled) == ("09:30", "mkt-standup", True)
    assert standup.weekdays == frozenset(range(5))
    assert morning.clock < standup.clock and morning.channel == "mkt-insights"
    assert (config.rituals["eod"].time, config.rituals["eod"].channel) == (
        "17:00",
        "mkt-leadership",
    )
    assert config.rituals["weekly"].every == "week" and config.rituals["monthly"].every == "month"
    assert config.rituals["quarterly"].enabled is False


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (('time = "09:30"', 'time = "9.30"'), "rituals.standup.time"),
        (('channel = "mkt-standup"', 'channel = "#mkt-standup"'), "rituals.standup.channel"),
        (('every = "day"', 'every = "fortnight"'), "rituals.morning.every"),
        (("catch_up_hours = 3", "catch_up_hours = 0"), "calendar.catch_up_hours"),
        (("[rituals.quarterly]", "[rituals.yearly]"), "rituals"),
    ],
)
def test_a_bad_value_names_its_key(tmp_path: Path, change: tuple[str, str], named: str) -> None:
    text = DEFAULT_RITUALS_PATH.read_text(encoding="utf-8").replace(*change, 1)
    path = tmp_path / "rituals.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=f"key {named}"):
        load_ritual_config(path)


@pytest.mark.parametrize(
    ("text", "clock"), [("9:30", (9, 30)), ("09:05", (9, 5)), ("23:59", (23, 59)), ("0:00", (0, 0))]
)
def test_clock_times(text: str, clock: tuple[int, int]) -> None:
    parsed = parse_clock(text)
    assert parsed is not None and (parsed.hour, parsed.minute) == clock


@pytest.mark.parametrize("text", ["24:00", "9.30", "10am", "9:5", "", "12:60", "-1:00"])
def test_not_clock_times(text: str) -> None:
    assert parse_clock(text) is None
