"""The stand-in refuses what Slack refuses without `chat:write.public`: posting to or reading
a channel the bot is not in, joining a private channel, seeing a private channel at all."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox.slack_api import SlackStandIn

BOT_TOKEN = "xoxb-test-token"
OUTSIDE = "C0OUTSIDE"  # public, the bot not in it
SECRET = "C0SECRET"  # private, the bot not in it
INSIDE = "C0INSIDE"  # private, the bot in it
ALICE = "U0ALICE"


@pytest.fixture
def client() -> Iterator[WebClient]:
    with SlackStandIn(bot_token=BOT_TOKEN) as running:
        running.add_channel(OUTSIDE, "outside", is_member=False)
        running.add_channel(SECRET, "secret", is_private=True, is_member=False)
        running.add_channel(INSIDE, "inside", is_private=True, members=[ALICE])
        yield WebClient(token=BOT_TOKEN, base_url=running.url)


def _error(call: object) -> str:
    with pytest.raises(SlackApiError) as raised:
        call()  # type: ignore[operator]
    return str(raised.value.response["error"])


def test_a_public_channel_needs_a_join_before_posts_and_reads(client: WebClient) -> None:
    assert _error(lambda: client.chat_postMessage(channel=OUTSIDE, text="hi")) == "not_in_channel"
    assert _error(lambda: client.conversations_history(channel=OUTSIDE)) == "not_in_channel"
    assert client.conversations_info(channel=OUTSIDE)["channel"]["is_member"] is False

    joined = client.conversations_join(channel=OUTSIDE)
    assert joined["channel"]["is_member"] is True and "warning" not in joined
    assert client.conversations_join(channel=OUTSIDE)["warning"] == "already_in_channel"
    posted = client.chat_postMessage(channel=OUTSIDE, text="hi")
    assert client.conversations_replies(channel=OUTSIDE, ts=posted["ts"])["messages"]


def test_private_channels_cannot_be_joined_and_hide_when_the_bot_is_out(
    client: WebClient,
) -> None:
    assert _error(lambda: client.conversations_join(channel=SECRET)) == "channel_not_found"
    assert _error(lambda: client.conversations_info(channel=SECRET)) == "channel_not_found"
    assert _error(lambda: client.chat_postMessage(channel=SECRET, text="x")) == "channel_not_found"
    refused = _error(lambda: client.conversations_join(channel=INSIDE))
    assert refused == "method_not_supported_for_channel_type"
    listed = client.conversations_list(types="public_channel,private_channel")["channels"]
    assert {c["id"]: c["is_private"] for c in listed} == {OUTSIDE: False, INSIDE: True}
    assert client.conversations_members(channel=INSIDE)["members"] == [ALICE, "U0BOT"]
