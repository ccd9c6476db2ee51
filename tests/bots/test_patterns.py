"""Patterns as data: structured matching, templates that are valid plans, start-up checks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import SecretStr

from bots import advisor_config
from bots.authority import load_authority
from bots.campaign_data import load_campaign_data
from bots.factors import AnalyzeRequest
from bots.patterns import DEFAULT_PATTERNS_PATH, instantiate, load_patterns, match_pattern
from bots.plan_checks import check_plan
from bots.roster import load_roster
from errors import ConfigError
from jobs.runtime import build_runtime
from settings import Settings
from tests.bots.test_advisor import BLOG_POST, CASE_STUDY, CONFERENCE_LAUNCH

ROSTER = load_roster()
MATRIX = load_authority()
DATA = load_campaign_data(ROSTER, MATRIX)
MATCHING = DATA.advisor.matching


def _match(factors: AnalyzeRequest) -> str | None:
    found = match_pattern(factors, DATA.patterns.patterns, MATCHING)
    return found.pattern.id if found else None


def test_the_design_s_patterns_are_all_there() -> None:
    ids = [pattern.id for pattern in DATA.patterns.patterns]
    assert ids[:6] == [
        "product_launch",
        "content_piece",
        "case_study",
        "crisis_response",
        "lead_gen_campaign",
        "webinar",
    ]


@pytest.mark.parametrize("pattern_id", [p.id for p in load_patterns().patterns])
def test_every_template_is_a_valid_plan(pattern_id: str) -> None:
    pattern = DATA.patterns.get(pattern_id)
    check = check_plan(
        instantiate(pattern, "x-campaign", date(2026, 6, 1)), ROSTER, MATRIX, DATA.advisor.plans
    )
    assert check.ok, check.problems


def test_a_template_becomes_a_dated_plan() -> None:
    launch = DATA.patterns.get("product_launch")
    raw = instantiate(launch, "ai-analytics-launch", date(2026, 3, 2))
    check = check_plan(raw, ROSTER, MATRIX, DATA.advisor.plans)
    assert check.plan is not None
    plan = check.plan
    assert (plan.start, plan.end, plan.pattern) == (
        date(2026, 3, 2),
        date(2026, 3, 23),
        "product_launch",
    )
    due = {step.id: step.due for _, _, step in plan.steps()}
    assert due["blog-posts"] == date(2026, 3, 10)
    assert [phase.type for phase in plan.phases] == [
        "sequential",
        "parallel",
        "sequential",
        "parallel",
        "conditional",
        "continuous",
    ]


def test_matching_is_on_structured_factor_values() -> None:
    assert _match(CONFERENCE_LAUNCH) == "product_launch"
    assert _match(BLOG_POST) == "content_piece"
    assert _match(CASE_STUDY) == "case_study"
    webinar = BLOG_POST.model_copy(
        update={
            "estimated_hours": 30,
            "deliverables": ("webinar", "email_sequence"),
            "teams": ("events", "email"),
        }
    )
    assert _match(webinar) == "webinar"
    crisis = BLOG_POST.model_copy(
        update={"deliverables": ("crisis_statement",), "teams": ("communications", "legal")}
    )
    assert _match(crisis) == "crisis_response"


def test_a_pattern_needs_its_required_cue_and_hours() -> None:
    # A small launch-like request: product_launch needs at least 40 h.
    small = CONFERENCE_LAUNCH.model_copy(update={"estimated_hours": 20})
    assert _match(small) != "product_launch"
    # Without conference materials or a press release it is no product launch.
    no_launch = CONFERENCE_LAUNCH.model_copy(
        update={"deliverables": ("email_sequence", "landing_page", "sales_handoff")}
    )
    assert _match(no_launch) == "lead_gen_campaign"


def _patterns_with(tmp_path: Path, old: str, new: str) -> Path:
    text = DEFAULT_PATTERNS_PATH.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "patterns.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_template_naming_an_unknown_agent_stops_start_up(tmp_path: Path) -> None:
    path = _patterns_with(
        tmp_path,
        'agent = "copywriter", action = "Write the piece"',
        'agent = "ghostwriter", action = "Write the piece"',
    )
    with pytest.raises(ConfigError) as caught:
        load_campaign_data(ROSTER, MATRIX, patterns_path=path)
    assert str(caught.value).startswith(
        "Pattern 'content_piece': its phase template is not a valid plan: phase 1 'Draft', "
        "step 'write': unknown agent 'ghostwriter'"
    )


def test_an_unknown_cue_names_the_pattern_and_key(tmp_path: Path) -> None:
    path = _patterns_with(tmp_path, 'skills = ["customer_interviews"', 'skills = ["juggling"')
    with pytest.raises(ConfigError, match=r"pattern 'case_study', key patterns\.2\.cues\.skills"):
        load_patterns(path)


def test_a_duplicate_pattern_id_is_refused(tmp_path: Path) -> None:
    path = _patterns_with(tmp_path, 'id = "webinar"', 'id = "case_study"')
    with pytest.raises(ConfigError, match="pattern 'case_study' appears twice"):
        load_patterns(path)


def test_build_runtime_refuses_a_bad_advisor_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "advisor.toml"
    text = advisor_config.DEFAULT_ADVISOR_PATH.read_text(encoding="utf-8")
    bad.write_text(text.replace("conditional_logic = 2.0", "conditional_logic = -2"), "utf-8")
    monkeypatch.setattr(advisor_config, "DEFAULT_ADVISOR_PATH", bad)
    settings = Settings(
        anthropic_api_key=SecretStr("k"), database_url=f"sqlite:///{tmp_path}/db.sqlite"
    )
    with pytest.raises(ConfigError, match=r"key weights\.conditional_logic"):
        build_runtime(settings)
