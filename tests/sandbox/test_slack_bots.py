"""Several bot users in one stand-in team (one Slack app per agent): each token acts as its
own bot, with its own memberships, and can edit only its own messages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox.slack_api import SlackStandIn

DEPT, COPY = "xoxb-dept", "xoxb-copy"
CHANNEL, COPY_DM, DEPT_DM = "C0PUBLIC", "D0COPY", "D0DEPT"
HUMAN = "U0HUMAN"


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn(bot_token=DEPT, bot_user_id="U0DEPT", bot_id="B0DEPT") as running:
        running.add_bot(COPY, "U0COPY", "B0COPY", "Copywriter")
        running.add_channel(CHANNEL, "public")
        running.add_channel(COPY_DM, "", is_im=True, user=HUMAN, bot="U0COPY")
        running.add_channel(DEPT_DM, "", is_im=True, user=HUMAN)
        yield running


def _client(slack: SlackStandIn, token: str) -> WebClient:
    return WebClient(token=token, base_url=slack.url)


def _error(call: object) -> str:
    with pytest.raises(SlackApiError) as raised:
        call()  # type: ignore[operator]
    return str(raised.value.response["error"])


def test_each_token_is_its_own_bot(slack: SlackStandIn) -> None:
    assert _client(slack, COPY).auth_test()["user_id"] == "U0COPY"
    assert _client(slack, DEPT).auth_test()["user_id"] == "U0DEPT"
    assert _error(lambda: _client(slack, "xoxb-unknown").auth_test()) == "invalid_auth"


def test_a_dm_belongs_to_one_bot(slack: SlackStandIn) -> None:
    copy, dept = _client(slack, COPY), _client(slack, DEPT)
    assert copy.chat_postMessage(channel=COPY_DM, text="hi")["message"]["bot_id"] == "B0COPY"
    assert _error(lambda: dept.chat_postMessage(channel=COPY_DM, text="hi")) == "channel_not_found"
    assert _error(lambda: copy.conversations_info(channel=DEPT_DM)) == "channel_not_found"
    assert copy.conversations_info(channel=COPY_DM)["channel"]["is_im"] is True


def test_memberships_and_messages_are_each_bots_own(slack: SlackStandIn) -> None:
    copy, dept = _client(slack, COPY), _client(slack, DEPT)
    assert copy.conversations_info(channel=CHANNEL)["channel"]["is_member"] is False
    assert _error(lambda: copy.chat_postMessage(channel=CHANNEL, text="x")) == "not_in_channel"
    assert "warning" not in copy.conversations_join(channel=CHANNEL)
    assert copy.conversations_info(channel=CHANNEL)["channel"]["is_member"] is True
    assert dept.conversations_info(channel=CHANNEL)["channel"]["is_member"] is True
    ts = copy.chat_postMessage(channel=CHANNEL, text="mine")["ts"]
    refused = _error(lambda: dept.chat_update(channel=CHANNEL, ts=ts, text="theirs"))
    assert refused == "cant_update_message"
    assert [call.token for call in slack.calls_to("chat.postMessage")][-1] == COPY


def test_a_persona_needs_chat_write_customize(slack: SlackStandIn) -> None:
    """Slack ignores the name and icon of a token without chat:write.customize (the post
    shows as its bot user) and lists every token's scopes in X-OAuth-Scopes."""
    slack.add_bot("xoxb-old", "U0OLD", "B0OLD", "CMO", scopes=["chat:write", "im:read"])
    slack.add_bot("xoxb-new", "U0NEW", "B0NEW", "VP", scopes=["chat:write", "chat:write.customize"])
    slack.add_bot_to(CHANNEL, "U0OLD")
    slack.add_bot_to(CHANNEL, "U0NEW")
    persona: dict[str, Any] = {"username": "Copywriter", "icon_emoji": ":pencil2:"}
    old = _client(slack, "xoxb-old").chat_postMessage(channel=CHANNEL, text="a", **persona)
    assert old["ok"] and "username" not in old["message"] and "icons" not in old["message"]
    assert old.headers["X-OAuth-Scopes"] == "chat:write,im:read"
    new = _client(slack, "xoxb-new").chat_postMessage(channel=CHANNEL, text="b", **persona)
    assert new["message"]["username"] == "Copywriter"
    assert new["message"]["icons"] == {"emoji": ":pencil2:"}
    unmodelled = _client(slack, COPY).chat_postMessage(channel=COPY_DM, text="c", **persona)
    assert unmodelled.status_code == 200 and "X-OAuth-Scopes" not in unmodelled.headers
