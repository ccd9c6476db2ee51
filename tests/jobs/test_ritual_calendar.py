"""When a ritual is due, as pure functions: working days, holidays, the first working day of a
week, month or quarter, the catch-up window, and the next run a person is told about."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bots.ritual_config import Every
from jobs.rituals.calendar import Calendar, Schedule, due_on, is_ritual_day, next_run
from models.rituals import Ritual

WEEKDAYS = frozenset(range(5))
BERLIN = ZoneInfo("Europe/Berlin")


def schedule(every: Every = "day", clock: time = time(9, 30), enabled: bool = True) -> Schedule:
    return Schedule(Ritual.STANDUP, enabled, clock, WEEKDAYS, every, "mkt-standup")


def calendar(*holidays: date) -> Calendar:
    return Calendar(BERLIN, frozenset(holidays), timedelta(hours=3))


def local(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN).astimezone(UTC)


WED = date(2026, 1, 14)
SAT, SUN = date(2026, 1, 17), date(2026, 1, 18)


def test_due_from_its_minute_for_the_catch_up_window_on_working_days_only() -> None:
    plan = schedule()
    assert due_on(plan, calendar(), local(WED, 9, 29)) is None
    assert due_on(plan, calendar(), local(WED, 9, 30)) == WED
    assert due_on(plan, calendar(), local(WED, 12, 29)) == WED  # a scheduler back late
    assert due_on(plan, calendar(), local(WED, 12, 30)) is None  # too late: tomorrow
    assert due_on(plan, calendar(), local(SAT, 9, 30)) is None
    assert due_on(plan, calendar(), local(SUN, 10, 0)) is None
    assert due_on(plan, calendar(WED), local(WED, 9, 30)) is None  # a holiday
    assert due_on(schedule(enabled=False), calendar(), local(WED, 9, 30)) is None


def test_the_window_ends_with_the_local_day() -> None:
    late = schedule(clock=time(23, 0))
    assert due_on(late, calendar(), local(WED, 23, 59)) == WED
    thursday = WED + timedelta(days=1)
    assert due_on(late, calendar(), local(thursday, 0, 30)) is None


@pytest.mark.parametrize(
    ("every", "holidays", "expected"),
    [
        ("week", (), date(2026, 1, 12)),  # Monday
        ("week", (date(2026, 1, 12),), date(2026, 1, 13)),  # bank holiday Monday → Tuesday
        ("month", (), date(2026, 2, 2)),  # 1 Feb 2026 is a Sunday
        ("month", (date(2026, 2, 2),), date(2026, 2, 3)),
        ("quarter", (), date(2026, 4, 1)),  # a Wednesday
    ],
)
def test_a_periodic_ritual_runs_on_the_first_working_day_of_its_period(
    every: Every, holidays: tuple[date, ...], expected: date
) -> None:
    plan = schedule(every)
    before = [expected - timedelta(days=n) for n in range(1, 4)]
    after = [expected + timedelta(days=n) for n in range(1, 4)]
    assert is_ritual_day(plan, expected, frozenset(holidays))
    assert not any(is_ritual_day(plan, day, frozenset(holidays)) for day in before + after)


def test_next_run_skips_a_taken_day_weekends_and_holidays() -> None:
    friday = date(2026, 1, 16)
    monday = date(2026, 1, 19)
    plan = schedule()
    at_eight = local(friday, 8, 0)
    assert next_run(plan, calendar(), at_eight, today_taken=False) == datetime.combine(
        friday, time(9, 30), tzinfo=BERLIN
    )
    taken = next_run(plan, calendar(), at_eight, today_taken=True)
    assert taken is not None and taken.date() == monday
    holiday = next_run(plan, calendar(monday), at_eight, today_taken=True)
    assert holiday is not None and holiday.date() == monday + timedelta(days=1)
    assert next_run(schedule(enabled=False), calendar(), at_eight, today_taken=False) is None
