"""The direct hand-off as data: who takes a brief one manager can handle, and the start-up
check that every possible hand-off names a roster agent and needs no approval gate."""

from __future__ import annotations

from datetime import date

import pytest

from bots.advisor_config import DEFAULT_ADVISOR_PATH, load_advisor_config
from bots.authority import load_authority
from bots.factors import AnalyzeRequest
from bots.hand_off import check_hand_off, hand_off_plan, manager_for
from bots.plan_checks import check_plan
from bots.roster import load_roster
from errors import ConfigError

ROSTER = load_roster()
MATRIX = load_authority()
CONFIG = load_advisor_config(DEFAULT_ADVISOR_PATH)
RULE = CONFIG.direct_delegation


def _factors(*teams: str) -> AnalyzeRequest:
    return AnalyzeRequest.model_validate(
        {
            "estimated_hours": 2,
            "teams": list(teams),
            "skills": ["writing"],
            "deliverables": ["blog_post"],
            "dependency_type": "none",
            "approvals_needed": 0,
            "error_impact": "low",
            "visibility": "team",
            "conditional_logic": False,
            "parallel_work": False,
        }
    )


@pytest.mark.parametrize(
    ("teams", "manager"),
    [
        (("content",), "content_manager"),
        (("legal", "social"), "social_media_manager"),  # the first team with a channel
        (("email",), "campaign_manager"),
        (("legal",), "vp_marketing"),  # none: the fallback
    ],
)
def test_the_brief_goes_to_its_teams_channel_lead(teams: tuple[str, ...], manager: str) -> None:
    assert manager_for(_factors(*teams), RULE, ROSTER).id == manager


def test_the_hand_off_is_one_valid_ungated_step_due_within_the_campaign() -> None:
    start, end = date(2026, 12, 1), date(2026, 12, 4)
    raw = hand_off_plan(
        "write a blog post\n\nSuccess metrics: 3 leads",
        ROSTER.get("content_manager"),
        RULE,
        start,
        end,
    )
    check = check_plan(raw, ROSTER, MATRIX, CONFIG.plans)
    assert check.plan is not None, check.problems
    [(_, _, step)] = list(check.plan.steps())
    assert (step.action, step.due, step.gate) == ("write a blog post", end, None)


def test_a_hand_off_that_would_need_a_gate_stops_start_up() -> None:
    gated = RULE.model_copy(update={"action_type": "blog_post"})  # L3: a person approves
    with pytest.raises(ConfigError, match="would need a gate"):
        check_hand_off(gated, ROSTER, MATRIX)
    lost = RULE.model_copy(update={"channels": {"content": "mkt-nowhere"}})
    with pytest.raises(ConfigError, match="no channel 'mkt-nowhere'"):
        check_hand_off(lost, ROSTER, MATRIX)
    check_hand_off(RULE, ROSTER, MATRIX)  # the packaged data passes
