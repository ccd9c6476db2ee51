"""Approval transitions: one decision per version, however many clicks race for it."""

from __future__ import annotations

import concurrent.futures
import threading
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.approvals import (
    Approval,
    ApprovalStatus,
    decide,
    due_for_reminder,
    mark_reminded,
    propose,
    set_card,
)
from models.work import Decision, Task
from sandbox.task_rows import request_task

TEAM = "T1"


def _propose(session: Session, draft: str = "Draft v1") -> Approval:
    if session.get(Task, "task1") is None:  # the task that waits for the decision
        session.add(request_task(TEAM, id="task1", brief="Write it"))
    approval = propose(
        session,
        team_id=TEAM,
        subject_id="task1",
        action_type="blog_post",
        title="Blog post",
        draft=draft,
        drafted_by="copywriter",
    )
    set_card(session, approval, f"17000000{approval.version}.000100")
    return approval


def test_two_approvers_clicking_at_once_make_one_transition(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        approval = _propose(session)
    barrier = threading.Barrier(4)

    def click(who: str) -> bool:
        with sessions() as session:
            barrier.wait()
            return decide(session, TEAM, approval.id, ApprovalStatus.APPROVED, by=who)

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(click, ["U1", "U2", "U1", "U3"]))  # a double click included
    assert sorted(results) == [False, False, False, True]
    with sessions() as session:
        stored = session.get(Approval, approval.id)
        assert stored is not None and stored.status == ApprovalStatus.APPROVED.value
        assert stored.decided_by in {"U1", "U2", "U3"} and stored.decided_at is not None
        [record] = session.scalars(select(Decision)).all()  # one decision record, the winner's
        assert (record.decision_maker, record.decision) == (stored.decided_by, "Approved")
        assert record.type == "approval_blog_post" and record.context == "Blog post (version 1)"


def test_a_new_version_supersedes_the_old_card(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        first = _propose(session)
        assert decide(
            session,
            TEAM,
            first.id,
            ApprovalStatus.CHANGES_REQUESTED,
            by="U1",
            feedback="Stronger CTA",
        )
        second = _propose(session, "Draft v2")
        third = _propose(session, "Draft v3")  # v2 was still pending: superseded
        assert (second.version, third.version) == (2, 3)
        assert (
            decide(session, TEAM, second.id, ApprovalStatus.APPROVED, by="U1") is False
        )  # stale card
        status = session.scalar(select(Approval.status).where(Approval.id == second.id))
        assert status == ApprovalStatus.SUPERSEDED.value
        assert decide(
            session, TEAM, third.id, ApprovalStatus.REJECTED, by="U1", feedback="Off-brand"
        )
        with pytest.raises(ValueError, match="not a decision"):
            decide(session, TEAM, third.id, ApprovalStatus.SUPERSEDED, by="U1")
        assert decide(session, "T_OTHER", third.id, ApprovalStatus.APPROVED, by="U1") is False


def test_one_reminder_per_stale_approval(sessions: sessionmaker[Session]) -> None:
    start = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    with freeze_time(start), sessions() as session:
        approval = _propose(session)
    with freeze_time(start + timedelta(hours=25)), sessions() as session:
        due = due_for_reminder(session, older_than=start + timedelta(hours=1))
        assert [a.id for a in due] == [approval.id]
        assert mark_reminded(session, due[0]) is True
        assert mark_reminded(session, due[0]) is False
        assert due_for_reminder(session, older_than=start + timedelta(hours=1)) == []
