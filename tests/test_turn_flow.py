"""The spine end to end in one process: signed event → Bolt → DB + Redis → worker → Claude
(over HTTP) → the reply in the Slack stand-in's thread."""

from __future__ import annotations

import sys
import time
from decimal import Decimal

import pytest
from sqlalchemy import select

from jobs.claude import framing
from jobs.queue import waiting_job_ids
from jobs.runtime import Runtime
from models.records import LlmCall, Turn
from sandbox.claude_api import ScriptedClaude, TextReply
from sandbox.product_turns import speakers
from sandbox.signing import app_mention_event, channel_message_event, im_message_event
from sandbox.slack_api import SlackStandIn
from tests.conftest import (
    BOT_USER,
    CHANNEL_CONTENT,
    CHANNEL_GENERAL,
    DM_CHANNEL,
    HUMAN,
    ServedApp,
    work,
)
from tests.test_welcome import already_welcomed

_T0 = int(time.time())


def ts(offset: int) -> str:
    """A Slack ts `offset` seconds from now (replies in a thread get later ts than their parent)."""
    return f"{_T0 + offset}.000100"


@pytest.fixture(autouse=True)
def _fresh_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Message ts values are taken relative to each test's start, as in a live thread."""
    monkeypatch.setattr(sys.modules[__name__], "_T0", int(time.time()))


TAGLINES = (
    "1. *See it. Ask it. Ship it.*\n2. Analytics that answer back.\n3. Your data, finally fluent."
)


def mention(
    bolt: ServedApp,
    text: str,
    *,
    channel: str = CHANNEL_GENERAL,
    message_ts: str | None = None,
    thread_ts: str | None = None,
) -> None:
    event = app_mention_event(
        user=HUMAN,
        channel=channel,
        text=f"<@{BOT_USER}> {text}",
        ts=message_ts or ts(-60),
        thread_ts=thread_ts,
    )
    response = bolt.sender.send_event(event)
    assert response.status == 200


def replies(slack: SlackStandIn, channel: str, thread_ts: str) -> list[dict[str, object]]:
    return [m for m in slack.messages(channel, thread_ts) if m.get("bot_id")]


def test_mention_gets_persona_reply_in_thread(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    claude.enqueue(TextReply(TAGLINES, chunk_chars=12, delay_per_chunk_s=0.03))
    mention(bolt, "copywriter: write me three taglines for our AI analytics launch")

    work(runtime)

    [reply] = replies(slack, CHANNEL_GENERAL, ts(-60))
    assert reply["username"] == "Copywriter"
    assert reply["icons"] == {"emoji": ":writing_hand:"}
    assert reply["text"] == TAGLINES
    assert reply["thread_ts"] == ts(-60)
    [status] = slack.calls_to("assistant.threads.setStatus")  # the sign: no placeholder
    assert status.args["thread_ts"] == ts(-60) and status.args["username"] == "Copywriter"
    posts = slack.calls_to("chat.postMessage")
    assert len(posts) == 1 and posts[0].args["text"] != "_On it…_"  # the first text, then edits
    assert len(slack.calls_to("chat.update")) >= 2  # streamed: interim edits and the final text
    [request] = claude.requests
    assert request.body["model"] == runtime.settings.model_opus  # the Copywriter's tier
    assert request.body["system"][1]["text"].startswith("You are the Copywriter")
    assert "three taglines" in request.body["messages"][-1]["content"][0]["text"]
    assert f"<@{BOT_USER}>" not in request.body["messages"][-1]["content"][0]["text"]


def test_dm_is_answered_by_the_cmo(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    already_welcomed(runtime)  # the welcome of a first DM has its own tests
    claude.enqueue(TextReply("Happy to help. What's the goal for Q1?"))
    event = im_message_event(
        user=HUMAN, channel=DM_CHANNEL, text="what should we focus on next quarter?", ts=ts(-30)
    )
    assert bolt.sender.send_event(event).status == 200

    work(runtime)

    [reply] = slack.messages(DM_CHANNEL)  # in the DM itself, not in a thread
    assert "thread_ts" not in reply
    assert reply["username"] == "CMO"
    assert reply["text"] == "Happy to help. What's the goal for Q1?"
    assert not slack.calls_to("assistant.threads.setStatus")  # no thread: the placeholder
    assert slack.calls_to("chat.postMessage")[0].args["text"] == "_On it…_"


def test_channel_lead_answers_when_nobody_is_named(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    claude.enqueue(TextReply("On the calendar for Thursday."))
    mention(bolt, "can we get a post about the launch this week?", channel=CHANNEL_CONTENT)
    work(runtime)
    [reply] = replies(slack, CHANNEL_CONTENT, ts(-60))
    assert reply["username"] == "Content Manager"


def test_thread_follow_up_sees_history_and_stays_with_the_agent(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    claude.enqueue(
        TextReply(TAGLINES),
        TextReply("Going with option 2, tightened: *Analytics that talk back.*"),
    )
    mention(bolt, "copywriter: three taglines for the analytics launch please")
    work(runtime)
    follow_up = channel_message_event(
        user=HUMAN,
        channel=CHANNEL_GENERAL,
        text="make the second one punchier",
        ts=ts(60),
        thread_ts=ts(-60),
    )
    assert bolt.sender.send_event(follow_up).status == 200
    work(runtime)

    first, second = claude.requests
    assert second.body["system"] == first.body["system"]  # byte-stable prefix
    turns = [(m["role"], m["content"][0]["text"]) for m in second.body["messages"]]
    assert [role for role, _ in turns] == ["user", "assistant", "user"]
    assert "three taglines" in turns[0][1]
    assert turns[1][1] == TAGLINES
    assert "punchier" in turns[2][1]
    thread = replies(slack, CHANNEL_GENERAL, ts(-60))
    assert [m["username"] for m in thread] == ["Copywriter", "Copywriter"]
    assert str(thread[1]["text"]).startswith("Going with option 2")


def test_second_turn_reads_the_prefix_from_cache(
    bolt: ServedApp, runtime: Runtime, claude: ScriptedClaude
) -> None:
    claude.enqueue(TextReply("First answer."), TextReply("Second answer."))
    mention(bolt, "cmo: what is our positioning?")
    work(runtime)
    bolt.sender.send_event(
        channel_message_event(
            user=HUMAN,
            channel=CHANNEL_GENERAL,
            text="and for enterprises?",
            ts=ts(60),
            thread_ts=ts(-60),
        )
    )
    work(runtime)

    with runtime.sessions() as session:
        calls = session.scalars(select(LlmCall).order_by(LlmCall.created_at)).all()
    assert [c.status for c in calls] == ["ok", "ok"]
    first, second = calls
    assert first.cache_write_tokens > 1000 and first.cache_read_tokens == 0
    assert second.cache_read_tokens >= first.cache_write_tokens
    assert second.cost_usd < first.cost_usd  # cached prefix is billed at the read rate
    price = runtime.prices.price_for(first.model)
    expected = (
        first.input_tokens * price.input
        + first.output_tokens * price.output
        + first.cache_write_tokens * price.cache_write
    ) / Decimal(1_000_000)
    assert first.cost_usd == expected
    assert first.agent_id == "cmo" and first.latency_ms >= 0


def test_unhandled_chatter_creates_no_turn(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    top_level = channel_message_event(
        user=HUMAN, channel=CHANNEL_GENERAL, text="lunch anyone?", ts=ts(-20)
    )
    unknown_thread = channel_message_event(
        user=HUMAN, channel=CHANNEL_GENERAL, text="+1", ts=ts(-10), thread_ts=ts(-20)
    )
    assert bolt.sender.send_event(top_level).status == 200
    assert bolt.sender.send_event(unknown_thread).status == 200
    with runtime.sessions() as session:
        assert session.scalars(select(Turn)).all() == []
    assert waiting_job_ids(runtime.redis, runtime.settings.queue_name) == []


def test_slack_escapes_are_undone_for_the_agent(
    bolt: ServedApp, runtime: Runtime, claude: ScriptedClaude
) -> None:
    claude.enqueue(TextReply("Noted."))
    mention(bolt, "cmo: is 10 &lt; 20 &amp; R&amp;D &gt; marketing?")
    work(runtime)
    [request] = claude.requests
    framed = request.body["messages"][-1]["content"][0]["text"]
    assert "is 10 &lt; 20 &amp; R&amp;D &gt; marketing?" in framed  # once, for its frame
    [(_, said)] = speakers(framed)
    assert said.endswith("is 10 < 20 & R&D > marketing?")


def test_called_into_an_existing_thread_the_agent_reads_it_once(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    parent = slack.add_message(
        CHANNEL_GENERAL, user="U0ANA", text="Launch date is moving to May 12."
    )
    slack.add_message(
        CHANNEL_GENERAL, user="U0BEN", text="Then the webinar moves too?", thread_ts=parent
    )
    asked = slack.add_message(
        CHANNEL_GENERAL,
        user=HUMAN,
        text=f"<@{BOT_USER}> cmo what do we tell customers?",
        thread_ts=parent,
    )
    claude.enqueue(TextReply("Tell them May 12."), TextReply("Yes, the webinar follows."))
    mention(bolt, "cmo what do we tell customers?", message_ts=asked, thread_ts=parent)
    work(runtime)
    follow = slack.add_message(
        CHANNEL_GENERAL, user=HUMAN, text="and the webinar?", thread_ts=parent
    )
    bolt.sender.send_event(
        channel_message_event(
            user=HUMAN,
            channel=CHANNEL_GENERAL,
            text="and the webinar?",
            ts=follow,
            thread_ts=parent,
        )
    )
    work(runtime)

    first, second = claude.requests
    seen = first.body["messages"][0]["content"][0]["text"]
    assert framing.person_said("U0ANA", "Launch date is moving to May 12.") in seen
    assert framing.person_said("U0BEN", "Then the webinar moves too?") in seen
    assert "what do we tell customers?" in seen
    assert "May 12" in second.body["messages"][0]["content"][0]["text"]  # kept in memory
    assert len(slack.calls_to("conversations.replies")) == 1  # read once, not every turn


def test_a_rate_limited_thread_read_does_not_hold_up_the_answer(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    parent = slack.add_message(CHANNEL_GENERAL, user="U0ANA", text="Budget is frozen.")
    asked = slack.add_message(CHANNEL_GENERAL, user=HUMAN, text="cmo thoughts?", thread_ts=parent)
    slack.fail_next("conversations.replies", status=429, retry_after_s=60)
    claude.enqueue(TextReply("Let's prioritise owned channels."))
    mention(bolt, "cmo thoughts?", message_ts=asked, thread_ts=parent)
    started = time.monotonic()
    work(runtime)
    assert time.monotonic() - started < 10  # the 60 s Retry-After was not waited out
    [reply] = replies(slack, CHANNEL_GENERAL, parent)
    assert reply["text"] == "Let's prioritise owned channels."


@pytest.mark.parametrize(
    ("where", "text"),
    [("dm", "help"), ("mention", "who is on the team?"), ("mention", "cmo: Help!")],
)
def test_help_is_the_departments_own_answer_never_a_models_guess(
    bolt: ServedApp,
    runtime: Runtime,
    slack: SlackStandIn,
    claude: ScriptedClaude,
    where: str,
    text: str,
) -> None:
    if where == "dm":
        already_welcomed(runtime)
        event = im_message_event(user=HUMAN, channel=DM_CHANNEL, text=text, ts=ts(-30))
        assert bolt.sender.send_event(event).status == 200
    else:
        mention(bolt, text)
    work(runtime)

    if where == "dm":  # answered in the DM itself
        [reply] = [m for m in slack.messages(DM_CHANNEL) if m.get("bot_id")]
    else:
        [reply] = replies(slack, CHANNEL_GENERAL, ts(-60))
    assert reply["username"] == "CMO"
    body = str(reply["text"])
    for agent in runtime.roster.agents:  # every one of the 14, by layer
        assert agent.display_name in body
    assert "#mkt-content (Content Manager)" in body and "`/campaign help`" in body
    assert claude.requests == []  # no model call, nothing invented
    with runtime.sessions() as session:
        [turn] = session.scalars(select(Turn)).all()
        assert turn.status == "answered"


def test_a_request_that_begins_with_help_goes_to_the_agent(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    claude.enqueue(TextReply("Here is the plan for EMEA."))
    mention(bolt, "help us launch the partner program in EMEA")
    work(runtime)
    [reply] = replies(slack, CHANNEL_GENERAL, ts(-60))
    assert reply["text"] == "Here is the plan for EMEA." and len(claude.requests) == 1
