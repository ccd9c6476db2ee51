"""The scripted department: every role answers in its own shape, grounded in the request,
deterministically, without claiming to have done what only humans do."""

from __future__ import annotations

import re
from typing import Any

import anthropic
import pytest

from bots.prompts import PromptLibrary
from bots.roster import Agent, load_roster
from jobs.llm import ChatMessage, LlmRequest, build_params
from sandbox.claude_api import ScriptedClaude
from sandbox.scripted_department import department_responder, topic_of

ROSTER = load_roster()
PROMPTS = PromptLibrary(ROSTER)
MODEL = "claude-opus-5-5"  # the Copywriter's tier in settings
MARIA = "[<@U0MARIA>]"
TAGLINES = "three taglines for our AI analytics launch"
REQUESTS = {  # request -> the topic every answer must mention
    TAGLINES: "AI analytics launch",
    "Can you write a LinkedIn post about our new customer onboarding checklist for enterprise "
    "finance teams in Europe?": "new customer onboarding checklist",
    "we need something announcing the Q3 partner program with Acme before Friday": (
        "Q3 partner program"
    ),
}
SHAPES = {  # role id -> what only that role's answer shape contains
    "cmo": "*Owner:*",
    "vp_marketing": "*Week 1, message and assets:*",
    "director_comms": "*Verdict on the",
    "content_manager": "*Pillar:*",
    "social_media_manager": "*Cadence:*",
    "campaign_manager": "*A/B test:*",
    "copywriter": "*My pick:*",
    "seo_specialist": "volumes need a keyword tool export",
    "designer": "not a finished image",
    "analytics_specialist": "*No numbers from me yet:*",
    "email_specialist": "*Subject B:*",
    "linkedin_manager": "Draft LinkedIn post",
    "twitter_manager": "\n1/ ",
    "market_research": "*So what for us:*",
}
ACTION_CLAIMS = re.compile(r"\b(?:published|sent|scheduled|posted|launched)\b", re.I)
FOLLOW_UPS = ("make the second one punchier", "shorter", "another option")


def body_for(agent_id: str, *turns: str) -> dict[str, Any]:
    """A request laid out exactly as the worker does; turns alternate human / this agent."""
    messages = [
        ChatMessage("user", f"{MARIA} {text}") if i % 2 == 0 else ChatMessage("assistant", text)
        for i, text in enumerate(turns)
    ]
    prompt = PROMPTS.system_prompt(ROSTER.get(agent_id))
    return build_params(LlmRequest(MODEL, prompt, messages, max_tokens=1024))


def answer(agent_id: str, *turns: str) -> str:
    return department_responder(body_for(agent_id, *turns)).text


def thread_with_follow_up(agent_id: str, follow_up: str) -> tuple[str, str]:
    first = answer(agent_id, f"{agent_id}: {TAGLINES}")
    return first, answer(agent_id, f"{agent_id}: {TAGLINES}", first, follow_up)


def options(text: str) -> dict[int, str]:
    return {int(m[1]): m[2] for m in re.finditer(r'^(\d)\. \*"(.+?)"\*', text, re.M)}


def test_the_shapes_cover_the_whole_roster() -> None:
    assert set(SHAPES) == {agent.id for agent in ROSTER.agents}


@pytest.mark.parametrize("request_text", list(REQUESTS))
@pytest.mark.parametrize("agent", ROSTER.agents, ids=lambda agent: agent.id)
def test_every_role_answers_in_its_own_shape_about_the_topic(
    agent: Agent, request_text: str
) -> None:
    text = answer(agent.id, f"{agent.aliases[0]}: {request_text}")

    assert REQUESTS[request_text] in text
    assert 60 <= len(text.split()) <= 180
    assert SHAPES[agent.id] in text
    assert [role for role, mark in SHAPES.items() if mark in text] == [agent.id]
    assert "**" not in text and not re.search(r"^#|^\|", text, re.M)  # Slack mrkdwn only
    assert "As an AI" not in text and "lorem" not in text.lower()


@pytest.mark.parametrize("follow_up", FOLLOW_UPS)
@pytest.mark.parametrize("agent", ROSTER.agents, ids=lambda agent: agent.id)
def test_follow_ups_stay_on_topic_and_within_limits(agent: Agent, follow_up: str) -> None:
    first, revised = thread_with_follow_up(agent.id, follow_up)

    assert revised != first
    assert "AI analytics launch" in revised
    assert 0 < len(revised.split()) <= 180


@pytest.mark.parametrize("agent", ROSTER.agents, ids=lambda agent: agent.id)
def test_nothing_claims_an_action_only_humans_take(agent: Agent) -> None:
    texts = [answer(agent.id, request) for request in REQUESTS]
    texts += [thread_with_follow_up(agent.id, follow_up)[1] for follow_up in FOLLOW_UPS]
    texts.append(answer(agent.id, "review this: the best AI analytics, 50% faster, guaranteed"))

    assert [ACTION_CLAIMS.findall(text) for text in texts] == [[] for _ in texts]


def test_the_same_request_always_gets_the_same_answer() -> None:
    body = body_for("copywriter", f"copywriter: {TAGLINES}")

    assert department_responder(body) == department_responder(body_for("copywriter", TAGLINES))
    assert answer("copywriter", TAGLINES) != answer("copywriter", "taglines for our spring sale")
    assert answer("copywriter", TAGLINES) != answer("designer", TAGLINES)


def test_replies_are_paced_to_visibly_stream() -> None:
    reply = department_responder(body_for("cmo", TAGLINES))

    assert (reply.chunk_chars, reply.delay_per_chunk_s) == (24, 0.03)


def test_copywriter_follow_up_reworks_option_two_of_its_previous_answer() -> None:
    first, revised = thread_with_follow_up("copywriter", "make the second one punchier")
    before, after = options(first), options(revised)

    assert after[1] == before[1] and after[3] == before[3]
    assert after[2] != before[2]
    assert len(after[2].split()) < len(before[2].split())
    assert "*What changed:* option 2" in revised


def test_copywriter_another_option_brings_new_lines() -> None:
    first, revised = thread_with_follow_up("copywriter", "another option")

    assert not set(options(first).values()) & set(options(revised).values())


def test_twitter_posts_fit_in_280_characters() -> None:
    for request in [*REQUESTS, "a thread on " + "very long topic words " * 20]:
        tweets = re.findall(r"^\d/ .*$", answer("twitter_manager", request), re.M)

        assert len(tweets) >= 3
        assert all(len(tweet) <= 280 for tweet in tweets)


def test_seo_never_states_a_search_volume() -> None:
    text = answer("seo_specialist", "keywords for our AI analytics launch")

    assert "`ai analytics software`" in text and "intent" in text
    assert not re.search(r"\d[\d,.]*\s*(?:k\b|searches|/mo|per month|monthly)", text, re.I)


def test_director_of_comms_flags_claims_that_need_proof() -> None:
    text = answer("director_comms", "review this: the best AI analytics, 50% faster, guaranteed")

    assert all(claim in text for claim in ('"best"', '"50%"', '"guaranteed"'))


def test_an_unrecognised_role_is_answered_by_the_cmo() -> None:
    body = {"model": MODEL, "max_tokens": 64, "messages": [{"role": "user", "content": "hi"}]}

    assert SHAPES["cmo"] in department_responder({**body, "system": "You are a pirate."}).text
    assert SHAPES["cmo"] in department_responder(body).text


@pytest.mark.parametrize(
    ("request_text", "topic"),
    [
        (TAGLINES, "AI analytics launch"),
        ("keywords for our AI analytics launch", "AI analytics launch"),
        ("AI analytics launch taglines", "AI analytics launch"),
        ("email to re-engage lapsed trial users", "re-engage lapsed trial users"),
        ("review this: Our revolutionary platform is the best", "revolutionary platform"),
        ("hi", ""),
    ],
)
def test_topic_is_the_key_noun_phrase(request_text: str, topic: str) -> None:
    assert topic_of(request_text) == topic


def test_end_to_end_through_the_real_client_streaming() -> None:
    params = body_for("copywriter", f"copywriter: {TAGLINES}")

    with (
        ScriptedClaude(responder=department_responder) as claude,
        anthropic.Anthropic(base_url=claude.base_url, api_key="test", max_retries=0) as client,
        client.messages.stream(**params) as stream,
    ):
        deltas = list(stream.text_stream)
        final = stream.get_final_message()

    text = "".join(deltas)
    assert text == department_responder(params).text
    assert len(deltas) > 1 and all(len(delta) <= 24 for delta in deltas)
    assert sorted(options(text)) == [1, 2, 3] and "*My pick:*" in text
    assert final.stop_reason == "end_turn"
    assert claude.requests[0].body["system"][1]["text"].startswith("You are the Copywriter")
