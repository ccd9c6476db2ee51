"""The week's priorities as an approval card (action type `weekly_plan`), in the weekly
planning thread, through the approvals machinery: a VP's plan task waits for a person's
step, the card is the approvals' own (jobs/approvals/cards.py), and a decision on it
follows the usual path (after_decision: the card shows it, the VP's task is woken to go on
with the plan, revise it or close it).

The records have ids derived from the run's, so a repeated run finds its plan instead of
asking the model again, and the card is posted once (its post-once key is the approval's).
"""

from __future__ import annotations

import logging
import uuid
from datetime import date

from sqlalchemy.exc import IntegrityError

from bots.roster import HUMAN
from jobs.approvals.posts import to_person
from jobs.claude.framing import Frame, tag
from jobs.rituals.review_model import (
    PROPOSE_WEEK_PRIORITIES,
    Priority,
    WeekPriorities,
    ask,
    invents_numbers,
)
from jobs.rituals.review_post import post, section
from jobs.rituals.where import review_config
from jobs.runtime import Runtime
from jobs.slack.text import md
from models import approvals, review_rows, tasks
from models.approvals import Approval, ApprovalStatus
from models.kinds import ApprovalStepDetails, RequestDetails
from models.rituals import RitualRun
from models.work import Task, TaskStatus

logger = logging.getLogger(__name__)

ACTION_TYPE = "weekly_plan"
VOICE = "vp_marketing"
OPEN_SHOWN = 20  # open tasks the VP plans from
ON_APPROVAL = (
    "Share the approved priorities with your managers in this thread and hand out the work "
    "they need."
)


def derived_id(run: RitualRun, what: str) -> str:
    """A record id fixed by the run, so a repeat of the run finds the record it made."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"ritual-run:{run.id}:{what}").hex


def propose(rt: Runtime, run: RitualRun, where: tuple[str, str], figures: Frame) -> None:
    """Propose the week's priorities once (nothing to plan: say so once), and post the card."""
    with rt.sessions() as session:
        approval = approvals.load(session, run.team_id, derived_id(run, "plan"))
        open_work = review_rows.work_open(session, run.team_id, OPEN_SHOWN)
        waiting = review_rows.waiting_on_people(session, run.team_id)
    if approval is None:
        if not open_work:
            post(
                rt,
                run,
                "weekly",
                where,
                md("Nothing is open: no priorities to propose."),
                [section(md("Nothing is open: no priorities to propose."))],
                message="n",
            )
            return
        frames = tag("week", figures, _open_frame(open_work, run.local_date), _waiting(waiting))
        priorities = _checked(rt, run, frames, open_work)
        approval = _record(rt, run, where, priorities, open_work)
    if approval.status == ApprovalStatus.PENDING.value:
        to_person(rt, approval)


def _open_frame(open_work: list[Task], today: date) -> Frame:
    return tag(
        "open_work",
        *[
            tag(
                "task",
                task.title,
                attrs={
                    "id": task.id,
                    "agent": task.assigned_to,
                    "status": task.status,
                    "due": task.due_date.isoformat() if task.due_date else None,
                    "overdue": "yes" if task.due_date and task.due_date < today else None,
                },
            )
            for task in open_work
        ],
    )


def _waiting(waiting: list[Approval]) -> Frame:
    return tag(
        "waiting_on_people",
        *[tag("approval", a.title, attrs={"type": a.action_type}) for a in waiting],
    )


def _checked(rt: Runtime, run: RitualRun, frames: Frame, open_work: list[Task]) -> list[Priority]:
    """The VP's priorities, each naming only shown tasks and no number the facts lack; the
    open work by due date where the model gave up or nothing of its answer holds."""
    limit = review_config(rt).limits.priorities
    answer = ask(rt, run, rt.roster.get(VOICE), PROPOSE_WEEK_PRIORITIES, frames, WeekPriorities)
    shown = {task.id for task in open_work}
    kept = [
        p.model_copy(update={"task_ids": [i for i in p.task_ids if i in shown]})
        for p in (answer.priorities if answer else [])
        if not invents_numbers(f"{p.title} {p.why}", frames)
    ]
    if not kept:
        kept = [Priority(title=f"Finish: {task.title}", task_ids=[task.id]) for task in open_work]
    return kept[:limit]


def draft_text(priorities: list[Priority], open_work: list[Task]) -> str:
    """The card's draft: the priorities, numbered, each with the tasks it covers."""
    titles = {task.id: task.title for task in open_work}
    lines = []
    for number, priority in enumerate(priorities, start=1):
        line = f"{number}. {priority.title}"
        if priority.why:
            line += f": {priority.why}"
        covered = [titles[i] for i in priority.task_ids]
        if covered:
            line += f" (tasks: {'; '.join(covered)})"
        lines.append(line)
    return "\n".join(lines)


def _record(
    rt: Runtime,
    run: RitualRun,
    where: tuple[str, str],
    priorities: list[Priority],
    open_work: list[Task],
) -> Approval:
    """The VP's plan task, its person's step and the approval, in one commit; a racing run's
    records if it got there first."""
    title = f"Weekly plan · week of {run.local_date:%a} {run.local_date.day} {run.local_date:%b}"
    draft = draft_text(priorities, open_work)
    plan = Task(
        id=derived_id(run, "plan-task"),
        team_id=run.team_id,
        created_by=VOICE,
        assigned_to=VOICE,
        title=title,
        brief=draft,
        status=TaskStatus.WAITING.value,
        details=RequestDetails(),
        depth=0,
        turns_used=0,
        channel_id=where[0],
        thread_ts=where[1],
    )
    step = tasks.subtask_of(
        plan,
        created_by=VOICE,
        assigned_to=HUMAN,
        details=ApprovalStepDetails(approval_id=derived_id(run, "plan")),
        task_id=derived_id(run, "plan-step"),
        title=f"Approval: {title}"[:150],
        brief=f"{ACTION_TYPE}: {title}",
        channel_id=where[0],
        thread_ts=where[1],
    )
    step.status = TaskStatus.ESCALATED.value
    with rt.sessions() as session:
        try:
            session.add_all([plan, step])
            session.flush()
            return approvals.propose(
                session,
                team_id=run.team_id,
                subject_id=plan.id,
                action_type=ACTION_TYPE,
                title=title,
                draft=draft,
                drafted_by=VOICE,
                on_approval=ON_APPROVAL,
                requested_by=run.requested_by or "",
                approval_id=derived_id(run, "plan"),
                task_id=step.id,
                where=where,
            )
        except IntegrityError:
            session.rollback()
            made = approvals.load(session, run.team_id, derived_id(run, "plan"))
            assert made is not None, "the plan's tasks exist without its approval"
            return made
