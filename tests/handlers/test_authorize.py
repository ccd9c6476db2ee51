"""Each Slack request is authorized with its own workspace's token (handlers/authorize.py),
and a request from a workspace with no installation is turned away before anything is kept."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from models.records import Turn
from sandbox.claude_api import ScriptedClaude
from sandbox.signing import SlackRequestSender
from sandbox.slack_api import SlackStandIn
from sandbox.slack_events import app_mention_event
from tests.conftest import BOT_USER, CHANNEL_CONTENT, HUMAN, SIGNING_SECRET
from tests.two_workspaces import TEAM_A, TEAM_B, Pair, tokens_of, two_workspaces

GONE = "T0GONE"


@pytest.fixture()
def pair(
    slack: SlackStandIn, claude: ScriptedClaude, database_url: str, redis_conn: object
) -> Iterator[Pair]:
    with two_workspaces(slack, claude, database_url) as both:
        yield both


def _mention(sender: SlackRequestSender, team: str) -> int:
    text = f"<@{BOT_USER}> hello"
    event = app_mention_event(
        user=HUMAN, channel=CHANNEL_CONTENT, text=text, ts="1.000100", team=team
    )
    return sender.send_event(event).status


@pytest.mark.parametrize("team", [TEAM_A, TEAM_B])
def test_a_request_is_authorized_with_its_workspaces_token(pair: Pair, team: str) -> None:
    mark = pair.mark()
    assert _mention(pair.senders[team], team) == 200
    assert [c.method for c in pair.calls_since(mark)] == ["auth.test"]
    assert tokens_of(pair.calls_since(mark)) == {team}
    with pair.rt.sessions() as session:
        assert session.scalar(select(Turn.team_id)) == team


def test_a_request_from_a_workspace_not_installed_keeps_nothing(pair: Pair) -> None:
    stranger = SlackRequestSender(pair.url, SIGNING_SECRET, team_id=GONE)
    mark = pair.mark()
    assert _mention(stranger, GONE) != 500
    assert pair.calls_since(mark) == []
    with pair.rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Turn)) == 0
