"""Posting a reply: long text split (never cut) and a re-run that adopts what was posted."""

from __future__ import annotations

import re
import time

import pytest
from redis import Redis

from errors import SlackReadRateLimited
from jobs.runtime import Runtime
from jobs.slack.edit_budget import KEY, EditBudget
from jobs.slack.post_once import (
    METADATA_EVENT,
    PART_MAX_CHARS,
    Persona,
    ReplyTarget,
    ReplyWriter,
    post_once,
    split_text,
)
from jobs.slack.text import unescape
from models import posts
from sandbox.slack_api import SlackStandIn
from tests.conftest import CHANNEL_GENERAL, TEAM

PERSONA = Persona("Copywriter", ":writing_hand:")


def _writer(rt: Runtime, thread_ts: str, turn_id: str = "turn1") -> ReplyWriter:
    target = ReplyTarget(TEAM, turn_id, CHANNEL_GENERAL, thread_ts)
    return ReplyWriter(rt.slack_for(TEAM), rt.sessions, target, PERSONA, min_interval_s=0)


def _parent(slack: SlackStandIn, rt: Runtime) -> str:
    return str(rt.slack_for(TEAM).chat_postMessage(channel=CHANNEL_GENERAL, text="brief")["ts"])


def test_split_keeps_every_word() -> None:
    text = "\n\n".join(f"Paragraph {n}: " + "word " * 150 for n in range(12))
    parts = split_text(text)
    assert len(parts) > 1 and all(len(part) <= PART_MAX_CHARS for part in parts)
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())


def test_long_reply_becomes_several_messages(runtime: Runtime, slack: SlackStandIn) -> None:
    thread = _parent(slack, runtime)
    text = "\n\n".join(f"Section {n}. " + "Clear, concrete copy. " * 60 for n in range(8))
    writer = _writer(runtime, thread)
    writer.render("_On it…_", final=True)
    writer.render(text, final=True)
    replies = [m for m in slack.messages(CHANNEL_GENERAL, thread)[1:]]
    assert len(replies) == len(split_text(text)) > 1
    assert " ".join(" ".join(str(m["text"]) for m in replies).split()) == " ".join(text.split())
    assert all(m["username"] == "Copywriter" for m in replies)


def test_rerun_adopts_a_message_posted_but_never_recorded(
    runtime: Runtime, slack: SlackStandIn
) -> None:
    """The worker died between chat.postMessage and saving the ts: find it by metadata."""
    thread = _parent(slack, runtime)
    with runtime.sessions() as session:
        posts.claim_part(
            session,
            team_id=TEAM,
            turn_id="turn9",
            part=0,
            channel_id=CHANNEL_GENERAL,
            thread_ts=thread,
        )
    orphan = runtime.slack_for(TEAM).chat_postMessage(
        channel=CHANNEL_GENERAL,
        thread_ts=thread,
        text="half an ans",
        metadata={"event_type": METADATA_EVENT, "event_payload": {"turn_id": "turn9", "part": 0}},
    )
    before = len(slack.calls_to("chat.postMessage"))

    _writer(runtime, thread, "turn9").render("The whole answer.", final=True)

    assert len(slack.calls_to("chat.postMessage")) == before  # nothing new posted
    [reply] = slack.messages(CHANNEL_GENERAL, thread)[1:]
    assert reply["ts"] == orphan["ts"] and reply["text"] == "The whole answer."
    with runtime.sessions() as session:
        assert [p.ts for p in posts.parts_of(session, TEAM, "turn9")] == [orphan["ts"]]


def test_interim_renders_are_throttled(runtime: Runtime, slack: SlackStandIn) -> None:
    thread = _parent(slack, runtime)
    clock = [100.0]
    target = ReplyTarget(TEAM, "turn5", CHANNEL_GENERAL, thread)
    writer = ReplyWriter(
        runtime.slack_for(TEAM),
        runtime.sessions,
        target,
        PERSONA,
        min_interval_s=1.0,
        clock=lambda: clock[0],
    )
    assert writer.render("a") is True
    assert writer.render("ab") is False  # within a second: skipped
    clock[0] += 1.5
    assert writer.render("abc") is True
    assert writer.render("abcd", final=True) is True  # the final text is never skipped
    assert slack.messages(CHANNEL_GENERAL, thread)[1]["text"] == "abcd"


def test_rerun_with_a_shorter_answer_removes_the_extra_messages(
    runtime: Runtime, slack: SlackStandIn
) -> None:
    thread = _parent(slack, runtime)
    long_text = "\n\n".join("Draft paragraph. " * 60 for _ in range(6))
    _writer(runtime, thread, "turn7").render(long_text)  # an interim render of a killed run
    assert len(slack.messages(CHANNEL_GENERAL, thread)) > 2

    _writer(runtime, thread, "turn7").render("Short final answer.", final=True)

    [reply] = slack.messages(CHANNEL_GENERAL, thread)[1:]
    assert reply["text"] == "Short final answer."
    with runtime.sessions() as session:
        assert [p.part for p in posts.parts_of(session, TEAM, "turn7")] == [0]


def test_a_rate_limited_interim_edit_is_skipped_not_waited_out(
    runtime: Runtime, slack: SlackStandIn
) -> None:
    thread = _parent(slack, runtime)
    target = ReplyTarget(TEAM, "turn8", CHANNEL_GENERAL, thread)
    writer = ReplyWriter(
        runtime.slack_for(TEAM),
        runtime.sessions,
        target,
        PERSONA,
        min_interval_s=0,
        interim_client=runtime.best_effort_for(TEAM),
    )
    writer.render("Draft", final=True)
    slack.fail_next("chat.update", status=429, retry_after_s=30)
    started = time.monotonic()
    assert writer.render("Draft with more") is True
    assert time.monotonic() - started < 5  # Retry-After 30 s was not waited out
    writer.render("Draft with more words.", final=True)
    [reply] = slack.messages(CHANNEL_GENERAL, thread)[1:]
    assert reply["text"] == "Draft with more words."


def _orphan(rt: Runtime, key: str, thread_ts: str | None, text: str) -> str:
    """What a worker that died between posting and saving the ts leaves behind."""
    with rt.sessions() as session:
        posts.claim_part(
            session,
            team_id=TEAM,
            turn_id=key,
            part=0,
            channel_id=CHANNEL_GENERAL,
            thread_ts=thread_ts or "",
        )
    posted = rt.slack_for(TEAM).chat_postMessage(
        channel=CHANNEL_GENERAL,
        text=text,
        metadata={"event_type": METADATA_EVENT, "event_payload": {"turn_id": key, "part": 0}},
        thread_ts=thread_ts or None,
    )
    return str(posted["ts"])


def test_a_top_level_post_is_recovered_too(runtime: Runtime, slack: SlackStandIn) -> None:
    """An assignment brief (a new thread) posted by a worker that then died: adopted."""
    for n in range(120):  # newer traffic in the channel: the search pages back through it
        runtime.slack_for(TEAM).chat_postMessage(channel=CHANNEL_GENERAL, text=f"chatter {n}")
    orphan = _orphan(runtime, "abrief1", None, "*Draft the post* → Copywriter")
    for n in range(120):
        runtime.slack_for(TEAM).chat_postMessage(channel=CHANNEL_GENERAL, text=f"more chatter {n}")
    before = len(slack.calls_to("chat.postMessage"))
    writer = ReplyWriter(
        runtime.slack_for(TEAM),
        runtime.sessions,
        ReplyTarget(TEAM, "abrief1", CHANNEL_GENERAL, None),
        PERSONA,
        min_interval_s=0,
    )
    writer.render("*Draft the post* → Copywriter", final=True)
    assert len(slack.calls_to("chat.postMessage")) == before
    assert writer.first_ts == orphan


def test_a_card_is_posted_once_even_if_its_worker_died(
    runtime: Runtime, slack: SlackStandIn
) -> None:
    thread = _parent(slack, runtime)
    target = ReplyTarget(TEAM, "pcard1", CHANNEL_GENERAL, thread)
    orphan = _orphan(runtime, "pcard1", thread, "Approval needed")
    before = len(slack.calls_to("chat.postMessage"))
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "Approve?"}}]
    assert (
        post_once(runtime.slack_for(TEAM), runtime.sessions, target, PERSONA, "Approval", blocks)
        == orphan
    )
    assert (
        post_once(runtime.slack_for(TEAM), runtime.sessions, target, PERSONA, "Approval", blocks)
        == orphan
    )
    assert len(slack.calls_to("chat.postMessage")) == before
    fresh = ReplyTarget(TEAM, "pcard2", CHANNEL_GENERAL, thread)
    ts = post_once(runtime.slack_for(TEAM), runtime.sessions, fresh, PERSONA, "Approval", blocks)
    [card] = [m for m in slack.messages(CHANNEL_GENERAL, thread) if m["ts"] == ts]
    assert card["blocks"] == blocks and card["thread_ts"] == thread
    assert card["metadata"]["event_payload"] == {"turn_id": "pcard2", "part": 0}


def test_a_streamed_reply_is_escaped_and_split_within_the_limit_on_the_wire(
    runtime: Runtime, slack: SlackStandIn
) -> None:
    """Escaping makes the text longer (`&` is `&amp;` on the wire): the parts must still fit
    and no part may end inside an entity; the reader sees every character as written."""
    thread = _parent(slack, runtime)
    raw = "&&&<<>>" * 1000  # 7,000 characters, 29,000 escaped, no place to break a line
    writer = _writer(runtime, thread)
    writer.render(raw[:3000])  # an interim render, with the cursor
    writer.render(raw, final=True)
    replies = [str(m["text"]) for m in slack.messages(CHANNEL_GENERAL, thread)[1:]]
    assert len(replies) > 8 and all(len(text) <= PART_MAX_CHARS for text in replies)
    assert all(re.fullmatch(r"(&amp;|&lt;|&gt;)+", text) for text in replies)
    assert unescape("".join(replies)) == raw
    edits = [c.args["text"] for c in slack.calls_to("chat.update")]
    assert edits and all(len(text) <= 4000 for text in edits)


def test_recovery_reads_pages_of_15(runtime: Runtime, slack: SlackStandIn) -> None:
    """History and replies give some apps 15 messages a call: ask for no more."""
    thread = _parent(slack, runtime)
    for n in range(40):
        runtime.slack_for(TEAM).chat_postMessage(
            channel=CHANNEL_GENERAL, thread_ts=thread, text=f"r{n}"
        )
    orphan = _orphan(runtime, "turn15", thread, "half an answer")
    _writer(runtime, thread, "turn15").render("The whole answer.", final=True)
    reads = slack.calls_to("conversations.replies")
    assert len(reads) == 3 and all(int(c.args["limit"]) == 15 for c in reads)
    assert slack.messages(CHANNEL_GENERAL, thread)[-1]["ts"] == orphan


@pytest.mark.parametrize("thread", [True, False])
def test_a_rate_limited_recovery_read_fails_at_once_for_a_later_retry(
    runtime: Runtime, slack: SlackStandIn, thread: bool
) -> None:
    """A 429 on the read that prevents a double post is not waited out (Retry-After 60 s,
    although `rt.slack_for` waits out 429s elsewhere), and nothing is posted meanwhile."""
    parent = _parent(slack, runtime) if thread else None
    _orphan(runtime, "turn16", parent, "half an answer")
    method = "conversations.replies" if thread else "conversations.history"
    slack.fail_next(method, status=429, retry_after_s=60)
    before = len(slack.calls_to("chat.postMessage"))
    started = time.monotonic()
    with pytest.raises(SlackReadRateLimited) as limited:
        post_once(
            runtime.slack_for(TEAM),
            runtime.sessions,
            ReplyTarget(TEAM, "turn16", CHANNEL_GENERAL, parent),
            PERSONA,
            "Approval",
        )
    assert time.monotonic() - started < 5
    assert (limited.value.method, limited.value.retry_after_s) == (method, 60)
    assert len(slack.calls_to("chat.postMessage")) == before
    assert len(slack.calls_to(method)) == 1


def test_interim_edits_over_the_workspace_budget_are_skipped_the_final_one_goes(
    runtime: Runtime, slack: SlackStandIn, redis_conn: Redis
) -> None:
    """Another worker spent the workspace's chat.update budget: this reply's interim edits
    are skipped (no call), its final edit waits for a token and carries the whole text."""
    thread = _parent(slack, runtime)
    budget = EditBudget(redis_conn, TEAM, per_minute=120)  # a bucket of 20, 100 more a minute
    while budget.take(final=False):  # the other worker's edits
        pass
    target = ReplyTarget(TEAM, "turn17", CHANNEL_GENERAL, thread)
    writer = ReplyWriter(
        runtime.slack_for(TEAM), runtime.sessions, target, PERSONA, min_interval_s=0, budget=budget
    )
    writer.render("_On it…_", final=True)  # the placeholder is a post, not an edit
    before = len(slack.calls_to("chat.update"))
    writer.render("Draft")
    writer.render("Draft with more")
    assert len(slack.calls_to("chat.update")) == before  # skipped: no token left
    seconds, micros = redis_conn.time()  # the reserve for final edits spent too: it waits
    redis_conn.hset(KEY.format(team_id=TEAM), mapping={"tokens": 0, "at": seconds + micros / 1e6})
    writer.render("Draft with more words, complete.", final=True)
    assert len(slack.calls_to("chat.update")) == before + 1
    [reply] = slack.messages(CHANNEL_GENERAL, thread)[1:]
    assert reply["text"] == "Draft with more words, complete."
