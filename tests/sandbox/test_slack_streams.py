"""The stand-in's thread status and native streaming, driven by slack_sdk over HTTP, against
Slack's argument errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.messages.chunk import PlanUpdateChunk, TaskUpdateChunk

from sandbox.slack_api import SlackStandIn
from sandbox.slack_streams import state_of, statuses_in

BOT_TOKEN = "xoxb-test-token"
CHANNEL = "C0GENERAL"
OUTSIDE = "C0OUTSIDE"
DM = "D0ALICE"
ALICE = "U0ALICE"
TEAM = "T0TEST"
FOR_ALICE: dict[str, Any] = {"recipient_user_id": ALICE, "recipient_team_id": TEAM}


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(bot_token=BOT_TOKEN, team_id=TEAM) as running:
        running.add_channel(CHANNEL, "general")
        running.add_channel(OUTSIDE, "outside", is_member=False)
        running.add_user(ALICE, "alice")
        running.add_channel(DM, "", is_im=True, user=ALICE)
        yield running


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=standin.url)


@pytest.fixture
def asked(standin: SlackStandIn) -> str:
    return standin.add_message(CHANNEL, user=ALICE, text="a question")


def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as raised:
        call()
    return str(raised.value.response["error"])


def test_a_stream_is_one_reply_never_edited_with_its_metadata_at_the_stop(
    client: WebClient, standin: SlackStandIn, asked: str
) -> None:
    started = client.chat_startStream(
        channel=CHANNEL,
        thread_ts=asked,
        username="CMO",
        icon_emoji=":bust_in_silhouette:",
        **FOR_ALICE,
    )
    ts = started["ts"]
    client.chat_appendStream(channel=CHANNEL, ts=ts, markdown_text="Hello ")
    client.chat_appendStream(channel=CHANNEL, ts=ts, markdown_text="there")
    metadata = {"event_type": "department_reply", "event_payload": {"turn_id": "t1", "part": 0}}
    client.chat_stopStream(channel=CHANNEL, ts=ts, metadata=metadata)

    [reply] = standin.messages(CHANNEL, asked)[1:]
    assert reply["text"] == "Hello there"
    assert reply["username"] == "CMO"
    assert reply["metadata"] == metadata
    assert "edited" not in reply
    assert reply["stream"]["live"] is False
    late = error_of(lambda: client.chat_appendStream(channel=CHANNEL, ts=ts, markdown_text="!"))
    assert late == "message_not_in_streaming_state"


def test_start_stream_refuses_what_slack_refuses(
    client: WebClient, standin: SlackStandIn, asked: str
) -> None:
    def start(**kwargs: Any) -> str:
        return error_of(lambda: client.api_call("chat.startStream", json=kwargs))

    assert start(channel="C0NOPE", thread_ts=asked, **FOR_ALICE) == "channel_not_found"
    assert start(channel=OUTSIDE, thread_ts=asked, **FOR_ALICE) == "not_in_channel"
    assert start(channel=CHANNEL, **FOR_ALICE) == "invalid_arguments"
    assert start(channel=CHANNEL, thread_ts=asked) == "missing_recipient_user_id"
    assert start(channel=CHANNEL, thread_ts=asked, recipient_user_id=ALICE) == (
        "missing_recipient_team_id"
    )
    assert start(
        channel=CHANNEL, thread_ts=asked, recipient_user_id="U0X", recipient_team_id=TEAM
    ) == ("user_not_found")
    assert start(
        channel=CHANNEL, thread_ts=asked, recipient_user_id=ALICE, recipient_team_id="T0X"
    ) == ("team_not_found")
    too_long = "x" * 12_001
    assert start(channel=CHANNEL, thread_ts=asked, markdown_text=too_long, **FOR_ALICE) == (
        "msg_too_long"
    )
    assert start(channel=CHANNEL, thread_ts=asked, task_display_mode="list", **FOR_ALICE) == (
        "invalid_arguments"
    )
    assert standin.messages(CHANNEL, asked)[1:] == []


def test_in_a_dm_a_stream_needs_no_recipient(client: WebClient, standin: SlackStandIn) -> None:
    asked = standin.add_message(DM, user=ALICE, text="hi")

    ts = client.chat_startStream(channel=DM, thread_ts=asked, markdown_text="Hi")["ts"]

    assert standin.messages(DM, asked)[-1]["ts"] == ts


@pytest.mark.parametrize(
    "chunk",
    [
        {"type": "sparkle"},
        {"type": "markdown_text"},
        {"type": "plan_update", "title": ""},
        {"type": "task_update", "id": "a", "title": "Draft", "status": "done"},
        {"type": "task_update", "id": "a", "status": "pending"},
        {"type": "task_update", "id": "a", "title": "Draft", "status": "pending", "details": 3},
        {"type": "task_update", "id": "a", "title": "T", "status": "complete", "sources": ["x"]},
        {"type": "blocks", "blocks": [{"type": "nonsense"}]},
        "text",
    ],
)
def test_chunks_are_checked_like_slack_sdk_models_them(
    client: WebClient, asked: str, chunk: object
) -> None:
    call = {"channel": CHANNEL, "thread_ts": asked, "chunks": [chunk], **FOR_ALICE}

    assert error_of(lambda: client.api_call("chat.startStream", json=call)) == "invalid_chunks"


def test_a_plan_shows_its_tasks_by_id(client: WebClient, standin: SlackStandIn, asked: str) -> None:
    ts = client.chat_startStream(
        channel=CHANNEL,
        thread_ts=asked,
        task_display_mode="plan",
        chunks=[
            PlanUpdateChunk(title="Blog post"),
            TaskUpdateChunk(id="a", title="Copywriter: draft", status="in_progress"),
            TaskUpdateChunk(id="b", title="SEO: keywords", status="pending"),
        ],
        **FOR_ALICE,
    )["ts"]
    client.chat_appendStream(
        channel=CHANNEL,
        ts=ts,
        chunks=[TaskUpdateChunk(id="a", title="Copywriter: draft", status="complete", output="ok")],
    )

    plan = standin.messages(CHANNEL, asked)[-1]["stream"]
    assert plan["mode"] == "plan" and plan["title"] == "Blog post"
    assert [(t["id"], t["status"]) for t in plan["tasks"]] == [("a", "complete"), ("b", "pending")]


def test_append_and_stop_refuse_others_messages_and_dead_streams(
    client: WebClient, standin: SlackStandIn, asked: str
) -> None:
    posted = client.chat_postMessage(channel=CHANNEL, thread_ts=asked, text="not a stream")["ts"]
    ts = client.chat_startStream(channel=CHANNEL, thread_ts=asked, **FOR_ALICE)["ts"]

    def append(**kwargs: Any) -> str:
        return error_of(lambda: client.api_call("chat.appendStream", json=kwargs))

    assert append(channel=CHANNEL, ts=asked, markdown_text="x") == "message_not_owned_by_app"
    assert append(channel=CHANNEL, ts="1.000001", markdown_text="x") == "message_not_found"
    assert append(channel=CHANNEL, ts=posted, markdown_text="x") == "message_not_in_streaming_state"
    assert append(channel=CHANNEL, ts=ts) == "no_text"
    assert append(channel=CHANNEL, ts=ts, markdown_text="x" * 12_001) == "msg_too_long"
    bad_metadata = {"channel": CHANNEL, "ts": ts, "metadata": {"event_payload": {}}}
    assert error_of(lambda: client.api_call("chat.stopStream", json=bad_metadata)) == (
        "invalid_metadata_schema"
    )
    state_of(standin.workspace).lifetime_s = 0.0  # five minutes later
    assert append(channel=CHANNEL, ts=ts, markdown_text="x") == "message_not_in_streaming_state"
    stop = error_of(lambda: client.chat_stopStream(channel=CHANNEL, ts=ts))
    assert stop == "message_not_in_streaming_state"
    client.chat_update(channel=CHANNEL, ts=ts, text="finished by an edit")
    assert standin.messages(CHANNEL, asked)[-1]["text"] == "finished by an edit"


def test_status_shows_until_the_apps_reply_or_an_empty_status(
    client: WebClient, standin: SlackStandIn, asked: str
) -> None:
    client.assistant_threads_setStatus(
        channel_id=CHANNEL, thread_ts=asked, status="is thinking…", username="CMO"
    )
    [shown] = statuses_in(standin.workspace, CHANNEL)
    assert (shown["thread_ts"], shown["status"], shown["username"]) == (
        asked,
        "is thinking…",
        "CMO",
    )

    client.chat_postMessage(channel=CHANNEL, thread_ts=asked, text="the answer")
    assert statuses_in(standin.workspace, CHANNEL) == []

    client.assistant_threads_setStatus(channel_id=CHANNEL, thread_ts=asked, status="is writing…")
    client.assistant_threads_setStatus(channel_id=CHANNEL, thread_ts=asked, status="")
    assert statuses_in(standin.workspace, CHANNEL) == []

    client.assistant_threads_setStatus(channel_id=CHANNEL, thread_ts=asked, status="is back…")
    state_of(standin.workspace).status_lifetime_s = 0.0  # two minutes later
    assert statuses_in(standin.workspace, CHANNEL) == []


def test_status_refuses_what_slack_refuses(client: WebClient, asked: str) -> None:
    def status(**kwargs: Any) -> str:
        return error_of(lambda: client.api_call("assistant.threads.setStatus", json=kwargs))

    assert status(channel_id="C0NOPE", thread_ts=asked, status="x") == "channel_not_found"
    assert status(channel_id=OUTSIDE, thread_ts=asked, status="x") == "not_in_channel"
    assert status(channel_id=CHANNEL, status="x") == "invalid_arguments"
    assert status(channel_id=CHANNEL, thread_ts=asked) == "invalid_arguments"
    many = [f"step {n}" for n in range(11)]
    assert status(channel_id=CHANNEL, thread_ts=asked, status="x", loading_messages=many) == (
        "invalid_arguments"
    )
