"""Who may approve: configured as data per action type, decided in code."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.approvers import (
    ApprovalConfig,
    Person,
    approvers_text,
    check_against,
    load_approvals,
    may_approve,
)
from bots.authority import load_authority
from bots.roster import load_roster
from errors import RosterError

CONFIG = ApprovalConfig.model_validate(
    {
        "defaults": {"admins": True},
        "actions": [
            {"type": "blog_post", "users": ["U0MARIA"], "groups": ["S0LEADS"]},
            {"type": "campaign_email", "users": ["U0MARIA"], "admins": False},
        ],
    }
)


@pytest.mark.parametrize(
    ("action", "person", "allowed"),
    [
        ("blog_post", Person("U0MARIA"), True),
        ("blog_post", Person("U0SAM"), False),
        ("blog_post", Person("U0SAM", groups=frozenset({"S0LEADS"})), True),
        ("blog_post", Person("U0SAM", is_admin=True), True),
        ("campaign_email", Person("U0SAM", is_admin=True), False),  # admins switched off here
        ("legal_notice", Person("U0SAM", is_admin=True), True),  # unconfigured: admins by default
        ("legal_notice", Person("U0MARIA"), False),
    ],
)
def test_may_approve(action: str, person: Person, allowed: bool) -> None:
    assert may_approve(CONFIG, action, person) is allowed


def test_the_refusal_names_who_can() -> None:
    assert (
        approvers_text(CONFIG, "blog_post") == "<@U0MARIA>, <!subteam^S0LEADS> or a workspace admin"
    )
    assert approvers_text(CONFIG, "campaign_email") == "<@U0MARIA>"


def test_the_shipped_file_loads_and_a_bad_one_stops_start_up(tmp_path: Path) -> None:
    assert load_approvals().defaults.admins is True
    bad = tmp_path / "approvals.toml"
    bad.write_text('[[actions]]\ntype = "blog_post"\nusers = ["maria"]\n')
    with pytest.raises(RosterError, match="invalid"):
        load_approvals(bad)


ROSTER = load_roster()
AUTONOMY = set(load_authority().autonomy)


def test_the_shipped_file_matches_the_roster_and_the_autonomy_table() -> None:
    shipped = load_approvals()
    check_against(shipped, ROSTER, AUTONOMY)
    assert shipped.for_action("blog_post").chain == (
        "content_manager",
        "director_comms",
        "vp_marketing",
    )
    assert shipped.label("blog_post") == "Blog post"
    assert shipped.label("crisis_communications") == "Crisis communications"


@pytest.mark.parametrize(
    ("action", "problem"),
    [
        ({"type": "press_release"}, "unknown action type 'press_release'"),
        ({"type": "blog_post", "chain": ["intern"]}, "reviewer 'intern' of blog_post"),
        ({"type": "blog_post", "chain": ["vp_marketing", "vp_marketing"]}, "appears twice"),
        ({"type": "escalation", "chain": ["cmo"]}, "escalation has no agent reviewers"),
    ],
)
def test_a_config_that_does_not_match_the_department_stops_start_up(
    action: dict[str, object], problem: str
) -> None:
    config = ApprovalConfig.model_validate({"actions": [action]})
    with pytest.raises(RosterError, match=problem):
        check_against(config, ROSTER, AUTONOMY)


@pytest.mark.parametrize(
    ("submitter", "reviewers"),
    [
        ("copywriter", ["content_manager", "director_comms", "vp_marketing"]),
        ("content_manager", ["director_comms", "vp_marketing"]),  # its own review is the submit
        ("director_comms", ["vp_marketing"]),
        ("vp_marketing", []),
        ("social_media_manager", ["content_manager", "director_comms", "vp_marketing"]),
        ("cmo", []),  # everyone in the chain reports to the CMO
    ],
)
def test_who_reviews_a_draft_depends_on_who_submits_it(
    submitter: str, reviewers: list[str]
) -> None:
    shipped = load_approvals()
    assert shipped.reviewers("blog_post", ROSTER, ROSTER.get(submitter)) == reviewers
