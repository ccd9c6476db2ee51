"""Events, slash commands and the message shortcut across workspaces: what B asks is kept,
answered and looked up in B only (the same channel, user and thread ids exist in A), A's
records never show or change, and every Slack call made for B carries B's token. A new event,
command or shortcut listener without a case here fails `test_every_request_kind_is_covered`."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from models.campaigns import Campaign
from models.records import Turn
from models.rituals import RitualRun
from sandbox.claude_api import ScriptedClaude, TextReply
from sandbox.slack_events import app_home_opened_event, app_mention_event, im_message_event
from sandbox.web_assistant import assistant_thread_started_event, message_action_payload
from tests.conftest import BOT_USER, CHANNEL_CONTENT, DM_CHANNEL, HUMAN, wait_until, work
from tests.isolation_records import make_records
from tests.two_workspaces import (
    APPROVER,
    TEAM_A,
    TEAM_B,
    Pair,
    registered_listeners,
    tokens_of,
)

COVERED = {
    ("event", "app_mention"),
    ("event", "message"),
    ("event", "app_home_opened"),
    ("assistant", "Assistant"),
    ("command", "/campaign"),
    ("command", "/standup"),
    ("shortcut", "send-to-department"),
}
SECRET = "Project Nightingale launches on the 14th"


def test_every_request_kind_is_covered() -> None:
    kinds = {(kind, key) for kind, key in registered_listeners() if kind not in ("action", "view")}
    assert kinds == COVERED


def _ask(pair: Pair, team: str, channel: str, text: str) -> str:
    """A person in `team` writes to the app (a mention, or in the DM); the message's ts."""
    if channel == DM_CHANNEL:
        ts = pair.slack.add_message(channel, user=HUMAN, text=text, team=team)
        event = im_message_event(user=HUMAN, channel=channel, text=text, ts=ts, team=team)
    else:
        text = f"<@{BOT_USER}> {text}"
        ts = pair.slack.add_message(channel, user=HUMAN, text=text, team=team)
        event = app_mention_event(user=HUMAN, channel=channel, text=text, ts=ts, team=team)
    assert pair.senders[team].send_event(event).status == 200
    return ts


@pytest.mark.parametrize("channel", [CHANNEL_CONTENT, DM_CHANNEL], ids=["mention", "dm"])
def test_a_request_in_b_is_answered_in_b_with_bs_token_and_never_sees_as_thread(
    pair: Pair, claude: ScriptedClaude, channel: str
) -> None:
    claude.enqueue(TextReply("Noted for A."), TextReply("Here is B's answer."))
    _ask(pair, TEAM_A, channel, SECRET)
    work(pair.rt)
    posted_in_a = len(pair.slack.messages(channel, team=TEAM_A))
    mark, asked_before = pair.mark(), len(claude.requests)
    asked = _ask(pair, TEAM_B, channel, "What launches this month?")
    work(pair.rt)
    with pair.rt.sessions() as session:
        turn = session.scalar(select(Turn).where(Turn.message_ts == asked))
    assert turn is not None and (turn.team_id, turn.status) == (TEAM_B, "answered")
    replies = [m["text"] for m in pair.slack.messages(channel, team=TEAM_B) if m.get("bot_id")]
    assert replies and "B's answer" in replies[-1]  # in the thread, or in the DM itself
    assert len(pair.slack.messages(channel, team=TEAM_A)) == posted_in_a
    assert all(SECRET not in json.dumps(r.body) for r in claude.requests[asked_before:])
    assert tokens_of(pair.calls_since(mark)) == {TEAM_B}


@pytest.mark.parametrize(("team", "other"), [(TEAM_A, TEAM_B), (TEAM_B, TEAM_A)])
def test_home_shows_the_workspaces_own_cards_only(pair: Pair, team: str, other: str) -> None:
    for each in (TEAM_A, TEAM_B):
        make_records(pair.rt.sessions, each)
    mark = pair.mark()
    event = app_home_opened_event(user=APPROVER, channel=DM_CHANNEL)
    assert pair.senders[team].send_event(event).status == 200
    work(pair.rt)
    [published] = [c for c in pair.calls_since(mark) if c.method == "views.publish"]
    view = json.dumps(published.args["view"])
    assert f"Approval of {team}" in view and f"Approval of {other}" not in view
    assert tokens_of(pair.calls_since(mark)) == {team}


def test_an_assistant_thread_in_b_is_greeted_with_bs_token(pair: Pair) -> None:
    thread = pair.slack.add_message(DM_CHANNEL, user=HUMAN, text="hi", team=TEAM_B)
    mark = pair.mark()
    event = assistant_thread_started_event(
        user=HUMAN, channel=DM_CHANNEL, thread_ts=thread, team=TEAM_B, viewing=None
    )
    assert pair.senders[TEAM_B].send_event(event).status == 200
    work(pair.rt)
    assert len(pair.slack.messages(DM_CHANNEL, thread, team=TEAM_B)) == 2  # the greeting
    assert pair.slack.messages(DM_CHANNEL, team=TEAM_A) == []
    assert tokens_of(pair.calls_since(mark)) == {TEAM_B}


@pytest.mark.parametrize(
    "words", ["list", "status {id}", "pause {id}", "resume {id}", "cancel {id}", "outcome {id}"]
)
def test_campaign_commands_in_b_never_reach_as_campaign(pair: Pair, words: str) -> None:
    a = make_records(pair.rt.sessions, TEAM_A)
    before = a.state(pair.rt.sessions)
    mark = pair.mark()
    answer = pair.senders[TEAM_B].send_command(
        "/campaign", words.format(id=a.campaign), user_id=HUMAN, channel_id=CHANNEL_CONTENT
    )
    assert answer.status == 200
    text = str(answer.json().get("text"))
    assert "a campaign" not in text and (a.campaign not in text or "No campaign" in text)
    work(pair.rt)
    assert a.state(pair.rt.sessions) == before
    assert tokens_of(pair.calls_since(mark)) <= {TEAM_B}


def test_standup_now_in_b_runs_bs_standup_only(pair: Pair) -> None:
    a = make_records(pair.rt.sessions, TEAM_A)
    before = a.state(pair.rt.sessions)
    mark = pair.mark()
    answer = pair.senders[TEAM_B].send_command(
        "/standup", "now", user_id=HUMAN, channel_id=CHANNEL_CONTENT
    )
    assert answer.status == 200
    with pair.rt.sessions() as session:
        runs = session.scalars(select(RitualRun).where(RitualRun.id != a.ritual_run)).all()
        campaigns = session.scalars(select(Campaign)).all()
    assert [run.team_id for run in runs] == [TEAM_B]
    assert [c.team_id for c in campaigns] == [TEAM_A]
    assert a.state(pair.rt.sessions) == before
    assert tokens_of(pair.calls_since(mark)) == {TEAM_B}


def test_the_shortcut_in_b_opens_its_modal_with_bs_token(pair: Pair) -> None:
    ts = pair.slack.add_message(CHANNEL_CONTENT, user=HUMAN, text="draft this", team=TEAM_B)
    mark = pair.mark()
    payload = message_action_payload(
        pair.slack, HUMAN, CHANNEL_CONTENT, ts, "send-to-department", team_id=TEAM_B
    )
    assert payload is not None
    assert pair.senders[TEAM_B].send_interaction(payload).status == 200
    assert wait_until(lambda: _modals(pair, TEAM_B) == 1, 5)
    assert _modals(pair, TEAM_A) == 0
    assert tokens_of(pair.calls_since(mark)) == {TEAM_B}


def _modals(pair: Pair, team: str) -> int:
    return len(pair.slack.workspace_of(team).views.stacks.get(HUMAN, []))
