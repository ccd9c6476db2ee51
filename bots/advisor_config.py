"""The advisor's numbers as data (`advisor.toml`): thresholds, weights, confidence, pattern
matching, the learning rule's constants and the limits on plans.

They are data so a decision can be explained ("weight 2.0 for conditional logic") and tuned
without touching code; they are validated at start-up so a typo stops the process with a
`ConfigError` naming the key, instead of quietly deciding every campaign wrong.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bots.factors import Team
from errors import ConfigError

DEFAULT_ADVISOR_PATH = Path(__file__).with_name("advisor.toml")
Approach = Literal["direct_delegation", "project_management", "workflow_engine"]
APPROACHES: tuple[Approach, ...] = ("direct_delegation", "project_management", "workflow_engine")


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Bands(_Section):
    """Complexity score at or above which each heavier approach is chosen."""

    project_management: float = Field(gt=0)
    workflow_engine: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Bands:
        if self.workflow_engine <= self.project_management:
            raise ValueError(
                "bands.workflow_engine must be greater than bands.project_management "
                f"({self.project_management})"
            )
        return self


class Thresholds(_Section):
    direct_max_hours: float = Field(gt=0)
    long_hours: float = Field(gt=0)
    several_teams: int = Field(ge=2)
    many_teams: int = Field(ge=2)
    many_skills: int = Field(ge=2)
    many_approvals: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.long_hours <= self.direct_max_hours:
            raise ValueError("thresholds.long_hours must be greater than direct_max_hours")
        if self.many_teams <= self.several_teams:
            raise ValueError("thresholds.many_teams must be greater than several_teams")
        return self


class Weights(_Section):
    """Points each fired signal adds to the complexity score (see bots/advisor.py)."""

    hours_beyond_direct: float = Field(ge=0)
    long_running: float = Field(ge=0)
    several_teams: float = Field(ge=0)
    many_teams: float = Field(ge=0)
    many_skills: float = Field(ge=0)
    linear_dependencies: float = Field(ge=0)
    complex_dependencies: float = Field(ge=0)
    many_approvals: float = Field(ge=0)
    high_error_impact: float = Field(ge=0)
    public_visibility: float = Field(ge=0)
    conditional_logic: float = Field(ge=0)
    parallel_work: float = Field(ge=0)


class Confidence(_Section):
    floor: float = Field(ge=0, le=1)
    base: float = Field(ge=0, le=1)
    ceiling: float = Field(ge=0, le=1)
    full_margin: float = Field(gt=0, description="score distance from a band edge for ceiling")
    pattern_agrees: float = Field(ge=0, le=0.5)
    pattern_disagrees: float = Field(ge=0, le=0.5)

    @model_validator(mode="after")
    def _ordered(self) -> Confidence:
        if not self.floor <= self.base <= self.ceiling:
            raise ValueError("confidence: floor <= base <= ceiling is required")
        return self


class Matching(_Section):
    """Points per cue a request shares with a pattern, and the least that counts as a match."""

    deliverable: float = Field(ge=0)
    skill: float = Field(ge=0)
    team: float = Field(ge=0)
    min_score: float = Field(gt=0)


class Learning(_Section):
    alpha: float = Field(gt=0, le=1, description="weight of the newest outcome (EWMA)")
    target_quality: float = Field(ge=0, le=1)
    rework_penalty: float = Field(ge=0, le=1)
    gain: float = Field(ge=0, le=2)
    max_adjustment: float = Field(ge=0, le=0.5)


class PlanLimits(_Section):
    max_phases: int = Field(ge=1, le=50)
    max_steps: int = Field(ge=1, le=500)
    max_steps_per_phase: int = Field(ge=1, le=100)
    min_every_hours: int = Field(ge=1)
    max_campaign_days: int = Field(ge=1, le=3660)


class DirectDelegation(_Section):
    """Where a brief one manager can take goes (checked against the roster and the authority
    matrix at start-up by `bots.hand_off.check_hand_off`)."""

    channels: dict[Team, str] = Field(description="factor team -> team channel whose lead takes it")
    fallback: str = Field(description="agent id for a brief of none of those teams")
    action_type: str = Field(description="what the manager decides with it: needs no gate")
    due_days: int = Field(ge=0, le=90, description="days to the hand-off's due date")


class AdvisorConfig(_Section):
    bands: Bands
    thresholds: Thresholds
    weights: Weights
    confidence: Confidence
    matching: Matching
    learning: Learning
    plans: PlanLimits
    direct_delegation: DirectDelegation


def load_advisor_config(path: Path = DEFAULT_ADVISOR_PATH) -> AdvisorConfig:
    """Read and validate `advisor.toml`; a `ConfigError` names the file and the key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"Advisor file {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Advisor file {path} is not valid TOML: {exc}") from exc
    try:
        return AdvisorConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"Advisor file {path}: {describe_first(exc)}") from exc


def describe_first(error: ValidationError) -> str:
    """`key.path: message` for the first problem, the form a person fixes a file by."""
    problem = error.errors()[0]
    key = ".".join(str(part) for part in problem["loc"])
    message = problem["msg"].removeprefix("Value error, ")
    return f"key {key}: {message}" if key else message
