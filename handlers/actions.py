"""Escalation cards: Acknowledge (once: then the card says who), Decide (the escalation's
options and a note, or a short answer, in a modal), Send back (guidance).

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
from handlers.escalation_answers import (
    ANSWER_BLOCK,
    acknowledged_already,
    answered_text,
    read_answer,
)
from jobs.department.escalation_cards import (
    ACKNOWLEDGE,
    ANSWER_CALLBACK,
    DECIDE,
    SEND_BACK,
    answer_modal,
    escalation_of,
)
from jobs.queue import AFTER_ACKNOWLEDGEMENT, AFTER_HUMAN_ANSWER
from models import tasks
from models.db import write_guard
from models.kinds import EscalationAnswer
from models.work import TaskStatus

logger = logging.getLogger(__name__)

NOTED = "Noted: the card shows you acknowledged it. Decide or send it back when you are ready."


def register(app: App) -> None:
    app.action(ACKNOWLEDGE)(handle_acknowledge)
    app.action(DECIDE)(handle_open_answer)
    app.action(SEND_BACK)(handle_open_answer)
    app.view(ANSWER_CALLBACK)(handle_answer)


def handle_acknowledge(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """The first acknowledgement is shown on the card instead of the button; a later click
    (a stale card, a race) changes nothing and is told who acknowledged."""
    ack()
    found = services(context)
    user, team_id = str(body["user"]["id"]), str(body["team"]["id"])
    task_id = str(body["actions"][0].get("value", ""))
    refused = found.refusal(team_id, ESCALATION, user)
    if refused is not None:
        _tell(client, body, refused)
        return
    with Session(found.intake.engine) as session:
        task = tasks.load_task(session, team_id, task_id)
    problem = acknowledged_already(task, user)
    if problem is not None:
        _tell(client, body, problem)
        return
    with write_guard(found.intake.engine), Session(found.intake.engine) as session:
        noted = tasks.acknowledge(session, team_id, task_id, user)
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
        _tell(client, body, answered_text(task))
        return
    refused = found.refusal(team_id, ESCALATION, str(body["user"]["id"]))
    if refused is not None:
        _tell(client, body, refused)
        return
    view = answer_modal(task, action["action_id"])
    client.views_open(trigger_id=body["trigger_id"], view=view)


def handle_answer(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """The modal's submission is a request of its own: who sends it and whether the card is
    still open are checked again; the option is read back from the task by its position."""
    meta = json.loads(view.get("private_metadata") or "{}")
    found, user, team_id = services(context), str(body["user"]["id"]), str(body["team"]["id"])
    task_id = str(meta.get("task_id"))
    said = _checked_answer(found, team_id, task_id, user, str(meta.get("mode")), view)
    if isinstance(said, dict):
        ack(response_action="errors", errors=said)
        return
    with Session(found.intake.engine) as session:
        first = tasks.answer_escalation(session, team_id, task_id, said)
    if not first:
        with Session(found.intake.engine) as session:
            latest = tasks.load_task(session, team_id, task_id)
        ack(response_action="errors", errors={ANSWER_BLOCK: answered_text(latest)})
        return
    ack()
    found.intake.enqueue(AFTER_HUMAN_ANSWER, team_id, task_id)


def _checked_answer(
    found: Services, team_id: str, task_id: str, user: str, mode: str, view: dict[str, Any]
) -> EscalationAnswer | dict[str, str]:
    """The submitted answer if the card is open and `user` may decide; else the errors."""
    with Session(found.intake.engine) as session:
        task = tasks.load_task(session, team_id, task_id)
    if task is None or task.status != TaskStatus.ESCALATED.value:
        return {ANSWER_BLOCK: answered_text(task)}
    said = read_answer(escalation_of(task).card, mode, user, view["state"]["values"])
    if isinstance(said, dict):
        return said
    refused = found.refusal(team_id, ESCALATION, user)
    return {ANSWER_BLOCK: refused} if refused is not None else said


def _tell(client: WebClient, body: dict[str, Any], text: str) -> None:
    """An ephemeral to the person who clicked, where they clicked."""
    client.chat_postEphemeral(channel=body["channel"]["id"], user=body["user"]["id"], text=text)
