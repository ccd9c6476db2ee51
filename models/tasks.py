"""Task transitions, each one guarded UPDATE, so parallel specialists finishing at the same
instant still wake their manager's synthesis exactly once (the fan-in)."""

from __future__ import annotations

from sqlalchemy import and_, exists, select, update
from sqlalchemy.orm import Session, aliased

from models.work import FINISHED, Task, TaskStatus


def load_task(session: Session, team_id: str, task_id: str) -> Task | None:
    return session.scalar(select(Task).where(Task.team_id == team_id, Task.id == task_id))


def subtasks(session: Session, team_id: str, parent_id: str) -> list[Task]:
    return list(
        session.scalars(
            select(Task)
            .where(Task.team_id == team_id, Task.parent_task_id == parent_id)
            .order_by(Task.created_at)
        )
    )


def move(
    session: Session, team_id: str, task_id: str, *, from_: tuple[TaskStatus, ...], to: TaskStatus
) -> bool:
    """Move a task between states if it is in one of `from_`; True for the one winner."""
    result = session.execute(
        update(Task)
        .where(
            Task.team_id == team_id,
            Task.id == task_id,
            Task.status.in_([status.value for status in from_]),
        )
        .values(status=to.value)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]


def complete(session: Session, team_id: str, task_id: str, deliverable: str) -> bool:
    """The assignee reports its deliverable; only a task still being worked on can finish."""
    result = session.execute(
        update(Task)
        .where(
            Task.team_id == team_id,
            Task.id == task_id,
            Task.status.in_(
                [TaskStatus.OPEN.value, TaskStatus.IN_PROGRESS.value, TaskStatus.READY.value]
            ),
        )
        .values(status=TaskStatus.DONE.value, deliverable=deliverable)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]


def wake_parent_if_all_done(session: Session, team_id: str, parent_id: str) -> bool:
    """Fan-in: the parent goes waiting → ready only when no subtask is unfinished.

    One conditional UPDATE, so when the last two subtasks finish at the same instant and both
    call this, exactly one call moves the parent and enqueues its synthesis turn.
    """
    child = aliased(Task)
    unfinished = exists().where(
        and_(
            child.team_id == team_id,
            child.parent_task_id == parent_id,
            child.status.not_in([status.value for status in FINISHED]),
        )
    )
    result = session.execute(
        update(Task)
        .where(
            Task.team_id == team_id,
            Task.id == parent_id,
            Task.status == TaskStatus.WAITING.value,
            ~unfinished,
        )
        .values(status=TaskStatus.READY.value)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]


def delegation_chain(session: Session, team_id: str, task_id: str) -> list[str]:
    """Assignees from the request down to this task, to refuse delegation cycles."""
    chain: list[str] = []
    current = load_task(session, team_id, task_id)
    while current is not None:
        chain.append(current.assigned_to)
        parent_id = current.parent_task_id
        current = load_task(session, team_id, parent_id) if parent_id else None
    return list(reversed(chain))
