"""The sandbox names its approving people on every action type of the real approvals file."""

from __future__ import annotations

from pathlib import Path

from bots.approvers import DEFAULT_APPROVALS_PATH, approvers_text, load_approvals
from sandbox.approvers import with_approvers


def test_the_sandbox_names_its_approvers_and_keeps_everything_else(tmp_path: Path) -> None:
    real = load_approvals(DEFAULT_APPROVALS_PATH)
    written = with_approvers(DEFAULT_APPROVALS_PATH, ["U0MARIA"], tmp_path)
    copy = load_approvals(written)
    assert copy.defaults == real.defaults
    assert [a.type for a in copy.actions] == [a.type for a in real.actions]
    for ours, theirs in zip(copy.actions, real.actions, strict=True):
        assert ours.users == (*theirs.users, "U0MARIA")
        assert ours.model_copy(update={"users": theirs.users}) == theirs
    assert approvers_text(copy, "blog_post") == "<@U0MARIA> or a workspace admin"
