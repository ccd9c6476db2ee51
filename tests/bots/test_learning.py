"""The learning loop: recorded outcomes move a pattern's estimate and the advisor's confidence
by the rule documented in bots/learning.py (exact numbers)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bots.advisor import decide
from bots.authority import load_authority
from bots.campaign_data import load_campaign_data
from bots.learning import Outcome, learn
from bots.roster import load_roster
from tests.bots.test_advisor import CONFERENCE_LAUNCH

DATA = load_campaign_data(load_roster(), load_authority())
RULE = DATA.advisor.learning  # alpha 0.3, target 0.8, rework penalty 0.3, gain 0.5, cap 0.15
LAUNCH = DATA.patterns.get("product_launch")

THREE_LAUNCHES = [
    Outcome(
        pattern="product_launch",
        estimated_hours=100,
        actual_hours=120,
        success=True,
        satisfaction=0.9,
        rework_needed=False,
    ),
    Outcome(
        pattern="product_launch",
        estimated_hours=100,
        actual_hours=80,
        success=True,
        satisfaction=0.6,
        rework_needed=True,
    ),
    Outcome(
        pattern="product_launch",
        estimated_hours=100,
        actual_hours=150,
        success=True,
        satisfaction=0.7,
        rework_needed=False,
    ),
]


def test_three_outcomes_move_the_estimate_and_the_confidence() -> None:
    history = learn(THREE_LAUNCHES, RULE)["product_launch"]
    # R: 1.0 → 0.7*1.0 + 0.3*1.2 = 1.06 → 0.7*1.06 + 0.3*0.8 = 0.982 → 0.7*0.982 + 0.3*1.5
    assert history.hours_ratio == pytest.approx(1.1374)
    assert history.adjusted_hours(LAUNCH) == 136.5  # 120 h * 1.1374 = 136.488
    # q: 0.9, 0.6 - 0.3 = 0.3, 0.7.  Q: 0.8 → 0.83 → 0.671 → 0.6797
    assert history.quality == pytest.approx(0.6797)
    assert history.confidence_delta == pytest.approx(-0.06015)  # 0.5 * (0.6797 - 0.8)
    assert history.line(LAUNCH) == "based on 3 past launches: 117 h actual vs 100 h estimated"

    before = decide(CONFERENCE_LAUNCH, DATA.advisor, DATA.patterns)
    after = decide(CONFERENCE_LAUNCH, DATA.advisor, DATA.patterns, {"product_launch": history})
    assert (before.confidence, after.confidence) == (0.95, 0.94)  # 0.95 + 0.05 - 0.06015
    assert (before.pattern_hours, after.pattern_hours) == (120, 136.5)
    assert "Based on 3 past launches: 117 h actual vs 100 h estimated (-0.06)" in after.reasons
    assert "A launch usually takes about 136.5 h" in after.considerations


def test_one_outcome_moves_by_alpha_and_reads_in_the_singular() -> None:
    history = learn(THREE_LAUNCHES[:1], RULE)["product_launch"]
    assert history.hours_ratio == pytest.approx(1.06)
    assert history.confidence_delta == pytest.approx(0.5 * (0.83 - 0.8))
    assert history.line(LAUNCH) == "based on 1 past launch: 120 h actual vs 100 h estimated"


def test_the_adjustment_is_capped_and_patterns_are_kept_apart() -> None:
    failures = [
        Outcome(
            pattern="webinar",
            estimated_hours=30,
            actual_hours=30,
            success=False,
            satisfaction=0.9,
            rework_needed=True,
        )
    ] * 5
    histories = learn([*failures, THREE_LAUNCHES[0]], RULE)
    assert histories["webinar"].confidence_delta == -RULE.max_adjustment
    assert histories["webinar"].hours_ratio == pytest.approx(1.0)
    assert histories["product_launch"].count == 1


def test_outcomes_are_validated() -> None:
    with pytest.raises(ValidationError, match="satisfaction"):
        Outcome(
            pattern="webinar",
            estimated_hours=30,
            actual_hours=30,
            success=True,
            satisfaction=1.2,
            rework_needed=False,
        )
