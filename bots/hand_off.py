"""A direct delegation as a plan: one step, for the right manager, started without an
"Approve plan" (issue 17: "straight to the right manager as today").

The campaign engine runs it like any plan, so the hand-off gets what every step gets: a task
with its own thread in the manager's team channel, the manager's delegation down the team,
the fan-in, the progress message, cancellation and the final report. Who takes it and what
the step's action type is come from `advisor.toml` `[direct_delegation]`; `check_hand_off`
makes sure at start-up that every possible hand-off names a roster agent and needs no
approval gate (a gated hand-off would wait for an approval nobody asked for).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from bots.advisor_config import DirectDelegation
from bots.authority import AuthorityMatrix
from bots.factors import AnalyzeRequest
from bots.gates import required_gate
from bots.plan_checks import action_types
from bots.plans import Step
from bots.roster import Agent, Roster
from errors import ConfigError

HAND_OFF = "hand-off"  # the plan's name and its one step's id
PHASE = "Hand-off"
ACTION_MAX_CHARS = 300  # bots.plans.Step.action


def manager_for(factors: AnalyzeRequest, rule: DirectDelegation, roster: Roster) -> Agent:
    """The lead of the first of the brief's teams that has a team channel, else the fallback."""
    for team in factors.teams:
        channel = rule.channels.get(team)
        lead = roster.lead_of(channel) if channel else None
        if lead is not None:
            return lead
    return roster.get(rule.fallback)


def hand_off_plan(
    brief: str, manager: Agent, rule: DirectDelegation, start: date, end: date
) -> dict[str, Any]:
    """The one-step plan (as JSON, for `check_plan`): the brief's first line is the action."""
    first = next((line for line in brief.splitlines() if line.strip()), "")
    action = " ".join(first.split())[:ACTION_MAX_CHARS] or "Take on the brief"
    due = min(end, start + timedelta(days=rule.due_days))
    return {
        "name": HAND_OFF,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "phases": [
            {
                "name": PHASE,
                "type": "sequential",
                "steps": [
                    {
                        "id": HAND_OFF,
                        "agent": manager.id,
                        "action": action if len(action) >= 3 else f"Do: {action}",
                        "action_type": rule.action_type,
                        "due": due.isoformat(),
                    }
                ],
            }
        ],
    }


def check_hand_off(rule: DirectDelegation, roster: Roster, matrix: AuthorityMatrix) -> None:
    """Every agent a hand-off can go to exists, and none of them needs a gate for it."""
    if rule.action_type not in action_types(matrix):
        raise ConfigError(f"direct_delegation.action_type {rule.action_type!r} is not known")
    if rule.fallback not in roster.by_id:
        raise ConfigError(f"direct_delegation.fallback {rule.fallback!r} is not in the roster")
    agents = {rule.fallback}
    for team, channel in rule.channels.items():
        lead = roster.lead_of(channel)
        if lead is None:
            raise ConfigError(f"direct_delegation.channels.{team}: no channel {channel!r}")
        agents.add(lead.id)
    for agent_id in sorted(agents):
        step = Step(
            id=HAND_OFF,
            agent=agent_id,
            action="Take on the brief",
            action_type=rule.action_type,
            due=date(2000, 1, 1),
        )
        gate = required_gate(step, roster, matrix)
        if gate is not None:
            raise ConfigError(
                f"direct_delegation: a hand-off to {agent_id!r} would need a gate "
                f"({gate.reason}); pick an action_type that agent decides alone"
            )
