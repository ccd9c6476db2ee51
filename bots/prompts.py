"""System prompts, assembled from text files in prompts/ and the roster.

The result must be byte-stable for a given roster and prompt files (no dates, no ids, stable
ordering): it is the prompt-caching prefix, and one changed byte re-bills the whole prefix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bots.roster import HUMAN, Agent, Roster
from errors import RosterError

DEFAULT_PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
PREAMBLE_FILE = "department.md"
# The role block's last line, written here and not in prompts/: the tools name agents by id,
# so the model learns its own, and a stand-in (the sandbox's scripted department) can tell
# which agent a request is for however the prompt files are worded.
AGENT_ID_PREFIX = "Your agent id in the department's tools: "


@dataclass(frozen=True)
class SystemPrompt:
    """Two blocks: one shared by the whole department, one for the role (two cache points)."""

    department: str
    role: str


class PromptLibrary:
    """Prompt texts read once at start-up; a missing file is a start-up error."""

    def __init__(self, roster: Roster, prompts_dir: Path = DEFAULT_PROMPTS_DIR) -> None:
        self._roster = roster
        self._preamble = _read(prompts_dir / PREAMBLE_FILE)
        self._roles = {agent.id: _read(prompts_dir / f"{agent.id}.md") for agent in roster.agents}
        self._department = self._preamble.rstrip() + "\n\n" + directory(roster)

    def system_prompt(self, agent: Agent) -> SystemPrompt:
        role = self._roles[agent.id].rstrip() + f"\n\n{AGENT_ID_PREFIX}{agent.id}\n"
        return SystemPrompt(self._department, role)


def agent_id_in(role_prompt: str) -> str | None:
    """The agent id a role block was built for (its last line), None for any other text."""
    last = role_prompt.rstrip().rpartition("\n")[2]
    return last.removeprefix(AGENT_ID_PREFIX) if last.startswith(AGENT_ID_PREFIX) else None


def _read(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise RosterError(f"Prompt file {path} is missing") from exc
    if not text.strip():
        raise RosterError(f"Prompt file {path} is empty")
    return text


def directory(roster: Roster) -> str:
    """The department directory every agent sees, generated from the roster data."""
    lines = ["# Department directory", ""]
    for agent in roster.agents:
        boss = (
            "the human executive team"
            if agent.reports_to == HUMAN
            else _name(roster, agent.reports_to)
        )
        manages = ", ".join(_name(roster, report) for report in agent.manages) or "nobody"
        lines.append(
            f"- {agent.display_name} ({agent.layer} layer, #{agent.team_channel}): reports to "
            f"{boss}; manages {manages}. Style: {agent.communication_style} "
            f"Owns: {'; '.join(agent.responsibilities)}."
        )
    lines.append("")
    lines.append("Team channels and their leads:")
    for channel in roster.channels:
        lines.append(f"- #{channel.name}: {_name(roster, channel.lead)}")
    return "\n".join(lines) + "\n"


def _name(roster: Roster, agent_id: str) -> str:
    return roster.get(agent_id).display_name
