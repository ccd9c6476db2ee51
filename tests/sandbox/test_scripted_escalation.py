"""The scripted department escalates questions above its authority, and only questions."""

from __future__ import annotations

from typing import Any

from bots.tools import Escalate, parse_call
from jobs.claude import framing
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
    header = framing.task_frame(
        "request", requester="a person in Slack", priority="high", title="GDPR", brief="GDPR?"
    )
    answer = framing.escalation_answer(
        answered_by="a person", status="done", text="ship it.", verdict="decided", user="U0MARIA"
    )
    text = framing.join(header, "Reworded: the team's work.", answer, "Reworded: synthesise.")
    reply = escalation_reply(_body(text), "cmo", text)
    assert isinstance(reply, TextReply)
    assert reply.text.startswith("*Answer from above:* Decided by <@U0MARIA>: ship it.")


def test_an_answer_from_an_agent_above_is_passed_on_as_written() -> None:
    answer = framing.escalation_answer(
        answered_by="CMO", status="done", text="Go ahead with the <smaller> phase & report."
    )
    reply = escalation_reply(_body(framing.join(answer)), "vp_marketing", "")
    assert isinstance(reply, TextReply)
    assert reply.text.startswith("*Answer from above:* Go ahead with the <smaller> phase & report.")
