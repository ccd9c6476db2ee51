"""Who may decide what: the authority matrix and autonomy levels, as validated data.

The model is never trusted to police itself: `check_decision` is what the department's tools
ask before a decision is recorded, and its refusal says what to do instead.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bots.roster import HUMAN, Agent, Roster
from errors import RosterError

DEFAULT_AUTHORITY_PATH = Path(__file__).with_name("authority.toml")
Level = Literal["specialist", "manager", "vp", "cmo", "human"]
Role = Literal[
    "execute",
    "decide",
    "approve",
    "final_approval",
    "propose",
    "recommend",
    "consult",
    "informed",
    "flag",
    "escalate",
    "none",
]
Autonomy = Literal["L1", "L2", "L3", "L4"]
LEVELS: tuple[Level, ...] = ("specialist", "manager", "vp", "cmo", "human")
DECIDING: frozenset[Role] = frozenset({"execute", "decide", "approve", "final_approval"})
MUST_PASS_UP: frozenset[Role] = frozenset({"flag", "escalate"})


class DecisionRule(BaseModel):
    """One row of the matrix: each level's role for one decision type."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str = Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")
    label: str = Field(min_length=1)
    specialist: Role = "none"
    manager: Role = "none"
    vp: Role = "none"
    cmo: Role = "none"
    human: Role = "none"
    needs_person: bool = False  # stands only if the requester may approve it, else a card

    def role(self, level: Level) -> Role:
        role: Role = getattr(self, level)
        return role

    @model_validator(mode="after")
    def _someone_decides(self) -> DecisionRule:
        if not any(self.role(level) in DECIDING for level in LEVELS):
            raise ValueError(f"nobody may decide {self.type!r}")
        return self

    @property
    def final_level(self) -> Level:
        """The highest level whose decision this needs (the end of the approval chain)."""
        return [level for level in LEVELS if self.role(level) in DECIDING][-1]


class AuthorityMatrix(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    levels: dict[str, tuple[Level, ...]]
    decisions: tuple[DecisionRule, ...] = Field(min_length=1)
    autonomy: dict[str, Autonomy]
    submitters: dict[str, tuple[str, ...]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _submitted_types_exist(self) -> AuthorityMatrix:
        for agent_id, types in self.submitters.items():
            unknown = sorted(set(types) - set(self.autonomy))
            if unknown:
                known = ", ".join(sorted(self.autonomy))
                raise ValueError(
                    f"submitters.{agent_id}: unknown action type(s) {unknown}; known: {known}"
                )
        return self

    @property
    def approval_types(self) -> set[str]:
        """Every action type a person may be asked to approve: the autonomy table's, and the
        decision types that need a person."""
        return set(self.autonomy) | {rule.type for rule in self.decisions if rule.needs_person}

    def may_submit(self, agent_id: str) -> tuple[str, ...]:
        """The action types this agent may submit for approval (none if it is not listed)."""
        return self.submitters.get(agent_id, ())

    @model_validator(mode="after")
    def _unique_and_ordered(self) -> AuthorityMatrix:
        if self.levels.get("order") != LEVELS:
            raise ValueError(f"levels.order must be {list(LEVELS)}")
        types = [rule.type for rule in self.decisions]
        duplicates = {t for t in types if types.count(t) > 1}
        if duplicates:
            raise ValueError(f"duplicate decision types: {sorted(duplicates)}")
        return self

    def rule(self, decision_type: str) -> DecisionRule:
        for rule in self.decisions:
            if rule.type == decision_type:
                return rule
        known = ", ".join(rule.type for rule in self.decisions)
        raise KeyError(f"Unknown decision type {decision_type!r}; known types: {known}")


@dataclass(frozen=True)
class Verdict:
    """The answer to "may this agent record this decision?", with what to do if not."""

    allowed: bool
    reason: str
    escalate_to: str | None = None  # an agent id or "human" when the decision belongs higher


def level_of(agent: Agent) -> Level:
    """An agent's place in the matrix, from its roster data."""
    if agent.reports_to == HUMAN:
        return "cmo"
    return {"executive": "vp", "management": "manager", "specialist": "specialist"}[agent.layer]  # type: ignore[return-value]


def check_decision(
    matrix: AuthorityMatrix, roster: Roster, agent: Agent, decision_type: str
) -> Verdict:
    """Whether `agent` may record a decision of this type; if not, to whom it goes."""
    try:
        rule = matrix.rule(decision_type)
    except KeyError as unknown:
        return Verdict(False, str(unknown.args[0]))
    level = level_of(agent)
    role = rule.role(level)
    final = rule.final_level
    if LEVELS.index(level) >= LEVELS.index(final):
        # The level that decides, or one above it (a CMO may overrule a VP's call).
        return Verdict(True, f"{agent.display_name} may decide {rule.label.lower()}")
    if role in MUST_PASS_UP:
        reason = f"{rule.label} must be escalated ({role}); only the {final} decides it"
    elif role in DECIDING:
        reason = f"{rule.label} needs approval up to the {final}: escalate to get it approved"
    elif role == "none":
        reason = f"{rule.label} is outside the {level} level's authority: escalate"
    else:
        reason = f"At your level you {role} on {rule.label.lower()}; the {final} decides: escalate"
    return Verdict(False, reason, escalate_to=agent.reports_to)


def check_submitters(matrix: AuthorityMatrix, roster: Roster) -> None:
    """Every agent named in [submitters] is in the roster: one clear error at start-up."""
    for agent_id in matrix.submitters:
        if agent_id not in roster.by_id:
            raise RosterError(f"Authority: submitters names {agent_id!r}, who is not in the roster")


def check_submission(matrix: AuthorityMatrix, agent: Agent, action_type: str) -> str | None:
    """None if `agent` may submit this action type; otherwise the refusal, naming what it may
    use (the model picks the type, so a blog post labelled routine_email must not pass)."""
    allowed = matrix.may_submit(agent.id)
    if action_type in allowed:
        return None
    if action_type not in matrix.autonomy:
        known = ", ".join(allowed) or "none"
        return f"Refused: unknown action type {action_type!r}; you may submit {known}."
    if not allowed:
        return (
            f"Refused: the {agent.display_name} submits nothing for approval; hand the draft to "
            "your manager (report or escalate)."
        )
    return (
        f"Refused: the {agent.display_name} may not submit {action_type}; use one of "
        f"{', '.join(allowed)} (the type must say what the draft is)."
    )


def load_authority(path: Path = DEFAULT_AUTHORITY_PATH) -> AuthorityMatrix:
    try:
        return AuthorityMatrix.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise RosterError(f"Authority file {path} does not exist") from exc
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise RosterError(f"Authority file {path} is invalid: {exc}") from exc
