"""Approval gates in a plan, where the authority matrix and the autonomy levels require them.

Claude may forget a gate or put a weak one (an agent where a person must approve); the rule
is code, so `with_gates` sets the gate each step needs and `missing_gates` says which are
missing. Stricter gates a plan already has are kept: asking more is allowed, asking less not.

The rule, per step (run on a plan `check_plan` accepted):
- an autonomy action type: L4 no gate; L3 and L2 a person approves the step's output
  (after); L1 is human-led, so a person approves before the agent acts (before);
- a decision type marked `needs_person` (budget allocation, legal): a person approves after;
- another decision type: no gate if the step's agent may decide it (`check_decision`);
  otherwise the nearest manager up the agent's chain at the level that decides approves
  after, or a person when that level is human.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from bots.authority import LEVELS, AuthorityMatrix, check_decision, level_of
from bots.plans import PERSON, Gate, Plan, Step
from bots.roster import HUMAN, Agent, Roster

Levels = Mapping[str, str] | None  # action type -> L1..L4, a workspace's overrides


def required_gate(
    step: Step, roster: Roster, matrix: AuthorityMatrix, levels: Levels = None
) -> Gate | None:
    """The gate this step needs, with its reason, or None when it may run unapproved.
    `levels` are a workspace's own autonomy levels (models/autonomy.py), over the defaults."""
    autonomy = (levels or {}).get(step.action_type) or matrix.autonomy.get(step.action_type)
    if autonomy is not None:
        if autonomy == "L4":
            return None
        when: Literal["before", "after"] = "before" if autonomy == "L1" else "after"
        reason = f"{step.action_type} is {autonomy}: a person approves"
        return Gate(approver=PERSON, when=when, reason=reason)
    rule = matrix.rule(step.action_type)
    if rule.needs_person:
        return Gate(approver=PERSON, reason=f"{rule.label} needs a person's approval")
    agent = roster.get(step.agent)
    verdict = check_decision(matrix, roster, agent, step.action_type)
    if verdict.allowed:
        return None
    approver = _approver_at(roster, agent, rule.final_level)
    return Gate(approver=approver, reason=verdict.reason)


def _approver_at(roster: Roster, agent: Agent, level: str) -> str:
    current = agent
    while current.reports_to != HUMAN:
        current = roster.get(current.reports_to)
        if LEVELS.index(level_of(current)) >= LEVELS.index(level):
            return current.id
    return PERSON


def satisfies(present: Gate | None, needed: Gate, roster: Roster) -> bool:
    """Whether the gate a step has is at least the one it needs."""
    if present is None or present.when != needed.when:
        return False
    if present.approver == PERSON:
        return True
    if needed.approver == PERSON:
        return False
    return present.approver == needed.approver or present.approver in _chain_above(
        roster, needed.approver
    )


def _chain_above(roster: Roster, agent_id: str) -> set[str]:
    above: set[str] = set()
    current = roster.get(agent_id)
    while current.reports_to != HUMAN and current.reports_to not in above:
        above.add(current.reports_to)
        current = roster.get(current.reports_to)
    return above


def describe(gate: Gate) -> str:
    who = "a person" if gate.approver == PERSON else gate.approver
    return f"approval by {who} {gate.when} the step"


def with_gates(
    plan: Plan, roster: Roster, matrix: AuthorityMatrix, levels: Levels = None
) -> tuple[Plan, list[str]]:
    """The plan with every required gate in place, and a note for each gate added."""
    notes: list[str] = []

    def gate(step: Step) -> Step:
        needed = required_gate(step, roster, matrix, levels)
        if needed is None or satisfies(step.gate, needed, roster):
            return step
        notes.append(f"step {step.id!r}: added {describe(needed)} ({needed.reason})")
        return step.model_copy(update={"gate": needed})

    return plan.map_steps(gate), notes


def missing_gates(
    plan: Plan, roster: Roster, matrix: AuthorityMatrix, levels: Levels = None
) -> list[str]:
    """Problems for each step whose gate is missing or weaker than required."""
    problems = []
    for _, _, step in plan.steps():
        needed = required_gate(step, roster, matrix, levels)
        if needed is not None and not satisfies(step.gate, needed, roster):
            problems.append(f"step {step.id!r} needs {describe(needed)}: {needed.reason}")
    return problems
