"""The campaign plan grammar: named phases of steps, as pydantic models.

A plan comes from Claude (or from a pattern's template), so its shape is checked here and its
meaning (agents, action types, limits, phase order) by `bots.plan_checks.check_plan`, the only
way to get a plan the engine may run. Conditions are a tiny parsed grammar
(`variable operator literal`), never `eval`: a plan is untrusted input.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bots.tools import tool_definition

ID_PATTERN = r"^[a-z][a-z0-9_\-]{0,39}$"
VARIABLE_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
PERSON = "person"  # a gate's approver when a person (per bots/approvals.toml) must approve
VarType = Literal["number", "text", "flag"]
Value = bool | float | str
Operator = Literal["==", "!=", ">", ">=", "<", "<="]
ORDERING: frozenset[str] = frozenset({">", ">=", "<", "<="})
_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
_CONDITION = re.compile(r"^\s*([a-z][a-z0-9_]{0,39})\s*(==|!=|>=|<=|>|<)\s*(.*?)\s*$")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_TEXT = re.compile(r"""^(?:"([^"\\]*)"|'([^'\\]*)')$""")
CONDITION_HELP = 'write it as: variable operator value, e.g. lead_score > 70 or tier == "gold"'


@dataclass(frozen=True)
class Condition:
    """A parsed `variable operator literal`; evaluated against the campaign's variables."""

    variable: str
    operator: Operator
    value: Value

    @property
    def value_type(self) -> VarType:
        if isinstance(self.value, bool):
            return "flag"
        return "text" if isinstance(self.value, str) else "number"

    def evaluate(self, variables: Mapping[str, Value]) -> bool | None:
        """True or False, or None while the variable is unset (the phase keeps waiting)."""
        current = variables.get(self.variable)
        if current is None or _type_of(current) != self.value_type:
            return None
        return bool(_COMPARE[self.operator](current, self.value))


def _type_of(value: Value) -> VarType:
    return Condition("x", "==", value).value_type


def parse_condition(text: str) -> Condition:
    """Parse `lead_score > 70`; a ValueError says what is wrong in words a person can act on."""
    match = _CONDITION.match(text)
    if match is None:
        raise ValueError(f"condition {text!r} is not understood; {CONDITION_HELP}")
    variable, op, literal = match.groups()
    if literal in ("true", "false"):
        value: Value = literal == "true"
    elif _NUMBER.match(literal):
        value = float(literal)
    elif text_match := _TEXT.match(literal):
        value = text_match.group(1) if text_match.group(1) is not None else text_match.group(2)
    else:
        raise ValueError(
            f"condition {text!r}: {literal!r} is not a number, true/false or quoted text; "
            f"{CONDITION_HELP}"
        )
    condition = Condition(variable, op, value)  # type: ignore[arg-type]
    if op in ORDERING and condition.value_type != "number":
        raise ValueError(f"condition {text!r}: {op} compares numbers only; use == or !=")
    return condition


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Gate(_Strict):
    """An approval the engine waits for around a step (an approval card, or an agent review)."""

    approver: str = Field(description=f"{PERSON!r} or the agent id who approves")
    when: Literal["before", "after"] = Field(
        default="after", description="before: approve the step's go-ahead; after: its output"
    )
    reason: str = Field(default="", max_length=300)


class Step(_Strict):
    """One piece of work for one agent."""

    id: str = Field(pattern=ID_PATTERN, description="Unique in the plan, e.g. write-blog-posts")
    agent: str = Field(description="Agent id from the roster, e.g. content_manager")
    action: str = Field(min_length=3, max_length=300, description="What to do, in one line")
    action_type: str = Field(
        description="Kind of action from the authority matrix (an autonomy action type such as "
        "blog_post, or a decision type such as campaign_strategy)"
    )
    due: date = Field(description="YYYY-MM-DD, within the campaign's start and end")
    gate: Gate | None = Field(default=None, description="Approval around this step, if any")


Steps = tuple[Step, ...]


class _Phase(_Strict):
    name: str = Field(min_length=1, max_length=80)
    after: tuple[str, ...] | None = Field(
        default=None,
        description="Names of the phases this one waits for; omitted: the phase before it",
    )

    def all_steps(self) -> Steps:
        return ()


class SequentialPhase(_Phase):
    """Steps one after another."""

    type: Literal["sequential"]
    steps: Steps = Field(min_length=1)

    def all_steps(self) -> Steps:
        return self.steps


class ParallelPhase(_Phase):
    """Steps all at once; the phase is done when every step is."""

    type: Literal["parallel"]
    steps: Steps = Field(min_length=1)

    def all_steps(self) -> Steps:
        return self.steps


class ConditionalPhase(_Phase):
    """One branch, chosen by a condition on a campaign variable."""

    type: Literal["conditional"]
    condition: str = Field(description="variable operator value, e.g. lead_score > 70")
    if_true: Steps = ()
    if_false: Steps = ()

    @field_validator("condition")
    @classmethod
    def _parses(cls, text: str) -> str:
        parse_condition(text)
        return text

    @model_validator(mode="after")
    def _has_a_branch(self) -> ConditionalPhase:
        if not self.if_true and not self.if_false:
            raise ValueError("needs steps in if_true or if_false (both are empty)")
        return self

    @property
    def parsed(self) -> Condition:
        return parse_condition(self.condition)

    def all_steps(self) -> Steps:
        return self.if_true + self.if_false


class ContinuousPhase(_Phase):
    """Steps that recur every `every_hours` until the campaign's end date."""

    type: Literal["continuous"]
    every_hours: int = Field(ge=1, le=24 * 31, description="Hours between runs")
    steps: Steps = Field(min_length=1)

    def all_steps(self) -> Steps:
        return self.steps


Phase = Annotated[
    SequentialPhase | ParallelPhase | ConditionalPhase | ContinuousPhase,
    Field(discriminator="type"),
]


class Plan(_Strict):
    """A campaign plan. Build it with `bots.plan_checks.check_plan`, which checks it whole."""

    name: str = Field(pattern=ID_PATTERN, description="Short slug, e.g. ai-analytics-launch")
    pattern: str | None = Field(default=None, description="The pattern this plan follows")
    start: date
    end: date = Field(description="The campaign's end date: continuous phases stop there")
    variables: dict[Annotated[str, Field(pattern=VARIABLE_PATTERN)], VarType] = Field(
        default_factory=dict, description="Campaign variables conditions may test, with types"
    )
    phases: tuple[Phase, ...] = Field(min_length=1)

    def steps(self) -> Iterator[tuple[int, _Phase, Step]]:
        """Every step with its phase and the phase's index, in plan order."""
        for index, phase in enumerate(self.phases):
            for step in phase.all_steps():
                yield index, phase, step

    def waits_for(self, index: int) -> tuple[str, ...]:
        """Names of the phases phase `index` waits for (by default, the one before it)."""
        phase = self.phases[index]
        if phase.after is not None:
            return phase.after
        return (self.phases[index - 1].name,) if index > 0 else ()

    def map_steps(self, change: Callable[[Step], Step]) -> Plan:
        """A copy with `change` applied to every step (used to set approval gates)."""
        phases = []
        for phase in self.phases:
            if isinstance(phase, ConditionalPhase):
                update = {
                    "if_true": tuple(map(change, phase.if_true)),
                    "if_false": tuple(map(change, phase.if_false)),
                }
            else:
                update = {"steps": tuple(map(change, phase.all_steps()))}
            phases.append(phase.model_copy(update=update))
        return self.model_copy(update={"phases": tuple(phases)})


PROPOSE_PLAN = "propose_plan"


class ProposePlan(Plan):
    """Propose the campaign's plan: named phases, each sequential, parallel, conditional (on a
    declared campaign variable) or continuous (every N hours until the end date). Every step is
    one agent's action with its action type and due date. The department checks the plan and
    adds the approval gates its rules require."""


def propose_plan_tool() -> dict[str, Any]:
    """The `propose_plan` tool definition (byte-stable); its input is checked by check_plan."""
    return tool_definition(PROPOSE_PLAN, ProposePlan)
