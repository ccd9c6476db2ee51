"""The escalation card and its answer modal, as Block Kit (design §3.4's format).

Every field is an agent's (or a stopped request's) text, escaped here; header and modal labels
are plain_text, which Slack shows as it is. The listeners are in handlers/actions.py.
"""

from __future__ import annotations

import json
from typing import Any

from errors import BadTaskContext
from jobs.slack.blocks import button, context
from jobs.slack.text import Mrkdwn, as_mrkdwn, join, md, mention, mrkdwn_text
from models.kinds import EscalationAnswer, EscalationDetails
from models.work import Task, TaskStatus

ACKNOWLEDGE, DECIDE, SEND_BACK = (
    "escalation-acknowledge",
    "escalation-decide",
    "escalation-send-back",
)
CARD_ACTIONS = (ACKNOWLEDGE, DECIDE, SEND_BACK)
ANSWER_CALLBACK = "escalation-answer"
ANSWER_MODES = {
    DECIDE: ("Decide", "Your decision"),
    SEND_BACK: ("Send back", "Guidance for the team"),
}


def escalation_of(task: Task) -> EscalationDetails:
    """The task's escalation details; a task of another kind here is a bug, said plainly."""
    details = task.details
    if not isinstance(details, EscalationDetails):
        raise BadTaskContext(f"Task {task.id} is a {details.kind}, not an escalation")
    return details


def card_blocks(task: Task) -> list[dict[str, Any]]:
    """The escalation card (design §3.4 format); once answered, the answer replaces the
    buttons.

    Every field is the agent's (or a stopped request's) text, escaped; the header is
    plain_text, which Slack shows as it is."""
    details = escalation_of(task)
    card = details.card
    header = f"ESCALATION: {card.level} · {card.category}"[:150]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": header}},
        {
            "type": "section",
            "fields": [
                mrkdwn_text(md("*From*\n{v}", v=card.from_name)),
                mrkdwn_text(md("*To*\n{v}", v=card.to_name)),
                mrkdwn_text(md("*Urgency*\n{v}", v=card.urgency.title())),
            ],
        },
    ]
    for label, value in (
        ("Issue", card.issue),
        ("Attempts made", card.attempts_made),
        ("Recommendation", card.recommendation),
        ("Impact", card.impact),
    ):
        text = md("*{label}*\n{v}", label=label, v=value).cut(3000)
        blocks.append({"type": "section", "text": mrkdwn_text(text)})
    state = answer_state(details.answer) if details.answer is not None else None
    if state is None and task.status == TaskStatus.DONE.value:
        state = as_mrkdwn(task.deliverable or "Answered.")  # answered by no card: an agent
    if state is not None:
        blocks.append(context(state))
        return blocks
    if details.mention:
        names = join(", ", [mention(user) for user in details.mention])
        blocks.append(context(md(":bell: For the attention of {names}", names=names)))
    if details.acknowledged_by:
        names = join(", ", [mention(user) for user in details.acknowledged_by])
        blocks.append(
            context(md(":eyes: Acknowledged by {names}; waiting for a decision.", names=names))
        )
    blocks.append(
        {
            "type": "actions",
            "block_id": "escalation",
            "elements": [
                button("Acknowledge", ACKNOWLEDGE, task.id),
                button("Decide", DECIDE, task.id, style="primary"),
                button("Send back", SEND_BACK, task.id),
            ],
        }
    )
    return blocks


def card_text(task: Task) -> Mrkdwn:
    """The message text (notifications show it): the people the agent asked to notify, by the
    mentions our code builds from the checked ids, then the agent's words, escaped."""
    details = escalation_of(task)
    notify = [mention(user) for user in details.mention]
    for_whom = md(" for {names}", names=join(", ", notify)) if notify else ""
    text = md(
        "Escalation from {who}{for_whom}: {issue}",
        who=details.card.from_name,
        for_whom=for_whom,
        issue=details.card.issue,
    )
    return text.cut(3000)


def answer_state(answer: EscalationAnswer) -> Mrkdwn:
    """The answer on the card: who answered as a mention our code builds, their words
    escaped."""
    return md(
        "{verb} by {who}: {answer}", verb=answer.verb, who=mention(answer.by), answer=answer.text
    )


def answer_modal(task_id: str, mode: str) -> dict[str, Any]:
    """Decide or Send back: one text box; the submission carries the task and the mode."""
    title, label = ANSWER_MODES[mode]
    return {
        "type": "modal",
        "callback_id": ANSWER_CALLBACK,
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
