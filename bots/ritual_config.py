"""When the rituals run by default (`rituals.toml`): per ritual on/off, local time, days,
cadence and channel, plus the holidays and catch-up window every workspace shares.

Data, not code branches, so a team changes its standup's hour or channel in one file (or per
workspace with `/standup`, stored over these defaults); validated at start-up so a typo stops
the process with a `ConfigError` naming the key instead of silently never holding a standup.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bots.advisor_config import describe_first
from errors import ConfigError

DEFAULT_RITUALS_PATH = Path(__file__).with_name("rituals.toml")
# The rituals of issue 18, in the order a day holds them; models.rituals.Ritual has the same
# values (tests/bots/test_ritual_config.py keeps the two equal; bots/ never imports models/).
RITUAL_NAMES = ("morning", "standup", "eod", "weekly", "monthly", "quarterly")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = date.weekday()
Every = Literal["day", "week", "month", "quarter"]
CHANNEL_NAME = re.compile(r"[a-z0-9][a-z0-9_\-]{0,79}")  # Slack's rule for channel names
_CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


def parse_clock(text: str) -> dt.time | None:
    """`9:30` or `09:30` (24-hour) → 09:30; None for anything else ("9.30", "10am", "24:00")."""
    match = _CLOCK.fullmatch(text.strip())
    return dt.time(int(match.group(1)), int(match.group(2))) if match else None


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RitualDefaults(_Section):
    """One ritual's schedule unless a workspace changed it."""

    enabled: bool
    time: str
    days: tuple[str, ...] = Field(min_length=1)
    every: Every
    channel: str

    @field_validator("time")
    @classmethod
    def _clock(cls, value: str) -> str:
        if parse_clock(value) is None:
            raise ValueError(f"{value!r} is not a 24-hour time such as 09:30")
        return value

    @field_validator("days")
    @classmethod
    def _weekdays(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [day for day in value if day not in WEEKDAYS]
        if unknown:
            raise ValueError(f"unknown day(s) {unknown}; use {', '.join(WEEKDAYS)}")
        return value

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        if not CHANNEL_NAME.fullmatch(value):
            raise ValueError(f"{value!r} is not a Slack channel name (lower case, no #)")
        return value

    @property
    def clock(self) -> dt.time:
        parsed = parse_clock(self.time)
        assert parsed is not None  # validated above
        return parsed

    @property
    def weekdays(self) -> frozenset[int]:
        return frozenset(WEEKDAYS.index(day) for day in self.days)


class CalendarDefaults(_Section):
    holidays: tuple[date, ...] = ()
    catch_up_hours: float = Field(gt=0, le=12)


class RitualConfig(_Section):
    calendar: CalendarDefaults
    rituals: dict[str, RitualDefaults]

    @field_validator("rituals")
    @classmethod
    def _every_ritual(cls, value: dict[str, RitualDefaults]) -> dict[str, RitualDefaults]:
        missing = [name for name in RITUAL_NAMES if name not in value]
        unknown = [name for name in value if name not in RITUAL_NAMES]
        if missing or unknown:
            raise ValueError(
                f"needs exactly {', '.join(RITUAL_NAMES)} (missing {missing}, unknown {unknown})"
            )
        return value


def load_ritual_config(path: Path = DEFAULT_RITUALS_PATH) -> RitualConfig:
    """Read and validate `rituals.toml`; a `ConfigError` names the file and the key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"Rituals file {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Rituals file {path} is not valid TOML: {exc}") from exc
    try:
        return RitualConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"Rituals file {path}: {describe_first(exc)}") from exc
