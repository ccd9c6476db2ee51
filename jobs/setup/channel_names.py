"""The department's channels and the names a workspace may give them (issue 20): one rule for
`python app.py setup --channel` and App Home's channel-names form, so the two never disagree
on what is a name. Pure: no Slack, no database (the web process imports it)."""

from __future__ import annotations

import re

from bots.roster import Roster

CHANNEL_NAME = r"[a-z0-9][a-z0-9_\-]{0,79}"  # Slack's rule for a channel's name
MAX_NAME_CHARS = 80
NAME_RULE = (
    "Slack channel names use lowercase letters, digits, - and _ only (no spaces), start with "
    "a letter or digit and have at most 80 characters."
)


def department_channel_names(
    roster: Roster, escalation_channel: str, campaign_channel: str
) -> list[str]:
    """The default names of the department's channels: the roster's team channels, then the
    escalation and campaign channels (settings.py) if they are not among them."""
    names = [channel.name for channel in roster.channels]
    extra = (escalation_channel, campaign_channel)
    return names + [name for name in dict.fromkeys(extra) if name not in names]


def cleaned(typed: str) -> str:
    """What a person typed, as a name: spaces around it and a leading # are not part of it."""
    return typed.strip().removeprefix("#")


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a Slack channel's name (None: it can)."""
    if not name:
        return "Give the channel a name."
    if len(name) > MAX_NAME_CHARS:
        return f"At most {MAX_NAME_CHARS} characters. {NAME_RULE}"
    if not re.fullmatch(CHANNEL_NAME, name):
        return NAME_RULE
    return None


def clashes(names: dict[str, str]) -> dict[str, str]:
    """Department channels (by default name) given a name an earlier one already has, each
    with that earlier one's default name: two of the department's channels would be one."""
    first: dict[str, str] = {}
    found: dict[str, str] = {}
    for default, name in names.items():
        if name in first:
            found[default] = first[name]
        else:
            first[name] = default
    return found
