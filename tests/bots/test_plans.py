"""The plan grammar and its checks against the roster, the authority matrix and the limits."""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

import pytest

from bots.advisor_config import load_advisor_config
from bots.authority import load_authority
from bots.plan_checks import check_plan, problems_text
from bots.plans import ConditionalPhase, Plan, parse_condition, propose_plan_tool
from bots.roster import load_roster

ROSTER = load_roster()
MATRIX = load_authority()
LIMITS = load_advisor_config().plans


def _step(step_id: str, agent: str = "copywriter", **extra: Any) -> dict[str, Any]:
    return {
        "id": step_id,
        "agent": agent,
        "action": "Write the launch post",
        "action_type": "blog_post",
        "due": "2026-03-10",
        **extra,
    }


def _plan(**extra: Any) -> dict[str, Any]:
    plan: dict[str, Any] = {
        "name": "spring-launch",
        "start": "2026-03-02",
        "end": "2026-03-23",
        "variables": {"lead_score": "number", "tier": "text"},
        "phases": [
            {"name": "Create", "type": "parallel", "steps": [_step("post"), _step("post-2")]},
            {
                "name": "Leads",
                "type": "conditional",
                "condition": "lead_score > 70",
                "if_true": [_step("handoff", "campaign_manager", action_type="routine_email")],
                "if_false": [_step("nurture", "email_specialist", action_type="routine_email")],
            },
            {
                "name": "Monitor",
                "type": "continuous",
                "after": ["Create"],
                "every_hours": 24,
                "steps": [_step("track", "analytics_specialist", action_type="analytics_report")],
            },
        ],
    }
    plan.update(extra)
    return plan


def _problems(raw: dict[str, Any]) -> str:
    check = check_plan(raw, ROSTER, MATRIX, LIMITS)
    assert check.plan is None and check.problems, "the plan should have been refused"
    return problems_text(check.problems)


def test_a_good_plan_passes_with_its_phase_order() -> None:
    check = check_plan(_plan(), ROSTER, MATRIX, LIMITS)
    assert check.ok and check.plan is not None, check.problems
    plan = check.plan
    assert [phase.type for phase in plan.phases] == ["parallel", "conditional", "continuous"]
    assert plan.waits_for(0) == () and plan.waits_for(1) == ("Create",)
    assert plan.waits_for(2) == ("Create",)
    assert [step.id for _, _, step in plan.steps()] == [
        "post",
        "post-2",
        "handoff",
        "nurture",
        "track",
    ]


def test_unknown_agent_is_named_with_a_suggestion() -> None:
    raw = _plan()
    raw["phases"][0]["steps"][1]["agent"] = "content_team"
    text = _problems(raw)
    assert "phase 1 'Create', step 'post-2': unknown agent 'content_team'" in text
    assert "did you mean 'content_manager'?" in text


def test_unknown_action_type_lists_the_known_ones() -> None:
    raw = _plan()
    raw["phases"][2]["steps"][0]["action_type"] = "tracking"
    text = _problems(raw)
    assert "phase 3 'Monitor', step 'track': unknown action type 'tracking'" in text
    assert "blog_post" in text and "campaign_strategy" in text


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("lead_score >> 70", "'> 70' is not a number, true/false or quoted text"),
        ("__import__('os') > 1", "is not understood"),
        ("lead_score", "is not understood"),
        ('tier > "gold"', "> compares numbers only"),
    ],
)
def test_a_bad_condition_is_refused_in_words(condition: str, expected: str) -> None:
    raw = _plan()
    raw["phases"][1]["condition"] = condition
    text = _problems(raw)
    assert text.startswith("• phase 2 'Leads', field condition: condition")
    assert expected in text


def test_a_condition_must_use_a_declared_variable_of_its_type() -> None:
    raw = _plan()
    raw["phases"][1]["condition"] = "score > 70"
    assert "uses 'score', which is not in the plan's variables (lead_score, tier)" in _problems(raw)
    raw["phases"][1]["condition"] = 'lead_score == "high"'
    assert "'lead_score' is a number variable but the condition compares it with a text" in (
        _problems(raw)
    )


def test_conditions_parse_and_evaluate_without_eval() -> None:
    condition = parse_condition("lead_score > 70")
    assert (condition.variable, condition.operator, condition.value) == ("lead_score", ">", 70.0)
    assert condition.evaluate({"lead_score": 82}) is True
    assert condition.evaluate({"lead_score": 70}) is False
    assert condition.evaluate({}) is None  # unset: the phase waits
    assert condition.evaluate({"lead_score": "82"}) is None  # wrong type: never guessed
    assert parse_condition("tier == 'gold'").evaluate({"tier": "gold"}) is True
    assert parse_condition("vip != true").evaluate({"vip": False}) is True


def test_phases_that_wait_for_each_other_are_a_cycle() -> None:
    raw = _plan()
    raw["phases"][0]["after"] = ["Monitor"]
    assert "phases wait for each other in a cycle: Create -> Monitor -> Create" in _problems(raw)


def test_waiting_for_an_unknown_phase_or_itself() -> None:
    raw = _plan()
    raw["phases"][2]["after"] = ["Launch", "Monitor"]
    text = _problems(raw)
    assert "phase 3 'Monitor' waits for 'Launch', which is not a phase of the plan" in text
    assert "phase 3 'Monitor' waits for itself" in text


def test_an_empty_phase_or_branchless_condition_is_refused() -> None:
    raw = _plan()
    raw["phases"][0]["steps"] = []
    assert "phase 1 'Create': has no steps (at least one is needed)" in _problems(raw)
    raw = _plan()
    raw["phases"][1]["if_true"] = []
    raw["phases"][1]["if_false"] = []
    assert "phase 2 'Leads': needs steps in if_true or if_false" in _problems(raw)
    assert "the plan: has no phases" in _problems(_plan(phases=[]))


def test_an_unknown_phase_type_names_the_allowed_ones() -> None:
    raw = _plan()
    raw["phases"][0]["type"] = "waterfall"
    assert "type must be sequential, parallel, conditional or continuous" in _problems(raw)


def test_shape_errors_point_at_the_step() -> None:
    raw = _plan()
    raw["phases"][1]["if_false"][0]["due"] = "next week"
    raw["phases"][0]["steps"][0]["colour"] = "red"
    text = _problems(raw)
    assert "phase 2 'Leads', if_false step 'nurture', field due:" in text
    assert "phase 1 'Create', step 'post', field colour: Extra inputs are not permitted" in text


def test_dates_ids_and_names_are_checked_across_the_plan() -> None:
    raw = _plan()
    raw["phases"][0]["steps"][1]["id"] = "post"
    raw["phases"][2]["name"] = "Create"
    raw["phases"][1]["if_true"][0]["due"] = "2026-04-01"
    text = _problems(raw)
    assert "step id 'post' is used more than once" in text
    assert "two phases are named 'Create'" in text
    assert "step 'handoff': due 2026-04-01 is outside the campaign (2026-03-02 to 2026-03-23)" in (
        text
    )
    assert "ends (2026-03-01) before it starts" in _problems(_plan(end="2026-03-01"))


def test_limits_are_data() -> None:
    raw = _plan()
    raw["phases"][2]["every_hours"] = 1
    assert "recurs every 1 h; the shortest interval is 4 h" in _problems(raw)
    many = copy.deepcopy(_plan())
    many["phases"][0]["steps"] = [_step(f"post-{n}") for n in range(LIMITS.max_steps + 1)]
    text = _problems(many)
    assert f"has {LIMITS.max_steps + 4} steps; at most {LIMITS.max_steps} are allowed" in text
    assert f"at most {LIMITS.max_steps_per_phase} per phase" in text
    assert "runs 366 days; at most 180" in _problems(_plan(end="2027-03-03"))


def test_a_gate_must_name_a_person_or_an_agent() -> None:
    raw = _plan()
    raw["phases"][0]["steps"][0]["gate"] = {"approver": "ceo"}
    assert "the gate's approver 'ceo' is neither 'person' nor an agent" in _problems(raw)


def test_a_checked_plan_keeps_the_parsed_condition() -> None:
    check = check_plan(_plan(), ROSTER, MATRIX, LIMITS)
    assert isinstance(check.plan, Plan)
    phase = check.plan.phases[1]
    assert isinstance(phase, ConditionalPhase)
    assert phase.parsed.evaluate({"lead_score": 71}) is True
    assert check.plan.start == date(2026, 3, 2)


def test_the_propose_plan_tool_is_byte_stable_and_knows_the_phase_kinds() -> None:
    first, second = propose_plan_tool(), propose_plan_tool()
    assert json.dumps(first) == json.dumps(second)
    assert first["name"] == "propose_plan"
    schema = first["input_schema"]
    mapping = schema["properties"]["phases"]["items"]["discriminator"]["mapping"]
    assert sorted(mapping) == ["conditional", "continuous", "parallel", "sequential"]
    assert schema["$defs"]["Step"]["additionalProperties"] is False
    assert "action_type" in schema["$defs"]["Step"]["required"]
