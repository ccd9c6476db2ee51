"""The orchestration advisor's decision: which approach a request needs, and why.

Claude extracts the factors (`bots.factors.AnalyzeRequest`); this code decides, so the same
factors always give the same decision and every decision can be explained. The rule, with
its numbers in `advisor.toml`:

1. Each signal the factors fire (more than `direct_max_hours`, several or many teams, many
   skills, linear or complex dependencies, many approvals, high error impact, executive or
   public visibility, conditional logic, parallel work) adds its weight to a complexity score.
2. The score's band picks the approach: below `bands.project_management` direct delegation,
   below `bands.workflow_engine` project management, else the workflow engine.
3. Confidence grows with the score's distance to its band's nearest edge: `base` on the edge,
   `ceiling` at `full_margin` or more inside. The matched pattern (`bots.patterns`) adds
   `pattern_agrees` or takes `pattern_disagrees` as it is usually run the same way or not;
   recorded outcomes of that pattern add their adjustment (`bots.learning`); the result is
   kept within [`floor`, `ceiling`] and rounded to two decimals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bots.advisor_config import AdvisorConfig, Approach, Bands, Confidence
from bots.factors import AnalyzeRequest
from bots.learning import PatternHistory
from bots.patterns import PatternLibrary, PatternMatch, match_pattern

APPROACH_LABEL: dict[Approach, str] = {
    "direct_delegation": "direct delegation",
    "project_management": "project management",
    "workflow_engine": "the workflow engine",
}


@dataclass(frozen=True)
class Signal:
    """One factor-driven contribution to the score, with the values that fired it."""

    name: str
    weight: float
    reason: str


@dataclass(frozen=True)
class Decision:
    approach: Approach
    confidence: float
    score: float
    reasons: tuple[str, ...]
    considerations: tuple[str, ...]
    pattern: str | None
    pattern_hours: float | None  # the matched pattern's estimate, adjusted by its outcomes
    signals: tuple[Signal, ...]


def signals(factors: AnalyzeRequest, config: AdvisorConfig) -> list[Signal]:
    """The signals these factors fire, each with its weight and a reason naming the values."""
    t, w = config.thresholds, config.weights
    hours, teams, skills = factors.estimated_hours, len(factors.teams), len(factors.skills)
    candidates = [
        (hours > t.direct_max_hours, "hours_beyond_direct", w.hours_beyond_direct,
         f"{hours:g} h estimated: more than one hand-off (over {t.direct_max_hours:g} h)"),
        (hours >= t.long_hours, "long_running", w.long_running,
         f"{hours:g} h estimated: a long-running effort ({t.long_hours:g} h or more)"),
        (teams >= t.several_teams, "several_teams", w.several_teams,
         f"{teams} teams involved: {', '.join(factors.teams)}"),
        (teams >= t.many_teams, "many_teams", w.many_teams,
         f"{teams} teams required: complex coordination needed"),
        (skills >= t.many_skills, "many_skills", w.many_skills,
         f"{skills} distinct skills needed: {', '.join(factors.skills)}"),
        (factors.dependency_type == "linear", "linear_dependencies", w.linear_dependencies,
         "Linear dependencies: one chain of hand-offs"),
        (factors.dependency_type == "complex", "complex_dependencies", w.complex_dependencies,
         "Complex dependencies: several chains of work meet"),
        (factors.approvals_needed >= t.many_approvals, "many_approvals", w.many_approvals,
         f"{factors.approvals_needed} approvals needed: formal gates"),
        (factors.error_impact in ("high", "critical"), "high_error_impact", w.high_error_impact,
         f"{factors.error_impact.capitalize()} error impact requires robust error handling"),
        (factors.visibility in ("executive", "public"), "public_visibility", w.public_visibility,
         f"{factors.visibility.capitalize()} visibility"),
        (factors.conditional_logic, "conditional_logic", w.conditional_logic,
         "Conditional logic present: what happens next depends on a measured value"),
        (factors.parallel_work, "parallel_work", w.parallel_work,
         "Parallel execution required: several teams work at once"),
    ]  # fmt: skip
    return [
        Signal(name, weight, f"{reason} (+{weight:g})")
        for fired, name, weight, reason in candidates
        if fired and weight > 0
    ]


def approach_for(score: float, bands: Bands) -> Approach:
    if score >= bands.workflow_engine:
        return "workflow_engine"
    return "project_management" if score >= bands.project_management else "direct_delegation"


def margin_confidence(score: float, approach: Approach, bands: Bands, rule: Confidence) -> float:
    """`base` on a band edge, rising linearly to `ceiling` at `full_margin` inside the band."""
    if approach == "direct_delegation":
        margin = bands.project_management - score
    elif approach == "project_management":
        margin = min(score - bands.project_management, bands.workflow_engine - score)
    else:
        margin = score - bands.workflow_engine
    return rule.base + (rule.ceiling - rule.base) * min(1.0, margin / rule.full_margin)


def decide(
    factors: AnalyzeRequest,
    config: AdvisorConfig,
    library: PatternLibrary,
    histories: Mapping[str, PatternHistory] | None = None,
) -> Decision:
    """The approach for these factors, with its confidence, reasons and key considerations."""
    fired = signals(factors, config)
    score = round(sum(signal.weight for signal in fired), 6)
    approach = approach_for(score, config.bands)
    confidence = margin_confidence(score, approach, config.bands, config.confidence)
    reasons = [_summary(score, approach, config.bands, factors)]
    reasons += [signal.reason for signal in fired]
    match = match_pattern(factors, library.patterns, config.matching)
    pattern_hours: float | None = None
    if match:
        history = (histories or {}).get(match.pattern.id)
        adjustment, pattern_reasons = _pattern_effect(match, approach, config.confidence, history)
        confidence += adjustment
        reasons += pattern_reasons
        pattern_hours = history.adjusted_hours(match.pattern) if history else None
        pattern_hours = pattern_hours or match.pattern.estimated_hours
    floor, ceiling = config.confidence.floor, config.confidence.ceiling
    return Decision(
        approach=approach,
        confidence=round(max(floor, min(ceiling, confidence)), 2),
        score=score,
        reasons=tuple(reasons),
        considerations=tuple(_considerations(factors, match, pattern_hours)),
        pattern=match.pattern.id if match else None,
        pattern_hours=pattern_hours,
        signals=tuple(fired),
    )


def _summary(score: float, approach: Approach, bands: Bands, factors: AnalyzeRequest) -> str:
    if approach == "direct_delegation":
        return (
            f"Task estimated at {factors.estimated_hours:.1f} hours - suitable for direct "
            f"handling (complexity {score:g} below {bands.project_management:g})"
        )
    if approach == "project_management":
        how = (
            "Linear dependencies can be managed with project tracking"
            if factors.dependency_type != "complex"
            else "A checklist with dependencies is enough"
        )
        return (
            f"{how} (complexity {score:g}, between {bands.project_management:g} "
            f"and {bands.workflow_engine:g})"
        )
    return f"Complexity {score:g} reaches {bands.workflow_engine:g}: the workflow engine"


def _pattern_effect(
    match: PatternMatch, approach: Approach, rule: Confidence, history: PatternHistory | None
) -> tuple[float, list[str]]:
    """The matched pattern's change to the confidence, and the reasons that explain it."""
    agrees = match.pattern.approach == approach
    adjustment = rule.pattern_agrees if agrees else -rule.pattern_disagrees
    reasons = [_pattern_reason(match, agrees)]
    if history:
        adjustment += history.confidence_delta
        line = history.line(match.pattern)
        reasons.append(f"{line[0].upper()}{line[1:]} ({history.confidence_delta:+.2f})")
    return adjustment, reasons


def _pattern_reason(match: PatternMatch, agrees: bool) -> str:
    usual = APPROACH_LABEL[match.pattern.approach]
    shared = match.shared_text()
    if agrees:
        return f"Matches {match.pattern.id!r} pattern ({shared}) - typically handled this way"
    return f"Matches {match.pattern.id!r} pattern ({shared}), which is usually run with {usual}"


def _considerations(
    factors: AnalyzeRequest, match: PatternMatch | None, pattern_hours: float | None
) -> list[str]:
    notes = []
    if len(factors.teams) > 1:
        notes.append(f"Requires coordination across {', '.join(factors.teams)}")
    if factors.approvals_needed:
        notes.append(f"Has formal approval gates ({factors.approvals_needed})")
    if factors.parallel_work and factors.dependency_type == "complex":
        notes.append("Needs staged rollout capability")
    if factors.visibility in ("executive", "public"):
        notes.append(f"High visibility ({factors.visibility})")
    if factors.error_impact == "critical":
        notes.append("A mistake would be critical: keep a person in the loop")
    if match and pattern_hours is not None:
        notes.append(f"A {match.pattern.noun} usually takes about {pattern_hours:g} h")
    return notes
