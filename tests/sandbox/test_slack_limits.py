"""The stand-in counts calls per workspace and method, and answers 429 where Slack would."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox.slack_api import SlackStandIn
from sandbox.slack_limits import RateLimits
from tests.conftest import BOT_TOKEN, CHANNEL_GENERAL, TEAM


def test_peak_is_the_busiest_minute_and_limits_answer_with_retry_after() -> None:
    now = [0.0]
    limits = RateLimits(clock=lambda: now[0])
    for at in (0, 10, 50, 65, 69, 200):
        now[0] = at
        assert limits.admit(TEAM, "chat.update") is None
    assert limits.peak(TEAM, "chat.update") == 4  # 10, 50, 65, 69
    limits.limit("chat.update", 2)
    now[0] = 230.0
    assert limits.admit(TEAM, "chat.update") is None  # only the call at 200 in the window
    assert limits.admit(TEAM, "chat.update") == 30  # the call at 200 leaves the window at 260
    assert limits.admit("T0OTHER", "chat.update") is None  # per workspace
    assert limits.refused(TEAM, "chat.update") == 1


def test_the_stand_in_refuses_over_the_limit_over_http(slack: SlackStandIn) -> None:
    client = WebClient(token=BOT_TOKEN, base_url=slack.url, retry_handlers=[])
    ts = str(client.chat_postMessage(channel=CHANNEL_GENERAL, text="a")["ts"])
    slack.limits.limit("chat.update", 2)
    client.chat_update(channel=CHANNEL_GENERAL, ts=ts, text="b")
    client.chat_update(channel=CHANNEL_GENERAL, ts=ts, text="c")
    with pytest.raises(SlackApiError) as refused:
        client.chat_update(channel=CHANNEL_GENERAL, ts=ts, text="d")
    assert refused.value.response.status_code == 429
    assert 55 <= int(refused.value.response.headers["Retry-After"]) <= 60
    assert slack.messages(CHANNEL_GENERAL)[0]["text"] == "c"
    assert slack.limits.peak(TEAM, "chat.update") == 2
    assert slack.limits.refused(TEAM, "chat.update") == 1
