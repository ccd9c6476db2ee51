"""The values the §10 metrics take (`models/metrics.py`): a period, a rate, "no data", and
the trend of one figure against the period before.

"No data" is a value of its own, not 0 and not an error: a week in which nothing was
decided has no approval rate, and a review must say so rather than print 0 % or divide by
zero. Every figure is therefore `T | NoData`, and the type checker makes every reader handle
the empty case.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final

# A change smaller than this (in the figure's own unit: a rate's fraction, seconds, USD, a
# count) is shown as flat, so rounding noise never reads as a trend.
FLAT_RATE: Final = 0.005  # half a percentage point
FLAT_SECONDS: Final = 60.0
FLAT_AMOUNT: Final = 0.005


@dataclass(frozen=True)
class NoData:
    """Nothing in the period to compute the figure from (no tasks ended, nothing decided)."""

    def __str__(self) -> str:
        return "no data"


NO_DATA: Final = NoData()


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC: every figure counts what happened from `start` up to, not
    including, `end`, so consecutive periods never count a row twice."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a period's bounds are aware UTC datetimes")
        if self.end <= self.start:
            raise ValueError("a period ends after it starts")

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    @property
    def weeks(self) -> float:
        return self.length / timedelta(days=7)

    def previous(self) -> Period:
        """The period of the same length just before, which a trend compares against."""
        return Period(self.start - self.length, self.start)


@dataclass(frozen=True)
class Rate:
    """`part` of `whole` (whole > 0): kept as counts, so a review can say "9 of 10"."""

    part: int
    whole: int

    def __post_init__(self) -> None:
        if self.whole <= 0 or not 0 <= self.part <= self.whole:
            raise ValueError(f"not a rate: {self.part} of {self.whole}")

    @property
    def value(self) -> float:
        return self.part / self.whole

    @property
    def percent(self) -> str:
        return f"{self.value:.0%}"


def rate(part: int, whole: int) -> Rate | NoData:
    """A rate, or no data when there is nothing to divide by."""
    return Rate(part, whole) if whole > 0 else NO_DATA


Figure = Rate | timedelta | Decimal | float | int


class Direction(enum.StrEnum):
    UP = "up"
    DOWN = "down"
    FLAT = "flat"
    UNKNOWN = "unknown"  # one side has no data: there is no trend to show


@dataclass(frozen=True)
class Trend:
    """One figure this period against the period before."""

    current: Figure | NoData
    previous: Figure | NoData
    direction: Direction
    change: float | None  # in the figure's unit (fraction, seconds, USD, count); None: unknown

    @property
    def arrow(self) -> str:
        return {"up": "↑", "down": "↓", "flat": "→", "unknown": ""}[self.direction]


def compare(current: Figure | NoData, previous: Figure | NoData) -> Trend:
    """The trend from `previous` to `current`; unknown when either has no data."""
    if isinstance(current, NoData) or isinstance(previous, NoData):
        return Trend(current, previous, Direction.UNKNOWN, None)
    now, before, flat = _number(current), _number(previous), _flat_for(current)
    change = now - before
    if abs(change) < flat:
        direction = Direction.FLAT
    else:
        direction = Direction.UP if change > 0 else Direction.DOWN
    return Trend(current, previous, direction, change)


def _number(figure: Figure) -> float:
    if isinstance(figure, Rate):
        return figure.value
    if isinstance(figure, timedelta):
        return figure.total_seconds()
    return float(figure)


def _flat_for(figure: Figure) -> float:
    if isinstance(figure, Rate):
        return FLAT_RATE
    if isinstance(figure, timedelta):
        return FLAT_SECONDS
    return FLAT_AMOUNT
