"""Task records and the fan-in: a manager's synthesis is woken exactly once."""

from __future__ import annotations

import concurrent.futures
import threading
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from models import tasks
from models.kinds import EscalationDetails
from models.work import AgentMessage, Decision, Task, TaskStatus
from sandbox.task_rows import escalation_card, request_task

TEAM = "T1"


def _task(session: Session, **values: object) -> Task:
    task = request_task(TEAM, **values)
    session.add(task)
    session.commit()
    return task


def _escalation(session: Session, status: TaskStatus) -> Task:
    details = EscalationDetails(card=escalation_card(), requested_in=("C1", "1.0"))
    return _task(session, assigned_to="human", status=status.value, details=details)


def test_fan_in_wakes_the_parent_once_even_when_subtasks_finish_together(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        parent = _task(session, status=TaskStatus.WAITING.value)
        children = [
            _task(
                session,
                parent_task_id=parent.id,
                assigned_to=agent,
                created_by="content_manager",
                depth=1,
            )
            for agent in ("copywriter", "seo_specialist")
        ]
    barrier = threading.Barrier(len(children))

    def finish(child: Task) -> bool:
        with sessions() as session:
            assert tasks.complete(session, TEAM, child.id, f"{child.assigned_to} deliverable")
            barrier.wait()  # both are done before either tries to wake the parent
            return tasks.wake_parent_if_all_done(session, TEAM, parent.id)

    for _ in range(3):  # several rounds: the race must never give two winners
        with sessions() as session:
            session.query(Task).filter(Task.id == parent.id).update(
                {"status": TaskStatus.WAITING.value}
            )
            session.query(Task).filter(Task.parent_task_id == parent.id).update(
                {"status": TaskStatus.IN_PROGRESS.value}
            )
            session.commit()
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            woke = list(pool.map(finish, children))
        assert sorted(woke) == [False, True]
        with sessions() as session:
            assert tasks.load_task(session, TEAM, parent.id).status == TaskStatus.READY.value  # type: ignore[union-attr]


def test_parent_stays_waiting_while_a_subtask_is_open(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        parent = _task(session, status=TaskStatus.WAITING.value)
        done = _task(
            session,
            parent_task_id=parent.id,
            assigned_to="copywriter",
            status=TaskStatus.IN_PROGRESS.value,
        )
        _task(session, parent_task_id=parent.id, assigned_to="designer")
        assert tasks.complete(session, TEAM, done.id, "draft")
        assert tasks.wake_parent_if_all_done(session, TEAM, parent.id) is False
        assert tasks.complete(session, TEAM, done.id, "again") is False  # one completion only
        assert [t.assigned_to for t in tasks.subtasks(session, TEAM, parent.id)] == [
            "copywriter",
            "designer",
        ]


def test_transitions_are_guarded_and_scoped_to_the_team(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        task = _task(session)
        assert (
            tasks.move(
                session, "T_OTHER", task.id, from_=(TaskStatus.OPEN,), to=TaskStatus.IN_PROGRESS
            )
            is False
        )
        assert (
            tasks.move(session, TEAM, task.id, from_=(TaskStatus.OPEN,), to=TaskStatus.IN_PROGRESS)
            is True
        )
        assert (
            tasks.move(session, TEAM, task.id, from_=(TaskStatus.OPEN,), to=TaskStatus.IN_PROGRESS)
            is False
        )
        assert tasks.load_task(session, "T_OTHER", task.id) is None


def test_delegation_chain_for_cycle_checks(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        top = _task(session, assigned_to="vp_marketing")
        middle = _task(session, parent_task_id=top.id, assigned_to="content_manager", depth=1)
        leaf = _task(session, parent_task_id=middle.id, assigned_to="copywriter", depth=2)
        assert tasks.delegation_chain(session, TEAM, leaf.id) == [
            "vp_marketing",
            "content_manager",
            "copywriter",
        ]


def test_messages_and_decisions_keep_the_protocol_fields(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        task = _task(session)
        session.add(
            AgentMessage(
                team_id=TEAM,
                task_id=task.id,
                from_agent="content_manager",
                to_agents=["copywriter", "seo_specialist"],
                type="task_assignment",
                context={"project": "Q4 blog", "related_messages": []},
                subject="New blog post",
                body="Need 1,500 words",
                requires_response=True,
            )
        )
        session.add(
            Decision(
                team_id=TEAM,
                task_id=task.id,
                decision_maker="vp_marketing",
                type="campaign_strategy",
                decision="Approved",
                reasoning="Strong copy",
                actions=[
                    {
                        "assignee": "email_specialist",
                        "action": "2 subject lines",
                        "due": "2026-11-27",
                    }
                ],
                approval_chain=["campaign_manager", "vp_marketing"],
            )
        )
        session.commit()
        message = session.query(AgentMessage).one()
        decision = session.query(Decision).one()
        assert (
            message.to_agents == ["copywriter", "seo_specialist"]
            and message.context["project"] == "Q4 blog"
        )
        assert decision.actions[0]["assignee"] == "email_specialist" and decision.escalated is False


def test_two_people_acknowledging_at_once_are_both_kept(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        card = _escalation(session, TaskStatus.ESCALATED)
        done = _escalation(session, TaskStatus.DONE)
    barrier = threading.Barrier(2)

    def acknowledge(user: str) -> bool:
        with sessions() as session:
            barrier.wait()
            return tasks.acknowledge(session, TEAM, card.id, user)

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        assert list(pool.map(acknowledge, ["U1", "U2"])) == [True, True]
    with sessions() as session:
        assert tasks.acknowledge(session, TEAM, card.id, "U1") is False  # once per person
        assert tasks.acknowledge(session, TEAM, done.id, "U1") is False  # answered already
        assert tasks.acknowledge(session, "T_OTHER", card.id, "U3") is False
        stored = tasks.load_task(session, TEAM, card.id)
        assert stored is not None
        details = stored.details
        assert isinstance(details, EscalationDetails)
        assert sorted(details.acknowledged_by) == ["U1", "U2"]


def test_a_reschedule_changes_an_unfinished_task_of_its_workspace_only(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        open_task = _task(session, status=TaskStatus.IN_PROGRESS.value)
        done = _task(session, status=TaskStatus.DONE.value)
        friday = date(2026, 1, 16)
        assert tasks.reschedule(session, TEAM, open_task.id, due=friday, priority="urgent")
        assert not tasks.reschedule(session, "T2", open_task.id, due=date(2026, 2, 1))
        assert not tasks.reschedule(session, TEAM, done.id, due=friday)
        assert not tasks.reschedule(session, TEAM, open_task.id)  # nothing to change
        session.expire_all()
        moved = tasks.load_task(session, TEAM, open_task.id)
        unmoved = tasks.load_task(session, TEAM, done.id)
        assert moved is not None and (moved.due_date, moved.priority) == (friday, "urgent")
        assert unmoved is not None and unmoved.due_date is None
