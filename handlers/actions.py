"""Escalation cards: Acknowledge, Decide (a short answer in a modal), Send back (guidance).

Thin listeners: ack within Slack's 3 s, open the modal while the trigger_id is fresh, persist
the answer as one guarded transition (the first answer wins), and leave the card update and
the resumed work to a job.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bots.approvers import ESCALATION
from handlers.context import Services, services
from jobs.department.escalation_cards import (
    ACKNOWLEDGE,
    ANSWER_CALLBACK,
    DECIDE,
    SEND_BACK,
    answer_modal,
)
from jobs.queue import AFTER_ACKNOWLEDGEMENT, AFTER_HUMAN_ANSWER
from models import tasks
from models.db import write_guard
from models.kinds import EscalationAnswer
from models.work import TaskStatus

logger = logging.getLogger(__name__)

MIN_ANSWER_CHARS = 2
ALREADY = "This escalation was already answered."
NOTED = "Noted: the card shows you acknowledged it. Decide or send it back when you are ready."


def register(app: App) -> None:
    app.action(ACKNOWLEDGE)(handle_acknowledge)
    app.action(DECIDE)(handle_open_answer)
    app.action(SEND_BACK)(handle_open_answer)
    app.view(ANSWER_CALLBACK)(handle_answer)


def handle_acknowledge(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    found = services(context)
    user, team_id = str(body["user"]["id"]), str(body["team"]["id"])
    task_id = str(body["actions"][0].get("value", ""))
    refused = found.refusal(team_id, ESCALATION, user)
    if refused is not None:
        _tell(client, body, refused)
        return
    with write_guard(found.intake.engine), Session(found.intake.engine) as session:
        noted = tasks.acknowledge(session, team_id, task_id, user)
        task = tasks.load_task(session, team_id, task_id)
    if task is None or task.status != TaskStatus.ESCALATED.value:
        _tell(client, body, ALREADY)
        return
    if noted:
        found.intake.enqueue(AFTER_ACKNOWLEDGEMENT, team_id, task_id)
    _tell(client, body, NOTED)


def handle_open_answer(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Decide and Send back: the modal opens while the 3 s trigger id is fresh."""
    ack()
    found = services(context)
    action = body["actions"][0]
    task_id, team_id = str(action.get("value", "")), str(body["team"]["id"])
    with Session(found.intake.engine) as session:
        task = tasks.load_task(session, team_id, task_id)
    if task is None or task.status != TaskStatus.ESCALATED.value:
        _tell(client, body, ALREADY)
        return
    refused = found.refusal(team_id, ESCALATION, str(body["user"]["id"]))
    if refused is not None:
        _tell(client, body, refused)
        return
    view = answer_modal(task_id, action["action_id"])
    client.views_open(trigger_id=body["trigger_id"], view=view)


def handle_answer(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """The modal's submission is a request of its own: who sends it is checked again."""
    meta = json.loads(view.get("private_metadata") or "{}")
    answer = (view["state"]["values"]["answer"]["text"].get("value") or "").strip()
    if len(answer) < MIN_ANSWER_CHARS:
        ack(response_action="errors", errors={"answer": "Write a short answer for the team."})
        return
    found, user, team_id = services(context), str(body["user"]["id"]), str(body["team"]["id"])
    refused = found.refusal(team_id, ESCALATION, user)
    if refused is not None:
        ack(response_action="errors", errors={"answer": refused})
        return
    task_id = str(meta.get("task_id"))
    if not _record_answer(found, team_id, task_id, user, str(meta.get("mode")), answer):
        ack(response_action="errors", errors={"answer": ALREADY})
        return
    ack()
    found.intake.enqueue(AFTER_HUMAN_ANSWER, team_id, task_id)


def _record_answer(
    found: Services, team_id: str, task_id: str, user: str, mode: str, answer: str
) -> bool:
    """One guarded transition: whether this answer is the first (and so the one kept)."""
    decided = mode == DECIDE
    said = EscalationAnswer(verdict="decided" if decided else "sent_back", by=user, text=answer)
    with Session(found.intake.engine) as session:
        return tasks.answer_escalation(session, team_id, task_id, said)


def _tell(client: WebClient, body: dict[str, Any], text: str) -> None:
    """An ephemeral to the person who clicked, where they clicked."""
    client.chat_postEphemeral(channel=body["channel"]["id"], user=body["user"]["id"], text=text)
