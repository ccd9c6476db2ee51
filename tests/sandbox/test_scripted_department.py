"""The scripted department: every role answers in its own shape, grounded in the request,
deterministically, without claiming to have done what only humans do."""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import anthropic
import pytest
from redis import Redis

import app as app_module
from bots.authority import load_authority
from bots.prompts import PromptLibrary
from bots.roster import Agent, load_roster
from bots.tools import Delegate, check_call, parse_call, tool_definitions
from jobs import runtime as runtime_module
from jobs.agent import task_turns
from jobs.claude import framing
from jobs.claude.client import ChatMessage, LlmRequest, build_params
from jobs.runtime import Runtime
from sandbox.claude_api import Reply, ScriptedClaude, TextReply, ToolUseReply
from sandbox.scripted_delegation import copy_pick, primary_keyword
from sandbox.scripted_department import department_responder, topic_of
from sandbox.signing import SlackRequestSender, app_mention_event
from sandbox.slack_api import SlackStandIn
from tests.conftest import (
    BOT_USER,
    CHANNEL_CONTENT,
    HUMAN,
    SIGNING_SECRET,
    TEAM,
    make_settings,
    serve_app,
    work,
)

ROSTER = load_roster()
PROMPTS = PromptLibrary(ROSTER)
MODEL = "claude-opus-5-5"  # the Copywriter's tier in settings
MARIA = "U0MARIA"
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
        ChatMessage("user", framing.person_said(MARIA, text))
        if i % 2 == 0
        else ChatMessage("assistant", text)
        for i, text in enumerate(turns)
    ]
    prompt = PROMPTS.system_prompt(ROSTER.get(agent_id))
    return build_params(LlmRequest(MODEL, prompt, messages, max_tokens=1024))


def answer(agent_id: str, *turns: str) -> str:
    return text_of(department_responder(body_for(agent_id, *turns)))


def text_of(reply: Reply) -> str:
    assert isinstance(reply, TextReply), reply
    return reply.text


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

    assert isinstance(reply, TextReply)
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
    asked = [{"role": "user", "content": TAGLINES}]
    body = {"model": MODEL, "max_tokens": 64, "messages": asked}

    assert SHAPES["cmo"] in text_of(department_responder({**body, "system": "You are a pirate."}))
    assert SHAPES["cmo"] in text_of(department_responder(body))


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
    assert text == text_of(department_responder(params))
    assert len(deltas) > 1 and all(len(delta) <= 24 for delta in deltas)
    assert sorted(options(text)) == [1, 2, 3] and "*My pick:*" in text
    assert final.stop_reason == "end_turn"
    assert claude.requests[0].body["system"][1]["text"].startswith("You are the Copywriter")


# --- the department at work: delegation, fallbacks and synthesis ------------------------------

DELEGATE = [tool for tool in tool_definitions() if tool["name"] == "delegate"]
BLOG_POST = "content manager: we need a blog post about AI in marketing for CMOs"
REFUSED_DEPTH = "Refused: the delegation depth limit (2) is reached. Do it yourself or escalate."
Round = tuple[ToolUseReply, str, bool]  # (the call, its tool_result text, is_error)


def manager_body(agent_id: str, request: str, rounds: Sequence[Round] = ()) -> dict[str, Any]:
    """A manager's turn as the agent loop sends it: the request, then each tool round."""
    messages = [ChatMessage("user", framing.person_said(MARIA, request))]
    for number, (call, result, is_error) in enumerate(rounds):
        use = {"type": "tool_use", "id": f"toolu_{number}", "name": call.name, "input": call.input}
        said = ({"type": "text", "text": call.text_before},) if call.text_before else ()
        messages += [
            ChatMessage("assistant", "", blocks=(*said, use)),
            ChatMessage(
                "user",
                "",
                blocks=(
                    {
                        "type": "tool_result",
                        "tool_use_id": f"toolu_{number}",
                        "content": framing.refusal(call.name, result) if is_error else result,
                        "is_error": is_error,
                    },
                ),
            ),
        ]
    prompt = PROMPTS.system_prompt(ROSTER.get(agent_id))
    return build_params(LlmRequest(MODEL, prompt, messages, max_tokens=1024, tools=DELEGATE))


def manager_turn(
    agent_id: str, request: str, refuse: str | None = None
) -> tuple[list[ToolUseReply], str]:
    """Run a manager turn to its end, answering each delegate as jobs.department.delegation does."""
    rounds: list[Round] = []
    for _ in range(6):  # the default max_tool_rounds
        reply = department_responder(manager_body(agent_id, request, rounds))
        if not isinstance(reply, ToolUseReply):
            return [call for call, _, _ in rounds], text_of(reply)
        refused = reply.input["to"] == refuse
        rounds.append((reply, REFUSED_DEPTH if refused else "Assigned.", refused))
    raise AssertionError("the manager never finished its turn")


def task_text(requester: str, call: ToolUseReply) -> str:
    """A delegated task's first message, laid out as jobs/agent/task_turns.py TaskRunner._brief."""
    args = call.input
    header = framing.task_frame(
        "assignment",
        requester=requester,
        priority=args["priority"],
        title=args["title"],
        brief=args["brief"],
    )
    return framing.join(header, task_turns.DO_THE_WORK)


def task_answer(agent_id: str, text: str) -> str:
    prompt = PROMPTS.system_prompt(ROSTER.get(agent_id))
    body = build_params(LlmRequest(MODEL, prompt, [ChatMessage("user", text)], max_tokens=1024))
    return text_of(department_responder(body))


def synthesis_text(request: str, work: list[tuple[str, str, str]]) -> str:
    """The synthesis request of a person's request task, as TaskRunner._brief lays it out."""
    header = framing.task_frame(
        "request", requester="a person in Slack", priority="normal", title=request, brief=request
    )
    by_name = {agent.display_name: agent.id for agent in ROSTER.agents}
    frames = [
        framing.deliverable(
            kind="assignment", agent=by_name[name], name=name, status=status, title="", text=text
        )
        for name, status, text in work
    ]
    who = "a person in Slack"
    ask = task_turns.SYNTHESISE.format(who=who)
    return framing.join(header, task_turns.TEAM_WORK, "\n".join(frames), ask)


def test_content_manager_delegates_a_blog_post_then_says_who_is_on_what() -> None:
    calls, ack = manager_turn("content_manager", BLOG_POST)

    assert [call.input["to"] for call in calls] == ["copywriter", "seo_specialist"]
    assert calls[0].text_before == "Assigning the draft to the Copywriter."
    manager = ROSTER.get("content_manager")
    for call in calls:
        parsed = parse_call("delegate", call.input)
        assert parsed.refusal is None and isinstance(parsed.arguments, Delegate)
        assert check_call(parsed.arguments, manager, ROSTER, load_authority()) is None
        assert call.input["priority"] == "normal"
        assert "AI in marketing" in call.input["title"]
        assert call.input["brief"].startswith("A blog post about AI in marketing, for CMOs.")
    assert "The Copywriter is drafting" in ack and "the SEO Specialist is building" in ack
    assert not ACTION_CLAIMS.search(ack)
    assert not re.search(r"\b(?:done|finished|complete|attached)\b", ack, re.I)


@pytest.mark.parametrize(
    ("agent_id", "request_text", "assignees"),
    [
        ("content_manager", "a case study on Acme with graphics for finance leaders",
         ["copywriter", "seo_specialist", "designer"]),
        ("social_media_manager", "social posts announcing the Q3 partner program",
         ["linkedin_manager", "twitter_manager"]),
        ("social_media_manager", "a LinkedIn post about our onboarding checklist",
         ["linkedin_manager"]),
        ("campaign_manager", "a nurture sequence for lapsed trial users", ["email_specialist"]),
        ("vp_marketing", "the AI analytics launch campaign, with an email sequence",
         ["content_manager", "social_media_manager", "campaign_manager"]),
        ("cmo", "a go-to-market plan for the AI analytics launch", ["vp_marketing"]),
    ],
)  # fmt: skip
def test_each_manager_hands_out_what_its_team_produces(
    agent_id: str, request_text: str, assignees: list[str]
) -> None:
    calls, ack = manager_turn(agent_id, request_text)

    assert [call.input["to"] for call in calls] == assignees
    assert set(assignees) <= set(ROSTER.get(agent_id).manages)
    for assignee in assignees:
        assert ROSTER.get(assignee).display_name in ack
    assert not ACTION_CLAIMS.search(ack)


def test_urgent_work_is_delegated_at_high_priority() -> None:
    calls, ack = manager_turn(
        "content_manager", "urgent: a blog post on AI in marketing, due Friday"
    )

    assert {call.input["priority"] for call in calls} == {"high"}
    assert all("Due Friday." in call.input["brief"] for call in calls)
    assert "high priority" in ack


def test_a_refused_delegation_gets_a_plain_fallback_and_no_retry() -> None:
    calls, text = manager_turn("content_manager", BLOG_POST, refuse="seo_specialist")

    assert [call.input["to"] for call in calls] == ["copywriter", "seo_specialist"]
    assert text.startswith("I couldn't hand the keyword plan to the SEO Specialist")
    assert "depth limit" in text and "I won't retry it" in text
    assert "I'll do the keyword plan myself" in text
    assert "the Copywriter is still on the draft" in text
    assert not ACTION_CLAIMS.search(text)


def test_a_delegation_outside_the_team_is_escalated_instead() -> None:
    sideways = ToolUseReply("delegate", {"to": "email_specialist", "title": "Launch email",
                                         "brief": "The launch email for trial users."})  # fmt: skip
    refusal = "Refused: Email Specialist does not report to you. You may delegate to copywriter."
    body = manager_body("content_manager", BLOG_POST, [(sideways, refusal, True)])

    text = text_of(department_responder(body))

    assert "does not report to you" in text
    assert "escalating it to the VP Marketing" in text and "won't retry" in text


def test_synthesis_turns_the_draft_and_keywords_into_one_answer() -> None:
    calls, _ = manager_turn("content_manager", BLOG_POST)
    draft = task_answer("copywriter", task_text("Content Manager", calls[0]))
    keywords = task_answer("seo_specialist", task_text("Content Manager", calls[1]))
    assert SHAPES["copywriter"] in draft and "AI in marketing" in draft
    assert SHAPES["seo_specialist"] in keywords and "AI in marketing" in keywords
    work = [("Copywriter", "done", draft), ("SEO Specialist", "done", keywords)]
    prompt = PROMPTS.system_prompt(ROSTER.get("content_manager"))
    body = build_params(
        LlmRequest(MODEL, prompt, [ChatMessage("user", synthesis_text(BLOG_POST, work))], 1024)
    )

    text = text_of(department_responder(body))

    headline, keyword = copy_pick(draft), primary_keyword(keywords)
    assert headline and keyword
    assert f'"{headline}"' in text and f"`{keyword}`" in text  # one element from each
    [new_headline] = re.findall(r"^\*Headline:\* (.+)$", text, re.M)
    assert keyword in new_headline.lower() and new_headline != headline
    assert "*Editor's note:*" in text and "*Still open:*" in text and "CMOs" in text
    assert "*My pick:*" not in text and "*On-page checklist:*" not in text  # not pasted
    assert 80 <= len(text.split()) <= 200
    assert "**" not in text and not re.search(r"^#|^\|", text, re.M)
    assert not ACTION_CLAIMS.search(text)


def test_a_missing_deliverable_is_named_as_still_open() -> None:
    draft = answer("copywriter", "headlines for a blog post about AI in marketing")
    work = [("Copywriter", "done", draft), ("SEO Specialist", "failed", "_I couldn't finish._")]
    prompt = PROMPTS.system_prompt(ROSTER.get("content_manager"))
    body = build_params(
        LlmRequest(MODEL, prompt, [ChatMessage("user", synthesis_text(BLOG_POST, work))], 1024)
    )

    text = text_of(department_responder(body))

    assert f'"{copy_pick(draft)}"' in text
    assert "the SEO Specialist's part didn't come back (failed)" in text


def test_a_question_to_the_content_manager_gets_a_normal_answer() -> None:
    request = "content manager: what do you think of our positioning?"

    reply = department_responder(manager_body("content_manager", request))

    assert SHAPES["content_manager"] in text_of(reply) and "positioning" in text_of(reply)
    assert reply == department_responder(body_for("content_manager", request))


def test_without_the_delegate_tool_a_manager_answers_itself() -> None:
    assert SHAPES["content_manager"] in answer("content_manager", BLOG_POST)


def test_delegation_is_deterministic() -> None:
    body = manager_body("vp_marketing", "the AI analytics launch campaign")

    assert department_responder(body) == department_responder(body)


# --- end to end: one request through the real department flow ---------------------------------


@dataclass
class Department:
    runtime: Runtime
    sender: SlackRequestSender
    claude: ScriptedClaude


def unpaced_department(body: dict[str, Any]) -> Reply:
    """department_responder without its demo pacing, so the flow test stays fast."""
    reply = department_responder(body)
    return (
        dataclasses.replace(reply, delay_per_chunk_s=0.0) if isinstance(reply, TextReply) else reply
    )


@pytest.fixture()
def department(slack: SlackStandIn, database_url: str, redis_conn: Redis) -> Iterator[Department]:
    """tests/conftest.py's settings, runtime and bolt, with the scripted department as Claude.

    Its own queue name, so a test session running alongside on the same Redis database
    cannot take this flow's jobs.
    """
    with ScriptedClaude(responder=unpaced_department) as claude:
        queue = f"turns-department-{uuid.uuid4().hex[:8]}"
        settings = make_settings(slack, claude, database_url, queue_name=queue)
        runtime = runtime_module.build_runtime(settings)
        runtime_module.install(runtime)
        server, url = serve_app(app_module.create_app(settings))
        try:
            yield Department(runtime, SlackRequestSender(url, SIGNING_SECRET, team_id=TEAM), claude)
        finally:
            server.close()


def test_a_blog_post_request_runs_through_the_whole_department(
    department: Department, slack: SlackStandIn
) -> None:
    mention = f"<@{BOT_USER}> {BLOG_POST}"
    asked = slack.add_message(CHANNEL_CONTENT, user=HUMAN, text=mention)
    event = app_mention_event(user=HUMAN, channel=CHANNEL_CONTENT, text=mention, ts=asked)
    assert department.sender.send_event(event).status == 200

    work(department.runtime)  # the manager's turn, both specialists, the synthesis, reviews

    origin = [m for m in slack.messages(CHANNEL_CONTENT, asked) if m.get("bot_id")]
    assert [m["username"] for m in origin] == ["Content Manager"] * 4 + [
        "Director of Communications",
        "VP Marketing",
        "Content Manager",  # the approval card, waiting for a person
    ]
    ack, to_copywriter, to_seo, synthesis = (str(m["text"]) for m in origin[:4])
    card = origin[-1]["blocks"]
    assert ack.startswith("Assigning the draft to the Copywriter.")
    assert "the SEO Specialist is building the keyword plan" in ack
    assert to_copywriter.startswith(
        "→ Assigned *Draft the blog post: AI in marketing* to Copywriter"
    )
    assert to_seo.startswith("→ Assigned *Keyword plan for the blog post: AI in marketing* to SEO")

    assignments = [
        m
        for m in slack.messages(CHANNEL_CONTENT)
        if m.get("bot_id") and m.get("thread_ts") in (None, m["ts"])
    ]
    assert [m["username"] for m in assignments] == ["Content Manager", "Content Manager"]
    answers = {
        str(m["username"]): str(m["text"])
        for a in assignments
        for m in slack.messages(CHANNEL_CONTENT, a["ts"])[1:]
    }
    assert set(answers) == {"Copywriter", "SEO Specialist"}
    draft, keywords = answers["Copywriter"], answers["SEO Specialist"]
    assert SHAPES["copywriter"] in draft and "AI in marketing" in draft
    assert SHAPES["seo_specialist"] in keywords and "AI in marketing" in keywords

    assert f"`{primary_keyword(keywords)}`" in synthesis
    assert synthesis.startswith("*Editor's note:*") and "Sending it for approval" in synthesis
    headline = card[2]["text"]["text"].splitlines()[0]
    assert str(copy_pick(draft)).split()[0] in headline  # the Copywriter's pick leads the post
    synthesis_calls = [
        r
        for r in department.claude.requests
        if "<deliverable " in r.body["messages"][0]["content"][0]["text"]
        and len(r.body["messages"]) == 1  # a turn's first round (the second has the result)
    ]
    assert len(synthesis_calls) == 1
    everything = [ack, synthesis, *answers.values()]
    assert [ACTION_CLAIMS.findall(text) for text in everything] == [[] for _ in everything]
