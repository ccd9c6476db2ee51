"""Task transitions, each one guarded UPDATE, so parallel specialists finishing at the same
instant still wake their manager's synthesis exactly once (the fan-in)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, select, update
from sqlalchemy.orm import Session, aliased

from errors import BadTaskContext
from models import kinds, leases
from models.base import guarded, new_id, utcnow
from models.kinds import EscalationAnswer, EscalationDetails, RequestDetails, TaskDetails
from models.leases import RUNNABLE_TASKS, TASKS, Lease
from models.work import FINISHED, AgentMessage, Task, TaskStatus


def load_task(session: Session, team_id: str, task_id: str) -> Task | None:
    return session.scalar(select(Task).where(Task.team_id == team_id, Task.id == task_id))


def is_campaign_step(session: Session, team_id: str, task_id: str) -> bool:
    """Whether the task is one run of a campaign's step (its job waits in the background
    lane, behind people's work: jobs/queue.py)."""
    context = session.scalar(
        select(Task.context).where(Task.team_id == team_id, Task.id == task_id)
    )
    return isinstance(context, dict) and context.get("kind") == "campaign_step"


def subtasks(session: Session, team_id: str, parent_id: str) -> list[Task]:
    return list(
        session.scalars(
            select(Task)
            .where(Task.team_id == team_id, Task.parent_task_id == parent_id)
            .order_by(Task.created_at)
        )
    )


def family(session: Session, team_id: str, root_id: str, limit: int) -> list[Task]:
    """The tasks under `root_id` at any depth (at most `limit`), each followed by its own:
    an assignment, then the review of its draft, then the next assignment."""
    found: list[Task] = []

    def under(parent_id: str) -> None:
        for child in subtasks(session, team_id, parent_id):
            if len(found) >= limit:
                return
            found.append(child)
            under(child.id)

    under(root_id)
    return found


def root_of(session: Session, team_id: str, task: Task, max_depth: int = 32) -> Task:
    """The task at the top of `task`'s chain (the request it serves); a broken link stops
    the walk where it breaks. Depth is bounded in code (delegation guards), and here too."""
    top = task
    for _ in range(max_depth):
        if top.parent_task_id is None:
            break
        parent = load_task(session, team_id, top.parent_task_id)
        if parent is None:
            break
        top = parent
    return top


def move(
    session: Session, team_id: str, task_id: str, *, from_: tuple[TaskStatus, ...], to: TaskStatus
) -> bool:
    """Move a task between states if it is in one of `from_`; True for the one winner."""
    return _move(session, team_id, task_id, from_, status=to.value)


WORKING = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS, TaskStatus.READY)


def complete(
    session: Session,
    team_id: str,
    task_id: str,
    deliverable: str,
    *,
    from_: tuple[TaskStatus, ...] = WORKING,
) -> bool:
    """Finish a task with its deliverable; only from `from_` (a task still being worked on)."""
    return _move(
        session, team_id, task_id, from_, status=TaskStatus.DONE.value, deliverable=deliverable
    )


def finishing(values: dict[str, object]) -> dict[str, object]:
    """`values` of an UPDATE, stamped with `finished_at` when they finish the task: every
    move to done, failed or cancelled goes through here, so the metrics can time the work."""
    if values.get("status") in [status.value for status in FINISHED]:
        return values | {"finished_at": utcnow()}
    return values


def _move(
    session: Session, team_id: str, task_id: str, from_: tuple[TaskStatus, ...], **values: object
) -> bool:
    return guarded(
        session,
        update(Task)
        .where(
            Task.team_id == team_id,
            Task.id == task_id,
            Task.status.in_([status.value for status in from_]),
        )
        .values(**finishing(values)),
    )


def reschedule(
    session: Session,
    team_id: str,
    task_id: str,
    *,
    due: date | None = None,
    priority: str | None = None,
) -> bool:
    """A person's change of due date or priority (through an agent's `update_task`): only
    while the task is unfinished, in one guarded UPDATE."""
    values: dict[str, object] = {}
    if due is not None:
        values["due_date"] = due
    if priority is not None:
        values["priority"] = priority
    unfinished = tuple(status for status in TaskStatus if status not in FINISHED)
    return bool(values) and _move(session, team_id, task_id, unfinished, **values)


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
    return guarded(
        session,
        update(Task)
        .where(
            Task.team_id == team_id,
            Task.id == parent_id,
            Task.status == TaskStatus.WAITING.value,
            ~unfinished,
        )
        .values(status=TaskStatus.READY.value),
    )


def subtask_of(
    parent: Task,
    *,
    created_by: str,
    assigned_to: str,
    details: TaskDetails,
    task_id: str | None = None,
    **fields: Any,
) -> Task:
    """A new open task under `parent` (a delegation, a consultation, an escalation, an
    approval step): it belongs to the same request and sits one level deeper, which the
    delegation depth guard counts. `fields` are the task's own (title, brief, priority...)."""
    return Task(
        id=task_id or new_id(),
        team_id=parent.team_id,
        origin_turn_id=parent.origin_turn_id,
        parent_task_id=parent.id,
        created_by=created_by,
        assigned_to=assigned_to,
        depth=parent.depth + 1,
        status=TaskStatus.OPEN.value,
        details=details,
        **fields,
    )


def add_handed_over(
    session: Session, task: Task, message_type: str, context: dict[str, Any]
) -> None:
    """Persist a new task together with the protocol message (design §3.2) from its creator
    to its assignee that hands it over: the brief, to be answered."""
    session.add(task)
    session.flush()  # the message row refers to the task row
    session.add(
        AgentMessage(
            team_id=task.team_id,
            task_id=task.id,
            from_agent=task.created_by,
            to_agents=[task.assigned_to],
            type=message_type,
            priority=task.priority,
            context=context,
            subject=task.title,
            body=task.brief,
            requires_response=True,
        )
    )
    session.commit()


def delegation_chain(session: Session, team_id: str, task_id: str) -> list[str]:
    """Assignees from the request down to this task, to refuse delegation cycles."""
    chain: list[str] = []
    current = load_task(session, team_id, task_id)
    while current is not None:
        chain.append(current.assigned_to)
        parent_id = current.parent_task_id
        current = load_task(session, team_id, parent_id) if parent_id else None
    return list(reversed(chain))


@dataclass(frozen=True)
class TaskClaim(Lease):
    """Proof that this worker holds a task's lease for one of its turns."""

    turn: int  # 1 for the first turn, 2 for the synthesis after subtasks, ...
    retries: int = 0  # runs beyond one per turn over the task's life (dead or failed runs)

    @property
    def task_id(self) -> str:
        return self.row_id


ACKNOWLEDGE_TRIES = 5


def claim(
    session: Session, team_id: str, task_id: str, lease_s: float, holder: str
) -> TaskClaim | None:
    """Take an open or ready task for its next turn, or retry the turn whose worker's lease
    ran out (or was given back). Only a new turn counts against the task's allowed turns: a
    retry keeps the turn number, so it edits that turn's own posts and costs no turn."""
    new_turn = case((Task.status.in_(RUNNABLE_TASKS), 1), else_=0)  # 0: a retry
    token = leases.claim(
        session,
        TASKS,
        team_id,
        task_id,
        lease_s,
        holder,
        values={"turns_used": new_turn + Task.turns_used},
    )
    if token is None:
        return None
    row = session.execute(
        select(Task.turns_used, Task.attempts).where(Task.team_id == team_id, Task.id == task_id)
    ).one()
    return TaskClaim(team_id, task_id, token, row.turns_used or 1, row.attempts - row.turns_used)


def settle(
    session: Session, held: TaskClaim, to: TaskStatus, *, deliverable: str | None = None
) -> bool:
    """End this turn of the task (waiting for subtasks, done, failed); only the lease holder."""
    values: dict[str, object] = {"status": to.value, "lease_token": None, "lease_expires_at": None}
    if deliverable is not None:
        values["deliverable"] = deliverable
    return guarded(
        session,
        update(Task).where(*leases.held(TASKS, held)).values(**finishing(values)),
    )


def extend_request_lease(
    session: Session, team_id: str, turn_id: str, holder: str, lease_s: float
) -> bool:
    """The turn's heartbeat also keeps the request task it made (create_root) held: that task
    is worked on by the turn, not by a task turn, until the turn ends."""
    return guarded(
        session,
        update(Task)
        .where(
            Task.team_id == team_id,
            Task.origin_turn_id == turn_id,
            Task.parent_task_id.is_(None),
            Task.status == TaskStatus.IN_PROGRESS.value,
            Task.lease_holder == holder,
        )
        .values(lease_expires_at=utcnow() + timedelta(seconds=lease_s)),
    )


def create_root(
    session: Session,
    *,
    team_id: str,
    agent_id: str,
    turn_id: str,
    title: str,
    brief: str,
    channel_id: str,
    thread_ts: str,
    lease_s: float,
    holder: str,
) -> tuple[Task, TaskClaim]:
    """The task behind a person's request, made when its agent first delegates; the turn's
    worker holds it until the turn ends (then it waits for the subtasks)."""
    token = uuid.uuid4().hex
    task = Task(
        id=new_id(),
        team_id=team_id,
        origin_turn_id=turn_id,
        created_by="human",
        assigned_to=agent_id,
        title=title[:150],
        brief=brief,
        status=TaskStatus.IN_PROGRESS.value,
        details=RequestDetails(),
        channel_id=channel_id,
        thread_ts=thread_ts,
        attempts=1,
        turns_used=1,
        lease_token=token,
        lease_expires_at=utcnow() + timedelta(seconds=lease_s),
        lease_holder=holder,
    )
    session.add(task)
    session.commit()
    return task, TaskClaim(team_id, task.id, token, 1)


def answer_escalation(
    session: Session, team_id: str, task_id: str, answer: EscalationAnswer
) -> bool:
    """A person answers an escalation card; the first answer wins, a second changes nothing.

    The answer is kept as data on the task (the card renders it) and, as the waiting agent
    reads it, as the deliverable."""
    return _rewrite_escalation(
        session,
        team_id,
        task_id,
        lambda card: card.model_copy(update={"answer": answer}),
        status=TaskStatus.DONE.value,
        deliverable=answer.for_agent(),
    )


def pass_on(session: Session, held: TaskClaim, assigned_to: str, to: TaskStatus) -> bool:
    """End this turn by handing the task to someone else (the next reviewer, or a person)."""
    return guarded(
        session,
        update(Task)
        .where(*leases.held(TASKS, held))
        .values(assigned_to=assigned_to, status=to.value, lease_token=None, lease_expires_at=None),
    )


def acknowledge(session: Session, team_id: str, task_id: str, user_id: str) -> bool:
    """A person saw an escalation and will answer: noted once per person, only while open."""

    def noted(card: EscalationDetails) -> EscalationDetails | None:
        if user_id in card.acknowledged_by:
            return None
        return card.model_copy(update={"acknowledged_by": [*card.acknowledged_by, user_id]})

    return _rewrite_escalation(session, team_id, task_id, noted)


def _rewrite_escalation(
    session: Session,
    team_id: str,
    task_id: str,
    change: Callable[[EscalationDetails], EscalationDetails | None],
    **values: object,
) -> bool:
    """Rewrite an open (escalated) escalation's details, and set `values`, in one guarded
    UPDATE; `change` returning None means there is nothing to do.

    Optimistic: the row is rewritten only if it is unchanged since it was read (its
    `updated_at`), else read again, so two people acknowledging at once are both kept and an
    answer never drops an acknowledgement that landed meanwhile."""
    for _ in range(ACKNOWLEDGE_TRIES):
        task = session.scalar(
            select(Task)
            .where(Task.team_id == team_id, Task.id == task_id)
            .execution_options(populate_existing=True)
        )
        if task is None or task.status != TaskStatus.ESCALATED.value:
            return False
        details = task.details
        if not isinstance(details, EscalationDetails):
            raise BadTaskContext(f"Task {task_id} is a {details.kind}, not an escalation")
        changed = change(details)
        if changed is None:
            return False
        if guarded(
            session,
            update(Task)
            .where(
                Task.team_id == team_id,
                Task.id == task_id,
                Task.status == TaskStatus.ESCALATED.value,
                Task.updated_at == task.updated_at,
            )
            .values(**finishing({"context": kinds.dump(changed), **values})),
        ):
            return True
    return False
