"""Where a new version of a draft starts in the reviewer chain."""

from __future__ import annotations

from bots.roster import load_roster
from jobs.approvals.submit import resume_step
from models.approvals import Approval, ApprovalStatus

AGENTS = load_roster().by_id
CHAIN = ["director_comms", "vp_marketing"]


def _version(status: ApprovalStatus, decided_by: str | None = None) -> Approval:
    return Approval(status=status.value, decided_by=decided_by)


def test_a_first_version_starts_at_the_first_reviewer() -> None:
    assert resume_step([], CHAIN, AGENTS) == 0


def test_a_draft_an_agent_sent_back_returns_to_that_agent() -> None:
    sent_back = _version(ApprovalStatus.CHANGES_REQUESTED, "vp_marketing")
    assert resume_step([sent_back], CHAIN, AGENTS) == 1
    earlier = _version(ApprovalStatus.CHANGES_REQUESTED, "content_manager")  # not in this chain
    assert resume_step([earlier], CHAIN, AGENTS) == 0


def test_a_draft_a_person_sent_back_goes_straight_back_to_a_person() -> None:
    assert resume_step([_version(ApprovalStatus.CHANGES_REQUESTED, "U0MARIA")], CHAIN, AGENTS) == 2


def test_after_anything_else_the_chain_starts_over() -> None:
    for status in (ApprovalStatus.REJECTED, ApprovalStatus.SUPERSEDED, ApprovalStatus.EXPIRED):
        assert resume_step([_version(status, "U0MARIA")], CHAIN, AGENTS) == 0
