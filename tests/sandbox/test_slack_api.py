"""The Slack stand-in, driven by the real slack_sdk WebClient over HTTP."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from sandbox.block_kit import blocks_text_length, validate_blocks
from sandbox.slack_api import SlackStandIn

BOT_TOKEN = "xoxb-test-token"
CHANNEL = "C0GENERAL"
DM = "D0ALICE"
ALICE = "U0ALICE"
GO = {"type": "plain_text", "text": "Go"}


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(bot_token=BOT_TOKEN) as running:
        running.add_channel(CHANNEL, "general")
        running.add_user(ALICE, "alice")
        running.add_channel(DM, "", is_im=True, user=ALICE)
        yield running


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=standin.url)


def slack_error(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def test_auth_test_reports_the_bot_identity(client: WebClient) -> None:
    identity = client.auth_test()

    assert identity["user_id"] == "U0BOT"
    assert identity["bot_id"] == "B0BOT"
    assert identity["team_id"] == "T0TEST"


def test_post_update_and_read_a_thread_with_metadata(
    client: WebClient, standin: SlackStandIn
) -> None:
    metadata = {"event_type": "draft_posted", "event_payload": {"draft_id": 7}}
    parent = client.chat_postMessage(
        channel=CHANNEL,
        text="Draft v1",
        username="Maya (Copy)",
        icon_emoji=":pencil:",
        metadata=metadata,
    )
    reply = client.chat_postMessage(channel=CHANNEL, text="Looks good", thread_ts=parent["ts"])

    updated = client.chat_update(channel=CHANNEL, ts=parent["ts"], text="Draft v2")

    assert updated["ts"] == parent["ts"]
    assert updated["message"]["username"] == "Maya (Copy)"  # chat.update keeps the persona
    assert updated["message"]["icons"] == {"emoji": ":pencil:"}
    assert updated["message"]["edited"]["user"] == "U0BOT"
    plain = client.conversations_replies(channel=CHANNEL, ts=parent["ts"])
    assert [m["text"] for m in plain["messages"]] == ["Draft v2", "Looks good"]
    assert all("metadata" not in m for m in plain["messages"])
    assert plain["messages"][0]["reply_count"] == 1
    assert plain["messages"][0]["latest_reply"] == reply["ts"]
    full = client.conversations_replies(channel=CHANNEL, ts=reply["ts"], include_all_metadata=True)
    assert full["messages"][0]["metadata"] == metadata
    assert standin.messages(CHANNEL, thread_ts=parent["ts"]) == full["messages"]


def test_update_with_text_only_drops_blocks_and_empty_metadata_clears_it(
    client: WebClient,
) -> None:
    posted = client.chat_postMessage(
        channel=CHANNEL,
        text="card",
        blocks=[section("card")],
        metadata={"event_type": "card", "event_payload": {}},
    )

    updated = client.chat_update(channel=CHANNEL, ts=posted["ts"], text="plain", metadata={})

    assert "blocks" not in updated["message"]
    assert "metadata" not in updated["message"]


@pytest.mark.parametrize(("token", "error"), [(None, "not_authed"), ("xoxb-wrong", "invalid_auth")])
def test_bad_tokens_are_refused_before_arguments_are_read(
    standin: SlackStandIn, token: str | None, error: str
) -> None:
    stranger = WebClient(token=token, base_url=standin.url)

    refused = slack_error(lambda: stranger.chat_postMessage(channel="C0NOPE", text="hi"))

    assert refused.response.status_code == 200
    assert refused.response["error"] == error
    assert standin.messages(CHANNEL) == []


def test_a_form_token_field_authenticates_but_a_json_body_token_does_not(
    standin: SlackStandIn,
) -> None:
    def post(body: bytes, content_type: str) -> dict[str, Any]:
        request = urllib.request.Request(
            standin.url + "chat.postMessage", data=body, headers={"Content-Type": content_type}
        )
        with urllib.request.urlopen(request) as response:
            return dict(json.loads(response.read()))

    blocks = json.dumps([section("from a form")])
    form = f"token={BOT_TOKEN}&channel={CHANNEL}&text=hi&blocks={blocks}".encode()
    as_json = json.dumps({"token": BOT_TOKEN, "channel": CHANNEL, "text": "hi"}).encode()

    assert post(form, "application/x-www-form-urlencoded")["ok"] is True
    assert post(as_json, "application/json")["error"] == "not_authed"
    first = standin.calls_to("chat.postMessage")[0]
    assert first.args["blocks"] == [section("from a form")]  # JSON string decoded
    assert first.token == BOT_TOKEN
    assert "token" not in first.args


@pytest.mark.parametrize("channel", ["C0NOPE", ""])
def test_unknown_channel_is_channel_not_found(client: WebClient, channel: str) -> None:
    refused = slack_error(lambda: client.chat_postMessage(channel=channel, text="hi"))

    assert refused.response["error"] == "channel_not_found"


def test_posting_by_channel_name_answers_with_the_channel_id(client: WebClient) -> None:
    assert client.chat_postMessage(channel="#general", text="hi")["channel"] == CHANNEL


@pytest.mark.parametrize(
    ("blocks", "pointer"),
    [
        ([section("x" * 3001)], "/blocks/0/text/text"),
        ([section("x")] * 51, "/blocks"),
        ([{"type": "carousel"}], "/blocks/0/type"),
        ([{"type": "header", "text": {"type": "mrkdwn", "text": "Hi"}}], "/blocks/0/text/type"),
        ([{"type": "section"}], "/blocks/0"),
        (
            [{"type": "divider", "block_id": "a"}, {"type": "divider", "block_id": "a"}],
            "/blocks/1/block_id",
        ),
        (
            [
                {
                    "type": "actions",
                    "elements": [{"type": "button", "text": GO, "style": "green"}],
                }
            ],
            "/blocks/0/elements/0/style",
        ),
    ],
)
def test_malformed_blocks_are_invalid_blocks_naming_the_field(
    client: WebClient, standin: SlackStandIn, blocks: list[Any], pointer: str
) -> None:
    refused = slack_error(lambda: client.chat_postMessage(channel=CHANNEL, text="x", blocks=blocks))

    assert refused.response["error"] == "invalid_blocks"
    messages = refused.response["response_metadata"]["messages"]
    assert messages[0].startswith("[ERROR] ")
    assert any(pointer in message for message in messages)
    assert standin.messages(CHANNEL) == []


def test_block_text_beyond_the_message_budget_is_msg_blocks_too_long(client: WebClient) -> None:
    blocks = [{"type": "markdown", "text": "x" * 12_000}, section("y" * 1_500)]
    assert validate_blocks(blocks) == []  # each block alone is fine
    assert blocks_text_length(blocks) == 13_500

    refused = slack_error(lambda: client.chat_postMessage(channel=CHANNEL, text="x", blocks=blocks))

    assert refused.response["error"] == "msg_blocks_too_long"


def test_valid_cards_pass_the_validator() -> None:
    card = [
        {"type": "header", "text": {"type": "plain_text", "text": "Campaign brief"}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "*Owner*\nMaya"}] * 10},
        {"type": "context", "elements": [{"type": "image", "image_url": "https://x/y.png",
                                          "alt_text": "logo"}]},
        {"type": "divider"},
        {
            "type": "actions",
            "block_id": "approval",
            "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": "Approve"},
                 "action_id": "approve-draft", "value": "7", "style": "primary"},
                {"type": "button", "text": {"type": "plain_text", "text": "Reject"},
                 "action_id": "reject-draft", "value": "7", "style": "danger"},
            ],
        },
    ]  # fmt: skip

    assert validate_blocks(card) == []


def test_too_long_text_is_msg_too_long_for_posts_and_for_updates(client: WebClient) -> None:
    posted = client.chat_postMessage(channel=CHANNEL, text="x" * 40_000)

    too_long_post = slack_error(lambda: client.chat_postMessage(channel=CHANNEL, text="x" * 40_001))
    # chat.update documents a far lower ceiling (4,000) than chat.postMessage does.
    too_long_update = slack_error(
        lambda: client.chat_update(channel=CHANNEL, ts=posted["ts"], text="x" * 4_001)
    )

    assert too_long_post.response["error"] == "msg_too_long"
    assert too_long_update.response["error"] == "msg_too_long"


def test_a_message_without_text_or_blocks_is_no_text(client: WebClient) -> None:
    with pytest.warns(UserWarning, match="text"):  # slack_sdk warns too, then sends it
        refused = slack_error(lambda: client.chat_postMessage(channel=CHANNEL, text=""))

    assert refused.response["error"] == "no_text"


@pytest.mark.parametrize(
    ("metadata", "error"),
    [
        ({"event_payload": {"a": 1}}, "invalid_metadata_schema"),
        ({"event_type": "x", "event_payload": "a"}, "invalid_metadata_schema"),
        ("not json", "invalid_metadata_format"),
    ],
)
def test_malformed_metadata_is_refused(client: WebClient, metadata: Any, error: str) -> None:
    refused = slack_error(
        lambda: client.chat_postMessage(channel=CHANNEL, text="x", metadata=metadata)
    )

    assert refused.response["error"] == error


def test_rate_limit_is_retried_by_slack_sdk_after_retry_after(
    client: WebClient, standin: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    # Record the waits Retry-After asks for instead of spending them.
    monkeypatch.setattr("slack_sdk.http_retry.builtin_handlers.time.sleep", waits.append)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    standin.fail_next("chat.postMessage", times=2, retry_after_s=3)

    posted = client.chat_postMessage(channel=CHANNEL, text="once")

    calls = standin.calls_to("chat.postMessage")
    assert [c.status for c in calls] == [429, 429, 200]
    assert calls[0].response == {"ok": False, "error": "ratelimited"}
    assert len(waits) == 2 and all(3 <= wait < 4 for wait in waits)
    assert [m["ts"] for m in standin.messages(CHANNEL)] == [posted["ts"]]


def test_injected_server_error_surfaces_with_its_status(
    client: WebClient, standin: SlackStandIn
) -> None:
    standin.fail_next("chat.update", status=500, error="fatal_error")

    refused = slack_error(lambda: client.chat_update(channel=CHANNEL, ts="1.000001", text="x"))

    assert refused.response.status_code == 500
    assert refused.response["error"] == "fatal_error"
    assert "Retry-After" not in refused.response.headers


def test_concurrent_posts_never_share_a_ts(client: WebClient, standin: SlackStandIn) -> None:
    def post(n: int) -> str:
        return str(client.chat_postMessage(channel=CHANNEL, text=f"post {n}")["ts"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        stamps = list(pool.map(post, range(120)))

    assert len(set(stamps)) == 120
    stored = [m["ts"] for m in standin.messages(CHANNEL)]
    assert stored == sorted(stamps, key=lambda ts: tuple(map(int, ts.split("."))))


def test_replies_paginate_with_cursors(client: WebClient) -> None:
    parent = client.chat_postMessage(channel=CHANNEL, text="parent")["ts"]
    for n in range(5):
        client.chat_postMessage(channel=CHANNEL, text=f"reply {n}", thread_ts=parent)

    pages: list[list[str]] = []
    more: list[bool] = []
    cursor: str | None = None
    while True:
        page = client.conversations_replies(channel=CHANNEL, ts=parent, limit=2, cursor=cursor)
        pages.append([m["text"] for m in page["messages"]])
        more.append(page["has_more"])
        paging: dict[str, str] = page.get("response_metadata") or {}
        cursor = paging.get("next_cursor")
        if not cursor:
            break

    assert pages == [["parent", "reply 0"], ["reply 1", "reply 2"], ["reply 3", "reply 4"]]
    assert more == [True, True, False]
    bad = slack_error(lambda: client.conversations_replies(channel=CHANNEL, ts=parent, cursor="!"))
    assert bad.response["error"] == "invalid_cursor"


def test_history_is_top_level_newest_first_and_pages_back(client: WebClient) -> None:
    first = client.chat_postMessage(channel=CHANNEL, text="old")["ts"]
    meta = {"event_type": "department_reply", "event_payload": {"turn_id": "t1", "part": 0}}
    for n in range(4):
        ts = client.chat_postMessage(channel=CHANNEL, text=f"top {n}", metadata=meta)["ts"]
        client.chat_postMessage(channel=CHANNEL, text=f"reply {n}", thread_ts=ts)

    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        page = client.conversations_history(
            channel=CHANNEL, oldest=first, limit=3, cursor=cursor, include_all_metadata=True
        )
        pages.append([m["text"] for m in page["messages"]])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    assert pages == [["top 3", "top 2", "top 1"], ["top 0"]]  # "old" is not after `oldest`
    newest = client.conversations_history(channel=CHANNEL, limit=1)["messages"][0]
    assert newest["text"] == "top 3" and "metadata" not in newest  # only when asked for
    with_meta = client.conversations_history(channel=CHANNEL, limit=1, include_all_metadata=True)
    assert with_meta["messages"][0]["metadata"] == meta


def test_replies_to_an_unknown_ts_is_thread_not_found(client: WebClient) -> None:
    refused = slack_error(lambda: client.conversations_replies(channel=CHANNEL, ts="1.000001"))

    assert refused.response["error"] == "thread_not_found"


def test_a_reply_to_a_persons_message_joins_their_thread(
    client: WebClient, standin: SlackStandIn
) -> None:
    question = standin.add_message(CHANNEL, user=ALICE, text="<@U0BOT> ideas for the launch?")

    answer = client.chat_postMessage(channel=CHANNEL, text="Three ideas", thread_ts=question)

    thread = standin.messages(CHANNEL, thread_ts=question)
    assert [m["ts"] for m in thread] == [question, answer["ts"]]
    assert thread[0]["reply_users"] == ["U0BOT"]
    assert thread[1]["parent_user_id"] == ALICE


def test_only_the_bots_own_existing_messages_can_be_updated(
    client: WebClient, standin: SlackStandIn
) -> None:
    theirs = standin.add_message(CHANNEL, user=ALICE, text="mine")

    not_ours = slack_error(lambda: client.chat_update(channel=CHANNEL, ts=theirs, text="x"))
    missing = slack_error(lambda: client.chat_update(channel=CHANNEL, ts="1.000001", text="x"))

    assert not_ours.response["error"] == "cant_update_message"
    assert missing.response["error"] == "message_not_found"
    assert standin.messages(CHANNEL)[0]["text"] == "mine"


def test_permalinks_point_into_threads(client: WebClient) -> None:
    parent = client.chat_postMessage(channel=CHANNEL, text="parent")["ts"]
    reply = client.chat_postMessage(channel=CHANNEL, text="reply", thread_ts=parent)["ts"]

    parent_link = client.chat_getPermalink(channel=CHANNEL, message_ts=parent)["permalink"]
    reply_link = client.chat_getPermalink(channel=CHANNEL, message_ts=reply)["permalink"]

    assert parent_link.endswith(f"/archives/{CHANNEL}/p{parent.replace('.', '')}")
    assert reply_link.endswith(f"?thread_ts={parent}&cid={CHANNEL}")
    missing = slack_error(lambda: client.chat_getPermalink(channel=CHANNEL, message_ts="1.2"))
    assert missing.response["error"] == "message_not_found"


def test_conversations_and_users_are_described(client: WebClient) -> None:
    channel = client.conversations_info(channel=CHANNEL)["channel"]
    dm = client.conversations_info(channel=DM)["channel"]
    alice = client.users_info(user=ALICE)["user"]

    assert (channel["name"], channel["is_channel"], channel["is_im"]) == ("general", True, False)
    assert (dm["is_im"], dm["user"]) == (True, ALICE)
    assert (alice["name"], alice["is_admin"], alice["team_id"]) == ("alice", False, "T0TEST")
    assert slack_error(lambda: client.users_info(user="U0NOBODY")).response["error"] == (
        "user_not_found"
    )


def test_ephemerals_reach_one_user_and_stay_out_of_the_channel(
    client: WebClient, standin: SlackStandIn
) -> None:
    sent = client.chat_postEphemeral(channel=CHANNEL, user=ALICE, text="Only you can see this")

    assert standin.ephemerals(CHANNEL) == [
        {"message_ts": sent["message_ts"], "user": ALICE, "text": "Only you can see this"}
    ]
    assert standin.messages(CHANNEL) == []
    unknown = slack_error(lambda: client.chat_postEphemeral(channel=CHANNEL, user="U0X", text="x"))
    assert unknown.response["error"] == "user_not_found"


def test_thread_status_needs_a_known_channel(client: WebClient, standin: SlackStandIn) -> None:
    client.assistant_threads_setStatus(
        channel_id=CHANNEL, thread_ts="1.000001", status="is typing…"
    )

    refused = slack_error(
        lambda: client.assistant_threads_setStatus(channel_id="C0NOPE", thread_ts="1.1", status="")
    )

    assert refused.response["error"] == "channel_not_found"
    assert standin.calls_to("assistant.threads.setStatus")[0].args["status"] == "is typing…"


def test_unknown_methods_answer_404_unknown_method(client: WebClient) -> None:
    refused = slack_error(lambda: client.api_call("chat.teleport"))

    assert refused.response.status_code == 404
    assert refused.response["error"] == "unknown_method"


def test_wait_for_sees_a_post_from_another_thread(client: WebClient, standin: SlackStandIn) -> None:
    worker = threading.Thread(target=lambda: client.chat_postMessage(channel=CHANNEL, text="hi"))
    worker.start()

    arrived = standin.wait_for(lambda: len(standin.messages(CHANNEL)) == 1, timeout_s=5)
    worker.join()

    assert arrived
    assert standin.wait_for(lambda: False, timeout_s=0.05) is False


def test_reset_forgets_traffic_but_keeps_the_workspace(
    client: WebClient, standin: SlackStandIn
) -> None:
    first = client.chat_postMessage(channel=CHANNEL, text="before")["ts"]
    standin.fail_next("chat.postMessage", times=3)

    standin.reset()
    second = client.chat_postMessage(channel=CHANNEL, text="after")["ts"]

    assert [m["text"] for m in standin.messages(CHANNEL)] == ["after"]
    assert [c.method for c in standin.calls] == ["chat.postMessage"]
    assert float(second) > float(first)
