"""The scripted department escalates questions above its authority, and only questions."""

from __future__ import annotations

from typing import Any

from bots.tools import Escalate, parse_call
from sandbox.claude_api import TextReply, ToolUseReply
from sandbox.scripted_escalation import escalation_reply


def _body(ask: str, *, answered: bool = False) -> dict[str, Any]:
    messages: list[dict[str, Any]] = [{"role": "user", "content": [{"type": "text", "text": ask}]}]
    if answered:
        messages += [
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "t1", "name": "escalate"}],
            },
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1"}]},
        ]
    return {"messages": messages, "tools": [{"name": "escalate"}]}


def test_a_legal_question_is_escalated_in_the_escalation_format() -> None:
    ask = "cmo: is our GDPR consent banner copy compliant for the EU launch?"
    reply = escalation_reply(_body(ask), "cmo", ask)
    assert isinstance(reply, ToolUseReply) and reply.name == "escalate"
    call = parse_call("escalate", reply.input)
    assert isinstance(call.arguments, Escalate) and call.arguments.category == "Legal / compliance"
    after = escalation_reply(_body(ask, answered=True), "cmo", ask)
    assert isinstance(after, TextReply) and "escalated" in after.text


def test_big_spend_questions_escalate_and_ordinary_work_does_not() -> None:
    spend = "vp marketing: can we spend $40k on a billboard next quarter?"
    reply = escalation_reply(_body(spend), "vp_marketing", spend)
    assert isinstance(reply, ToolUseReply) and reply.input["category"] == "Budget"
    for ask in (
        "content manager: a blog post about GDPR compliance for CMOs",  # about law, no question
        "copywriter: can you write three taglines for the launch?",  # a question, not legal
        "is the $5 upgrade worth mentioning?",  # small money
    ):
        assert escalation_reply(_body(ask), "content_manager", ask) is None


def test_the_answer_from_above_is_passed_on() -> None:
    text = (
        "[Task from a person in Slack, priority high] Escalation\n\nYour team's work is in:\n\n"
        "--- Answer to your escalation, from a person ---\nDecided by <@U0MARIA>: ship it.\n\n"
        "Synthesise one answer for a person in Slack from this."
    )
    reply = escalation_reply(_body(text), "cmo", text)
    assert isinstance(reply, TextReply)
    assert reply.text.startswith("*Answer from above:* Decided by <@U0MARIA>: ship it.")
