"""Escalation cards: Acknowledge, Decide (a short answer in a modal), Send back (guidance).

Thin listeners: ack within Slack's 3 s, open the modal while the trigger_id is fresh, persist
the answer as one guarded transition (the first answer wins), and leave the card update and
the resumed work to a job.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bots.approvers import ESCALATION, ApprovalConfig, approvers_text
from handlers.intake import Intake
from jobs.slack.people import LookupFailed, People, may_decide
from models import tasks
from models.db import write_guard
from models.kinds import EscalationAnswer
from models.work import TaskStatus

logger = logging.getLogger(__name__)

MODES = {
    "escalation-decide": ("Decide", "Your decision"),
    "escalation-send-back": ("Send back", "Guidance for the team"),
}
MIN_ANSWER_CHARS = 2
ALREADY = "This escalation was already answered."


def register(app: App, intake: Intake, approvers: ApprovalConfig, lookup: People) -> None:
    def refusal(team_id: str, user: str) -> str | None:
        """None if this person may answer escalations; otherwise what to tell them."""
        try:
            if may_decide(lookup, team_id, approvers, ESCALATION, user):
                return None
        except LookupFailed as failed:
            return failed.message
        return f"Only {approvers_text(approvers, ESCALATION)} can answer escalations."

    @app.action("escalation-acknowledge")
    def acknowledge(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        user, team_id = str(body["user"]["id"]), str(body["team"]["id"])
        channel, task_id = body["channel"]["id"], str(body["actions"][0].get("value", ""))
        refused = refusal(team_id, user)
        if refused is not None:
            client.chat_postEphemeral(channel=channel, user=user, text=refused)
            return
        with write_guard(intake.engine), Session(intake.engine) as session:
            noted = tasks.acknowledge(session, team_id, task_id, user)
            task = tasks.load_task(session, team_id, task_id)
        if task is None or task.status != TaskStatus.ESCALATED.value:
            client.chat_postEphemeral(channel=channel, user=user, text=ALREADY)
            return
        if noted:
            intake.enqueue("jobs.department.escalation.after_acknowledgement", team_id, task_id)
        client.chat_postEphemeral(
            channel=channel,
            user=user,
            text="Noted: the card shows you acknowledged it. Decide or send it back when you "
            "are ready.",
        )

    @app.action("escalation-decide")
    @app.action("escalation-send-back")
    def open_answer(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        action = body["actions"][0]
        task_id, team_id = str(action.get("value", "")), str(body["team"]["id"])
        with Session(intake.engine) as session:
            task = tasks.load_task(session, team_id, task_id)
        if task is None or task.status != TaskStatus.ESCALATED.value:
            client.chat_postEphemeral(
                channel=body["channel"]["id"], user=body["user"]["id"], text=ALREADY
            )
            return
        refused = refusal(team_id, body["user"]["id"])
        if refused is not None:
            client.chat_postEphemeral(
                channel=body["channel"]["id"], user=body["user"]["id"], text=refused
            )
            return
        title, label = MODES[action["action_id"]]
        client.views_open(
            trigger_id=body["trigger_id"], view=_modal(task_id, action["action_id"], title, label)
        )

    @app.view("escalation-answer")
    def take_answer(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        meta = json.loads(view.get("private_metadata") or "{}")
        answer = (view["state"]["values"]["answer"]["text"].get("value") or "").strip()
        if len(answer) < MIN_ANSWER_CHARS:
            ack(response_action="errors", errors={"answer": "Write a short answer for the team."})
            return
        user, team_id = body["user"]["id"], str(body["team"]["id"])
        refused = refusal(team_id, user)
        if refused is not None:
            ack(response_action="errors", errors={"answer": refused})
            return
        decided = meta.get("mode") == "escalation-decide"
        said = EscalationAnswer(verdict="decided" if decided else "sent_back", by=user, text=answer)
        with Session(intake.engine) as session:
            won = tasks.answer_escalation(session, team_id, str(meta.get("task_id")), said)
        if not won:
            ack(response_action="errors", errors={"answer": ALREADY})
            return
        ack()
        intake.enqueue(
            "jobs.department.escalation.after_human_answer", team_id, str(meta["task_id"])
        )


def _modal(task_id: str, mode: str, title: str, label: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "escalation-answer",
        "private_metadata": json.dumps({"task_id": task_id, "mode": mode}),
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": "answer",
                "label": {"type": "plain_text", "text": label},
                "element": {"type": "plain_text_input", "action_id": "text", "multiline": True},
            }
        ],
    }
