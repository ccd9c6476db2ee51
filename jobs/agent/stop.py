"""Stopping a request: when its budget is spent or a runaway guard trips, the department
cancels the unfinished work, expires its cards, says so in the thread and asks a person."""

from __future__ import annotations

import logging

from sqlalchemy import select, update

from bots.roster import HUMAN
from jobs import workspace
from jobs.approvals.posts import expire_approvals
from jobs.claude.usage import spent_usd
from jobs.department.delegation import persona
from jobs.department.escalation import new_card, show_to_person
from jobs.runtime import Runtime
from jobs.slack.post_once import ReplyTarget, ReplyWriter
from models import tasks, turns
from models.base import new_id
from models.kinds import EscalationDetails
from models.tasks import TaskClaim
from models.work import FINISHED, Task, TaskStatus

logger = logging.getLogger(__name__)


def stop_request(
    rt: Runtime,
    team_id: str,
    turn_id: str,
    origin: tuple[str, str],
    agent_id: str,
    reason: str | None = None,
) -> None:
    """Cancel the request's unfinished work, say so in its thread, and ask a person.

    `reason` names the guard that tripped; without one it is the budget."""
    with rt.sessions() as session:
        work = list(
            session.scalars(
                select(Task).where(Task.team_id == team_id, Task.origin_turn_id == turn_id)
            )
        )
        session.execute(
            update(Task)
            .where(
                Task.team_id == team_id,
                Task.origin_turn_id == turn_id,
                Task.status.not_in([s.value for s in FINISHED]),
            )
            .values(
                **tasks.finishing(
                    {
                        "status": TaskStatus.CANCELLED.value,
                        "lease_token": None,
                        "lease_expires_at": None,
                    }
                )
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()
    expire_approvals(rt, team_id, [t.id for t in work])
    done = [t.title for t in work if t.status == TaskStatus.DONE.value]
    spent = spent_usd(rt, team_id, turn_id)
    budget = workspace.workspace_settings(rt, team_id).request_budget_usd
    so_far = "; ".join(done) or "nothing finished yet"
    agent = rt.roster.get(agent_id)
    why = reason or f"it reached its budget of ${budget:.2f} (spent ${spent:.2f})"
    notice = (
        f":warning: I stopped this request: {why}. Done so far: {so_far}. "
        "A person has been asked whether to go on."
    )  # raw text: task titles are the agents' words; escaped where it is shown
    writer = ReplyWriter(
        rt.slack_for(team_id),
        rt.sessions,
        ReplyTarget(team_id, f"b{turn_id[:31]}", *origin),
        persona(agent),
        min_interval_s=0,
    )
    writer.render(notice, final=True)
    card = Task(
        id=new_id(),
        team_id=team_id,
        origin_turn_id=turn_id,
        created_by=agent_id,
        assigned_to=HUMAN,
        title="Escalation: Budget" if reason is None else "Escalation: Runaway guard",
        brief=notice,
        status=TaskStatus.ESCALATED.value,
        details=EscalationDetails(
            card=new_card(
                rt,
                HUMAN,
                category="Request budget reached" if reason is None else "Runaway guard tripped",
                from_name=agent.display_name,
                urgency="medium",
                issue=f"The request was stopped: {why}.",
                attempts_made=f"Done so far: {so_far}.",
                recommendation="Raise the budget for this request, or narrow it and ask again.",
                impact="The request is stopped until someone decides.",
            )
        ),
    )
    with rt.sessions() as session:
        session.add(card)
        session.commit()
    show_to_person(rt, card, agent, origin)
    logger.warning("Request %s stopped: %s", turn_id, why)


def stop_task_request(
    rt: Runtime, task: Task, held: TaskClaim, reason: str | None, *, note: str
) -> None:
    """A task's turn tripped the budget or a guard: end the turn (cancelled, `note` as its
    deliverable) and stop the whole request it belongs to, in the request's own thread."""
    request_id = task.origin_turn_id or task.id
    with rt.sessions() as session:
        tasks.settle(session, held, TaskStatus.CANCELLED, deliverable=note)
        turn = turns.load_turn(session, task.team_id, request_id)
    origin = (
        (turn.channel_id, turn.thread_ts) if turn else (task.channel_id or "", task.thread_ts or "")
    )
    stop_request(rt, task.team_id, request_id, origin, task.assigned_to, reason)
