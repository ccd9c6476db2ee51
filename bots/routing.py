"""Who answers a message: a pure function of the text, the thread and the channel.

Order (the product rule): an agent addressed as its own Slack bot user (a mention of
`@Copywriter`, a DM to it: one Slack app per agent, handlers/agent_apps.py) wins; then an
agent named in the text; then the agent already answering in this thread (a follow-up stays
with whoever you were talking to); then the lead of the team channel; otherwise the
department's front door (the CMO), which also answers DMs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bots.roster import Agent, Roster

_SLACK_MARKUP = re.compile(r"<[@#!][^>]*>")


@dataclass(frozen=True)
class Route:
    agent: Agent
    reason: str  # "own_app", "named", "thread", "channel_lead", "front_door"


def named_agent(roster: Roster, text: str) -> Agent | None:
    """The agent whose alias appears earliest in the text (longest alias on a tie)."""
    haystack = " ".join(_SLACK_MARKUP.sub(" ", text).lower().split())
    best: tuple[int, int, Agent] | None = None
    for agent in roster.agents:
        for alias in agent.aliases:
            match = _alias_pattern(alias).search(haystack)
            if match is None:
                continue
            key = (match.start(), -len(alias))
            if best is None or key < best[:2]:
                best = (key[0], key[1], agent)
    return best[2] if best else None


@lru_cache(maxsize=512)
def _alias_pattern(alias: str) -> re.Pattern[str]:
    words = r"\s+".join(re.escape(word) for word in alias.split())
    return re.compile(rf"(?<![\w-])@?{words}(?![\w-])")


def without_address(agent: Agent, text: str) -> str:
    """`text` without a leading "@alias:" (or "alias,") naming `agent`: a request's title
    reads "we need a blog post…", not "content manager: we need a blog post…", wherever it is
    listed (standups, reviews, App Home). Text not addressed so is returned as is."""
    stripped = text.lstrip()
    for alias in sorted(agent.aliases, key=len, reverse=True):
        pattern = _address_pattern(alias)
        match = pattern.match(stripped)
        if match is not None and stripped[match.end() :].strip():
            return stripped[match.end() :].lstrip()
    return text


@lru_cache(maxsize=512)
def _address_pattern(alias: str) -> re.Pattern[str]:
    words = r"\s+".join(re.escape(word) for word in alias.split())
    return re.compile(rf"@?{words}\s*[:,]", re.IGNORECASE)


def route(
    roster: Roster,
    text: str,
    *,
    is_dm: bool,
    channel_name: str | None,
    thread_agent_id: str | None,
    addressed_agent_id: str | None = None,
) -> Route:
    """Pick the agent for a request; never fails (the front door is always there)."""
    if addressed_agent_id is not None and addressed_agent_id in roster.by_id:
        return Route(roster.get(addressed_agent_id), "own_app")
    agent = named_agent(roster, text)
    if agent is not None:
        return Route(agent, "named")
    if thread_agent_id is not None and thread_agent_id in roster.by_id:
        return Route(roster.get(thread_agent_id), "thread")
    if not is_dm and channel_name is not None:
        lead = roster.lead_of(channel_name)
        if lead is not None:
            return Route(lead, "channel_lead")
    return Route(roster.front_door, "front_door")
