"""The fan-out benchmark's world: a flattened roster, scripted replies, the worker command.

The roster keeps all fourteen agents (every prompt file exists) and only moves reporting
lines: the specialists named in `SPECIALISTS` report straight to the manager, so one
manager can delegate to up to eight of them in one turn.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from bots.roster import DEFAULT_ROSTER_PATH, Agent, Roster, load_roster
from sandbox.claude_api import ScriptedClaude, TextReply, ToolUseReply

MANAGER = "cmo"
SPECIALISTS = (
    "copywriter",
    "seo_specialist",
    "analytics_specialist",
    "market_research",
    "designer",
    "email_specialist",
    "linkedin_manager",
    "twitter_manager",
)
SYNTHESIS_MARK = "<deliverable "  # a synthesis frames each report's work: jobs/claude/framing.py


def write_fanout_roster(path: Path) -> Roster:
    """Write bots/roster.toml with every specialist reporting to the manager; validated."""
    data = tomllib.loads(DEFAULT_ROSTER_PATH.read_text(encoding="utf-8"))
    agents = {agent["id"]: agent for agent in data["agents"]}
    for specialist in SPECIALISTS:
        old_boss = agents[agents[specialist]["reports_to"]]
        old_boss["manages"] = [a for a in old_boss["manages"] if a != specialist]
        agents[specialist]["reports_to"] = MANAGER
        if specialist not in agents[MANAGER]["manages"]:
            agents[MANAGER]["manages"].append(specialist)
    path.write_text(_as_toml(data), encoding="utf-8")
    return load_roster(path)  # the same checks the app and the workers run at start-up


def _as_toml(data: dict[str, Any]) -> str:
    """Arrays of tables of strings and string lists: all a roster file holds."""
    lines = []
    for table, rows in data.items():
        for row in rows:
            lines.append(f"[[{table}]]")
            lines.extend(f"{key} = {_toml_value(value)}" for key, value in row.items())
            lines.append("")
    return "\n".join(lines)


def _toml_value(value: object) -> str:
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise TypeError(f"unexpected roster value {value!r}")


def _first_text(body: dict[str, Any]) -> str:
    content = body["messages"][0]["content"]
    if isinstance(content, str):
        return content
    return " ".join(str(block.get("text", "")) for block in content)


def _matcher(agent: Agent, tag: str, *, synthesis: bool) -> Any:
    """Requests of this agent for the request tagged `tag`: first turn or synthesis."""
    role_line = f"You are the {agent.display_name} "

    def match(body: dict[str, Any]) -> bool:
        text = _first_text(body)
        return (
            str(body["system"][1]["text"]).startswith(role_line)
            and tag in text
            and (SYNTHESIS_MARK in text) == synthesis
        )

    return match


def script_fanout(
    claude: ScriptedClaude, roster: Roster, tag: str, n: int, latency_s: float
) -> str:
    """Script one request: N delegations, N slow specialists, a quick synthesis.

    Every script matches on `tag`, so a reply can never go to another request. Returns the
    synthesis text, which marks the end of the measured interval in the origin thread.
    """
    manager = roster.get(MANAGER)
    chosen = [roster.get(agent_id) for agent_id in SPECIALISTS[:n]]
    delegations = [
        ToolUseReply(
            "delegate",
            {
                "to": agent.id,
                "title": f"Launch input from {agent.display_name}",
                "brief": f"Your part of the spring launch plan ({tag}); due tomorrow.",
            },
        )
        for agent in chosen
    ]
    names = ", ".join(agent.display_name for agent in chosen)
    ack = TextReply(f"On it: {names} are working on their parts.")
    claude.script_for(_matcher(manager, tag, synthesis=False), *delegations, ack)
    for agent in chosen:
        deliverable = f"{agent.display_name}'s part of the plan for {tag}."
        reply = TextReply(deliverable, first_byte_delay_s=latency_s)
        claude.script_for(_matcher(agent, tag, synthesis=False), reply)
    synthesis = f"The spring launch plan ({tag}), from {n} specialists' work."
    claude.script_for(_matcher(manager, tag, synthesis=True), TextReply(synthesis))
    return synthesis
