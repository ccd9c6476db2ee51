"""`/standup` text → request: every sub-command, and every bad argument refused with its
usage (the listener acts only on a parsed request, so a refusal changes nothing)."""

from __future__ import annotations

from datetime import date, time

import pytest

from handlers.standup_command import (
    ChangeHoliday,
    Command,
    Refused,
    RunNow,
    SetChannel,
    SetTime,
    SetTimeZone,
    ShowHelp,
    ShowStatus,
    SkipToday,
    Switch,
    parse_standup,
)
from models.rituals import Ritual


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", RunNow(Ritual.STANDUP)),
        ("  ", RunNow(Ritual.STANDUP)),
        ("now", RunNow(Ritual.STANDUP)),
        ("NOW", RunNow(Ritual.STANDUP)),
        ("skip", SkipToday(Ritual.STANDUP)),
        ("time 10:00", SetTime(Ritual.STANDUP, time(10, 0))),
        ("time 9:05", SetTime(Ritual.STANDUP, time(9, 5))),
        ("off", Switch(Ritual.STANDUP, False)),
        ("on", Switch(Ritual.STANDUP, True)),
        ("channel #daily", SetChannel(Ritual.STANDUP, "daily")),
        ("eod", RunNow(Ritual.EOD)),
        ("eod now", RunNow(Ritual.EOD)),
        ("Weekly off", Switch(Ritual.WEEKLY, False)),
        ("morning time 08:45", SetTime(Ritual.MORNING, time(8, 45))),
        ("monthly skip", SkipToday(Ritual.MONTHLY)),
        ("quarterly on", Switch(Ritual.QUARTERLY, True)),
        ("standup channel mkt-standup", SetChannel(Ritual.STANDUP, "mkt-standup")),
        ("status", ShowStatus()),
        ("help", ShowHelp()),
        ("timezone Europe/Berlin", SetTimeZone("Europe/Berlin")),
        ("timezone america/new_york", SetTimeZone("America/New_York")),
        ("timezone UTC", SetTimeZone("UTC")),
        ("holiday add 2026-12-24", ChangeHoliday(True, date(2026, 12, 24))),
        ("holiday Remove 2026-12-24", ChangeHoliday(False, date(2026, 12, 24))),
    ],
)
def test_sub_commands(text: str, expected: Command) -> None:
    assert parse_standup(text) == expected


# Every bad argument: what is typed, the reason given, a piece of the usage shown.
BAD_ARGUMENTS = [
    ("time", "`time` needs one time", "time HH:MM"),
    ("time 10:00 11:00", "`time` takes only one time", "time HH:MM"),
    ("time 25:00", "`25:00` is not a 24-hour time", "time HH:MM"),
    ("time 10am", "`10am` is not a 24-hour time", "time HH:MM"),
    ("eod time 9.30", "`9.30` is not a 24-hour time", "time HH:MM"),
    ("now please", "`now` takes nothing after it.", "[now]"),
    ("skip tomorrow", "`skip` takes nothing after it.", "skip"),
    ("off eod", "`off` takes nothing after it.", "`off`"),
    ("on now", "`on` takes nothing after it.", "`off`"),
    ("channel", "`channel` needs one channel", "channel #name"),
    ("channel #Bad Name", "`channel` takes only one channel", "channel #name"),
    ("channel #bad!", "`#bad!` is not a channel name", "channel #name"),
    ("status now", "`status` takes nothing after it.", "/standup status"),
    ("help me", "`help` takes nothing after it.", "/standup help"),
    ("timezone", "`timezone` needs one zone", "timezone Europe/Berlin"),
    ("timezone Mars/Olympus", "`Mars/Olympus` is not a time zone", "timezone Europe/Berlin"),
    ("timezone ../etc/passwd", "`../etc/passwd` is not a time zone", "timezone"),
    ("holiday", "`holiday` needs `add` or `remove` and a date", "holiday add|remove"),
    ("holiday add", "`holiday` needs `add` or `remove` and a date", "holiday add|remove"),
    ("holiday move 2026-12-24", "needs `add` or `remove`", "holiday add|remove"),
    ("holiday add 24/12/2026", "`24/12/2026` is not a date", "holiday add|remove"),
    ("holiday add 2026-13-01", "`2026-13-01` is not a date", "holiday add|remove"),
]


@pytest.mark.parametrize(("text", "reason", "usage"), BAD_ARGUMENTS)
def test_bad_arguments_name_the_problem_and_the_usage(text: str, reason: str, usage: str) -> None:
    refused = parse_standup(text)
    assert isinstance(refused, Refused), refused
    assert reason in refused.reason.text
    assert usage in refused.usage.text


@pytest.mark.parametrize(
    ("text", "guess"),
    [
        ("skp", "skip"),
        ("stauts", "status"),
        ("eod stop", None),
        ("daily", None),
        ("weekley", "weekly"),
    ],
)
def test_an_unknown_word_is_refused_with_the_whole_usage(text: str, guess: str | None) -> None:
    refused = parse_standup(text)
    assert isinstance(refused, Refused)
    assert "is not something `/standup` knows" in refused.reason.text
    assert (
        (f"Did you mean `{guess}`?" in refused.reason.text)
        if guess
        else ("Did you mean" not in refused.reason.text)
    )
    assert "/standup [<ritual>] skip" in refused.usage.text and "Rituals:" in refused.usage.text


def test_a_refusal_escapes_what_was_typed() -> None:
    refused = parse_standup("<!channel>")
    assert isinstance(refused, Refused)
    assert "<!channel>" not in refused.reason.text and "&lt;!channel&gt;" in refused.reason.text
