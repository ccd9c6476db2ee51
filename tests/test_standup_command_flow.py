"""`/standup` through the real Bolt app, the database and Redis: run now (taking today's key,
so the scheduled minute starts nothing), skip today, change the time, off and on, every bad
argument changing nothing, and one workspace's settings apart from another's."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from freezegun import freeze_time
from rq import Queue
from sqlalchemy import func, select

from jobs.queue import RUN_RITUAL, turn_queue
from jobs.rituals import run as ritual_run
from jobs.rituals.tick import start_due_rituals
from jobs.runtime import Runtime
from models import ritual_settings, rituals
from models.base import utcnow
from models.ritual_settings import RitualSetting, WorkspaceCalendar
from models.rituals import Ritual, RitualRun, RunStatus
from sandbox.signing import SlackRequestSender
from tests.conftest import CHANNEL_GENERAL, HUMAN, SIGNING_SECRET, TEAM, ServedApp, work
from tests.handlers.test_standup_command import BAD_ARGUMENTS

OTHER_TEAM = "T0OTHER"
EVERY_DAY = "mon,tue,wed,thu,fri,sat,sun"


@pytest.fixture()
def queue(runtime: Runtime) -> Queue:
    return turn_queue(runtime.redis, runtime.settings.queue_name)


def standup(bolt: ServedApp, text: str, team_id: str = TEAM) -> str:
    """`/standup <text>` typed by a person; the private answer in the ack."""
    sender = bolt.sender
    if team_id != TEAM:
        sender = SlackRequestSender(bolt.url, SIGNING_SECRET, team_id=team_id)
    response = sender.send_command("/standup", text, user_id=HUMAN, channel_id=CHANNEL_GENERAL)
    assert response.status == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    return str(body["text"])


def today() -> date:
    return utcnow().date()  # the workspace keeps UTC (WORKSPACE_TIME_ZONE's default)


def tick_at(rt: Runtime, queue: Queue, clock: time) -> list[str]:
    """The scheduler's tick at `clock` today (UTC), as RQ's cron would enqueue it."""
    with freeze_time(datetime.combine(today(), clock, tzinfo=UTC)):
        return start_due_rituals(rt, queue, utcnow())


def runs(rt: Runtime, team_id: str = TEAM) -> list[RitualRun]:
    with rt.sessions() as session:
        query = select(RitualRun).where(RitualRun.team_id == team_id)
        return list(session.scalars(query.order_by(RitualRun.created_at)))


def every_day(rt: Runtime, team_id: str = TEAM) -> None:
    """The standup on every day of the week, so the test means the same on a Sunday, and the
    other rituals off, so a tick starts only the standup."""
    with rt.sessions() as session:
        ritual_settings.save_ritual(session, team_id, "standup", "U0ADMIN", days=EVERY_DAY)
        for other in set(Ritual) - {Ritual.STANDUP}:
            ritual_settings.save_ritual(session, team_id, other.value, "U0ADMIN", enabled=False)


def test_run_now_takes_todays_key_so_the_scheduled_minute_starts_nothing(
    bolt: ServedApp, runtime: Runtime, queue: Queue
) -> None:
    every_day(runtime)
    assert standup(bolt, "") == "Starting the daily standup now in #mkt-standup."
    [run] = runs(runtime)
    assert (run.run_key, run.requested_by, run.status) == (today().isoformat(), HUMAN, "pending")
    assert queue.job_ids == [RUN_RITUAL.job_id(TEAM, run.id)]
    assert tick_at(runtime, queue, time(9, 30)) == []  # the day's key is taken
    answer = standup(bolt, "now")  # while it has not finished
    assert answer.startswith("The daily standup is running already: see #mkt-standup.")
    assert len(runs(runtime)) == 1 and len(queue.job_ids) == 1


def test_run_now_after_the_days_run_gets_a_key_of_its_own(
    bolt: ServedApp, runtime: Runtime, queue: Queue
) -> None:
    every_day(runtime)
    [scheduled] = tick_at(runtime, queue, time(9, 30))
    with runtime.sessions() as session:
        rituals.move_run(session, TEAM, scheduled, from_=(RunStatus.PENDING,), to=RunStatus.DONE)
    assert standup(bolt, "standup now") == "Starting the daily standup now in #mkt-standup."
    [second] = [run for run in runs(runtime) if run.id != scheduled]
    assert second.run_key.startswith(f"{today().isoformat()}-")
    assert second.requested_by == HUMAN and second.local_date == today()
    assert RUN_RITUAL.job_id(TEAM, second.id) in queue.job_ids


def test_other_rituals_run_now_by_argument(bolt: ServedApp, runtime: Runtime, queue: Queue) -> None:
    assert standup(bolt, "eod now") == "Starting the end-of-day summary now in #mkt-leadership."
    assert standup(bolt, "morning") == "Starting the morning summary now in #mkt-insights."
    assert sorted(run.ritual for run in runs(runtime)) == ["eod", "morning"]
    assert len(queue.job_ids) == 2


def test_skip_today(bolt: ServedApp, runtime: Runtime, queue: Queue) -> None:
    every_day(runtime)
    assert standup(bolt, "skip").startswith("Today's daily standup is skipped. ")
    assert tick_at(runtime, queue, time(9, 30)) == []
    [run] = runs(runtime)
    assert (run.run_key, run.status) == (today().isoformat(), "skipped")
    assert standup(bolt, "skip") == "Today's daily standup was skipped already; nothing changed."
    assert queue.job_ids == []


def test_skip_a_run_claimed_but_not_started(
    bolt: ServedApp, runtime: Runtime, queue: Queue, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tick claimed it and its job waits: skipped, the job finds it so and posts nothing."""
    monkeypatch.setitem(ritual_run.HANDLERS, Ritual.STANDUP, "builtins:print")
    every_day(runtime)
    [run_id] = tick_at(runtime, queue, time(9, 30))
    assert standup(bolt, "skip").startswith("Today's daily standup is skipped.")
    work(runtime)
    with runtime.sessions() as session:
        run = rituals.load_run(session, TEAM, run_id)
        assert run is not None and run.status == RunStatus.SKIPPED and run.started_at is None
    assert standup(bolt, "skip").endswith("was skipped already; nothing changed.")


def test_skip_after_the_run_started_changes_nothing(
    bolt: ServedApp, runtime: Runtime, queue: Queue
) -> None:
    every_day(runtime)
    [run_id] = tick_at(runtime, queue, time(9, 30))
    with runtime.sessions() as session:
        rituals.move_run(session, TEAM, run_id, from_=(RunStatus.PENDING,), to=RunStatus.RUNNING)
    answer = standup(bolt, "skip")
    assert answer == "Today's daily standup has already started or been held; nothing changed."
    assert [run.status for run in runs(runtime)] == ["running"]


def test_change_the_time(bolt: ServedApp, runtime: Runtime, queue: Queue) -> None:
    every_day(runtime)
    answer = standup(bolt, "time 10:15")
    assert (
        answer.startswith("Done. The daily standup: next ")
        and "10:15 (UTC) in #mkt-standup" in answer
    )
    assert tick_at(runtime, queue, time(9, 30)) == []
    assert tick_at(runtime, queue, time(10, 14)) == []
    [run_id] = tick_at(runtime, queue, time(10, 15))
    [run] = runs(runtime)
    assert run.id == run_id and run.scheduled_for == datetime.combine(
        today(), time(10, 15), tzinfo=UTC
    )


def test_off_and_on(bolt: ServedApp, runtime: Runtime, queue: Queue) -> None:
    every_day(runtime)
    assert standup(bolt, "off") == (
        "Done. The daily standup is off (`/standup standup on` switches it on)."
    )
    assert tick_at(runtime, queue, time(9, 30)) == []
    assert standup(bolt, "on").startswith("Done. The daily standup: next ")
    assert len(tick_at(runtime, queue, time(9, 31))) == 1
    assert standup(bolt, "weekly off").startswith("Done. Weekly planning is off")
    with runtime.sessions() as session:
        chosen = ritual_settings.ritual_overrides(session, TEAM)
    assert (chosen["standup"].enabled, chosen["weekly"].enabled) == (True, False)


@pytest.mark.parametrize("text", [bad[0] for bad in BAD_ARGUMENTS] + ["skp", "eod stop", "daily"])
def test_a_bad_argument_answers_privately_and_changes_nothing(
    bolt: ServedApp, runtime: Runtime, queue: Queue, text: str
) -> None:
    answer = standup(bolt, text)
    assert "Nothing changed." in answer and "*Usage*" in answer
    with runtime.sessions() as session:
        for table in (RitualRun, RitualSetting, WorkspaceCalendar):
            assert session.scalar(select(func.count()).select_from(table)) == 0
    assert queue.job_ids == []


def test_settings_per_workspace(bolt: ServedApp, runtime: Runtime, queue: Queue) -> None:
    every_day(runtime)
    every_day(runtime, OTHER_TEAM)
    assert standup(bolt, "time 11:00", OTHER_TEAM).startswith("Done.")
    assert standup(bolt, "channel #daily-sync", OTHER_TEAM).endswith("in #daily-sync.")
    assert standup(bolt, "timezone Asia/Tokyo", OTHER_TEAM).startswith(
        "*Rituals* (time zone Asia/Tokyo"
    )
    assert "is off" in standup(bolt, "eod off")
    status = standup(bolt, "status")
    assert status.startswith("*Rituals* (time zone UTC; holidays: none)")
    assert "• The daily standup: next " in status and "09:30 (UTC) in #mkt-standup" in status
    assert "• The end-of-day summary is off" in status
    other = standup(bolt, "status", OTHER_TEAM)
    assert "11:00 (Asia/Tokyo) in #daily-sync" in other and "end-of-day summary is off" in other
    assert standup(bolt, "eod on", OTHER_TEAM).startswith("Done. The end-of-day summary: next")
    assert "end-of-day summary is off" in standup(bolt, "status")  # ours stays off
    assert tick_at(runtime, queue, time(9, 30)) != []  # ours, at 09:30 UTC
    # theirs at 11:00 Tokyo (02:00 UTC) was not due at 09:30 UTC
    assert "standup" not in [run.ritual for run in runs(runtime, OTHER_TEAM)]


def test_holidays_and_help(bolt: ServedApp, runtime: Runtime, queue: Queue) -> None:
    every_day(runtime)
    added = standup(bolt, f"holiday add {today().isoformat()}")
    assert f"holidays: {today().isoformat()})" in added
    assert tick_at(runtime, queue, time(9, 30)) == []
    assert "holidays: none" in standup(bolt, f"holiday remove {today().isoformat()}")
    assert len(tick_at(runtime, queue, time(9, 30))) == 1
    help_text = standup(bolt, "help")
    assert help_text.startswith("*`/standup`: the department's rituals*")
    assert "`/standup [<ritual>] skip`" in help_text and "Rituals: `standup` (default)" in help_text
