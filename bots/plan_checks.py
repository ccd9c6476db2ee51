"""Checking a campaign plan against the department: the roster, the authority matrix, the
phase grammar and the limits.

Every problem is found in one pass and written for a person (and for Claude's one repair):
where it is (phase and step by name), what is wrong, and what would be right. A plan that
passes is the only kind the engine may run.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from bots.advisor_config import PlanLimits
from bots.authority import AuthorityMatrix
from bots.plans import PERSON, ConditionalPhase, ContinuousPhase, Plan, Step
from bots.roster import Roster


@dataclass(frozen=True)
class PlanCheck:
    """A checked plan, or the reasons there is none."""

    plan: Plan | None
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.plan is not None and not self.problems


def action_types(matrix: AuthorityMatrix) -> set[str]:
    """What a step's action_type may be: an autonomy action type or a decision type."""
    return set(matrix.autonomy) | {rule.type for rule in matrix.decisions}


def check_plan(
    raw: object, roster: Roster, matrix: AuthorityMatrix, limits: PlanLimits
) -> PlanCheck:
    """Validate a plan as Claude (or a pattern template) wrote it, reporting every problem."""
    try:
        plan = Plan.model_validate(raw)
    except ValidationError as error:
        return PlanCheck(None, tuple(_shape_problem(e, raw) for e in error.errors()))
    problems = [
        *_limit_problems(plan, limits),
        *_name_problems(plan),
        *_order_problems(plan),
        *_step_problems(plan, roster, matrix),
        *_condition_problems(plan),
    ]
    return PlanCheck(None if problems else plan, tuple(problems))


def problems_text(problems: Iterable[str]) -> str:
    """The problems as a bullet list, for the person and for the repair turn."""
    return "\n".join(f"• {problem}" for problem in problems)


def _shape_problem(error: Any, raw: object) -> str:
    loc = tuple(error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "too_short" and loc and loc[-1] in ("steps", "phases"):
        message = f"has no {loc[-1]} (at least one is needed)"
        loc = loc[:-1]
    if error["type"] == "union_tag_invalid":
        message = "type must be sequential, parallel, conditional or continuous"
    return f"{_where_raw(loc, raw)}: {message}"


def _where_raw(loc: tuple[Any, ...], raw: object) -> str:
    """A pydantic location as a person reads it: phase 2 'Launch', step 'publish', field agent."""
    parts: list[str] = []
    node: Any = raw
    index = 0
    while index < len(loc):
        key = loc[index]
        node = _child(node, key)
        if key == "phases" and index + 1 < len(loc) and isinstance(loc[index + 1], int):
            position = loc[index + 1]
            node = _child(node, position)
            parts.append(f"phase {position + 1}{_quoted(node, 'name')}")
            index += 3 if index + 2 < len(loc) and loc[index + 2] in _PHASE_TAGS else 2
            continue
        if key in _STEP_LISTS and index + 1 < len(loc) and isinstance(loc[index + 1], int):
            position = loc[index + 1]
            node = _child(node, position)
            label = _quoted(node, "id") or f" {position + 1}"
            parts.append(f"{'' if key == 'steps' else key + ' '}step{label}")
            index += 2
            continue
        parts.append(f"field {key}")
        index += 1
    return ", ".join(parts) or "the plan"


_PHASE_TAGS = ("sequential", "parallel", "conditional", "continuous")
_STEP_LISTS = ("steps", "if_true", "if_false")


def _child(node: Any, key: Any) -> Any:
    try:
        return node[key]
    except (KeyError, IndexError, TypeError):
        return None


def _quoted(node: Any, field: str) -> str:
    value = node.get(field) if isinstance(node, dict) else None
    return f" {value!r}" if isinstance(value, str) and value else ""


def _where(plan: Plan, index: int, step: Step | None = None) -> str:
    where = f"phase {index + 1} {plan.phases[index].name!r}"
    return f"{where}, step {step.id!r}" if step else where


def _limit_problems(plan: Plan, limits: PlanLimits) -> Iterable[str]:
    if len(plan.phases) > limits.max_phases:
        yield f"the plan has {len(plan.phases)} phases; at most {limits.max_phases} are allowed"
    total = sum(1 for _ in plan.steps())
    if total > limits.max_steps:
        yield f"the plan has {total} steps; at most {limits.max_steps} are allowed per campaign"
    for index, phase in enumerate(plan.phases):
        count = len(phase.all_steps())
        if count > limits.max_steps_per_phase:
            yield (
                f"{_where(plan, index)} has {count} steps; at most "
                f"{limits.max_steps_per_phase} per phase"
            )
        if isinstance(phase, ContinuousPhase) and phase.every_hours < limits.min_every_hours:
            yield (
                f"{_where(plan, index)} recurs every {phase.every_hours} h; the shortest interval "
                f"is {limits.min_every_hours} h"
            )
    if plan.end < plan.start:
        yield f"the plan ends ({plan.end}) before it starts ({plan.start})"
    elif (plan.end - plan.start).days > limits.max_campaign_days:
        yield (
            f"the plan runs {(plan.end - plan.start).days} days; at most "
            f"{limits.max_campaign_days} are allowed"
        )


def _name_problems(plan: Plan) -> Iterable[str]:
    names = [phase.name for phase in plan.phases]
    for name in sorted({n for n in names if names.count(n) > 1}):
        yield f"two phases are named {name!r}; phase names must be unique"
    ids = [step.id for _, _, step in plan.steps()]
    for step_id in sorted({i for i in ids if ids.count(i) > 1}):
        yield f"step id {step_id!r} is used more than once; step ids must be unique"


def _order_problems(plan: Plan) -> Iterable[str]:
    names = {phase.name for phase in plan.phases}
    for index, phase in enumerate(plan.phases):
        for name in phase.after or ():
            if name == phase.name:
                yield f"{_where(plan, index)} waits for itself"
            elif name not in names:
                yield f"{_where(plan, index)} waits for {name!r}, which is not a phase of the plan"
    cycle = _find_cycle(plan)
    if cycle:
        yield f"phases wait for each other in a cycle: {' -> '.join(cycle)}"


def _find_cycle(plan: Plan) -> list[str]:
    waits = {
        phase.name: [n for n in plan.waits_for(i) if n != phase.name]
        for i, phase in enumerate(plan.phases)
    }
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> list[str]:
        if name in path:
            return [*path[path.index(name) :], name]
        if name in done or name not in waits:
            return []
        for before in waits[name]:
            found = visit(before, [*path, name])
            if found:
                return found
        done.add(name)
        return []

    for name in waits:
        found = visit(name, [])
        if found:
            return found
    return []


def _step_problems(plan: Plan, roster: Roster, matrix: AuthorityMatrix) -> Iterable[str]:
    known_types = action_types(matrix)
    for index, _, step in plan.steps():
        where = _where(plan, index, step)
        if step.agent not in roster.by_id:
            yield f"{where}: unknown agent {step.agent!r}{_suggest(step.agent, roster.by_id)}"
        if step.action_type not in known_types:
            yield (
                f"{where}: unknown action type {step.action_type!r}"
                f"{_suggest(step.action_type, known_types)}"
            )
        if not plan.start <= step.due <= plan.end:
            yield f"{where}: due {step.due} is outside the campaign ({plan.start} to {plan.end})"
        if step.gate and step.gate.approver not in roster.by_id and step.gate.approver != PERSON:
            approver = step.gate.approver
            yield f"{where}: the gate's approver {approver!r} is neither {PERSON!r} nor an agent"


def _condition_problems(plan: Plan) -> Iterable[str]:
    for index, phase in enumerate(plan.phases):
        if not isinstance(phase, ConditionalPhase):
            continue
        condition = phase.parsed
        declared = plan.variables.get(condition.variable)
        if declared is None:
            known = ", ".join(sorted(plan.variables)) or "none are declared"
            yield (
                f"{_where(plan, index)}: condition uses {condition.variable!r}, which is not in "
                f"the plan's variables ({known})"
            )
        elif declared != condition.value_type:
            yield (
                f"{_where(plan, index)}: {condition.variable!r} is a {declared} variable but "
                f"the condition compares it with a {condition.value_type}"
            )


def _suggest(value: str, known: Iterable[str]) -> str:
    options = sorted(known)
    close = difflib.get_close_matches(value, options, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f" (known: {', '.join(options)}){hint}"
