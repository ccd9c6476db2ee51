"""The scripted department answers what it cannot script with one honest line and the
examples that run, never with a template that parrots the request back."""

from __future__ import annotations

import pytest

from bots.examples import load_examples
from sandbox.scripted_department import department_responder
from sandbox.scripted_scope import HONEST_LINE, is_scripted
from tests.sandbox.test_scripted_department import REQUESTS, SHAPES, answer, manager_body, text_of

OFF_SCRIPT = (
    "hi",
    "who are the agents here?",
    "What should we focus on this quarter?",
    "thanks!",
    "run today's standup",
)


@pytest.mark.parametrize("asked", OFF_SCRIPT)
@pytest.mark.parametrize("agent_id", ["cmo", "content_manager", "copywriter"])
def test_an_unscripted_request_gets_the_honest_line_and_every_example(
    agent_id: str, asked: str
) -> None:
    text = answer(agent_id, asked)

    assert HONEST_LINE in text
    assert all(f"`{e.text}`" in text for e in load_examples().examples)
    assert not [role for role, mark in SHAPES.items() if mark in text]  # no template at all
    said = "\n".join(line for line in text.splitlines() if not line.startswith("• "))
    assert asked.rstrip("?!").lower() not in said.lower()  # nothing parroted back


def test_a_ritual_request_points_at_its_command() -> None:
    assert "type `/standup now` in a channel" in answer("cmo", "run today's standup")
    assert "`/standup eod now`" in answer("cmo", "can you do the end of day summary?")
    assert "`/standup weekly now`" not in answer("cmo", "run today's standup")


@pytest.mark.parametrize("request_text", list(REQUESTS))
def test_what_the_scripts_cover_is_still_answered_in_shape(request_text: str) -> None:
    assert is_scripted(request_text)
    assert HONEST_LINE not in answer("cmo", request_text)


def test_a_manager_offered_delegate_still_answers_its_own_question_honestly() -> None:
    reply = department_responder(manager_body("content_manager", "content manager: hello there"))

    assert HONEST_LINE in text_of(reply)


def test_a_follow_up_on_a_scripted_answer_is_no_new_request() -> None:
    first = answer("copywriter", "three taglines for our AI analytics launch")

    revised = answer("copywriter", "three taglines for our AI analytics launch", first, "shorter")

    assert HONEST_LINE not in revised and revised.startswith("Tighter cut")
