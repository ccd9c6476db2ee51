"""Campaign patterns as data (`patterns.toml`): how to recognise a kind of request, how long
it usually takes, how it is usually run, and a phase template to start its plan from.

Matching is on structured factor values (deliverables, skills, teams, hours), never on the
brief's wording, so it is deterministic and the sandbox's scripted Claude can drive it.
Templates are plans in the plan grammar with `day` (days after the start) in place of `due`;
at start-up each one is instantiated and checked like a plan from Claude would be.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bots.advisor_config import Approach, Matching, PlanLimits, describe_first
from bots.authority import AuthorityMatrix
from bots.factors import MAX_HOURS, AnalyzeRequest, Deliverable, Skill, Team
from bots.plan_checks import check_plan
from bots.plans import VarType
from bots.roster import Roster
from errors import ConfigError

DEFAULT_PATTERNS_PATH = Path(__file__).with_name("patterns.toml")
TEMPLATE_CHECK_START = date(2026, 1, 5)  # any date does: templates are relative to the start


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Cues(_Data):
    """What a request shares with this pattern; `requires_any` must share one deliverable."""

    requires_any: tuple[Deliverable, ...] = ()
    deliverables: tuple[Deliverable, ...] = ()
    skills: tuple[Skill, ...] = ()
    teams: tuple[Team, ...] = ()
    min_hours: float = Field(default=0, ge=0)
    max_hours: float = Field(default=MAX_HOURS, gt=0)


class Pattern(_Data):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")
    label: str = Field(min_length=1, max_length=60)
    noun: str = Field(min_length=1, max_length=40, description="one of them: 'launch'")
    nouns: str = Field(min_length=1, max_length=40, description="several: 'launches'")
    approach: Approach
    estimated_hours: float = Field(gt=0, le=MAX_HOURS)
    duration_days: int = Field(ge=1)
    cues: Cues
    variables: dict[str, VarType] = Field(default_factory=dict)
    phases: tuple[dict[str, Any], ...] = Field(min_length=1)


@dataclass(frozen=True)
class PatternMatch:
    pattern: Pattern
    score: float
    deliverables: tuple[str, ...]  # the cues the request shares with the pattern
    skills: tuple[str, ...]
    teams: tuple[str, ...]

    def shared_text(self) -> str:
        """'2 deliverables (case_study, testimonials), 4 skills, 3 teams in common'."""
        listed = f" ({', '.join(self.deliverables)})" if self.deliverables else ""
        return (
            f"{len(self.deliverables)} deliverables{listed}, {len(self.skills)} skills, "
            f"{len(self.teams)} teams in common"
        )


def match_pattern(
    factors: AnalyzeRequest, patterns: Iterable[Pattern], weights: Matching
) -> PatternMatch | None:
    """The best-scoring pattern at or above `min_score` (the first in the file on a tie)."""
    best: PatternMatch | None = None
    for pattern in patterns:
        cues = pattern.cues
        if not cues.min_hours <= factors.estimated_hours <= cues.max_hours:
            continue
        if cues.requires_any and not set(cues.requires_any) & set(factors.deliverables):
            continue
        deliverables = [d for d in factors.deliverables if d in cues.deliverables]
        skills = [s for s in factors.skills if s in cues.skills]
        teams = [t for t in factors.teams if t in cues.teams]
        score = (
            len(deliverables) * weights.deliverable
            + len(skills) * weights.skill
            + len(teams) * weights.team
        )
        if score >= weights.min_score and (best is None or score > best.score):
            best = PatternMatch(pattern, score, tuple(deliverables), tuple(skills), tuple(teams))
    return best


def instantiate(pattern: Pattern, name: str, start: date) -> dict[str, Any]:
    """The pattern's template as a raw plan starting on `start` (check it with check_plan)."""
    phases = [
        {
            key: [_dated(step, start) for step in value] if key in _STEP_LISTS else value
            for key, value in phase.items()
        }
        for phase in pattern.phases
    ]
    return {
        "name": name,
        "pattern": pattern.id,
        "start": start.isoformat(),
        "end": (start + timedelta(days=pattern.duration_days)).isoformat(),
        "variables": dict(pattern.variables),
        "phases": phases,
    }


_STEP_LISTS = ("steps", "if_true", "if_false")


def _dated(step: Any, start: date) -> Any:
    if not isinstance(step, dict) or "day" not in step:
        return step
    dated = {key: value for key, value in step.items() if key != "day"}
    day = step["day"]
    dated["due"] = (start + timedelta(days=day)).isoformat() if isinstance(day, int) else day
    return dated


class PatternLibrary(_Data):
    patterns: tuple[Pattern, ...] = Field(min_length=1)

    def get(self, pattern_id: str) -> Pattern:
        for pattern in self.patterns:
            if pattern.id == pattern_id:
                return pattern
        raise KeyError(f"Unknown pattern {pattern_id!r}")


def load_patterns(path: Path = DEFAULT_PATTERNS_PATH) -> PatternLibrary:
    """Read and validate `patterns.toml`; a `ConfigError` names the pattern and the key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"Patterns file {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Patterns file {path} is not valid TOML: {exc}") from exc
    try:
        library = PatternLibrary.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"Patterns file {path}: {_named(exc, data)}") from exc
    ids = [pattern.id for pattern in library.patterns]
    for pattern_id in ids:
        if ids.count(pattern_id) > 1:
            raise ConfigError(f"Patterns file {path}: pattern {pattern_id!r} appears twice")
    return library


def _named(error: ValidationError, data: dict[str, Any]) -> str:
    loc = error.errors()[0]["loc"]
    text = describe_first(error)
    if len(loc) >= 2 and loc[0] == "patterns" and isinstance(loc[1], int):
        try:
            return f"pattern {data['patterns'][loc[1]]['id']!r}, {text}"
        except (KeyError, IndexError, TypeError):
            return text
    return text


def check_templates(
    library: PatternLibrary, roster: Roster, matrix: AuthorityMatrix, limits: PlanLimits
) -> None:
    """Every pattern's template is a valid plan for this department, or start-up stops."""
    for pattern in library.patterns:
        raw = instantiate(pattern, pattern.id.replace("_", "-"), TEMPLATE_CHECK_START)
        check = check_plan(raw, roster, matrix, limits)
        if check.problems:
            raise ConfigError(
                f"Pattern {pattern.id!r}: its phase template is not a valid plan: "
                + "; ".join(check.problems)
            )
