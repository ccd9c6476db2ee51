"""Task kinds: each kind's details survive the JSON column; a row of no known shape fails
on load with a message naming the task, never a KeyError inside a job."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from errors import BadTaskContext
from models import tasks
from models.kinds import (
    ApprovalStepDetails,
    AssignmentDetails,
    ConsultDetails,
    EscalationAnswer,
    EscalationDetails,
    RequestDetails,
    TaskDetails,
)
from models.work import Task, TaskStatus
from sandbox.task_rows import escalation_card, request_task

TEAM = "T1"
CARD = escalation_card(issue="The launch needs $5k more <!channel>")
EVERY_KIND: list[TaskDetails] = [
    RequestDetails(),
    AssignmentDetails(project="Q4 blog", requested_in=("C1", "1.0")),
    ConsultDetails(project="Q4 blog", requested_in=("C1", "1.0")),
    EscalationDetails(
        card=CARD,
        requested_in=("C1", "1.0"),
        mention=["U1"],
        acknowledged_by=["U2"],
        answer=EscalationAnswer(verdict="sent_back", by="U2", text="Try $3k first"),
    ),
    EscalationDetails(card=CARD),  # a stopped request's card: nobody asked, nobody notified
    ApprovalStepDetails(approval_id="a1"),
]


def _add(session: Session, details: TaskDetails, **values: object) -> str:
    task = request_task(TEAM, assigned_to="cmo", details=details, **values)
    session.add(task)
    session.commit()
    return task.id


def _corrupt(session: Session, task_id: str, context: object) -> Task:
    session.execute(update(Task).where(Task.id == task_id).values(context=context))
    session.commit()
    task = tasks.load_task(session, TEAM, task_id)
    assert task is not None
    session.refresh(task)
    return task


@pytest.mark.parametrize("details", EVERY_KIND, ids=lambda d: d.kind)
def test_every_kind_round_trips_through_the_column(
    sessions: sessionmaker[Session], details: TaskDetails
) -> None:
    with sessions() as session:
        task_id = _add(session, details)
    with sessions() as session:
        stored = tasks.load_task(session, TEAM, task_id)
        assert stored is not None
        assert stored.details == details
        assert stored.context["kind"] == details.kind  # tagged in the stored JSON too


def test_an_unknown_kind_is_refused_naming_the_task(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        task_id = _add(session, RequestDetails())
        task = _corrupt(session, task_id, {"kind": "standup_ritual", "step": 1})
        with pytest.raises(
            BadTaskContext, match=rf"Task {task_id} .*standup_ritual.*kind.*expected"
        ):
            _ = task.details


def test_an_old_or_broken_shape_is_refused_saying_what_is_wrong(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        task_id = _add(session, RequestDetails())
        old_escalation = {"kind": "escalation", "level": "Human", "issue": "flat, as before 0008"}
        task = _corrupt(session, task_id, old_escalation)
        with pytest.raises(BadTaskContext, match=rf"Task {task_id} .*escalation\.card") as found:
            _ = task.details
        assert "level" in str(found.value)  # the stray top-level key is named too
        no_kind = _corrupt(session, task_id, {})
        with pytest.raises(BadTaskContext, match="kind"):
            _ = no_kind.details


def test_a_task_cannot_be_saved_without_a_kind(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        session.add(Task(team_id=TEAM, created_by="human", assigned_to="cmo", title="T", brief=""))
        with pytest.raises(IntegrityError):
            session.commit()


def test_a_persons_answer_is_kept_as_data_and_read_by_the_agent_as_text(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        task_id = _add(session, EscalationDetails(card=CARD), status=TaskStatus.ESCALATED.value)
        said = EscalationAnswer(verdict="decided", by="U9", text="Go, <!here> & all")
        assert tasks.answer_escalation(session, TEAM, task_id, said)
        again = EscalationAnswer(verdict="sent_back", by="U8", text="No")
        assert tasks.answer_escalation(session, TEAM, task_id, again) is False  # first wins
        stored = tasks.load_task(session, TEAM, task_id)
        assert stored is not None
        session.refresh(stored)
        assert isinstance(stored.details, EscalationDetails)
        assert stored.details.answer == said
        assert (stored.status, stored.deliverable) == (
            TaskStatus.DONE.value,
            "Decided by <@U9>: Go, <!here> & all",
        )


def test_acknowledging_a_task_that_is_no_escalation_is_a_clear_error(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        task_id = _add(session, RequestDetails(), status=TaskStatus.ESCALATED.value)
        with pytest.raises(BadTaskContext, match=rf"Task {task_id} is a request"):
            tasks.acknowledge(session, TEAM, task_id, "U1")
