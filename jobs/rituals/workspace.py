"""A workspace's rituals as they apply: the data file's defaults with the workspace's own
choices on top (models/ritual_settings.py stores only what it changed).

Also the seam the ritual handlers use for where to post: `ritual_channel`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bots.ritual_config import WEEKDAYS, RitualConfig, parse_clock
from jobs.rituals.calendar import Calendar, Schedule
from jobs.runtime import Runtime
from jobs.workspace import channel_name as department_channel
from models import ritual_settings
from models.ritual_settings import RitualOverride
from models.rituals import Ritual


@dataclass(frozen=True)
class WorkspaceRituals:
    team_id: str
    calendar: Calendar
    schedules: dict[Ritual, Schedule]


def load_workspace(
    session: Session, team_id: str, config: RitualConfig, default_zone: str
) -> WorkspaceRituals:
    """What applies in `team_id` now. `default_zone` is settings.workspace_time_zone."""
    chosen = ritual_settings.calendar_override(session, team_id)
    calendar = Calendar(
        zone=ZoneInfo(chosen.time_zone or default_zone),
        holidays=frozenset(config.calendar.holidays) | frozenset(chosen.holidays),
        catch_up=timedelta(hours=config.calendar.catch_up_hours),
    )
    overrides = ritual_settings.ritual_overrides(session, team_id)
    schedules = {
        ritual: _schedule(ritual, config, overrides.get(ritual.value, RitualOverride()))
        for ritual in Ritual
    }
    return WorkspaceRituals(team_id, calendar, schedules)


def _schedule(ritual: Ritual, config: RitualConfig, chosen: RitualOverride) -> Schedule:
    default = config.rituals[ritual.value]
    clock = parse_clock(chosen.local_time) if chosen.local_time else None
    days = chosen.days.split(",") if chosen.days else default.days
    return Schedule(
        ritual=ritual,
        enabled=default.enabled if chosen.enabled is None else chosen.enabled,
        clock=clock or default.clock,
        weekdays=frozenset(WEEKDAYS.index(day) for day in days if day in WEEKDAYS),
        every=default.every,
        channel=chosen.channel or default.channel,
    )


def of_runtime(rt: Runtime, session: Session, team_id: str) -> WorkspaceRituals:
    return load_workspace(session, team_id, rt.rituals, rt.settings.workspace_time_zone)


def ritual_channel(rt: Runtime, team_id: str, ritual: Ritual) -> str:
    """The channel name (no #) a ritual posts in for this workspace: the seam the ritual
    handlers use (`/standup standup channel …` may have changed the data file's default)."""
    with rt.sessions() as session:
        chosen = of_runtime(rt, session, team_id).schedules[ritual].channel
    return department_channel(rt, team_id, chosen)  # the workspace may have renamed it
