"""Leases that name their holder: a dead process's leases are given back, no one else's; a
retried task turn is the same turn (it costs none of the task's allowed turns)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from models import leases, tasks, turns
from models.base import utcnow
from models.leases import TASKS, TURNS
from models.records import Turn, TurnStatus
from models.turns import InboundMessage
from models.work import Task, TaskStatus
from sandbox.task_rows import request_task

TEAM = "T1"
DEAD, OTHER = "host-a:101", "host-a:202"


def _turn(session: Session, ts: str) -> str:
    message = InboundMessage(TEAM, f"Ev{ts}", "app_mention", "C1", False, ts, ts, "U1", "hi")
    assert session.bind is not None
    with session.bind.connect() as connection:  # type: ignore[union-attr]
        turn_id = turns.record_inbound(connection, message)
    assert turn_id is not None
    return turn_id


def _task(session: Session, status: TaskStatus = TaskStatus.OPEN) -> str:
    task = request_task(TEAM, status=status.value)
    session.add(task)
    session.commit()
    return task.id


def _expires(session: Session, table: type[Turn] | type[Task], row_id: str) -> object:
    session.expire_all()
    row = session.get(Turn, row_id) if table is Turn else session.get(Task, row_id)
    assert row is not None
    return row.lease_expires_at


def test_release_held_by_gives_back_only_that_holders_running_leases(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        dead_turn, other_turn = _turn(session, "1.000001"), _turn(session, "2.000001")
        dead_task, other_task = _task(session), _task(session)
        assert turns.claim(session, TEAM, dead_turn, 60, DEAD)
        assert turns.claim(session, TEAM, other_turn, 60, OTHER)
        assert tasks.claim(session, TEAM, dead_task, 60, DEAD)
        assert tasks.claim(session, TEAM, other_task, 60, OTHER)

        assert leases.holders_on_host(session, "host-a") == [DEAD, OTHER]
        assert leases.holders_on_host(session, "host-b") == []
        assert leases.release_held_by(session, DEAD) == 2
        assert leases.release_held_by(session, DEAD) == 0  # already given back

        now = utcnow()
        assert _expires(session, Turn, dead_turn) <= now  # type: ignore[operator]
        assert _expires(session, Task, dead_task) <= now  # type: ignore[operator]
        assert _expires(session, Turn, other_turn) > now  # type: ignore[operator]
        assert _expires(session, Task, other_task) > now  # type: ignore[operator]
        assert sorted(leases.lost(session, TURNS, grace_s=60)) == [(TEAM, dead_turn)]
        assert leases.lost(session, TASKS, grace_s=60) == [(TEAM, dead_task)]


def test_a_retried_task_turn_keeps_its_turn_number_and_a_new_turn_counts(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        task_id = _task(session)
        first = tasks.claim(session, TEAM, task_id, 60, DEAD)
        assert first is not None and first.turn == 1
        assert tasks.claim(session, TEAM, task_id, 60, OTHER) is None  # still held
        assert leases.release(session, TASKS, first)
        retry = tasks.claim(session, TEAM, task_id, 60, OTHER)
        assert retry is not None and retry.turn == 1  # the same turn: same post key, no cost
        assert not leases.release(session, TASKS, first)  # the dead run's token no longer counts

        assert tasks.settle(session, retry, TaskStatus.WAITING)
        assert tasks.move(session, TEAM, task_id, from_=(TaskStatus.WAITING,), to=TaskStatus.READY)
        synthesis = tasks.claim(session, TEAM, task_id, 60, OTHER)
        assert synthesis is not None and synthesis.turn == 2
        session.expire_all()
        task = session.get(Task, task_id)
        assert task is not None
        assert (task.turns_used, task.attempts, task.lease_holder) == (2, 3, OTHER)


def test_a_turn_claim_names_its_holder(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        turn_id = _turn(session, "3.000001")
        held = turns.claim(session, TEAM, turn_id, 60, DEAD)
        assert held is not None
        turn = session.get(Turn, turn_id)
        assert turn is not None and (turn.status, turn.lease_holder) == (
            TurnStatus.RUNNING.value,
            DEAD,
        )
        old = utcnow() - timedelta(seconds=1)
        turn.lease_expires_at = old
        session.commit()
        assert leases.release_held_by(session, DEAD) == 0  # expired already: nothing to do


def test_holder_names_are_host_and_pid() -> None:
    assert leases.holder_name("box", 42) == "box:42"
    assert leases.pid_of("box:42") == 42
    assert leases.pid_of("box:x") is None
    assert len(leases.holder_name("h" * 200, 123456)) == leases.HOLDER_MAX_CHARS


def test_only_the_current_holder_extends_a_task_lease_and_only_while_it_runs(
    sessions: sessionmaker[Session],
) -> None:
    """The held-condition is one for every table: a heartbeat of a lease taken over, or of a
    task completed elsewhere while it was held, changes nothing and stops the beat."""
    with sessions() as session:
        task_id = _task(session)
        first = tasks.claim(session, TEAM, task_id, 60, DEAD)
        assert first is not None and leases.extend(session, TASKS, first, 60)
        assert leases.release(session, TASKS, first)
        retry = tasks.claim(session, TEAM, task_id, 60, OTHER)
        assert retry is not None
        assert not leases.extend(session, TASKS, first, 60)  # taken over
        assert leases.extend(session, TASKS, retry, 60)
        assert tasks.complete(session, TEAM, task_id, "done elsewhere")
        assert not leases.extend(session, TASKS, retry, 60)  # finished, though its token stays
