"""The scripted department escalates what is not its to decide, as the design says: legal and
compliance questions, and spending of $10k or more, go up the reporting line with the
escalation format (issue, attempts, urgency, recommendation, impact) until a person gets the
card; the answer from above comes back down and each level says what happens now."""

from __future__ import annotations

import re
from typing import Any

from sandbox.claude_api import Reply, TextReply, ToolUseReply
from sandbox.product_turns import escalation_answer, offered, tool_results

LEGAL = re.compile(
    r"\b(?:legal|lawyers?|compliance|compliant|gdpr|ccpa|regulat\w*|lawsuit|trademark)\b", re.I
)
BIG_SPEND = re.compile(r"\$\s?(?:\d{2,}\s?k\b|\d{2,3},\d{3}\b|\d+(?:\.\d+)?\s?m\b)", re.I)
# What the person deciding picks from (radio buttons in the Decide modal), with a note.
LEGAL_OPTIONS = ["Hold it until legal has reviewed it", "Go ahead as it is", "Drop the claim"]
BUDGET_OPTIONS = ["Approve the full amount", "Approve a smaller first phase", "Decline"]
QUESTION = re.compile(
    r"^(?:[\w ]{0,30}:\s*)?(?:is|are|can|could|may|should|do|does|will|would)\b", re.I
)


def escalation_reply(body: dict[str, Any], role: str, ask: str) -> Reply | None:
    """The escalate call, its acknowledgement, the answer passed down; else None."""
    answer = escalation_answer(body)
    if answer is not None:
        answer = answer or "an answer came back"
        return _text(
            f"*Answer from above:* {answer}\n*What happens now:* we go ahead on exactly that "
            "basis; I'll brief the team and keep this thread updated."
        )
    legal, spend = LEGAL.search(ask), BIG_SPEND.search(ask)
    asking = "?" in ask or QUESTION.match(ask.strip()) is not None  # a blog post *about* GDPR
    if not (legal or spend) or not asking or "escalate" not in offered(body):  # is no question
        return None
    if tool_results(body):
        return _text(
            "This is above my authority, so I've escalated it with a recommendation; "
            "the answer comes back to this thread."
        )
    topic = " ".join(ask.split()[:30])
    category = "Legal / compliance" if legal else "Budget"
    return ToolUseReply(
        "escalate",
        {
            "category": category,
            "issue": f"{topic} (needs a decision above my level)",
            "attempts_made": "Checked our guidelines and the current plan; neither covers it.",
            "urgency": "high",
            "recommendation": (
                "Have legal review the claim before anything is published."
                if legal
                else "Approve a smaller first phase and expand on results."
            ),
            "impact": "The work waits on this answer; the timeline slips by a day per day.",
            "options": LEGAL_OPTIONS if legal else BUDGET_OPTIONS,
        },
        text_before=f"This needs a decision above my level ({category.lower()}).",
    )


def _text(text: str) -> TextReply:
    return TextReply(text, chunk_chars=24, delay_per_chunk_s=0.03)
