"""What each agent has to say at the standup, as facts from the department's records.

A pure function of the rows (`StandupRows`, loaded by `standup_rows.load`), the roster and
the period, so every rule is tested without Slack or a model: what counts as finished since
the last standup, what is in progress and due when, and what waits on whom. The model only
phrases these facts; the titles, links, dates and buttons posted come from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from bots.roster import HUMAN, Roster
from models.approvals import Approval, ApprovalStatus
from models.kinds import ApprovalStepDetails, EscalationDetails
from models.work import FINISHED, Task, TaskStatus

WORKING = (TaskStatus.OPEN.value, TaskStatus.IN_PROGRESS.value, TaskStatus.READY.value)
BLOCKED = (TaskStatus.WAITING.value, TaskStatus.ESCALATED.value)
PRIORITY_ORDER = {"urgent": 0, "high": 1, "normal": 2, "low": 3}

BlockerKind = Literal["agent", "approval", "escalation"]


@dataclass(frozen=True)
class TaskFact:
    """A task as the standup names it: its title, due date and thread."""

    task_id: str
    title: str
    priority: str
    due: date | None
    where: tuple[str, str] | None  # the task's thread (channel, ts), for its link


@dataclass(frozen=True)
class Blocker:
    """What a task of the agent's waits on: another agent (who, since when), an approval card
    pending a person, or an escalation a person has to answer."""

    task: TaskFact
    kind: BlockerKind
    since: datetime
    agent_id: str | None = None  # kind "agent": who has it
    approval_id: str | None = None  # kind "approval": the pending card
    escalation_id: str | None = None  # kind "escalation": the escalation's task
    card: tuple[str, str] | None = None  # the card's message (channel, ts), for its link

    @property
    def on_person(self) -> bool:
        return self.kind != "agent"


@dataclass(frozen=True)
class AgentFacts:
    agent_id: str
    completed: tuple[TaskFact, ...] = ()
    in_progress: tuple[TaskFact, ...] = ()
    blockers: tuple[Blocker, ...] = ()

    @property
    def has_news(self) -> bool:
        return bool(self.completed or self.in_progress or self.blockers)

    def task_ids(self) -> set[str]:
        facts = [*self.completed, *self.in_progress, *(b.task for b in self.blockers)]
        return {fact.task_id for fact in facts}


@dataclass(frozen=True)
class StandupRows:
    """The records the standup reads: tasks finished in the period or still open, and the
    approvals pending a person."""

    tasks: tuple[Task, ...]
    approvals: tuple[Approval, ...] = ()


@dataclass
class _Draft:
    completed: list[TaskFact] = field(default_factory=list)
    in_progress: list[TaskFact] = field(default_factory=list)
    blockers: list[Blocker] = field(default_factory=list)


def agent_facts(
    rows: StandupRows, roster: Roster, since: datetime, now: datetime
) -> list[AgentFacts]:
    """Every agent of the roster, in roster order, with its facts for the period [since, now)
    (an agent with nothing has an empty entry: it stays silent and is listed as such)."""
    drafts = {agent.id: _Draft() for agent in roster.agents}
    children = _children(rows.tasks)
    pending = {a.subject_id: a for a in rows.approvals if _pending_with_person(a)}
    for task in rows.tasks:
        draft = drafts.get(task.assigned_to)
        if draft is None:
            continue  # a person's or a retired agent's
        if task.status == TaskStatus.DONE.value and since <= task.updated_at < now:
            draft.completed.append(fact_of(task))
        elif task.status in WORKING:
            draft.in_progress.append(fact_of(task))
        elif task.status in BLOCKED:
            found = _blockers(task, children.get(task.id, []), pending.get(task.id))
            if found:
                draft.blockers.extend(found)
            elif task.status == TaskStatus.WAITING.value:
                draft.in_progress.append(fact_of(task))
    return [
        AgentFacts(
            agent_id,
            tuple(draft.completed),
            tuple(sorted(draft.in_progress, key=_urgency)),
            tuple(draft.blockers),
        )
        for agent_id, draft in drafts.items()
    ]


def fact_of(task: Task) -> TaskFact:
    where = _where(task.channel_id, task.thread_ts)
    return TaskFact(task.id, task.title, task.priority, task.due_date, where)


def _where(channel_id: str | None, ts: str | None) -> tuple[str, str] | None:
    return (channel_id, ts) if channel_id and ts else None


def _children(tasks: Iterable[Task]) -> dict[str, list[Task]]:
    found: dict[str, list[Task]] = {}
    for task in tasks:
        if task.parent_task_id is not None:
            found.setdefault(task.parent_task_id, []).append(task)
    return found


def _pending_with_person(approval: Approval) -> bool:
    return (
        approval.status == ApprovalStatus.PENDING.value
        and approval.at_human_step
        and approval.card_ts is not None
    )


def _blockers(task: Task, children: list[Task], approval: Approval | None) -> list[Blocker]:
    """What a waiting task waits on: its unfinished subtasks' holders, a card pending a
    person, an escalation a person must answer."""
    fact = fact_of(task)
    found: list[Blocker] = []
    if approval is not None:
        card = _where(approval.channel_id, approval.card_ts)
        found.append(
            Blocker(fact, "approval", approval.created_at, approval_id=approval.id, card=card)
        )
    for child in children:
        if child.status in [status.value for status in FINISHED]:
            continue
        details = child.details
        if isinstance(details, ApprovalStepDetails):
            continue  # the approval itself is the blocker (above), or a reviewer's turn
        if child.assigned_to == HUMAN and isinstance(details, EscalationDetails):
            card = _where(child.channel_id, child.thread_ts)
            found.append(
                Blocker(fact, "escalation", child.created_at, escalation_id=child.id, card=card)
            )
        elif child.assigned_to != HUMAN:
            found.append(Blocker(fact, "agent", child.created_at, agent_id=child.assigned_to))
    return found


def _urgency(fact: TaskFact) -> tuple[int, date]:
    """Urgent first, then the nearest due date (undated last)."""
    return (PRIORITY_ORDER.get(fact.priority, 2), fact.due or date.max)


def silent(facts: Iterable[AgentFacts]) -> list[str]:
    """The agents with nothing to report, by id, in roster order."""
    return [entry.agent_id for entry in facts if not entry.has_news]


def resolved_blockers(rows: StandupRows, since: datetime, now: datetime) -> list[TaskFact]:
    """Escalations answered and approval steps decided in the period: blockers resolved."""
    return [
        fact_of(task)
        for task in rows.tasks
        if task.status == TaskStatus.DONE.value
        and since <= task.updated_at < now
        and isinstance(task.details, EscalationDetails | ApprovalStepDetails)
    ]
