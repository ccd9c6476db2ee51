"""The periods the reviews count, as UTC `Period`s of the workspace's local days: a
workspace in New York has its Tuesday from 05:00 UTC (04:00 in summer), so "yesterday" is
computed in its own zone, and a day across a DST switch is 23 or 25 hours long."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from models.metric_values import Period


def midnight(day: date, zone: ZoneInfo) -> datetime:
    """The local day's first instant, in UTC."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def days(first: date, last: date, zone: ZoneInfo) -> Period:
    """From the start of `first` to the end of `last`, local days."""
    return Period(midnight(first, zone), midnight(last + timedelta(days=1), zone))


def day(local: date, zone: ZoneInfo) -> Period:
    return days(local, local, zone)


def month_to_date(local: date, zone: ZoneInfo) -> Period | None:
    """The month's days before `local` (None on the 1st: nothing yet)."""
    if local.day == 1:
        return None
    return days(local.replace(day=1), local - timedelta(days=1), zone)


def last_week(local: date, zone: ZoneInfo) -> Period:
    """The last full week (Monday to Sunday) before `local`'s week."""
    monday = local - timedelta(days=local.weekday())
    return days(monday - timedelta(days=7), monday - timedelta(days=1), zone)


def last_month(local: date, zone: ZoneInfo) -> Period:
    """The last full calendar month before `local`'s month."""
    first = local.replace(day=1)
    previous_last = first - timedelta(days=1)
    return days(previous_last.replace(day=1), previous_last, zone)


def month_before(period: Period, zone: ZoneInfo) -> Period:
    """The calendar month before a month's period (months differ in length, so this is not
    `Period.previous`)."""
    return last_month(first_day(period, zone), zone)


def quarter_start(day: date) -> date:
    """The first day of the calendar quarter (Jan, Apr, Jul, Oct) `day` is in."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def last_quarter(local: date, zone: ZoneInfo) -> Period:
    """The last full calendar quarter before `local`'s quarter."""
    previous_last = quarter_start(local) - timedelta(days=1)
    return days(quarter_start(previous_last), previous_last, zone)


def quarter_before(period: Period, zone: ZoneInfo) -> Period:
    """The calendar quarter before a quarter's period (90 to 92 days: not `Period.previous`)."""
    return last_quarter(first_day(period, zone), zone)


def first_day(period: Period, zone: ZoneInfo) -> date:
    """The period's first local day (its UTC start is the evening before, east of UTC)."""
    return period.start.astimezone(zone).date()


def quarter_name(day: date) -> str:
    """ "Q4 2026"."""
    return f"Q{(day.month - 1) // 3 + 1} {day.year}"
