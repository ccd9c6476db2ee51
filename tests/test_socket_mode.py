"""Socket Mode (SLACK_APP_TOKEN set): the same app, reached over a WebSocket instead of HTTP.
Envelopes are acknowledged by id, a redelivered envelope makes no second turn, a slash
command's private answer travels in the ack, and the bot token cannot open a socket."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from rq import Queue
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

import app as app_module
from models.records import Turn
from sandbox.claude_api import ScriptedClaude
from sandbox.signing import app_mention_event
from sandbox.slack_api import SlackStandIn
from sandbox.slack_socket import SocketModeServer
from settings import Settings
from tests.conftest import (
    BOT_TOKEN,
    BOT_USER,
    CHANNEL_GENERAL,
    HUMAN,
    TEAM,
    db_sessions,
    make_settings,
)

APP_TOKEN = "xapp-1-A0TEST-1-socketmodetest"


@pytest.fixture()
def socket_app(
    slack: SlackStandIn, claude: ScriptedClaude, database_url: str, redis_conn: object
) -> Iterator[tuple[SocketModeServer, Settings]]:
    settings = make_settings(slack, claude, database_url, slack_app_token=APP_TOKEN)
    server = slack.socket_mode(APP_TOKEN)
    handler = SocketModeHandler(app_module.create_app(settings), APP_TOKEN)
    try:
        handler.connect()  # type: ignore[no-untyped-call]
        assert server.wait_connected(10)
        yield server, settings
    finally:
        server.close()  # a closing frame first: the client then stops without waiting
        handler.close()  # type: ignore[no-untyped-call]


def event_payload(text: str, ts: str, event_id: str) -> dict[str, Any]:
    """A mention as an events_api envelope carries it: the same event_callback body Slack
    would POST over HTTP."""
    return {
        "token": "unused-in-socket-mode",
        "team_id": TEAM,
        "api_app_id": "A0TEST",
        "event": app_mention_event(user=HUMAN, channel=CHANNEL_GENERAL, text=text, ts=ts),
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [
            {"team_id": TEAM, "user_id": BOT_USER, "is_bot": True, "enterprise_id": None}
        ],
    }


def test_a_mention_over_the_socket_is_acked_and_becomes_one_turn(
    socket_app: tuple[SocketModeServer, Settings],
) -> None:
    server, settings = socket_app
    payload = event_payload(f"<@{BOT_USER}> cmo: a tagline?", "1700000000.000100", "EvS1")
    first = server.send("events_api", payload)
    assert server.wait_for_ack(first) is not None
    again = server.send("events_api", payload, retry_attempt=1)  # Slack redelivers
    assert server.wait_for_ack(again) is not None
    with db_sessions(settings.database_url)() as session:
        rows = list(session.scalars(select(Turn)))
    assert [(r.event_id, r.text) for r in rows] == [("EvS1", "cmo: a tagline?")]
    queue = Queue(settings.queue_name, connection=_redis(settings))
    assert queue.job_ids == [rows[0].id]


def test_a_slash_commands_private_answer_travels_in_the_ack(
    socket_app: tuple[SocketModeServer, Settings],
) -> None:
    server, _settings = socket_app
    command = {
        "token": "unused",
        "team_id": TEAM,
        "channel_id": CHANNEL_GENERAL,
        "user_id": HUMAN,
        "command": "/campaign",
        "text": "launch AI analytics for CTOs",
        "response_url": "https://hooks.slack.test/commands/1",
        "trigger_id": "1.2.3",
        "api_app_id": "A0TEST",
    }
    ack = server.wait_for_ack(server.send("slash_commands", command))
    assert ack is not None
    assert ack["payload"]["response_type"] == "ephemeral"
    assert "launch AI analytics for CTOs" in ack["payload"]["text"]


def test_only_the_app_level_token_opens_a_socket(slack: SlackStandIn) -> None:
    server = slack.socket_mode(APP_TOKEN)
    try:
        with pytest.raises(SlackApiError) as refused:
            WebClient(token=BOT_TOKEN, base_url=slack.url).apps_connections_open(
                app_token=BOT_TOKEN
            )
        assert refused.value.response["error"] == "not_allowed_token_type"
        opened = WebClient(base_url=slack.url).apps_connections_open(app_token=APP_TOKEN)
        assert str(opened["url"]).startswith("ws://127.0.0.1:")
    finally:
        server.close()


def _redis(settings: Settings) -> Any:
    from redis import Redis

    return Redis.from_url(settings.redis_url)
