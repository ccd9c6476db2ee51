"""Native streaming (jobs/slack/streams.py): which writer a reply gets, a turn streamed end to
end, posting once across a retried turn, and the fall back to edits when a stream died."""

from __future__ import annotations

from typing import Any

import pytest

from jobs.runtime import Runtime
from jobs.slack.post_once import METADATA_EVENT, PART_MAX_CHARS, Persona, ReplyTarget, ReplyWriter
from jobs.slack.streams import StreamWriter, as_markdown, reply_thread_ts, reply_writer
from models import posts
from sandbox.claude_api import ScriptedClaude, TextReply
from sandbox.slack_api import SlackStandIn
from sandbox.slack_streams import state_of
from tests.conftest import (
    CHANNEL_GENERAL,
    DM_CHANNEL,
    HUMAN,
    TEAM,
    ServedApp,
    app_with,
    mention,
    work,
)

PERSONA = Persona("Copywriter", ":writing_hand:")


@pytest.fixture()
def streaming(slack: SlackStandIn, claude: ScriptedClaude, database_url: str) -> Any:
    with app_with(slack, claude, database_url, slack_native_streaming=True) as served:
        yield served


def _target(
    thread_ts: str | None, turn_id: str = "turn1", channel: str = CHANNEL_GENERAL
) -> ReplyTarget:
    return ReplyTarget(TEAM, turn_id, channel, thread_ts)


def _parent(rt: Runtime) -> str:
    return str(rt.slack_for(TEAM).chat_postMessage(channel=CHANNEL_GENERAL, text="brief")["ts"])


def _writer(rt: Runtime, thread_ts: str) -> ReplyWriter:
    return reply_writer(rt, _target(thread_ts), PERSONA, asked_by=HUMAN)


def _bot_replies(slack: SlackStandIn, thread_ts: str) -> list[dict[str, Any]]:
    return [m for m in slack.messages(CHANNEL_GENERAL, thread_ts)[1:] if m.get("bot_id")]


def _posts_in(slack: SlackStandIn, thread_ts: str) -> list[Any]:
    return [c for c in slack.calls_to("chat.postMessage") if c.args.get("thread_ts") == thread_ts]


def test_the_rule_chooses_native_streaming_only_where_it_fits(
    streaming: tuple[Runtime, Any], runtime: Runtime
) -> None:
    native, _ = streaming
    assert isinstance(
        reply_writer(native, _target("1.000100"), PERSONA, asked_by=HUMAN), StreamWriter
    )
    unthreaded = reply_writer(native, _target(None), PERSONA, asked_by=HUMAN)
    nobody = reply_writer(native, _target("1.000100"), PERSONA, asked_by=None)
    switched_off = reply_writer(runtime, _target("1.000100"), PERSONA, asked_by=HUMAN)
    for writer in (unthreaded, nobody, switched_off):
        assert type(writer) is ReplyWriter
    assert reply_thread_ts(DM_CHANNEL, "5.000100", "5.000100") is None  # top-level DM message
    assert reply_thread_ts(DM_CHANNEL, "5.000100", "6.000100") == "5.000100"  # a DM thread
    assert reply_thread_ts(CHANNEL_GENERAL, "5.000100", "5.000100") == "5.000100"


def test_a_turn_streams_natively_with_a_status_first_and_no_edit(
    streaming: tuple[Runtime, Any], slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    rt, sender = streaming
    text = "1. See it. Ask it. Ship it.\n2. Analytics that answer back."
    claude.enqueue(TextReply(text, chunk_chars=8, delay_per_chunk_s=0.02))
    asked = mention(sender, slack, CHANNEL_GENERAL, "copywriter: two taglines")

    work(rt)

    [reply] = _bot_replies(slack, asked)
    assert reply["text"] == text and reply["username"] == "Copywriter"
    assert "edited" not in reply
    assert reply["metadata"]["event_type"] == METADATA_EVENT
    [start] = slack.calls_to("chat.startStream")
    assert start.args["recipient_user_id"] == HUMAN and start.args["recipient_team_id"] == TEAM
    assert slack.calls_to("assistant.threads.setStatus")[0].args["username"] == "Copywriter"
    assert not slack.calls_to("chat.postMessage") and not slack.calls_to("chat.update")
    [stop] = slack.calls_to("chat.stopStream")
    assert stop.args["metadata"]["event_payload"]["part"] == 0
    first_append = slack.calls_to("chat.appendStream")[0]
    assert first_append.at > start.at  # the ts was recorded before any text went in
    with rt.sessions() as session:
        [record] = posts.parts_of(session, TEAM, reply["metadata"]["event_payload"]["turn_id"])
        assert record.ts == reply["ts"]


def test_a_turn_killed_mid_stream_is_finished_once_by_an_edit(
    streaming: tuple[Runtime, Any], slack: SlackStandIn
) -> None:
    rt, _ = streaming
    thread = _parent(rt)
    first = _writer(rt, thread)
    first.render("The first half")  # then the worker dies: no stopStream

    retried = _writer(rt, thread)
    retried.render("The first half, and the rest.", final=True)

    [reply] = _bot_replies(slack, thread)
    assert reply["text"] == "The first half, and the rest."
    assert len(slack.calls_to("chat.startStream")) == 1
    assert not _posts_in(slack, thread)
    assert reply["metadata"]["event_payload"] == {"turn_id": "turn1", "part": 0}  # stopped
    assert reply["stream"]["live"] is False


def test_a_stream_that_died_is_finished_by_edits(
    streaming: tuple[Runtime, Any], slack: SlackStandIn
) -> None:
    rt, _ = streaming
    thread = _parent(rt)
    writer = _writer(rt, thread)
    writer.render("Working on it")
    state_of(slack.workspace).lifetime_s = 0.0  # five minutes later

    writer.render("Working on it, done.", final=True)

    [reply] = _bot_replies(slack, thread)
    assert reply["text"] == "Working on it, done."
    errors = [c.response.get("error") for c in slack.calls_to("chat.appendStream")]
    assert "message_not_in_streaming_state" in errors
    assert len(slack.calls_to("chat.update")) == 1


def test_a_long_reply_leaves_the_stream_for_parts(
    streaming: tuple[Runtime, Any], slack: SlackStandIn
) -> None:
    rt, _ = streaming
    thread = _parent(rt)
    text = "\n\n".join(f"Section {n}. " + "Clear, concrete copy. " * 60 for n in range(4))
    assert len(text) > PART_MAX_CHARS
    writer = _writer(rt, thread)
    writer.render(text[:200])

    writer.render(text, final=True)

    replies = _bot_replies(slack, thread)
    assert len(replies) > 1 and all(len(str(m["text"])) <= PART_MAX_CHARS for m in replies)
    assert " ".join(" ".join(str(m["text"]) for m in replies).split()) == " ".join(text.split())
    assert len(slack.calls_to("chat.startStream")) == 1


def test_where_slack_refuses_a_stream_the_reply_is_posted_and_edited(
    streaming: tuple[Runtime, Any], slack: SlackStandIn
) -> None:
    rt, _ = streaming
    thread = _parent(rt)
    slack.fail_next("chat.startStream", status=200, error="missing_scope")
    writer = _writer(rt, thread)

    writer.render("Hello", final=True)

    [reply] = _bot_replies(slack, thread)
    assert reply["text"] == "Hello"
    assert len(_posts_in(slack, thread)) == 1


def test_stream_text_never_becomes_a_link(
    streaming: tuple[Runtime, Any], slack: SlackStandIn
) -> None:
    rt, _ = streaming
    thread = _parent(rt)
    writer = _writer(rt, thread)

    writer.render("See [our pricing](https://evil.example) <!channel> & more", final=True)

    sent = "".join(str(c.args["markdown_text"]) for c in slack.calls_to("chat.appendStream"))
    assert sent == ("See \\[our pricing\\](https://evil.example) &lt;!channel&gt; &amp; more")
    assert as_markdown("a\\[") == "a\\\\\\["


def test_where_slack_refuses_the_status_the_placeholder_is_the_sign(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    claude.enqueue(TextReply("Three taglines."))
    slack.fail_next("assistant.threads.setStatus", status=200, error="missing_scope")
    asked = mention(bolt.sender, slack, CHANNEL_GENERAL, "copywriter: three taglines")

    work(runtime)

    posts = _posts_in(slack, asked)
    assert posts[0].args["text"] == "_On it…_"
    [reply] = _bot_replies(slack, asked)
    assert reply["text"] == "Three taglines."
