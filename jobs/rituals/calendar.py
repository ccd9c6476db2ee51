"""When a ritual is due: pure functions of a schedule, a calendar and the time (no I/O).

Time is compared on the workspace's wall clock, never as a fixed UTC offset, so a 09:30
standup stays at 09:30 local across a daylight-saving switch. On the switch day itself:
- spring forward: a time inside the skipped hour (02:30) is due at the first minute after
  it (03:00), since the wall clock is then past it: never "not at all";
- fall back: a time inside the repeated hour (01:30) is due at its first occurrence, and the
  second finds the day's key taken (models/rituals.claim_run): never twice.
The key of a scheduled run is the local date, so nothing here needs to remember anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bots.ritual_config import Every
from models.rituals import Ritual

LOOK_AHEAD_DAYS = 400  # the next run of a quarterly ritual is within a quarter and its holidays


@dataclass(frozen=True)
class Schedule:
    """One ritual's effective settings in a workspace (defaults merged with its choices)."""

    ritual: Ritual
    enabled: bool
    clock: time  # local wall-clock time
    weekdays: frozenset[int]  # date.weekday() values it may run on
    every: Every
    channel: str  # a channel name, no #


@dataclass(frozen=True)
class Calendar:
    """A workspace's clock: its zone, the days off, and how late a missed minute may start."""

    zone: ZoneInfo
    holidays: frozenset[date]
    catch_up: timedelta


def period_start(day: date, every: Every) -> date:
    """The first date of the day's period: itself, its (Monday-based) week, month or quarter."""
    if every == "week":
        return day - timedelta(days=day.weekday())
    if every == "month":
        return day.replace(day=1)
    if every == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return day


def is_ritual_day(schedule: Schedule, day: date, holidays: frozenset[date]) -> bool:
    """True when the ritual runs on `day`: the first of its weekdays in its period (the day
    itself for a daily one) that is no holiday."""
    candidate = period_start(day, schedule.every)
    while candidate <= day:
        if candidate.weekday() in schedule.weekdays and candidate not in holidays:
            return candidate == day
        candidate += timedelta(days=1)
    return False


def due_on(schedule: Schedule, calendar: Calendar, now: datetime) -> date | None:
    """The local date whose run of this ritual is due at `now` (aware), or None: enabled, a
    ritual day, the wall clock at or past its time and less than `catch_up` after it."""
    if not schedule.enabled:
        return None
    wall = now.astimezone(calendar.zone).replace(tzinfo=None)
    day = wall.date()
    if not is_ritual_day(schedule, day, calendar.holidays):
        return None
    start = datetime.combine(day, schedule.clock)
    return day if start <= wall < start + calendar.catch_up else None


def local_today(calendar: Calendar, now: datetime) -> date:
    return now.astimezone(calendar.zone).date()


def scheduled_at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local date and time (the earlier one in a repeated hour)."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def next_run(
    schedule: Schedule, calendar: Calendar, now: datetime, *, today_taken: bool
) -> datetime | None:
    """The next local date and time the ritual will start (aware, in the workspace's zone),
    counting today only if its run is still to come; None when it is off (or, with every
    weekday a holiday, never within LOOK_AHEAD_DAYS)."""
    if not schedule.enabled:
        return None
    wall = now.astimezone(calendar.zone).replace(tzinfo=None)
    for offset in range(LOOK_AHEAD_DAYS):
        day = wall.date() + timedelta(days=offset)
        if not is_ritual_day(schedule, day, calendar.holidays):
            continue
        start = datetime.combine(day, schedule.clock)
        if offset == 0 and (today_taken or wall >= start + calendar.catch_up):
            continue
        return start.replace(tzinfo=calendar.zone)
    return None
