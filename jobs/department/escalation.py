"""The `escalate` tool and the human step of the chain Specialist → Manager → VP → CMO → human.

An escalation is a task for the next level up, in the department's escalation format. An
agent above answers it in its own turn (it may decide, or escalate again); at the top it
becomes a Block Kit card in the escalation channel, where a person acknowledges it, decides
(a short answer in a modal) or sends it back with guidance. The answer completes the
escalation task, and the fan-in resumes the work that was waiting for it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select

from bots.authority import level_of
from bots.roster import HUMAN, Agent
from bots.tools import Escalate, parse_as
from jobs.claude import framing
from jobs.claude.client import ToolUse
from jobs.department import plan_view
from jobs.department.delegation import enqueue_task, open_assignment_thread, persona
from jobs.department.escalation_cards import card_blocks, card_text, escalation_of
from jobs.department.tool_handler import ToolHandler
from jobs.runtime import Runtime
from jobs.slack import channels, placement
from jobs.slack.own_voice import conversation_voice
from jobs.slack.permalinks import permalink
from jobs.slack.post_once import Persona, ReplyTarget, post_once
from models import tasks, turns
from models.kinds import EscalationCard, EscalationDetails
from models.records import Conversation, ConversationMessage
from models.work import Task, TaskStatus

logger = logging.getLogger(__name__)

HUMAN_LEVEL = "Human"


def level_name(rt: Runtime, target: str) -> str:
    if target == HUMAN:
        return HUMAN_LEVEL
    return {"specialist": "Specialist", "manager": "Manager", "vp": "VP", "cmo": "CMO"}[
        level_of(rt.roster.get(target))
    ]


def new_card(
    rt: Runtime,
    target: str,
    *,
    category: str,
    from_name: str,
    urgency: str,
    issue: str,
    attempts_made: str,
    recommendation: str,
    impact: str,
    options: list[str] | None = None,
) -> EscalationCard:
    """The card for an agent's escalation or a stopped request's: the level and the
    recipient's name follow from whom it goes to (an agent id, or HUMAN)."""
    to_name = "the human executive team" if target == HUMAN else rt.roster.get(target).display_name
    return EscalationCard(
        level=level_name(rt, target),
        category=category,
        from_name=from_name,
        to_name=to_name,
        urgency=urgency,
        issue=issue,
        attempts_made=attempts_made,
        recommendation=recommendation,
        impact=impact,
        options=list(options or []),
    )


def card_brief(card: EscalationCard) -> str:
    """The escalation as the agent above reads it (its task's brief)."""
    fields = [
        ("ISSUE", card.issue),
        ("ATTEMPTS MADE", card.attempts_made),
        ("URGENCY", card.urgency),
        ("RECOMMENDATION", card.recommendation),
        ("IMPACT", card.impact),
    ]
    if card.options:
        fields.append(("OPTIONS", " / ".join(card.options)))
    return "\n".join(f"{label}: {value}" for label, value in fields)


def answer_frame(task: Task, answered_by: str) -> framing.Frame:
    """The answer as the waiting agent reads it in its synthesis: a person's verdict and id
    as attributes (their words as the text), or the agent above's answer."""
    answer = escalation_of(task).answer
    return framing.escalation_answer(
        answered_by=answered_by,
        status=task.status,
        text=answer.said if answer else task.deliverable or "(no answer yet)",
        verdict=answer.verdict if answer else None,
        user=answer.by if answer else None,
    )


def post_card(rt: Runtime, task: Task, channel: str, who: Persona) -> str:
    """Post (once) the card for a human-level escalation; returns its ts."""
    voice = conversation_voice(rt, task.team_id, channel, who)  # an agent app's DM: its own
    return post_once(
        voice.client,
        rt.sessions,
        ReplyTarget(task.team_id, f"e{task.id[:31]}", channel, None),
        voice.persona,
        card_text(task),
        card_blocks(task, request_link(rt, task)),
    )


def request_link(rt: Runtime, task: Task) -> str | None:
    """The permalink of the thread the request was asked in (the person's turn), else of the
    thread the escalation came from; None when Slack gives none (the card stands without)."""
    with rt.sessions() as session:
        turn = turns.load_turn(session, task.team_id, task.origin_turn_id or "")
    where = (turn.channel_id, turn.thread_ts) if turn is not None else None
    return permalink(rt.slack_for(task.team_id), where or escalation_of(task).requested_in)


@dataclass
class Escalator(ToolHandler):
    """Handles a turn's `escalate` calls: one task for the next level up."""

    created: list[str] = field(default_factory=list)

    def handle(self, use: ToolUse) -> tuple[str, bool]:
        args = parse_as(use.name, use.input, Escalate)
        if isinstance(args, str):
            return args, True
        refusal = self._check_mentions(args.mention)
        if refusal is not None:
            return refusal, True
        task = self._create(args)
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

    def _check_mentions(self, wanted: list[str]) -> str | None:
        """An agent may notify only people its request involves (the requester and those who
        wrote in its thread): never anyone in the workspace, never a channel."""
        if not wanted:
            return None
        involved = people_involved(self.rt, self.ensure_parent())
        strangers = [user for user in wanted if user not in involved]
        if not strangers:
            return None
        allowed = ", ".join(sorted(involved)) or "nobody"
        return (
            f"Refused: {', '.join(strangers)} is not part of this request; mention may name "
            f"only {allowed}. Nothing was escalated."
        )

    def _create(self, call: Escalate) -> Task:
        parent = self.ensure_parent()
        target = self.caller.reports_to
        card = new_card(
            self.rt,
            target,
            category=call.category,
            from_name=self.caller.display_name,
            urgency=call.urgency,
            issue=call.issue,
            attempts_made=call.attempts_made,
            recommendation=call.recommendation,
            impact=call.impact,
            options=call.options,
        )
        brief = card_brief(card)
        task = tasks.subtask_of(
            parent,
            created_by=self.caller.id,
            assigned_to=target,
            details=EscalationDetails(card=card, requested_in=self.origin, mention=call.mention),
            title=f"Escalation: {call.category}"[:150],
            brief=brief,
            priority="urgent"
            if call.urgency == "critical"
            else "high"
            if call.urgency == "high"
            else "normal",
        )
        with self.rt.sessions() as session:
            tasks.add_handed_over(session, task, "escalation", {"project": parent.title})
        return task

    def _to_human(self, task: Task) -> None:
        show_to_person(self.rt, task, self.caller, self.origin)


def people_involved(rt: Runtime, task: Task) -> set[str]:
    """The people a request involves: who asked, and who wrote in the thread it was asked in."""
    with rt.sessions() as session:
        turn = turns.load_turn(session, task.team_id, task.origin_turn_id or "")
        if turn is None:
            return set()
        wrote = session.scalars(
            select(ConversationMessage.user_id)
            .join(Conversation, Conversation.id == ConversationMessage.conversation_id)
            .where(
                Conversation.team_id == task.team_id,
                Conversation.channel_id == turn.channel_id,
                Conversation.thread_ts == turn.thread_ts,
                ConversationMessage.role == "user",
            )
        )
        return {turn.user_id, *(user for user in wrote if user)}


def show_to_person(rt: Runtime, task: Task, sender: Agent, origin: tuple[str, str]) -> None:
    """Post a saved escalation task as a card in the escalation channel (or, for private work
    or a channel the app cannot join, where the request came from: `jobs/slack/placement.py`) and
    leave it waiting for a person."""
    channel = placement.channel_for(rt, task, rt.settings.escalation_channel, origin)
    with channels.posting_to(rt, task.team_id, channel):
        ts = post_card(rt, task, channel, persona(sender))
    with rt.sessions() as session:
        row = tasks.load_task(session, task.team_id, task.id)
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


def _edit_card(rt: Runtime, task: Task) -> None:
    assert task.channel_id is not None and task.thread_ts is not None
    voice = conversation_voice(rt, task.team_id, task.channel_id, persona(rt.roster.front_door))
    voice.client.chat_update(
        channel=task.channel_id,
        ts=task.thread_ts,
        text=card_text(task).text,
        blocks=card_blocks(task, request_link(rt, task)),
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
    _edit_card(rt, task)
    plan_view.ask_refresh(rt, task)  # the person's answer: the request's plan shows it
    if task.parent_task_id is None:
        return "answered"
    with rt.sessions() as session:
        woke = tasks.wake_parent_if_all_done(session, team_id, task.parent_task_id)
    if woke:
        enqueue_task(rt, team_id, task.parent_task_id)
    return "resumed" if woke else "answered"
