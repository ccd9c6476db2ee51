"""The learning loop: recorded campaign outcomes adjust each pattern's hour estimate and the
advisor's confidence when it matches that pattern.

The rule (constants in `advisor.toml` [learning]; outcomes taken oldest first, per pattern):
- hours: r = actual / estimated for each outcome; R starts at the prior 1.0 (trust the
  pattern's estimate) and moves by R <- (1 - alpha) * R + alpha * r. The adjusted estimate is
  the pattern's `estimated_hours` * R. An exponentially weighted ratio, so recent campaigns
  count most and one odd campaign moves the estimate by at most alpha of its surprise.
- confidence: q = satisfaction if the campaign succeeded, else 0, minus `rework_penalty`
  when rework was needed. Q starts at the prior `target_quality` and moves like R; the
  confidence adjustment is gain * (Q - target_quality), capped at +/- `max_adjustment`.
  A pattern that keeps disappointing makes the advisor say so with a lower confidence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from bots.advisor_config import Learning
from bots.patterns import Pattern

HOURS_PRIOR = 1.0  # actual / estimated before any outcome: the pattern's estimate holds


class Outcome(BaseModel):
    """One finished campaign, as `/campaign outcome` records it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pattern: str
    estimated_hours: float = Field(gt=0)
    actual_hours: float = Field(gt=0)
    success: bool
    satisfaction: float = Field(ge=0, le=1)
    rework_needed: bool


@dataclass(frozen=True)
class PatternHistory:
    """What the outcomes of one pattern say, by the rule in this module's docstring."""

    pattern: str
    count: int
    hours_ratio: float
    quality: float
    confidence_delta: float
    mean_estimated_hours: float
    mean_actual_hours: float

    def adjusted_hours(self, pattern: Pattern) -> float:
        return round(pattern.estimated_hours * self.hours_ratio, 1)

    def line(self, pattern: Pattern) -> str:
        """'based on 4 past launches: 118 h actual vs 120 h estimated' for the card."""
        noun = pattern.noun if self.count == 1 else pattern.nouns
        return (
            f"based on {self.count} past {noun}: {self.mean_actual_hours:.0f} h actual vs "
            f"{self.mean_estimated_hours:.0f} h estimated"
        )


def learn(outcomes: Iterable[Outcome], rule: Learning) -> dict[str, PatternHistory]:
    """Each pattern's history from its outcomes, given oldest first."""
    grouped: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        grouped.setdefault(outcome.pattern, []).append(outcome)
    return {pattern: _history(pattern, items, rule) for pattern, items in grouped.items()}


def _history(pattern: str, outcomes: list[Outcome], rule: Learning) -> PatternHistory:
    ratio, quality = HOURS_PRIOR, rule.target_quality
    for outcome in outcomes:
        ratio = (1 - rule.alpha) * ratio + rule.alpha * (
            outcome.actual_hours / outcome.estimated_hours
        )
        quality = (1 - rule.alpha) * quality + rule.alpha * _quality(outcome, rule)
    delta = rule.gain * (quality - rule.target_quality)
    delta = max(-rule.max_adjustment, min(rule.max_adjustment, delta))
    count = len(outcomes)
    return PatternHistory(
        pattern=pattern,
        count=count,
        hours_ratio=ratio,
        quality=quality,
        confidence_delta=delta,
        mean_estimated_hours=sum(o.estimated_hours for o in outcomes) / count,
        mean_actual_hours=sum(o.actual_hours for o in outcomes) / count,
    )


def _quality(outcome: Outcome, rule: Learning) -> float:
    achieved = outcome.satisfaction if outcome.success else 0.0
    return achieved - (rule.rework_penalty if outcome.rework_needed else 0.0)
