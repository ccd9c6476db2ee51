"""The Slack stand-in serving two workspaces: each token acts in its own workspace only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox.slack_api import SlackStandIn

TOKEN_A, TOKEN_B = "xoxb-team-a", "xoxb-team-b"
TEAM_A, TEAM_B = "T0AAA", "T0BBB"


@pytest.fixture()
def standin() -> Iterator[SlackStandIn]:
    stand_in = SlackStandIn(bot_token=TOKEN_A, team_id=TEAM_A)
    stand_in.add_team(TEAM_B, bot_token=TOKEN_B, team_name="Other")
    stand_in.add_channel("C0A", "general")
    stand_in.add_channel("C0B", "general", team=TEAM_B)
    stand_in.add_user("U0ANN", "ann")
    stand_in.add_user("U0BOB", "bob", team=TEAM_B)
    with stand_in:
        yield stand_in


def _client(standin: SlackStandIn, token: str) -> WebClient:
    return WebClient(token=token, base_url=standin.url, retry_handlers=[])


def _error(call: object) -> str:
    with pytest.raises(SlackApiError) as refused:
        call()  # type: ignore[operator]
    return str(refused.value.response["error"])


def test_each_token_acts_in_its_own_workspace(standin: SlackStandIn) -> None:
    b = _client(standin, TOKEN_B)
    assert b.auth_test()["team_id"] == TEAM_B
    b.chat_postMessage(channel="C0B", text="hello B")
    assert [m["text"] for m in standin.messages("C0B", team=TEAM_B)] == ["hello B"]
    assert standin.messages("C0A") == []
    assert b.users_info(user="U0BOB")["user"]["team_id"] == TEAM_B


def test_a_token_touching_another_workspace_is_refused_as_slack_refuses(
    standin: SlackStandIn,
) -> None:
    a = _client(standin, TOKEN_A)
    posted = _client(standin, TOKEN_B).chat_postMessage(channel="C0B", text="B's")["ts"]
    assert _error(lambda: a.chat_postMessage(channel="C0B", text="leak")) == "channel_not_found"
    assert _error(lambda: a.chat_update(channel="C0B", ts=posted, text="x")) == "channel_not_found"
    assert _error(lambda: a.conversations_info(channel="C0B")) == "channel_not_found"
    assert _error(lambda: a.users_info(user="U0BOB")) == "user_not_found"
    assert _error(lambda: _client(standin, "xoxb-nobody").auth_test()) == "invalid_auth"
    assert [m["text"] for m in standin.messages("C0B", team=TEAM_B)] == ["B's"]


def test_every_call_is_recorded_with_the_team_of_its_token(standin: SlackStandIn) -> None:
    _client(standin, TOKEN_A).auth_test()
    _client(standin, TOKEN_B).auth_test()
    assert _error(lambda: _client(standin, "xoxb-nobody").auth_test()) == "invalid_auth"
    calls = standin.calls_to("auth.test")
    assert [(c.token, c.team_id) for c in calls] == [
        (TOKEN_A, TEAM_A),
        (TOKEN_B, TEAM_B),
        ("xoxb-nobody", None),
    ]


def test_a_team_is_added_once(standin: SlackStandIn) -> None:
    with pytest.raises(ValueError):
        standin.add_team(TEAM_B, bot_token="xoxb-other")
    with pytest.raises(ValueError):
        standin.add_team("T0CCC", bot_token=TOKEN_A)
