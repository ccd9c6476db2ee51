"""The escalation card and its answer modal, as Block Kit (design §3.4's format).

Every field is an agent's (or a stopped request's) text, escaped here; header and modal labels
are plain_text, which Slack shows as it is. The card links to the request's thread; once
answered, the answer is the line under its title and the buttons are gone; once
someone acknowledges it, "Acknowledged by @x" replaces that button. Decide shows the question
and, when the escalation named options, offers them as radio buttons with a free-text note.
The listeners are in handlers/actions.py.
"""

from __future__ import annotations

import json
from typing import Any

from errors import BadTaskContext
from jobs.slack.blocks import button, context
from jobs.slack.text import Mrkdwn, as_mrkdwn, join, link, md, mention, mrkdwn_text
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
CHOICE_BLOCK, CHOICE_ACTION = "choice", "option"  # the options' radio buttons in the modal
ANSWER_BLOCK, ANSWER_ACTION = "answer", "text"  # the free text (a note, with options)
OUTCOME_BLOCK = "outcome"  # once answered: the answer, under the title


def escalation_of(task: Task) -> EscalationDetails:
    """The task's escalation details; a task of another kind here is a bug, said plainly."""
    details = task.details
    if not isinstance(details, EscalationDetails):
        raise BadTaskContext(f"Task {task.id} is a {details.kind}, not an escalation")
    return details


def card_blocks(task: Task, request_link: str | None = None) -> list[dict[str, Any]]:
    """The escalation card (design §3.4 format); once answered, the answer replaces the
    buttons. `request_link` is the permalink of the request's thread (Slack's, or None).

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
    if card.options:
        listed = join("\n", [md("• {option}", option=option) for option in card.options])
        text = md("*Options*\n{listed}", listed=listed).cut(3000)
        blocks.append({"type": "section", "text": mrkdwn_text(text)})
    if request_link is not None:
        blocks.append(
            context(md(":link: {thread}", thread=link(request_link, "The request's thread")))
        )
    state = answer_state(details.answer) if details.answer is not None else None
    if state is None and task.status == TaskStatus.DONE.value:
        state = as_mrkdwn(task.deliverable or "Answered.")  # answered by no card: an agent
    if state is not None:  # the outcome, under the title; no buttons
        outcome = {
            "type": "section",
            "block_id": OUTCOME_BLOCK,
            "text": mrkdwn_text(state.cut(3000)),
        }
        return [blocks[0], outcome, *blocks[1:]]
    if details.mention:
        names = join(", ", [mention(user) for user in details.mention])
        blocks.append(context(md(":bell: For the attention of {names}", names=names)))
    buttons = [
        button("Decide", DECIDE, task.id, style="primary"),
        button("Send back", SEND_BACK, task.id),
    ]
    if details.acknowledged_by:
        names = join(", ", [mention(user) for user in details.acknowledged_by])
        blocks.append(
            context(md(":eyes: Acknowledged by {names}; waiting for a decision.", names=names))
        )
    else:
        buttons.insert(0, button("Acknowledge", ACKNOWLEDGE, task.id))
    blocks.append({"type": "actions", "block_id": "escalation", "elements": buttons})
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
    """The answer on the card: who answered as a mention our code builds, the option chosen
    and their words, escaped."""
    said: Mrkdwn = as_mrkdwn(answer.text)
    if answer.option is not None:
        chose = md("*{option}*", option=answer.option)
        said = md("{chose} · Note: {note}", chose=chose, note=answer.text) if answer.text else chose
    mark = ":white_check_mark:" if answer.verdict == "decided" else ":leftwards_arrow_with_hook:"
    return md(
        "{mark} {verb} by {who}: {said}",
        mark=mark,
        verb=answer.verb,
        who=mention(answer.by),
        said=said,
    )


def answer_modal(task: Task, mode: str) -> dict[str, Any]:
    """Decide or Send back: the question, then (Decide, with options) the options as radio
    buttons and an optional note, else one text box. The submission carries the task and
    the mode; the options are read again from the task, never from the submission."""
    title, label = ANSWER_MODES[mode]
    card = escalation_of(task).card
    question = md("*{from_}* asks:\n{issue}", from_=card.from_name, issue=card.issue).cut(3000)
    advice = md("*Recommendation:* {r}", r=card.recommendation).cut(3000)
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": mrkdwn_text(question)},
        context(advice),
    ]
    choosing = mode == DECIDE and bool(card.options)
    if choosing:
        blocks.append(_choice_input(card.options))
    text_input: dict[str, Any] = {
        "type": "input",
        "block_id": ANSWER_BLOCK,
        "label": {"type": "plain_text", "text": "Note for the team" if choosing else label},
        "element": {"type": "plain_text_input", "action_id": ANSWER_ACTION, "multiline": True},
    }
    if choosing:
        text_input["optional"] = True
    blocks.append(text_input)
    return {
        "type": "modal",
        "callback_id": ANSWER_CALLBACK,
        "private_metadata": json.dumps({"task_id": task.id, "mode": mode}),
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def _choice_input(options: list[str]) -> dict[str, Any]:
    """The escalation's options; each value is its position (the text is read back from the
    task, so a forged submission cannot name an option of its own)."""
    return {
        "type": "input",
        "block_id": CHOICE_BLOCK,
        "label": {"type": "plain_text", "text": "Your decision"},
        "element": {
            "type": "radio_buttons",
            "action_id": CHOICE_ACTION,
            "options": [
                {"text": {"type": "plain_text", "text": option[:75]}, "value": str(index)}
                for index, option in enumerate(options)
            ],
        },
    }
