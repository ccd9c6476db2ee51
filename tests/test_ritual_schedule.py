"""The scheduler's tick against the real database and Redis, minute by minute under
freezegun: the right local minute across US and European daylight-saving switches (never
twice, never not at all), weekends and holidays skipped, one workspace's settings apart from
another's, two RQ cron schedulers giving one run, and the sweeper resuming a lost run."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from rq import Queue

from jobs.queue import RUN_RITUAL, turn_queue
from jobs.rituals import run as ritual_run
from jobs.rituals.cron import cron_scheduler
from jobs.rituals.tick import start_due_rituals
from jobs.runtime import Runtime
from jobs.sweeper import sweep
from models import ritual_settings, rituals
from models.base import utcnow
from models.rituals import Ritual, RitualRun, RunStatus
from tests.conftest import TEAM, work

OTHER_TEAM = "T0OTHER"
ADMIN = "U0ADMIN"


@pytest.fixture()
def queue(runtime: Runtime) -> Queue:
    return turn_queue(runtime.redis, runtime.settings.queue_name)


def known(rt: Runtime, team_id: str, zone: str, *holidays: date) -> None:
    """A workspace the scheduler knows, keeping time in `zone`."""
    with rt.sessions() as session:
        ritual_settings.save_calendar(
            session, team_id, ADMIN, time_zone=zone, holidays=tuple(holidays)
        )


def only(rt: Runtime, team_id: str, ritual: Ritual, at: str, days: str = "") -> None:
    """Switch every ritual off but `ritual`, which runs at `at` (and on `days`, if given)."""
    with rt.sessions() as session:
        for other in Ritual:
            ritual_settings.save_ritual(session, team_id, other.value, ADMIN, enabled=False)
        changes: dict[str, str | bool] = {"enabled": True, "local_time": at}
        ritual_settings.save_ritual(session, team_id, ritual.value, ADMIN, **changes)
        if days:
            ritual_settings.save_ritual(session, team_id, ritual.value, ADMIN, days=days)


def runs(rt: Runtime, team_id: str = TEAM) -> list[RitualRun]:
    with rt.sessions() as session:
        return list(
            session.query(RitualRun)
            .filter(RitualRun.team_id == team_id)
            .order_by(RitualRun.created_at)
        )


def tick_at(rt: Runtime, queue: Queue, minutes: list[datetime]) -> list[tuple[datetime, str]]:
    """The cron's tick at each of these UTC minutes, in order: (minute, run id) per start."""
    started = []
    with freeze_time(minutes[0]) as clock:
        for minute in minutes:
            clock.move_to(minute)
            started += [(minute, run_id) for run_id in start_due_rituals(rt, queue, utcnow())]
    return started


def day_minutes(
    zone: str, day: date, around: time, *, every_min: int, near_min: int
) -> list[datetime]:
    """The minutes of the local `day` a test ticks at (UTC): each minute within `near_min`
    of `around` (enough to hold either side of a switch's hour) and every `every_min`
    minutes besides, from local midnight to the next: ticking all 1,440 a day would cost
    seconds per day on a small machine and prove no more."""
    tz = ZoneInfo(zone)
    start = datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=tz).astimezone(UTC)
    target = start + timedelta(hours=around.hour, minutes=around.minute)
    minutes, minute = [], start
    while minute < end:
        if minute.minute % every_min == 0 or abs(minute - target) <= timedelta(minutes=near_min):
            minutes.append(minute)
        minute += timedelta(minutes=1)
    return minutes


def started_at(
    rt: Runtime, queue: Queue, zone: str, day: date, around: time, near_min: int = 70
) -> list[datetime]:
    """The local times at which ticks over the local `day` started a run."""
    made = tick_at(rt, queue, day_minutes(zone, day, around, every_min=60, near_min=near_min))
    return [minute.astimezone(ZoneInfo(zone)) for minute, _ in made]


@pytest.mark.parametrize(
    ("zone", "switch"),
    [
        ("America/New_York", date(2026, 3, 8)),  # spring forward: 02:00 → 03:00
        ("America/New_York", date(2026, 11, 1)),  # fall back: 02:00 → 01:00
        ("Europe/Berlin", date(2026, 3, 29)),  # 02:00 → 03:00
        ("Europe/Berlin", date(2026, 10, 25)),  # 03:00 → 02:00
    ],
)
def test_the_standup_keeps_its_local_time_across_a_dst_switch(
    runtime: Runtime, queue: Queue, zone: str, switch: date
) -> None:
    known(runtime, TEAM, zone)
    only(runtime, TEAM, Ritual.STANDUP, "09:30", days="mon,tue,wed,thu,fri,sat,sun")
    utc_times = []
    for day in (switch - timedelta(days=1), switch, switch + timedelta(days=1)):
        # once a day, never twice or not at all
        [local] = started_at(runtime, queue, zone, day, time(9, 30))
        assert (local.date(), local.time()) == (day, time(9, 30))
        utc_times.append(local.astimezone(UTC).time())
    assert utc_times[0] != utc_times[2]  # the UTC minute moved by the switch's hour
    assert [run.run_key for run in runs(runtime)] == [
        (switch + timedelta(days=n)).isoformat() for n in (-1, 0, 1)
    ]
    assert len(queue.job_ids) == 3


def test_a_time_in_the_skipped_hour_runs_once_when_the_clock_passes_it(
    runtime: Runtime, queue: Queue
) -> None:
    known(runtime, TEAM, "America/New_York")
    only(runtime, TEAM, Ritual.EOD, "02:30", days="sun")
    [local] = started_at(runtime, queue, "America/New_York", date(2026, 3, 8), time(2, 30))
    assert local.time() == time(3, 0)  # 02:30 never happened: the first minute after it


def test_a_time_in_the_repeated_hour_runs_at_its_first_occurrence_only(
    runtime: Runtime, queue: Queue
) -> None:
    known(runtime, TEAM, "America/New_York")
    only(runtime, TEAM, Ritual.EOD, "01:30", days="sun")
    [local] = started_at(runtime, queue, "America/New_York", date(2026, 11, 1), time(1, 30))
    assert (local.time(), local.utcoffset()) == (time(1, 30), timedelta(hours=-4))  # EDT
    assert len(runs(runtime)) == 1  # the second 01:30 (EST) found the day's key taken


def test_weekends_and_holidays_are_skipped(runtime: Runtime, queue: Queue) -> None:
    holiday = date(2026, 1, 14)  # a Wednesday
    known(runtime, TEAM, "Europe/Berlin", holiday)
    only(runtime, TEAM, Ritual.STANDUP, "09:30")  # the default days: Monday to Friday
    monday = date(2026, 1, 12)
    held = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        held += [t.date() for t in started_at(runtime, queue, "Europe/Berlin", day, time(9, 30), 5)]
    assert held == [monday, monday + timedelta(days=1), date(2026, 1, 15), date(2026, 1, 16)]


def test_the_default_schedule_of_a_workspace_that_changed_nothing(
    runtime: Runtime, queue: Queue
) -> None:
    """rituals.toml: the morning summary at 09:00, the standup at 09:30, weekly planning at
    10:00 on Monday, the end of day at 17:00; the monthly review on the month's first working
    day; quarterly planning off. Europe/Berlin through WORKSPACE_TIME_ZONE's stand-in."""
    known(runtime, TEAM, "Europe/Berlin")
    monday = date(2026, 6, 1)  # also the first working day of June
    made = tick_at(
        runtime, queue, day_minutes("Europe/Berlin", monday, time(9, 0), every_min=10, near_min=0)
    )
    ritual_of = {run.id: run.ritual for run in runs(runtime)}
    held = [
        (minute.astimezone(ZoneInfo("Europe/Berlin")).time(), [ritual_of[run_id]])
        for minute, run_id in made
    ]
    assert held == [
        (time(9, 0), ["morning"]),
        (time(9, 30), ["standup"]),
        (time(10, 0), ["weekly"]),
        (time(11, 0), ["monthly"]),
        (time(17, 0), ["eod"]),
    ]
    assert {run.local_date for run in runs(runtime)} == {monday}


def test_one_workspaces_settings_do_not_touch_anothers(runtime: Runtime, queue: Queue) -> None:
    known(runtime, TEAM, "Europe/Berlin")
    known(runtime, OTHER_TEAM, "America/New_York")
    only(runtime, TEAM, Ritual.STANDUP, "08:00")
    only(runtime, OTHER_TEAM, Ritual.STANDUP, "10:15")
    wednesday = date(2026, 1, 14)
    minutes = day_minutes("UTC", wednesday, time(11, 0), every_min=15, near_min=0)
    when = {run_id: minute for minute, run_id in tick_at(runtime, queue, minutes)}
    [ours] = runs(runtime, TEAM)
    [theirs] = runs(runtime, OTHER_TEAM)
    assert when[ours.id] == datetime(2026, 1, 14, 7, 0, tzinfo=UTC)  # 08:00 CET
    assert when[theirs.id] == datetime(2026, 1, 14, 15, 15, tzinfo=UTC)  # 10:15 EST
    assert ours.local_date == theirs.local_date == wednesday


def noon_zone(now: datetime) -> str:
    """A fixed-offset zone in which `now` is between 11:00 and 13:00 local, so a ritual set
    for 11:00 is due now whatever the hour the test runs at (Etc/GMT's sign is inverted)."""
    offset = 12 - now.hour
    offset = offset - 24 if offset > 14 else offset
    return f"Etc/GMT{-offset:+d}" if offset else "Etc/UTC"


def test_two_cron_schedulers_give_one_run(
    runtime: Runtime, queue: Queue, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two RQ cron schedulers (two hosts, or a restart overlapping the old one) each enqueue
    their minute's tick; the worker runs both ticks, and one standup runs."""
    known(runtime, TEAM, noon_zone(utcnow()))
    only(runtime, TEAM, Ritual.STANDUP, "11:00", days="mon,tue,wed,thu,fri,sat,sun")
    monkeypatch.setitem(ritual_run.HANDLERS, Ritual.STANDUP, f"{__name__}:standup_stand_in")
    STANDUPS_HELD.clear()
    schedulers = [cron_scheduler(runtime.redis, runtime.settings.queue_name) for _ in range(2)]
    for scheduler in schedulers:
        for cron_job in scheduler.get_jobs():
            cron_job.next_enqueue_time = utcnow()  # the minute has come for both
        assert [job.func_name for job in scheduler.enqueue_jobs()] == [
            "jobs.rituals.tick.tick_rituals",
            "jobs.workspace_exit.purge_expired_workspaces",  # hourly; its hour came too
        ]
    assert len(queue.job_ids) == 4
    work(runtime)
    [run] = runs(runtime)
    assert run.status == RunStatus.DONE and run.requested_by is None
    assert [run.id] == STANDUPS_HELD
    schedulers[0].get_jobs()[0].next_enqueue_time = utcnow()  # a restart in the same minute
    schedulers[0].enqueue_jobs()
    work(runtime)
    assert len(runs(runtime)) == 1 and [run.id] == STANDUPS_HELD


STANDUPS_HELD: list[str] = []


def standup_stand_in(rt: Runtime, run: RitualRun) -> str:
    """Until the standup handler exists (issue 18's other part): records that it ran."""
    STANDUPS_HELD.append(run.id)
    return "held"


def test_the_sweeper_enqueues_a_run_claimed_while_redis_was_away(
    runtime: Runtime, queue: Queue
) -> None:
    day = date(2026, 1, 14)
    with runtime.sessions() as session:
        run_id = rituals.claim_run(session, TEAM, Ritual.STANDUP, day.isoformat(), day)
        done = rituals.claim_run(session, TEAM, Ritual.EOD, day.isoformat(), day)
        assert run_id and done
        rituals.move_run(session, TEAM, done, from_=(RunStatus.PENDING,), to=RunStatus.DONE)
    requeued = sweep(runtime.sessions, runtime.redis, runtime.settings.queue_name, grace_s=0)
    assert requeued == [RUN_RITUAL.job_id(TEAM, run_id)]
    # queued now: the next sweep leaves it be
    assert sweep(runtime.sessions, runtime.redis, runtime.settings.queue_name, grace_s=0) == []
