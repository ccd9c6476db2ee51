"""What `/standup` does once parsed: the ritual records and the queue, answered privately.

Every change is committed before the method returns, so the listener acks after it (as every
event is persisted before Slack hears back). A run asked for now claims today's key when the
day's scheduled run has not happened (the tick at 09:30 then finds it taken and starts nothing)
and a key of its own otherwise; either way its job is enqueued, or the sweeper enqueues it if
Redis is away. Settings are per workspace: the person's `team_id` is in every query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from rq import Queue
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bots.ritual_config import RitualConfig
from handlers.campaign_actions import Requester
from handlers.standup_command import (
    RITUAL_TITLES,
    ChangeHoliday,
    Command,
    Refused,
    RunNow,
    SetChannel,
    SetTime,
    SetTimeZone,
    ShowHelp,
    SkipToday,
    Switch,
    usage,
)
from jobs.queue import RUN_RITUAL, try_enqueue
from jobs.rituals.calendar import local_today, next_run
from jobs.rituals.workspace import WorkspaceRituals, load_workspace
from jobs.slack.text import Mrkdwn, join, md
from models import ritual_settings, rituals
from models.base import new_id, utcnow
from models.db import write_guard
from models.rituals import Ritual, RitualRun, RunStatus

IN_MOTION = (RunStatus.PENDING.value, RunStatus.RUNNING.value)


@dataclass(frozen=True)
class RitualControl:
    """`engine` holds the runs and settings, `queue` takes the jobs; `config` and
    `default_zone` (settings.workspace_time_zone) are what applies where a workspace chose
    nothing."""

    engine: Engine
    queue: Queue
    config: RitualConfig
    default_zone: str

    def answer(self, who: Requester, command: Command) -> Mrkdwn:
        """The private answer to a parsed command (a refusal changes nothing)."""
        if isinstance(command, Refused):
            return md(
                "{reason} Nothing changed.\n*Usage*\n{usage}",
                reason=command.reason,
                usage=command.usage,
            )
        if isinstance(command, ShowHelp):
            return md("*`/standup`: the department's rituals*\n{usage}", usage=usage())
        with write_guard(self.engine), Session(self.engine) as session:
            return self._answer(session, who, command)

    def _answer(self, session: Session, who: Requester, command: Command) -> Mrkdwn:
        team = who.team_id
        if isinstance(command, RunNow):
            return self._run_now(session, who, command.ritual)
        if isinstance(command, SkipToday):
            return self._skip(session, team, command.ritual)
        if isinstance(command, SetTime):
            ritual_settings.save_ritual(
                session,
                team,
                command.ritual.value,
                who.user_id,
                local_time=command.clock.strftime("%H:%M"),
            )
        elif isinstance(command, Switch):
            ritual_settings.save_ritual(
                session, team, command.ritual.value, who.user_id, enabled=command.enabled
            )
        elif isinstance(command, SetChannel):
            ritual_settings.save_ritual(
                session, team, command.ritual.value, who.user_id, channel=command.channel
            )
        elif isinstance(command, SetTimeZone):
            ritual_settings.save_calendar(session, team, who.user_id, time_zone=command.zone)
        elif isinstance(command, ChangeHoliday):
            return self._holiday(session, who, command)
        if isinstance(command, SetTime | Switch | SetChannel):
            return md("Done. {line}", line=self._line(session, team, command.ritual))
        return self._status(session, team)

    def _workspace(self, session: Session, team_id: str) -> WorkspaceRituals:
        return load_workspace(session, team_id, self.config, self.default_zone)

    def _run_now(self, session: Session, who: Requester, ritual: Ritual) -> Mrkdwn:
        workspace = self._workspace(session, who.team_id)
        today = local_today(workspace.calendar, utcnow())
        held = rituals.runs_on(session, who.team_id, ritual, today)
        title, channel = RITUAL_TITLES[ritual], workspace.schedules[ritual].channel
        if any(run.status in IN_MOTION for run in held):
            return md(
                "{t} is running already: see #{c}. Nothing new was started.",
                t=title.capitalize(),
                c=channel,
            )
        key = today.isoformat() if not held else f"{today.isoformat()}-{new_id()[:12]}"
        run_id = rituals.claim_run(
            session, who.team_id, ritual, key, today, requested_by=who.user_id
        )
        if run_id is None:  # the scheduler claimed today's key a moment ago
            return md("{t} has just started: see #{c}.", t=title.capitalize(), c=channel)
        try_enqueue(self.queue, RUN_RITUAL, who.team_id, run_id)
        return md("Starting {t} now in #{c}.", t=title, c=channel)

    def _skip(self, session: Session, team_id: str, ritual: Ritual) -> Mrkdwn:
        workspace = self._workspace(session, team_id)
        today = local_today(workspace.calendar, utcnow())
        title = RITUAL_TITLES[ritual].removeprefix("the ")  # "Today's daily standup"
        made = rituals.claim_run(
            session, team_id, ritual, today.isoformat(), today, status=RunStatus.SKIPPED
        )
        if made is None:
            run = _todays(session, team_id, ritual, today)
            moved = run is not None and rituals.move_run(
                session, team_id, run.id, from_=(RunStatus.PENDING,), to=RunStatus.SKIPPED
            )
            if not moved:
                state = (
                    "was skipped already"
                    if run and run.status == RunStatus.SKIPPED
                    else ("has already started or been held")
                )
                return md("Today's {t} {state}; nothing changed.", t=title, state=state)
        return md(
            "Today's {t} is skipped. {line}", t=title, line=self._line(session, team_id, ritual)
        )

    def _holiday(self, session: Session, who: Requester, command: ChangeHoliday) -> Mrkdwn:
        days = set(ritual_settings.calendar_override(session, who.team_id).holidays)
        days = days | {command.day} if command.add else days - {command.day}
        ritual_settings.save_calendar(session, who.team_id, who.user_id, holidays=tuple(days))
        return self._status(session, who.team_id)

    def _line(self, session: Session, team_id: str, ritual: Ritual) -> Mrkdwn:
        workspace = self._workspace(session, team_id)
        schedule, now = workspace.schedules[ritual], utcnow()
        today = local_today(workspace.calendar, now)
        taken = bool(rituals.runs_on(session, team_id, ritual, today))
        when = next_run(schedule, workspace.calendar, now, today_taken=taken)
        title = RITUAL_TITLES[ritual].capitalize()
        if when is None:
            return md("{t} is off (`/standup {r} on` switches it on).", t=title, r=ritual.value)
        return md("{t}: next {when} in #{c}.", t=title, when=_when(when), c=schedule.channel)

    def _status(self, session: Session, team_id: str) -> Mrkdwn:
        workspace = self._workspace(session, team_id)
        lines = [self._line(session, team_id, ritual) for ritual in workspace.schedules]
        holidays = sorted(workspace.calendar.holidays)
        return md(
            "*Rituals* (time zone {zone}; holidays: {days})\n{lines}",
            zone=str(workspace.calendar.zone),
            days=", ".join(day.isoformat() for day in holidays) or "none",
            lines=join("\n", [md("• {line}", line=line) for line in lines]),
        )


def _todays(session: Session, team_id: str, ritual: Ritual, today: date) -> RitualRun | None:
    return next(
        (
            run
            for run in rituals.runs_on(session, team_id, ritual, today)
            if run.run_key == today.isoformat()
        ),
        None,
    )


def _when(local: datetime) -> str:
    """`Wed 14 Jan 09:30 (Europe/Berlin)`: the workspace's own clock, as a person reads it."""
    return f"{local.strftime('%a')} {local.day} {local.strftime('%b %H:%M')} ({local.tzinfo})"
