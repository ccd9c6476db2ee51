"""The standup's own buttons on a blocker that waits on a person (the approval buttons it
carries are the approval card's, handled in handlers/approvals.py).

Open card is a link button: Slack opens the card and still sends the click, which is only
acknowledged. Nudge asks for one reminder in the escalation card's thread (a job; once a day
per escalation); an escalation already answered is said so, privately, and nothing happens.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from handlers.context import services
from jobs.queue import NUDGE_ESCALATION
from jobs.rituals.standup_ids import NUDGE, OPEN_CARD
from models import tasks
from models.work import TaskStatus

ANSWERED = "This escalation was already answered: nothing to nudge."
NUDGED = "Nudged: a reminder is in the escalation card's thread (at most one a day)."


def register(app: App) -> None:
    app.action(OPEN_CARD)(handle_open_card)
    app.action(NUDGE)(handle_nudge)


def handle_open_card(ack: Ack) -> None:
    ack()


def handle_nudge(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    found = services(context)
    task_id, team_id = str(body["actions"][0].get("value", "")), str(body["team"]["id"])
    with Session(found.intake.engine) as session:
        task = tasks.load_task(session, team_id, task_id)
    waiting = task is not None and task.status == TaskStatus.ESCALATED.value
    if waiting:
        found.intake.enqueue(NUDGE_ESCALATION, team_id, task_id)
    client.chat_postEphemeral(
        channel=body["channel"]["id"], user=body["user"]["id"], text=NUDGED if waiting else ANSWERED
    )
