"""`/standup` as typed: the command's text → what the person asked for, or why it is refused.

Pure (no Slack, no database), so every sub-command and every bad argument is tested without an
app, and a refusal can never have changed anything: the listener acts only on a parsed request.

`/standup [<ritual>] [<action>]`: the ritual is one of `standup` (the default), `morning`,
`eod`, `weekly`, `monthly`, `quarterly`; the action `now` (the default), `skip`, `time HH:MM`,
`on`, `off` or `channel #name`. Workspace-wide: `status`, `timezone <Area/City>`,
`holiday add|remove YYYY-MM-DD`, `help`. Anything else is refused with the usage, so a typo
never runs a standup nobody asked for.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bots.ritual_config import CHANNEL_NAME, parse_clock
from jobs.slack.text import Mrkdwn, join, md
from models.rituals import Ritual

_ZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*")
RITUAL_WORDS = {ritual.value: ritual for ritual in Ritual}
RITUAL_TITLES = {
    Ritual.STANDUP: "the daily standup",
    Ritual.MORNING: "the morning summary",
    Ritual.EOD: "the end-of-day summary",
    Ritual.WEEKLY: "weekly planning",
    Ritual.MONTHLY: "the monthly review",
    Ritual.QUARTERLY: "quarterly planning",
}


@dataclass(frozen=True)
class RunNow:
    ritual: Ritual


@dataclass(frozen=True)
class SkipToday:
    ritual: Ritual


@dataclass(frozen=True)
class SetTime:
    ritual: Ritual
    clock: time


@dataclass(frozen=True)
class Switch:
    ritual: Ritual
    enabled: bool


@dataclass(frozen=True)
class SetChannel:
    ritual: Ritual
    channel: str  # a name, no #


@dataclass(frozen=True)
class ShowStatus:
    """`/standup status`: every ritual's schedule and next run, the zone and the holidays."""


@dataclass(frozen=True)
class SetTimeZone:
    zone: str


@dataclass(frozen=True)
class ChangeHoliday:
    add: bool
    day: date


@dataclass(frozen=True)
class ShowHelp:
    """`/standup help`."""


@dataclass(frozen=True)
class Refused:
    """A bad sub-command or argument: what was wrong and the usage. Changes nothing."""

    reason: Mrkdwn
    usage: Mrkdwn


RitualCommand = RunNow | SkipToday | SetTime | Switch | SetChannel
Command = RitualCommand | ShowStatus | SetTimeZone | ChangeHoliday | ShowHelp | Refused

USAGE: dict[str, str] = {
    "now": "`/standup [<ritual>] [now]`: run it now (`/standup` alone: the standup)",
    "skip": "`/standup [<ritual>] skip`: skip today's",
    "time": "`/standup [<ritual>] time HH:MM`: its local time from now on, e.g. `time 10:00`",
    "on": "`/standup [<ritual>] on` / `off`: switch it on or off",
    "channel": "`/standup [<ritual>] channel #name`: where it posts",
    "status": "`/standup status`: when each ritual runs next",
    "timezone": "`/standup timezone Europe/Berlin`: the workspace's time zone",
    "holiday": "`/standup holiday add|remove 2026-12-24`: a day without rituals",
    "help": "`/standup help`: this list",
}
RITUALS_LINE = (
    "Rituals: `standup` (default), `morning` (summary), `eod` (end of day), `weekly`, "
    "`monthly`, `quarterly`."
)
ACTION_WORDS = ("now", "skip", "time", "on", "off", "channel")
WORKSPACE_WORDS = ("status", "timezone", "holiday", "help")


def usage(*names: str) -> Mrkdwn:
    """The usage lines of these sub-commands (all of them, and the rituals, when none)."""
    lines = [Mrkdwn(f"• {USAGE[name]}") for name in names or USAGE]
    return join("\n", [*lines, *([] if names else [Mrkdwn(RITUALS_LINE)])])


def parse_standup(text: str) -> Command:
    """What `/standup <text>` asks for. `text` is the person's text as read (`from_slack`)."""
    words = text.split()
    if words and words[0].lower() in WORKSPACE_WORDS:
        return _workspace(words[0].lower(), words[1:])
    ritual = Ritual.STANDUP
    if words and words[0].lower() in RITUAL_WORDS:
        ritual, words = RITUAL_WORDS[words[0].lower()], words[1:]
    if not words:
        return RunNow(ritual)
    action, rest = words[0].lower(), words[1:]
    if action not in ACTION_WORDS:
        return _unknown(words[0])
    return _action(ritual, action, rest)


def _action(ritual: Ritual, action: str, rest: list[str]) -> Command:
    if action in ("now", "skip", "on", "off"):
        if rest:
            shown = "on" if action == "off" else action  # one line tells both
            return Refused(md("`{a}` takes nothing after it.", a=action), usage(shown))
        simple: dict[str, Command] = {
            "now": RunNow(ritual),
            "skip": SkipToday(ritual),
            "on": Switch(ritual, True),
            "off": Switch(ritual, False),
        }
        return simple[action]
    if len(rest) != 1:
        said = "needs" if not rest else "takes only"
        what = "one time, e.g. `10:00`" if action == "time" else "one channel, e.g. `#mkt-standup`"
        return Refused(
            md("`{a}` {said} {what}.", a=action, said=said, what=Mrkdwn(what)), usage(action)
        )
    if action == "time":
        clock = parse_clock(rest[0])
        if clock is None:
            return Refused(
                md("`{t}` is not a 24-hour time such as `09:30` or `17:00`.", t=rest[0]),
                usage("time"),
            )
        return SetTime(ritual, clock)
    name = rest[0].removeprefix("#").lower()
    if not CHANNEL_NAME.fullmatch(name):
        return Refused(md("`{c}` is not a channel name.", c=rest[0]), usage("channel"))
    return SetChannel(ritual, name)


def _workspace(word: str, rest: list[str]) -> Command:
    if word in ("status", "help"):
        if rest:
            return Refused(md("`{w}` takes nothing after it.", w=word), usage(word))
        return ShowStatus() if word == "status" else ShowHelp()
    if word == "timezone":
        if len(rest) != 1:
            return Refused(
                md("`timezone` needs one zone, e.g. `Europe/Berlin`."), usage("timezone")
            )
        return _zone(rest[0])
    if len(rest) != 2 or rest[0].lower() not in ("add", "remove"):
        return Refused(md("`holiday` needs `add` or `remove` and a date."), usage("holiday"))
    try:
        day = date.fromisoformat(rest[1])
    except ValueError:
        return Refused(md("`{d}` is not a date such as `2026-12-24`.", d=rest[1]), usage("holiday"))
    return ChangeHoliday(rest[0].lower() == "add", day)


def _zone(name: str) -> Command:
    """An IANA zone name as the tz database spells it (`europe/berlin` is found too)."""
    if _ZONE.fullmatch(name):
        for candidate in (name, "/".join(part.title() for part in name.split("/"))):
            try:
                ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
            return SetTimeZone(candidate)
    return Refused(
        md(
            "`{z}` is not a time zone; use an IANA name such as `Europe/Berlin` or "
            "`America/New_York`.",
            z=name,
        ),
        usage("timezone"),
    )


def _unknown(word: str) -> Refused:
    choices = [*RITUAL_WORDS, *ACTION_WORDS, *WORKSPACE_WORDS]
    guess = difflib.get_close_matches(word.lower(), choices, n=1, cutoff=0.6)
    hint = md(" Did you mean `{g}`?", g=guess[0]) if guess else Mrkdwn("")
    return Refused(md("`{w}` is not something `/standup` knows.{hint}", w=word, hint=hint), usage())
