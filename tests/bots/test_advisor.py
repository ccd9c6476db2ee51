"""The advisor: factors as a tool schema, the deterministic decision rule, and its data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from bots.advisor import decide, signals
from bots.advisor_config import DEFAULT_ADVISOR_PATH, load_advisor_config
from bots.authority import load_authority
from bots.campaign_data import load_campaign_data
from bots.factors import AnalyzeRequest, analyze_request_tool
from bots.roster import load_roster
from errors import ConfigError

DATA = load_campaign_data(load_roster(), load_authority())
CONFIG, PATTERNS = DATA.advisor, DATA.patterns

# The design's walk-through (orchestration-example.md), as Claude would fill the tool in.
CONFERENCE_LAUNCH = AnalyzeRequest(
    estimated_hours=120,
    teams=("marketing", "content", "social", "email", "events", "sales"),
    skills=("writing", "design", "video", "social", "email", "analytics", "events", "sales"),
    deliverables=(
        "blog_post",
        "whitepaper",
        "webinar",
        "email_sequence",
        "social_posts",
        "conference_materials",
        "sales_handoff",
    ),
    dependency_type="complex",
    approvals_needed=2,
    error_impact="high",
    visibility="public",
    conditional_logic=True,
    parallel_work=True,
)
BLOG_POST = AnalyzeRequest(
    estimated_hours=2,
    teams=("content",),
    skills=("writing", "seo"),
    deliverables=("blog_post",),
    dependency_type="linear",
    approvals_needed=1,
    error_impact="low",
    visibility="public",
    conditional_logic=False,
    parallel_work=False,
)
CASE_STUDY = AnalyzeRequest(
    estimated_hours=16,
    teams=("content", "customer_success", "sales"),
    skills=("customer_interviews", "writing", "design", "analytics"),
    deliverables=("case_study", "testimonials"),
    dependency_type="linear",
    approvals_needed=2,
    error_impact="medium",
    visibility="public",
    conditional_logic=False,
    parallel_work=False,
)


def test_conference_launch_needs_the_workflow_engine_as_a_product_launch() -> None:
    decision = decide(CONFERENCE_LAUNCH, CONFIG, PATTERNS)
    assert decision.approach == "workflow_engine"
    assert decision.pattern == "product_launch"
    assert decision.score == 14.5  # every signal fires: 1.5+1.5+1+1.5+1+1.5+1+1.5+0.5+2+1.5
    assert decision.confidence == 0.95  # 8.5 inside the band (>= full margin 3), the ceiling
    reasons = "\n".join(decision.reasons)
    assert "6 teams required: complex coordination needed (+1.5)" in reasons
    assert "High error impact requires robust error handling (+1.5)" in reasons
    assert "Parallel execution required" in reasons
    assert "Conditional logic present" in reasons
    assert "Matches 'product_launch' pattern (7 deliverables" in reasons
    assert "Requires coordination across marketing, content, social, email, events, sales" in (
        decision.considerations
    )
    assert "Has formal approval gates (2)" in decision.considerations
    assert "Needs staged rollout capability" in decision.considerations
    assert decision.pattern_hours == 120


def test_a_blog_post_goes_by_direct_delegation() -> None:
    decision = decide(BLOG_POST, CONFIG, PATTERNS)
    assert (decision.approach, decision.pattern) == ("direct_delegation", "content_piece")
    assert decision.reasons[0].startswith(
        "Task estimated at 2.0 hours - suitable for direct handling"
    )
    # score 1.0 (linear 0.5 + public 0.5): margin 1.0 to the band edge 2.0 →
    # 0.6 + 0.35 * 1/3 = 0.7167; the pattern agrees: + 0.05
    assert decision.score == 1.0
    assert decision.confidence == 0.77


def test_a_case_study_is_project_management() -> None:
    decision = decide(CASE_STUDY, CONFIG, PATTERNS)
    assert (decision.approach, decision.pattern) == ("project_management", "case_study")
    assert decision.reasons[0].startswith(
        "Linear dependencies can be managed with project tracking"
    )
    # 1.5 (16 h) + 1 (3 teams) + 0.5 (linear) + 1 (2 approvals) + 0.5 (public) = 4.5;
    # margin min(2.5, 1.5) = 1.5 → 0.6 + 0.35 * 0.5 = 0.775; the pattern agrees: + 0.05
    assert (decision.score, decision.confidence) == (4.5, 0.82)


def test_every_reason_names_the_values_that_drove_it() -> None:
    fired = {signal.name: signal.reason for signal in signals(CONFERENCE_LAUNCH, CONFIG)}
    assert fired["long_running"].startswith("120 h estimated")
    assert fired["several_teams"] == (
        "6 teams involved: marketing, content, social, email, events, sales (+1)"
    )
    assert fired["many_approvals"] == "2 approvals needed: formal gates (+1)"
    assert "linear_dependencies" not in fired


def test_a_pattern_that_disagrees_lowers_the_confidence() -> None:
    # A long, conditional blog effort: the score says workflow, content_piece says direct.
    heavy_blog = BLOG_POST.model_copy(
        update={"estimated_hours": 10, "conditional_logic": True, "parallel_work": True}
    )
    decision = decide(heavy_blog, CONFIG, PATTERNS)
    # 1.5 + 0.5 + 0.5 + 2 + 1.5 = 6.0 → workflow on the edge: 0.6 - 0.15
    assert (decision.approach, decision.score, decision.confidence) == (
        "workflow_engine",
        6.0,
        0.5,  # 0.45, raised to the floor
    )
    assert "which is usually run with direct delegation" in decision.reasons[-1]


def test_no_pattern_when_no_structured_cue_matches() -> None:
    odd = BLOG_POST.model_copy(update={"deliverables": ("report",), "skills": ("research",)})
    decision = decide(odd, CONFIG, PATTERNS)
    assert decision.pattern is None and decision.pattern_hours is None
    # score 1.0 → 0.6 + 0.35/3, no pattern bonus
    assert decision.confidence == 0.72


def test_the_tool_schema_is_byte_stable_and_described() -> None:
    first, second = analyze_request_tool(), analyze_request_tool()
    assert json.dumps(first) == json.dumps(second)
    assert first["name"] == "analyze_request"
    schema = first["input_schema"]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {
        "estimated_hours",
        "teams",
        "skills",
        "dependency_type",
        "approvals_needed",
        "error_impact",
        "visibility",
        "conditional_logic",
        "parallel_work",
    }
    for name, field in schema["properties"].items():
        assert field.get("description"), name
    assert schema["properties"]["dependency_type"]["enum"] == ["none", "linear", "complex"]
    assert list(json.dumps(schema, sort_keys=True)) == list(json.dumps(schema))


def test_factors_refuse_repeats_and_out_of_range_values() -> None:
    raw = CONFERENCE_LAUNCH.model_dump()
    with pytest.raises(ValidationError, match="listed more than once: email"):
        AnalyzeRequest.model_validate({**raw, "teams": ["email", "email"]})
    with pytest.raises(ValidationError, match="estimated_hours"):
        AnalyzeRequest.model_validate({**raw, "estimated_hours": 0})
    with pytest.raises(ValidationError, match="teams"):
        AnalyzeRequest.model_validate({**raw, "teams": ["accounting"]})


def _config_with(tmp_path: Path, old: str, new: str) -> Path:
    text = DEFAULT_ADVISOR_PATH.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "advisor.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "named"),
    [
        ("parallel_work = 1.5", "parallel_work = -1", "key weights.parallel_work"),
        ("parallel_work = 1.5", "parallel_wrok = 1.5", "key weights.parallel_w"),
        ("min_score = 3.0", "", "key matching.min_score: Field required"),
        ("workflow_engine = 6.0", "workflow_engine = 1.0", "bands.workflow_engine must be"),
        ("alpha = 0.3", 'alpha = "fast"', "key learning.alpha"),
        ("max_steps = 40", "max_steps = 0", "key plans.max_steps"),
    ],
)
def test_a_bad_advisor_file_names_the_key(tmp_path: Path, old: str, new: str, named: str) -> None:
    with pytest.raises(ConfigError, match="Advisor file") as caught:
        load_advisor_config(_config_with(tmp_path, old, new))
    assert named in str(caught.value)


def test_a_missing_or_broken_advisor_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_advisor_config(tmp_path / "nope.toml")
    (tmp_path / "broken.toml").write_text("[bands\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_advisor_config(tmp_path / "broken.toml")


def test_the_thresholds_drive_the_decision() -> None:
    looser = CONFIG.model_copy(
        update={"bands": CONFIG.bands.model_copy(update={"workflow_engine": 15.0})}
    )
    assert decide(CONFERENCE_LAUNCH, looser, PATTERNS).approach == "project_management"
