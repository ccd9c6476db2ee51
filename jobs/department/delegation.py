"""The `delegate` tool: a manager hands work to a direct report.

In code, not in the prompt: the roster decides who may be given work (bots/tools.py), the
depth and cycle guards stop runaway chains, and the assignment becomes a Task record, a
message record, a thread in the assignee's team channel (linked both ways with the thread the
request came from) and an RQ job for the assignee's turn.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bots.roster import Agent
from bots.tools import Consult, Delegate, check_call, parse_call
from errors import GuardTripped
from jobs.claude.client import ToolUse
from jobs.department.tool_handler import ToolHandler
from jobs.queue import RUN_TASK, try_enqueue, turn_queue
from jobs.runtime import Runtime
from jobs.slack import channels, placement
from jobs.slack.own_voice import one_post_writer
from jobs.slack.post_once import Persona, ReplyTarget
from jobs.slack.text import link, md
from models import posts, tasks
from models.kinds import AssignmentDetails, ConsultDetails
from models.work import Task

logger = logging.getLogger(__name__)


def persona(agent: Agent) -> Persona:
    return Persona(agent.display_name, agent.icon_emoji)


def open_assignment_thread(
    rt: Runtime, task: Task, assigner: Agent, origin: tuple[str, str]
) -> None:
    """Post the brief in the assignee's team channel (in the origin conversation if that is
    private: `jobs/slack/placement.py`) and link both threads (idempotent)."""
    assignee = rt.roster.get(task.assigned_to)
    channel = placement.channel_for(rt, task, assignee.team_channel, origin)
    slack = rt.slack_for(task.team_id)
    origin_link = link(_permalink(slack, origin[0], origin[1]), "this thread")
    due = f" · due {task.due_date.isoformat()}" if task.due_date else ""
    brief = md(
        "*{title}* → {name} {icon}\n{brief}\n_Priority {priority}{due}. Requested in {link}._",
        title=task.title,
        name=assignee.display_name,
        icon=assignee.icon_emoji,
        brief=task.brief,
        priority=task.priority,
        due=due,
        link=origin_link,
    )
    brief_target = ReplyTarget(task.team_id, _brief_key(task), channel, None)
    post = one_post_writer(rt, brief_target, assigner.id, persona(assigner))
    with channels.posting_to(rt, task.team_id, channel):
        post.render(brief, final=True)
    thread_ts = post.first_ts
    assert thread_ts is not None
    with rt.sessions() as session:
        row = tasks.load_task(session, task.team_id, task.id)
        assert row is not None
        row.channel_id, row.thread_ts = channel, thread_ts
        session.commit()
    task.channel_id, task.thread_ts = channel, thread_ts
    note = md(
        "→ Assigned *{title}* to {name} {icon}: {link}",
        title=task.title,
        name=assignee.display_name,
        icon=assignee.icon_emoji,
        link=link(_permalink(slack, channel, thread_ts), "assignment thread"),
    )
    link_target = ReplyTarget(task.team_id, _link_key(task), origin[0], origin[1])
    back = one_post_writer(rt, link_target, assigner.id, persona(assigner))
    back.render(note, final=True)


def link_missing(rt: Runtime, task: Task) -> bool:
    """A thread `open_assignment_thread` opened whose link back was never posted: its worker
    died between the two posts (the task's thread was saved by then, so nothing else would
    ever post the link). Calling `open_assignment_thread` again finishes it."""
    with rt.sessions() as session:
        opened = posts.parts_of(session, task.team_id, _brief_key(task))
        linked = posts.parts_of(session, task.team_id, _link_key(task))
    return bool(opened) and not (linked and linked[0].ts)


def _brief_key(task: Task) -> str:
    return f"a{task.id[:31]}"


def _link_key(task: Task) -> str:
    return f"l{task.id[:31]}"


def enqueue_task(rt: Runtime, team_id: str, task_id: str) -> None:
    """Queue the assignee's turn; with Redis away the sweeper queues it later."""
    try_enqueue(turn_queue(rt.redis, rt.settings.queue_name), RUN_TASK, team_id, task_id)


def _permalink(slack: WebClient, channel: str, ts: str) -> str:
    try:
        return str(slack.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
    except SlackApiError:
        return f"slack://channel?id={channel}&message={ts}"


@dataclass
class Delegator(ToolHandler):
    """Handles a turn's `delegate` calls; the parent task is made on the first call."""

    created: list[str] = field(default_factory=list)

    def handle(self, use: ToolUse) -> tuple[str, bool]:
        """`delegate` (down to a direct report) and `consult` (across to a peer)."""
        call = parse_call(use.name, use.input)
        args = call.arguments
        if call.refusal is not None or not isinstance(args, Delegate | Consult):
            return call.refusal or f"The {use.name} tool is not available in this turn.", True
        refusal = check_call(args, self.caller, self.rt.roster, self.rt.authority)
        work = _as_work(args, self.caller)
        if refusal is None:
            self._guards(work.to)  # raises GuardTripped: the request stops, a person is asked
        if refusal is not None:
            return refusal, True
        task = self._create(work)
        open_assignment_thread(self.rt, task, self.caller, self.origin)
        enqueue_task(self.rt, task.team_id, task.id)
        self.created.append(task.id)
        assignee = self.rt.roster.get(task.assigned_to)
        return (
            f"Sent to {assignee.display_name} (task {task.id}); a thread is open in their "
            "channel. Their answer comes back to you when it is ready: finish this turn "
            "by telling the requester who is on it.",
            False,
        )

    def _guards(self, to: str) -> None:
        parent = self.ensure_parent()
        limit = self.rt.settings.max_delegation_depth
        if parent.depth + 1 > limit:
            raise GuardTripped(f"delegation went deeper than {limit} levels")
        with self.rt.sessions() as session:
            chain = tasks.delegation_chain(session, parent.team_id, parent.id)
        if to in chain:
            path = " -> ".join([*chain, to])
            raise GuardTripped(f"a delegation cycle ({path})")

    def _create(self, work: _Work) -> Task:
        parent = self.ensure_parent()
        task = tasks.subtask_of(
            parent,
            created_by=self.caller.id,
            assigned_to=work.to,
            details=work.kind(project=parent.title, requested_in=self.origin),
            title=work.title,
            brief=work.brief,
            priority=work.priority,
            due_date=work.due,
        )
        context = {"project": parent.title, "deadline": work.due.isoformat() if work.due else None}
        with self.rt.sessions() as session:
            tasks.add_handed_over(session, task, work.message_type, context)
        return task


@dataclass(frozen=True)
class _Work:
    to: str
    title: str
    brief: str
    priority: str
    due: date | None
    kind: type[AssignmentDetails | ConsultDetails]
    message_type: str  # the protocol's message type (design §3.2)


def _as_work(args: Delegate | Consult, caller: Agent) -> _Work:
    if isinstance(args, Delegate):
        return _Work(
            args.to,
            args.title,
            args.brief,
            args.priority,
            args.due,
            AssignmentDetails,
            "task_assignment",
        )
    title = f"Question from the {caller.display_name}"
    return _Work(args.peer, title, args.question, "normal", None, ConsultDetails, "consultation")
