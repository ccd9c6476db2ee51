"""Who said what in a person's DM with an agent's own app: only that app can post there, so
the other agents' words go out with its token under their own name and icon (its manifest
asks chat:write.customize), and its own words as its bot user. An app installed before it
asked that scope still delivers every post, as its bot user, and the operator is told once
to reinstall it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from redis import Redis

from bots.agent_manifest import SCOPES as AGENT_SCOPES
from jobs.department.delegation import persona
from jobs.runtime import Runtime
from jobs.slack import persona as persona_module
from jobs.slack.own_voice import conversation_voice
from jobs.slack.post_once import ReplyTarget, post_once
from jobs.slack.streams import reply_writer
from sandbox.claude_api import ScriptedClaude, TextReply
from sandbox.signing import im_message_event
from sandbox.slack_api import SlackStandIn
from tests.conftest import HUMAN, TEAM, app_with, work
from tests.test_agent_apps import (
    AGENT_APPS,
    CMO_APP,
    CMO_BOT,
    CMO_SECRET,
    CMO_TOKEN,
    CMO_USER,
    COPY_BOT,
    COPY_TOKEN,
    COPY_USER,
    sender_for,
)
from tests.test_welcome import already_welcomed

CMO_DM = "D0CMO"
BEFORE_CUSTOMIZE = [scope for scope in AGENT_SCOPES if scope != "chat:write.customize"]


@pytest.fixture(autouse=True)
def nobody_told_yet(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reinstall notice is said once per process: each test starts from none said."""
    monkeypatch.setattr(persona_module, "_told_to_reinstall", set())


def with_cmo_app(slack: SlackStandIn, scopes: list[str]) -> SlackStandIn:
    """The Copywriter's and the CMO's own apps (the CMO's granted `scopes`), and the person's
    DM with the CMO's app (the Copywriter's bot user is not in it)."""
    slack.add_bot(COPY_TOKEN, COPY_USER, COPY_BOT, "Copywriter", scopes=list(AGENT_SCOPES))
    slack.add_bot(CMO_TOKEN, CMO_USER, CMO_BOT, "CMO", scopes=scopes)
    slack.add_channel(CMO_DM, "", is_im=True, user=HUMAN, bot=CMO_USER)
    return slack


@pytest.fixture()
def cmo_scopes() -> list[str]:
    """What the CMO's app was granted: its manifest's scopes (a test may parametrize it)."""
    return list(AGENT_SCOPES)


@pytest.fixture()
def served_app(
    slack: SlackStandIn,
    claude: ScriptedClaude,
    database_url: str,
    redis_conn: Redis,
    cmo_scopes: list[str],
) -> Iterator[tuple[Runtime, str]]:
    with_cmo_app(slack, cmo_scopes)
    with app_with(slack, claude, database_url, slack_agent_apps=AGENT_APPS) as (rt, sender):
        already_welcomed(rt)
        yield rt, sender.url


def ask_the_cmo(rt: Runtime, url: str, slack: SlackStandIn, claude: ScriptedClaude) -> str:
    """The person asks in their DM with the CMO's app; the CMO answers there. Its ts."""
    claude.enqueue(TextReply("The CMO's view."))
    said = "what should we write about?"
    ts = slack.add_message(CMO_DM, user=HUMAN, text=said)
    event = im_message_event(user=HUMAN, channel=CMO_DM, text=said, ts=ts)
    assert sender_for(url, CMO_SECRET, CMO_APP, CMO_USER).send_event(event).status == 200
    work(rt)
    return ts


def copywriter_replies(rt: Runtime, thread_ts: str, key: str, text: str) -> None:
    """The Copywriter's reply in that thread, written as an agent turn writes it."""
    target = ReplyTarget(TEAM, key, CMO_DM, thread_ts)
    copywriter = persona(rt.roster.get("copywriter"))
    writer = reply_writer(rt, target, copywriter, asked_by=HUMAN, agent_id="copywriter")
    writer.render(text, final=True)


def posted(slack: SlackStandIn, text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the accepted chat.postMessage's call, the message Slack shows) of one text."""
    [message] = [m for m in slack.messages(CMO_DM) if m.get("text") == text]
    [call] = [
        c
        for c in slack.calls_to("chat.postMessage")
        if c.response.get("ok") and c.response["ts"] == message["ts"]
    ]
    return {"token": call.token, **call.args}, message


def test_in_the_cmo_apps_dm_each_agent_shows_as_itself(
    served_app: tuple[Runtime, str], slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    rt, url = served_app
    ts = ask_the_cmo(rt, url, slack, claude)
    copywriter_replies(rt, ts, "copy-reply", "The Copywriter's draft.")
    card = persona(rt.roster.get("vp_marketing"))  # a card under a persona, as in one app
    voice = conversation_voice(rt, TEAM, CMO_DM, card)
    post_once(
        voice.client, rt.sessions, ReplyTarget(TEAM, "card", CMO_DM, ts), voice.persona, "A card."
    )

    own_call, own = posted(slack, "The CMO's view.")
    assert own_call["token"] == CMO_TOKEN and "username" not in own_call  # its bot user is it
    assert own["user"] == CMO_USER and "username" not in own
    copy_call, copy = posted(slack, "The Copywriter's draft.")
    icon = rt.roster.get("copywriter").icon_emoji
    assert copy_call["token"] == CMO_TOKEN  # the Copywriter's app cannot post here
    assert (copy_call["username"], copy_call["icon_emoji"]) == ("Copywriter", icon)
    assert copy["username"] == "Copywriter" and copy["icons"] == {"emoji": icon}
    card_call, card_message = posted(slack, "A card.")
    assert card_call["token"] == CMO_TOKEN and card_message["username"] == "VP Marketing"
    in_dm = [c for c in slack.calls if c.args.get("channel") == CMO_DM]
    assert {c.token for c in in_dm} <= {CMO_TOKEN, COPY_TOKEN}  # never the department's


@pytest.mark.parametrize("cmo_scopes", [BEFORE_CUSTOMIZE])
def test_an_app_installed_without_the_scope_still_posts_and_says_to_reinstall(
    served_app: tuple[Runtime, str],
    slack: SlackStandIn,
    claude: ScriptedClaude,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Slack ignores a name and icon the token may not set (and lists its scopes): the post
    shows as the CMO, as before chat:write.customize; the notice comes once, not per post."""
    rt, url = served_app
    ts = ask_the_cmo(rt, url, slack, claude)
    with caplog.at_level(logging.WARNING, logger=persona_module.__name__):
        copywriter_replies(rt, ts, "copy-1", "First draft.")
        copywriter_replies(rt, ts, "copy-2", "Second draft.")

    for text in ("First draft.", "Second draft."):
        call, message = posted(slack, text)
        assert call["token"] == CMO_TOKEN and call["username"] == "Copywriter"
        assert message["user"] == CMO_USER and "username" not in message
    [notice] = [r.getMessage() for r in caplog.records if "chat:write.customize" in r.getMessage()]
    assert "cmo" in notice and TEAM in notice and "Reinstall" in notice
    assert CMO_TOKEN not in caplog.text


@pytest.mark.parametrize("cmo_scopes", [BEFORE_CUSTOMIZE])
def test_a_refused_name_and_icon_cost_the_persona_never_the_post(
    served_app: tuple[Runtime, str],
    slack: SlackStandIn,
    claude: ScriptedClaude,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Should Slack refuse the override (missing_scope) instead of ignoring it, the post
    goes again without it, once, and the operator is told to reinstall."""
    rt, url = served_app
    ts = ask_the_cmo(rt, url, slack, claude)
    slack.fail_next("chat.postMessage", status=200, error="missing_scope")
    with caplog.at_level(logging.WARNING, logger=persona_module.__name__):
        copywriter_replies(rt, ts, "copy-refused", "The draft.")

    refused, accepted = [
        c for c in slack.calls_to("chat.postMessage") if c.args.get("text") == "The draft."
    ]
    assert refused.response["error"] == "missing_scope" and refused.args["username"] == "Copywriter"
    assert accepted.response["ok"] and "username" not in accepted.args
    assert [m["text"] for m in slack.messages(CMO_DM, ts)].count("The draft.") == 1
    assert "Reinstall" in caplog.text and CMO_TOKEN not in caplog.text
