"""The authority matrix as data, enforced in code: who may decide, and where it goes if not."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.authority import (
    DEFAULT_AUTHORITY_PATH,
    check_decision,
    check_submission,
    level_of,
    load_authority,
)
from bots.roster import load_roster
from errors import RosterError

ROSTER = load_roster()
MATRIX = load_authority()


def _verdict(agent_id: str, decision: str) -> tuple[bool, str | None]:
    verdict = check_decision(MATRIX, ROSTER, ROSTER.get(agent_id), decision)
    return verdict.allowed, verdict.escalate_to


def test_levels_come_from_the_roster() -> None:
    levels = {
        agent_id: level_of(ROSTER.get(agent_id))
        for agent_id in ("cmo", "vp_marketing", "content_manager", "copywriter", "market_research")
    }
    assert levels == {
        "cmo": "cmo",
        "vp_marketing": "vp",
        "content_manager": "manager",
        "copywriter": "specialist",
        "market_research": "specialist",
    }


@pytest.mark.parametrize(
    ("agent", "decision", "expected"),
    [
        ("twitter_manager", "daily_social_posts", (True, None)),  # specialists execute
        ("copywriter", "blog_post_topics", (False, "content_manager")),  # consulted only
        ("content_manager", "blog_post_topics", (True, None)),
        ("campaign_manager", "campaign_strategy", (False, "vp_marketing")),  # proposes, VP approves
        ("vp_marketing", "campaign_strategy", (True, None)),
        ("cmo", "campaign_strategy", (True, None)),  # above the deciding level: may overrule
        ("vp_marketing", "budget_allocation", (False, "cmo")),  # proposes, CMO approves
        ("cmo", "budget_allocation", (True, None)),
        ("cmo", "major_initiatives", (False, "human")),  # the human gives final approval
        ("cmo", "legal_compliance", (False, "human")),  # always a human's decision
        ("email_specialist", "legal_compliance", (False, "campaign_manager")),
    ],
)
def test_who_may_decide(agent: str, decision: str, expected: tuple[bool, str | None]) -> None:
    assert _verdict(agent, decision) == expected


def test_refusals_say_why_and_what_to_do() -> None:
    verdict = check_decision(MATRIX, ROSTER, ROSTER.get("cmo"), "legal_compliance")
    assert "must be escalated" in verdict.reason and "human" in verdict.reason
    unknown = check_decision(MATRIX, ROSTER, ROSTER.get("cmo"), "office_snacks")
    assert not unknown.allowed and "Unknown decision type 'office_snacks'" in unknown.reason


def test_autonomy_defaults() -> None:
    assert MATRIX.autonomy["daily_social_post"] == "L4"
    assert MATRIX.autonomy["blog_post"] == "L3"
    assert MATRIX.autonomy["legal_matter"] == "L1"


def test_a_broken_matrix_stops_start_up(tmp_path: Path) -> None:
    text = DEFAULT_AUTHORITY_PATH.read_text()
    path = tmp_path / "authority.toml"
    path.write_text(text.replace('human = "decide"', 'human = "none"'))
    with pytest.raises(RosterError, match="nobody may decide 'legal_compliance'"):
        load_authority(path)
    path.write_text(text.replace('blog_post = "L3"', 'blog_post = "L9"'))
    with pytest.raises(RosterError, match="invalid"):
        load_authority(path)


@pytest.mark.parametrize(
    ("agent_id", "action_type", "refusal"),
    [
        ("content_manager", "blog_post", None),
        ("twitter_manager", "daily_social_post", None),
        (
            "content_manager",
            "routine_email",
            "Refused: the Content Manager may not submit routine_email; use one of blog_post "
            "(the type must say what the draft is).",
        ),
        (
            "designer",
            "blog_post",
            "Refused: the Designer submits nothing for approval; hand the draft to your manager "
            "(report or escalate).",
        ),
        (
            "campaign_manager",
            "memo",
            "Refused: unknown action type 'memo'; you may submit campaign_email, routine_email.",
        ),
    ],
)
def test_each_agent_submits_only_its_own_action_types(
    agent_id: str, action_type: str, refusal: str | None
) -> None:
    assert check_submission(MATRIX, ROSTER.get(agent_id), action_type) == refusal


def test_only_some_decisions_need_a_person() -> None:
    assert {r.type for r in MATRIX.decisions if r.needs_person} == {
        "budget_allocation",
        "legal_compliance",
    }
    assert {"budget_allocation", "blog_post"} <= MATRIX.approval_types
