"""The department's roster: who exists, who reports to whom, who leads which channel.

The roster is data (`roster.toml`) so that adding an agent is adding an entry. Loading it
checks the whole organisation at once (ids, reporting lines, cycles, aliases, channels) and
fails with a `RosterError` that names the bad entry: a broken org chart must stop start-up,
not surface as a confusing turn at 3 a.m.
"""

from __future__ import annotations

import contextlib
import tomllib
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from errors import RosterError

ModelTier = Literal["opus", "sonnet", "haiku"]
Layer = Literal["executive", "management", "specialist"]
HUMAN = "human"
DEFAULT_ROSTER_PATH = Path(__file__).with_name("roster.toml")
AGENT_ID_PATTERN = r"^[a-z][a-z0-9_]{1,39}$"


class Agent(BaseModel):
    """One role of the department, as the roster file describes it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=AGENT_ID_PATTERN)
    display_name: str = Field(min_length=1, max_length=80)
    icon_emoji: str = Field(pattern=r"^:[a-z0-9_+\-]+:$")
    layer: Layer
    reports_to: str
    manages: tuple[str, ...] = ()
    team_channel: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]{0,79}$")
    model_tier: ModelTier
    aliases: tuple[str, ...] = Field(min_length=1)
    communication_style: str = Field(min_length=1)
    responsibilities: tuple[str, ...] = Field(min_length=1)
    decision_domains: tuple[str, ...] = ()
    # The avatar colour on the sandbox page ("#1264a3"); without one the page picks a stable one.
    color: str | None = Field(default=None, pattern=r"^#[0-9a-fA-F]{6}$")

    @field_validator("aliases")
    @classmethod
    def _normalise_aliases(cls, aliases: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(" ".join(alias.lower().split()) for alias in aliases)
        if any(not alias for alias in cleaned):
            raise ValueError("aliases must not be blank")
        return cleaned


class Channel(BaseModel):
    """A team channel and the agent who answers there when nobody is named."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]{0,79}$")
    lead: str


class Roster(BaseModel):
    """The whole department; construct it with `load_roster` so it is checked."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    agents: tuple[Agent, ...] = Field(min_length=1)
    channels: tuple[Channel, ...] = ()

    @cached_property
    def by_id(self) -> dict[str, Agent]:
        return {agent.id: agent for agent in self.agents}

    def get(self, agent_id: str) -> Agent:
        """The agent with this id; a `KeyError` means the caller holds a stale id."""
        return self.by_id[agent_id]

    def lead_of(self, channel_name: str) -> Agent | None:
        for channel in self.channels:
            if channel.name == channel_name:
                return self.by_id[channel.lead]
        return None

    @property
    def front_door(self) -> Agent:
        """The agent who answers DMs and anything nobody else owns: the top of the chart."""
        return next(agent for agent in self.agents if agent.reports_to == HUMAN)


def load_roster(path: Path = DEFAULT_ROSTER_PATH) -> Roster:
    """Read and validate a roster file, raising `RosterError` with a readable reason."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RosterError(f"Roster file {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RosterError(f"Roster file {path} is not valid TOML: {exc}") from exc
    try:
        roster = Roster.model_validate(data)
    except ValidationError as exc:
        raise RosterError(f"Roster file {path} is invalid: {_first_problem(exc, data)}") from exc
    check_organisation(roster)
    return roster


def _first_problem(error: ValidationError, data: object) -> str:
    problem = error.errors()[0]
    loc = problem["loc"]
    where = ".".join(str(part) for part in loc)
    if len(loc) >= 2 and loc[0] == "agents" and isinstance(data, dict):
        with contextlib.suppress(IndexError, KeyError, TypeError, AttributeError):
            where = f"agent {data['agents'][loc[1]].get('id', loc[1])!r} field {loc[2]!r}"
    return f"{where}: {problem['msg']}"


def check_organisation(roster: Roster) -> None:
    """Cross-entry rules pydantic cannot see field by field."""
    _check_unique((agent.id for agent in roster.agents), "agent id")
    _check_unique((alias for agent in roster.agents for alias in agent.aliases), "alias")
    _check_unique((channel.name for channel in roster.channels), "channel")
    ids = set(roster.by_id)
    for agent in roster.agents:
        if agent.reports_to != HUMAN and agent.reports_to not in ids:
            raise RosterError(f"Agent {agent.id!r} reports_to unknown agent {agent.reports_to!r}")
    for agent in roster.agents:
        for report in agent.manages:
            if report not in ids:
                raise RosterError(f"Agent {agent.id!r} manages unknown agent {report!r}")
            if roster.by_id[report].reports_to != agent.id:
                raise RosterError(
                    f"Agent {agent.id!r} manages {report!r}, but {report!r} reports_to "
                    f"{roster.by_id[report].reports_to!r}"
                )
        direct = {a.id for a in roster.agents if a.reports_to == agent.id}
        if direct != set(agent.manages):
            missing = ", ".join(sorted(direct - set(agent.manages)))
            raise RosterError(f"Agent {agent.id!r} must list {missing} in manages")
    for channel in roster.channels:
        if channel.lead not in ids:
            raise RosterError(f"Channel {channel.name!r} is led by unknown agent {channel.lead!r}")
    _check_no_cycles(roster)
    tops = [agent.id for agent in roster.agents if agent.reports_to == HUMAN]
    if len(tops) != 1:
        raise RosterError(f"Exactly one agent must report to {HUMAN!r}; found {tops or 'none'}")


def _check_unique(values: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise RosterError(f"Duplicate {what} {value!r} in the roster")
        seen.add(value)


def _check_no_cycles(roster: Roster) -> None:
    for agent in roster.agents:
        chain = [agent.id]
        current = agent
        while current.reports_to != HUMAN:
            if current.reports_to in chain:
                loop = " -> ".join([*chain[chain.index(current.reports_to) :], current.reports_to])
                raise RosterError(f"Reporting cycle in the roster: {loop}")
            chain.append(current.reports_to)
            current = roster.by_id[current.reports_to]
