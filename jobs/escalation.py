"""The `escalate` tool and the human step of the chain Specialist → Manager → VP → CMO → human.

An escalation is a task for the next level up, in the department's escalation format. An
agent above answers it in its own turn (it may decide, or escalate again); at the top it
becomes a Block Kit card in the escalation channel, where a person acknowledges it, decides
(a short answer in a modal) or sends it back with guidance. The answer completes the
escalation task, and the fan-in resumes the work that was waiting for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bots.authority import level_of
from bots.roster import HUMAN, Agent
from bots.tools import Escalate, parse_call
from jobs.blocks import button, context
from jobs.delegation import enqueue_task, open_assignment_thread, persona, team_channel_id
from jobs.llm import ToolUse
from jobs.runtime import Runtime
from jobs.slack_out import Persona, ReplyTarget, post_once
from models.base import new_id
from models.work import AgentMessage, Task, TaskStatus

logger = logging.getLogger(__name__)

HUMAN_LEVEL = "Human"
CARD_ACTIONS = ("escalation-acknowledge", "escalation-decide", "escalation-send-back")


def level_name(rt: Runtime, target: str) -> str:
    if target == HUMAN:
        return HUMAN_LEVEL
    return {"specialist": "Specialist", "manager": "Manager", "vp": "VP", "cmo": "CMO"}[
        level_of(rt.roster.get(target))
    ]


def card_blocks(task: Task, state: str | None = None) -> list[dict[str, Any]]:
    """The escalation card (design §3.4 format); `state` replaces the buttons once answered."""
    fields = task.context
    header = f"ESCALATION: {fields['level']} · {fields['category']}"[:150]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": header}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*From*\n{fields['from_name']}"},
                {"type": "mrkdwn", "text": f"*To*\n{fields['to_name']}"},
                {"type": "mrkdwn", "text": f"*Urgency*\n{fields['urgency'].title()}"},
            ],
        },
    ]
    for label, key in (
        ("Issue", "issue"),
        ("Attempts made", "attempts_made"),
        ("Recommendation", "recommendation"),
        ("Impact", "impact"),
    ):
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"*{label}*\n{fields[key]}"[:3000]},
            }
        )
    if state is not None:
        blocks.append(context(state))
        return blocks
    seen = fields.get("acknowledged_by") or []
    if seen:
        names = ", ".join(f"<@{user}>" for user in seen)
        line = f":eyes: Acknowledged by {names}; waiting for a decision."
        blocks.append(context(line))
    blocks.append(
        {
            "type": "actions",
            "block_id": "escalation",
            "elements": [
                button("Acknowledge", "escalation-acknowledge", task.id),
                button("Decide", "escalation-decide", task.id, style="primary"),
                button("Send back", "escalation-send-back", task.id),
            ],
        }
    )
    return blocks


def card_text(task: Task) -> str:
    fields = task.context
    return f"Escalation from {fields['from_name']}: {fields['issue']}"[:3000]


def post_card(rt: Runtime, task: Task, channel: str, who: Persona) -> str:
    """Post (once) the card for a human-level escalation; returns its ts."""
    return post_once(
        rt.slack,
        rt.sessions,
        ReplyTarget(task.team_id, f"e{task.id[:31]}", channel, None),
        who,
        card_text(task),
        card_blocks(task),
    )


@dataclass
class Escalator:
    """Handles a turn's `escalate` calls: one task for the next level up."""

    rt: Runtime
    caller: Agent
    ensure_parent: Callable[[], Task]
    origin: tuple[str, str]
    created: list[str] = field(default_factory=list)

    def handle(self, use: ToolUse) -> tuple[str, bool]:
        call = parse_call(use.name, use.input)
        if call.refusal is not None or not isinstance(call.arguments, Escalate):
            return call.refusal or "Invalid escalate call.", True
        task = self._create(call.arguments)
        target = self.caller.reports_to
        if target == HUMAN:
            self._to_human(task)
            where = "a person in the escalation channel"
        else:
            open_assignment_thread(self.rt, task, self.caller, self.origin)
            enqueue_task(self.rt, task.team_id, task.id)
            where = self.rt.roster.get(target).display_name
        self.created.append(task.id)
        return (
            f"Escalated to {where} (task {task.id}). Their answer comes back to you; finish this "
            "turn by telling the requester it is escalated and why.",
            False,
        )

    def _create(self, call: Escalate) -> Task:
        parent = self.ensure_parent()
        target = self.caller.reports_to
        to_name = (
            "the human executive team"
            if target == HUMAN
            else self.rt.roster.get(target).display_name
        )
        context = call.model_dump() | {
            "kind": "escalation",
            "level": level_name(self.rt, target),
            "from_name": self.caller.display_name,
            "to_name": to_name,
            "requested_in": list(self.origin),
        }
        brief = "\n".join(
            f"{label}: {context[key]}"
            for label, key in (
                ("ISSUE", "issue"),
                ("ATTEMPTS MADE", "attempts_made"),
                ("URGENCY", "urgency"),
                ("RECOMMENDATION", "recommendation"),
                ("IMPACT", "impact"),
            )
        )
        task = Task(
            id=new_id(),
            team_id=parent.team_id,
            origin_turn_id=parent.origin_turn_id,
            parent_task_id=parent.id,
            created_by=self.caller.id,
            assigned_to=target,
            title=f"Escalation: {call.category}"[:150],
            brief=brief,
            depth=parent.depth + 1,
            priority="urgent"
            if call.urgency == "critical"
            else "high"
            if call.urgency == "high"
            else "normal",
            status=TaskStatus.OPEN.value,
            context=context,
        )
        with self.rt.sessions() as session:
            session.add(task)
            session.flush()
            session.add(
                AgentMessage(
                    team_id=parent.team_id,
                    task_id=task.id,
                    from_agent=self.caller.id,
                    to_agents=[target],
                    type="escalation",
                    priority=task.priority,
                    context={"project": parent.title},
                    subject=task.title,
                    body=brief,
                    requires_response=True,
                )
            )
            session.commit()
        return task

    def _to_human(self, task: Task) -> None:
        show_to_person(self.rt, task, self.caller, self.origin[0])


def show_to_person(rt: Runtime, task: Task, sender: Agent, fallback_channel: str) -> None:
    """Post a saved escalation task as a card in the escalation channel (or, if that channel
    does not exist, where the request came from) and leave it waiting for a person."""
    channel = team_channel_id(rt, task.team_id, rt.settings.escalation_channel) or fallback_channel
    ts = post_card(rt, task, channel, persona(sender))
    with rt.sessions() as session:
        row = session.get(Task, task.id)
        assert row is not None
        row.channel_id, row.thread_ts = channel, ts
        row.status = TaskStatus.ESCALATED.value  # waits for a person, not for a worker
        session.commit()


def _card_in(status: TaskStatus, team_id: str, task_id: str) -> tuple[Runtime, Task] | None:
    """The runtime and the escalation task, if it is in `status` and its card was posted."""
    from jobs import runtime as runtime_module
    from models import tasks

    rt = runtime_module.current()
    with rt.sessions() as session:
        task = tasks.load_task(session, team_id, task_id)
    if task is None or task.status != status.value or task.thread_ts is None:
        return None
    return rt, task


def _edit_card(rt: Runtime, task: Task, state: str | None = None) -> None:
    assert task.channel_id is not None and task.thread_ts is not None
    rt.slack.chat_update(
        channel=task.channel_id,
        ts=task.thread_ts,
        text=card_text(task),
        blocks=card_blocks(task, state=state),
    )


def after_acknowledgement(team_id: str, task_id: str) -> str:
    """RQ job: the card shows who acknowledged it (buttons stay until someone answers)."""
    found = _card_in(TaskStatus.ESCALATED, team_id, task_id)
    if found is None:
        return "nothing to do"
    _edit_card(*found)
    return "shown"


def after_human_answer(team_id: str, task_id: str) -> str:
    """RQ job: show the answer on the card and resume the work that waited for it."""
    from models import tasks

    found = _card_in(TaskStatus.DONE, team_id, task_id)
    if found is None:
        return "nothing to do"
    rt, task = found
    _edit_card(rt, task, state=task.deliverable or "Answered.")
    if task.parent_task_id is None:
        return "answered"
    with rt.sessions() as session:
        woke = tasks.wake_parent_if_all_done(session, team_id, task.parent_task_id)
    if woke:
        enqueue_task(rt, team_id, task.parent_task_id)
    return "resumed" if woke else "answered"
