"""The approval card's blocks, pure: who can decide (mentions our code builds from checked
ids), the outcome under the title once decided, and what a later version changed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bots.approvers import approver_mentions, approvers_text, load_approvals
from bots.roster import load_roster
from jobs.approvals.cards import card_blocks, card_text, state_line
from jobs.slack.text import Mrkdwn
from models.approvals import Approval, ApprovalStatus

ROSTER = load_roster()
MARIA, LEE, LEADS = "U0MARIA", "U0LEE", "S0LEADS"


def _approval(**changes: Any) -> Approval:
    fields: dict[str, Any] = {
        "id": "a1",
        "team_id": "T1",
        "subject_id": "s1",
        "action_type": "blog_post",
        "version": 1,
        "title": "AI <!channel> costs",
        "draft": "The draft.",
        "drafted_by": "copywriter",
        "submitted_by": "content_manager",
        "on_approval": "",
        "changes": "",
        "chain": ["director_comms"],
        "step": 1,
        "notes": [],
        "status": ApprovalStatus.PENDING.value,
    }
    return Approval(**(fields | changes))


def _config(tmp_path: Path, admins: bool = False) -> Any:
    path = tmp_path / "approvals.toml"
    path.write_text(
        f'[defaults]\nadmins = {str(admins).lower()}\n\n[[actions]]\ntype = "blog_post"\n'
        f'users = ["{MARIA}", "{LEE}"]\ngroups = ["{LEADS}"]\n'
    )
    return load_approvals(path)


def _texts(blocks: list[dict[str, Any]]) -> list[str]:
    out = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        out += [e.get("text", "") for e in block.get("elements", []) if e["type"] == "mrkdwn"]
    return out


def test_a_waiting_card_names_and_notifies_who_can_decide(tmp_path: Path) -> None:
    config = _config(tmp_path)
    assert approver_mentions(config, "blog_post") == [
        f"<@{MARIA}>",
        f"<@{LEE}>",
        f"<!subteam^{LEADS}>",
    ]
    deciders = Mrkdwn(approvers_text(config, "blog_post"))
    assert deciders.text == f"<@{MARIA}>, <@{LEE}> or <!subteam^{LEADS}>"
    approval = _approval()
    text = card_text(approval, "Blog post", deciders).text
    assert text == (
        "Approval needed: Blog post “AI &lt;!channel&gt; costs” (version 1) · "
        f"<@{MARIA}>, <@{LEE}> or <!subteam^{LEADS}> can decide"
    )
    blocks = card_blocks(approval, ROSTER, "Blog post", deciders=deciders)
    assert blocks[-2]["elements"][0]["text"] == f":bell: Can decide: {deciders.text}"
    assert [e["action_id"] for e in blocks[-1]["elements"]] == [
        "approval-approve",
        "approval-request-changes",
        "approval-reject",
    ]


def test_the_outcome_is_the_line_under_the_title_and_the_buttons_are_gone() -> None:
    decided = _approval(
        status=ApprovalStatus.CHANGES_REQUESTED.value,
        decided_by=MARIA,
        decided_at=datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
        feedback="Add a <!here> CTA",
    )
    state = state_line(decided, ROSTER, superseded_by=2)
    blocks = card_blocks(decided, ROSTER, "Blog post", state=state)
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Approval: AI <!channel> costs"},
    }
    assert blocks[1]["block_id"] == "outcome"
    outcome = blocks[1]["text"]["text"]
    assert outcome.startswith(
        f":leftwards_arrow_with_hook: Changes requested by <@{MARIA}> at <!date^"
    )
    assert "Add a &lt;!here&gt; CTA" in outcome and "Superseded by version 2" in outcome
    assert not any(b["type"] == "actions" for b in blocks)
    assert not any("Can decide" in t for t in _texts(blocks))
    rejected = _approval(status=ApprovalStatus.REJECTED.value, decided_by=MARIA)
    assert state_line(rejected, ROSTER).text == f":no_entry: Rejected by <@{MARIA}>"
    expired = _approval(status=ApprovalStatus.EXPIRED.value)
    assert state_line(expired, ROSTER).text == ":hourglass: Expired without a decision"


def test_a_later_version_says_what_changed_and_who_reviewed_it_again() -> None:
    straight_back = _approval(version=2, changes="Added a direct call to action at the end.")
    changed = card_blocks(straight_back, ROSTER, "Blog post")[2]["text"]["text"]
    assert changed == (
        ":arrows_counterclockwise: *What changed in version 2:* Added a direct call to action "
        "at the end.\nNot reviewed again: it came straight back to a person."
    )
    reviewed = _approval(
        version=3,
        changes="Led with the <reader's> problem.",
        notes=[{"by": "director_comms", "verdict": "approve", "text": "Better."}],
    )
    blocks = card_blocks(reviewed, ROSTER, "Blog post")
    assert blocks[2]["text"]["text"] == (
        ":arrows_counterclockwise: *What changed in version 3:* Led with the &lt;reader's&gt; "
        "problem.\nReviewed again: approved by Director of Communications."
    )
    assert any(t.startswith("*Reviews of version 3*") for t in _texts(blocks))
    silent = _approval(version=2)
    assert (
        "The author did not say what changed."
        in card_blocks(silent, ROSTER, "Blog post")[2]["text"]["text"]
    )
    first = card_blocks(_approval(), ROSTER, "Blog post")
    assert not any("What changed" in t for t in _texts(first))
