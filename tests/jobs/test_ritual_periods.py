"""The reviews' periods are the workspace's local days, weeks, months and quarters in UTC (a day
across a DST switch is 23 or 25 hours), and a model's line is refused for a number the
facts it was given do not hold."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from jobs.rituals import periods
from jobs.rituals.review_model import invents_numbers
from models.metric_values import Period

NEW_YORK = ZoneInfo("America/New_York")


def utc(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def test_a_local_day_across_a_dst_switch() -> None:
    assert periods.day(date(2026, 3, 8), NEW_YORK) == Period(utc(2026, 3, 8, 5), utc(2026, 3, 9, 4))
    assert periods.day(date(2026, 3, 8), NEW_YORK).length == timedelta(hours=23)
    assert periods.day(date(2026, 11, 1), NEW_YORK).length == timedelta(hours=25)


def test_last_week_and_last_month() -> None:
    utc_zone = ZoneInfo("UTC")
    for today in (date(2026, 12, 7), date(2026, 12, 9), date(2026, 12, 13)):  # Mon, Wed, Sun
        assert periods.last_week(today, utc_zone) == Period(utc(2026, 11, 30), utc(2026, 12, 7))
    december = periods.last_month(date(2027, 1, 4), utc_zone)
    assert december == Period(utc(2026, 12, 1), utc(2027, 1, 1))
    assert periods.month_before(december, utc_zone) == Period(utc(2026, 11, 1), utc(2026, 12, 1))
    assert periods.month_to_date(date(2026, 12, 1), utc_zone) is None
    assert periods.month_to_date(date(2026, 12, 3), utc_zone) == Period(
        utc(2026, 12, 1), utc(2026, 12, 3)
    )


def test_last_quarter_and_the_one_before_in_local_days() -> None:
    """Calendar quarters of 90 to 92 days; east of UTC a quarter starts the evening before
    in UTC, yet its first local day (and its name) is the 1st."""
    for today in (date(2027, 1, 4), date(2027, 3, 31)):
        q4 = periods.last_quarter(today, ZoneInfo("UTC"))
        assert q4 == Period(utc(2026, 10, 1), utc(2027, 1, 1))
    q3 = periods.quarter_before(q4, ZoneInfo("UTC"))
    assert q3 == Period(utc(2026, 7, 1), utc(2026, 10, 1)) and q3.length == timedelta(days=92)
    q1 = periods.last_quarter(date(2026, 4, 1), ZoneInfo("UTC"))
    assert q1.length == timedelta(days=90)
    berlin = ZoneInfo("Europe/Berlin")
    q4_berlin = periods.last_quarter(date(2027, 1, 4), berlin)
    assert q4_berlin == Period(utc(2026, 9, 30, 22), utc(2026, 12, 31, 23))  # CEST → CET
    assert periods.first_day(q4_berlin, berlin) == date(2026, 10, 1)
    assert periods.quarter_name(periods.first_day(q4_berlin, berlin)) == "Q4 2026"
    assert periods.quarter_before(q4_berlin, berlin).start == utc(2026, 6, 30, 22)


def test_numbers_not_in_the_facts_are_invented() -> None:
    facts = '<task id="a" due="2026-12-07">Case study</task><figure>$1,200.50 (3 of 4)</figure>'
    assert not invents_numbers("Ship it by 7 Dec 2026", facts)
    assert not invents_numbers("We spent 1200.5, 3 of 4 done", facts)
    assert invents_numbers("Grow traffic by 40%", facts)
    assert invents_numbers("Five more posts, about 5 a day", facts)
