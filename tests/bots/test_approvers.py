"""Who may approve: configured as data per action type, decided in code."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.approvers import ApprovalConfig, Person, approvers_text, load_approvals, may_approve
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
        approvers_text(CONFIG, "blog_post") == "<@U0MARIA>, <!subteam^S0LEADS>, a workspace admin"
    )
    assert approvers_text(CONFIG, "campaign_email") == "<@U0MARIA>"


def test_the_shipped_file_loads_and_a_bad_one_stops_start_up(tmp_path: Path) -> None:
    assert load_approvals().defaults.admins is True
    bad = tmp_path / "approvals.toml"
    bad.write_text('[[actions]]\ntype = "blog_post"\nusers = ["maria"]\n')
    with pytest.raises(RosterError, match="invalid"):
        load_approvals(bad)
