"""Reading an escalation modal's submission: the option chosen (by its position in the
escalation's own options, never by text the submission carries) and the note, checked as a
person's input is, each problem shown under its field; and what to say when the card was
already answered.
"""

from __future__ import annotations

from typing import Any

from jobs.department.escalation_cards import (
    ANSWER_ACTION,
    ANSWER_BLOCK,
    CHOICE_ACTION,
    CHOICE_BLOCK,
    DECIDE,
    escalation_of,
)
from jobs.slack.text import join, md, mention
from models.kinds import EscalationAnswer, EscalationCard
from models.work import Task, TaskStatus

__all__ = ["ANSWER_BLOCK", "acknowledged_already", "answered_text", "read_answer"]

MIN_ANSWER_CHARS = 2
MAX_ANSWER_CHARS = 3000
NO_ANSWER = "Write a short answer for the team."
NO_CHOICE = "Pick one of the options."
STALE_CHOICE = "That option is not one this escalation offers; pick one of those shown."
TOO_LONG = f"Keep it under {MAX_ANSWER_CHARS:,} characters."
ALREADY = "This escalation was already answered. Nothing changed."
ALREADY_SEEN = "Already acknowledged by {names}. Nothing changed."


def read_answer(
    card: EscalationCard, mode: str, user: str, values: dict[str, Any]
) -> EscalationAnswer | dict[str, str]:
    """The answer `user` gave in the modal, or the errors per input block."""
    text = str((values.get(ANSWER_BLOCK, {}).get(ANSWER_ACTION) or {}).get("value") or "").strip()
    if len(text) > MAX_ANSWER_CHARS:
        return {ANSWER_BLOCK: TOO_LONG}
    deciding = mode == DECIDE
    if deciding and card.options:
        chosen = (values.get(CHOICE_BLOCK, {}).get(CHOICE_ACTION) or {}).get("selected_option")
        option = _option(card, chosen)
        if isinstance(option, dict):
            return option
        return EscalationAnswer(verdict="decided", by=user, text=text, option=option)
    if len(text) < MIN_ANSWER_CHARS:
        return {ANSWER_BLOCK: NO_ANSWER}
    return EscalationAnswer(verdict="decided" if deciding else "sent_back", by=user, text=text)


def _option(card: EscalationCard, chosen: Any) -> str | dict[str, str]:
    if not isinstance(chosen, dict) or chosen.get("value") in (None, ""):
        return {CHOICE_BLOCK: NO_CHOICE}
    position = str(chosen["value"])
    if not position.isdigit() or int(position) >= len(card.options):
        return {CHOICE_BLOCK: STALE_CHOICE}
    return card.options[int(position)]


def acknowledged_already(task: Task | None, user: str) -> str | None:
    """None while an escalation is open and nobody acknowledged it; else what to tell `user`
    (a second click, on a card whose button is gone or not yet, changes nothing)."""
    if task is None or task.status != TaskStatus.ESCALATED.value:
        return answered_text(task)
    earlier = escalation_of(task).acknowledged_by
    if not earlier:
        return None
    names = join(", ", ["you" if u == user else mention(u) for u in earlier])
    return md(ALREADY_SEEN, names=names).text


def answered_text(task: Task | None) -> str:
    """What a person clicking an answered (or missing) card is told: who answered, if known."""
    if task is None:
        return "This escalation no longer exists. Nothing changed."
    answer = escalation_of(task).answer
    if answer is None:
        return ALREADY
    verb = "decided" if answer.verdict == "decided" else "sent back"
    return md("Already {verb} by {who}. Nothing changed.", verb=verb, who=mention(answer.by)).text
