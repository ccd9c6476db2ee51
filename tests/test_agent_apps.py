"""One Slack app per agent: requests signed by an agent's own app reach that agent, and it
answers with its own token, as its own bot user (no persona). Without agent apps nothing
changes (the other flow tests run in that mode; one check here says so outright)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from redis import Redis
from sqlalchemy import select

import app as app_module
from errors import ConfigError
from jobs.runtime import Runtime
from models.records import Turn
from sandbox import slack_interactions as interactions
from sandbox.claude_api import ScriptedClaude, TextReply, ToolUseReply
from sandbox.signing import SlackRequestSender, app_mention_event, im_message_event
from sandbox.slack_api import SlackStandIn
from tests.conftest import (
    BOT_TOKEN,
    BOT_USER,
    CHANNEL_CONTENT,
    CHANNEL_GENERAL,
    DM_CHANNEL,
    HUMAN,
    SIGNING_SECRET,
    TEAM,
    app_with,
    make_settings,
    work,
)
from tests.test_department_flow import _is
from tests.test_welcome import already_welcomed

COPY_TOKEN = "xoxb-copywriter-token"
COPY_SECRET = "copywriter-signing-secret"
COPY_USER, COPY_BOT, COPY_APP = "U0COPY", "B0COPY", "A0COPY"
CMO_TOKEN = "xoxb-cmo-token"
CMO_SECRET = "cmo-signing-secret"
CMO_USER, CMO_BOT, CMO_APP = "U0CMO", "B0CMO", "A0CMO"
COPY_DM = "D0COPY"
AGENT_APPS = json.dumps(
    {
        "copywriter": {"signing_secret": COPY_SECRET, "bot_token": COPY_TOKEN},
        "cmo": {"signing_secret": CMO_SECRET, "bot_token": CMO_TOKEN},
    }
)


@pytest.fixture()
def agents_slack(slack: SlackStandIn, redis_conn: Redis) -> SlackStandIn:
    """The workspace with two more bot users (the Copywriter's and the CMO's own apps) and
    the person's DM with the Copywriter bot."""
    slack.add_bot(COPY_TOKEN, COPY_USER, COPY_BOT, "Copywriter")
    slack.add_bot(CMO_TOKEN, CMO_USER, CMO_BOT, "CMO")
    slack.add_channel(COPY_DM, "", is_im=True, user=HUMAN, bot=COPY_USER)
    return slack


@pytest.fixture()
def served(
    agents_slack: SlackStandIn, claude: ScriptedClaude, database_url: str
) -> Iterator[tuple[Runtime, str]]:
    with app_with(agents_slack, claude, database_url, slack_agent_apps=AGENT_APPS) as (rt, sender):
        already_welcomed(rt)
        yield rt, sender.url


def sender_for(url: str, secret: str, app_id: str, bot_user: str) -> SlackRequestSender:
    return SlackRequestSender(url, secret, team_id=TEAM, api_app_id=app_id, bot_user_id=bot_user)


def posts(slack: SlackStandIn, channel: str) -> list[tuple[str | None, dict[str, object]]]:
    """(token, arguments) of every accepted chat.postMessage to `channel`."""
    return [
        (call.token, call.args)
        for call in slack.calls_to("chat.postMessage")
        if call.args.get("channel") == channel and call.response.get("ok")
    ]


def turns_of(rt: Runtime) -> list[Turn]:
    with rt.sessions() as session:
        return list(session.scalars(select(Turn).order_by(Turn.created_at)))


def test_a_dm_to_the_copywriter_bot_is_answered_by_the_copywriter_with_its_token(
    served: tuple[Runtime, str], agents_slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    rt, url = served
    claude.enqueue(TextReply("Three taglines, fresh from the Copywriter."))
    text = "three taglines for our launch"
    ts = agents_slack.add_message(COPY_DM, user=HUMAN, text=text)
    event = im_message_event(user=HUMAN, channel=COPY_DM, text=text, ts=ts)
    copywriter = sender_for(url, COPY_SECRET, COPY_APP, COPY_USER)
    assert copywriter.send_event(event).status == 200
    work(rt)

    [turn] = turns_of(rt)
    assert turn.agent_id == "copywriter" and turn.status == "answered"
    assert "Copywriter" in str(claude.requests[-1].body["system"])
    [(token, args)] = posts(agents_slack, COPY_DM)
    assert token == COPY_TOKEN
    assert "username" not in args and "icon_emoji" not in args  # its own bot user
    [answer] = [m for m in agents_slack.messages(COPY_DM) if m.get("bot_id")]
    assert answer["bot_id"] == COPY_BOT and answer["user"] == COPY_USER
    assert answer["text"] == "Three taglines, fresh from the Copywriter."
    # An agent app's DM is not the department's: no welcome from the CMO there.
    assert not [
        c for c in agents_slack.calls if c.token == BOT_TOKEN and c.method.startswith("chat.")
    ]


def test_one_message_to_two_agent_bots_makes_one_turn_for_the_first_named(
    served: tuple[Runtime, str], agents_slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    """Slack sends the message to both apps (and to the department's, mentioned too): one
    turn, for the Copywriter (named first), who joins the channel and answers as itself."""
    rt, url = served
    claude.enqueue(TextReply("On it, and I'll check with the CMO."))
    text = f"<@{COPY_USER}> draft the launch post, then <@{CMO_USER}> and <@{BOT_USER}> review"
    ts = agents_slack.add_message(CHANNEL_CONTENT, user=HUMAN, text=text)
    event = app_mention_event(user=HUMAN, channel=CHANNEL_CONTENT, text=text, ts=ts)
    senders = [
        sender_for(url, CMO_SECRET, CMO_APP, CMO_USER),
        sender_for(url, COPY_SECRET, COPY_APP, COPY_USER),
        SlackRequestSender(url, SIGNING_SECRET, team_id=TEAM),
    ]
    for sender in senders:
        assert sender.send_event(event).status == 200
    work(rt)

    [turn] = turns_of(rt)
    assert turn.agent_id == "copywriter" and turn.status == "answered"
    assert turn.text == "@Copywriter draft the launch post, then @CMO and  review"
    [(token, args)] = posts(agents_slack, CHANNEL_CONTENT)
    assert token == COPY_TOKEN and args["thread_ts"] == ts and "username" not in args
    [join] = agents_slack.calls_to("conversations.join")
    assert join.token == COPY_TOKEN and join.response["ok"]
    [status, *_cleared] = agents_slack.calls_to("assistant.threads.setStatus")
    assert status.token == COPY_TOKEN and "username" not in status.args


def test_an_agent_app_streams_its_reply_with_its_own_token(
    agents_slack: SlackStandIn, claude: ScriptedClaude, database_url: str
) -> None:
    extra = {"slack_agent_apps": AGENT_APPS, "slack_native_streaming": True}
    with app_with(agents_slack, claude, database_url, **extra) as (rt, sender):
        claude.enqueue(TextReply("Streamed by the CMO."))
        text = f"<@{CMO_USER}> what matters this quarter?"
        ts = agents_slack.add_message(CHANNEL_CONTENT, user=HUMAN, text=text)
        event = app_mention_event(user=HUMAN, channel=CHANNEL_CONTENT, text=text, ts=ts)
        assert sender_for(sender.url, CMO_SECRET, CMO_APP, CMO_USER).send_event(event).status == 200
        work(rt)

    [start] = agents_slack.calls_to("chat.startStream")
    assert start.token == CMO_TOKEN and "username" not in start.args
    [stop] = agents_slack.calls_to("chat.stopStream")
    assert stop.token == CMO_TOKEN and stop.response["ok"]
    [reply] = [m for m in agents_slack.messages(CHANNEL_CONTENT, ts) if m.get("bot_id")]
    assert reply["bot_id"] == CMO_BOT and "Streamed by the CMO." in reply["text"]


def test_an_agent_with_its_own_app_answers_in_the_departments_dm_under_its_persona(
    served: tuple[Runtime, str], agents_slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    """Its own bot user is not in the person's DM with the department app: the department
    app answers for it, under its persona, as in single-app mode."""
    rt, url = served
    claude.enqueue(TextReply("A tagline."))
    text = "copywriter: one tagline please"
    ts = agents_slack.add_message(DM_CHANNEL, user=HUMAN, text=text)
    department = SlackRequestSender(url, SIGNING_SECRET, team_id=TEAM)
    event = im_message_event(user=HUMAN, channel=DM_CHANNEL, text=text, ts=ts)
    assert department.send_event(event).status == 200
    work(rt)

    [(token, args)] = posts(agents_slack, DM_CHANNEL)
    assert token == BOT_TOKEN and args["username"] == "Copywriter"


def test_a_request_signed_with_no_configured_secret_is_refused(
    served: tuple[Runtime, str], agents_slack: SlackStandIn
) -> None:
    rt, url = served
    text = f"<@{COPY_USER}> hello"
    ts = agents_slack.add_message(CHANNEL_CONTENT, user=HUMAN, text=text)
    event = app_mention_event(user=HUMAN, channel=CHANNEL_CONTENT, text=text, ts=ts)
    forged = sender_for(url, "not-any-apps-secret", COPY_APP, COPY_USER)
    assert forged.send_event(event).status == 401
    assert turns_of(rt) == []


def test_without_agent_apps_one_app_speaks_as_every_agent(
    agents_slack: SlackStandIn, claude: ScriptedClaude, database_url: str
) -> None:
    """The default: the Copywriter answers with the department's token, under its persona,
    and a request signed with the Copywriter app's secret is refused."""
    with app_with(agents_slack, claude, database_url) as (rt, sender):
        already_welcomed(rt)
        claude.enqueue(TextReply("A tagline."))
        text = f"<@{BOT_USER}> copywriter: one tagline"
        ts = agents_slack.add_message(CHANNEL_CONTENT, user=HUMAN, text=text)
        event = app_mention_event(user=HUMAN, channel=CHANNEL_CONTENT, text=text, ts=ts)
        copywriter = sender_for(sender.url, COPY_SECRET, COPY_APP, COPY_USER)
        assert copywriter.send_event(event).status == 401
        assert sender.send_event(event).status == 200
        work(rt)

    [(token, args)] = posts(agents_slack, CHANNEL_CONTENT)
    assert token == BOT_TOKEN and args["username"] == "Copywriter"
    assert not agents_slack.calls_to("conversations.join")


@pytest.mark.parametrize(
    ("apps", "problem"),
    [
        ({"copywritr": {"signing_secret": "s", "bot_token": "t"}}, "'copywritr', not an agent"),
        ({"cmo": {"signing_secret": SIGNING_SECRET, "bot_token": "t"}}, "share a signing secret"),
        ({"cmo": {"signing_secret": "s"}}, 'at cmo: Value error, give "bot_token" (one wo'),
        (
            {"cmo": {"signing_secret": "s", "bot_token": "t", "client_id": "1.2"}},
            'at cmo: Value error, an OAuth install needs both "client_id" and "client_secret"',
        ),
        (
            {"cmo": {"signing_secret": "s", "client_id": "1.2", "client_secret": "t"}},
            "agent app 'cmo' is installed by OAuth, which needs the department's OAuth install",
        ),
        (
            {"cmo": {"signing_secret": "s", "bot_token": CMO_TOKEN, "team_id": "T0OTHER"}},
            f"'cmo' is installed in {TEAM}, not in its team_id T0OTHER",
        ),
    ],
)
def test_a_bad_agent_app_configuration_stops_start_up_in_one_line(
    agents_slack: SlackStandIn,
    claude: ScriptedClaude,
    database_url: str,
    apps: dict[str, object],
    problem: str,
) -> None:
    settings = make_settings(agents_slack, claude, database_url, slack_agent_apps=json.dumps(apps))
    with pytest.raises(ConfigError) as raised:
        app_module.create_app(settings)
    message = str(raised.value)
    assert problem in message and "\n" not in message
    assert SIGNING_SECRET not in message and '"t"' not in message


def test_a_removed_agent_bot_is_asked_about_again_after_a_refused_reply(
    served: tuple[Runtime, str], agents_slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    """Its membership was remembered but it was removed since: that reply fails (the person
    is told), and the next one checks again (and joins) instead of failing until it expires."""
    rt, url = served
    rt.redis.set(f"slack:agent-member:{TEAM}:copywriter:{CHANNEL_CONTENT}", "1")
    copywriter = sender_for(url, COPY_SECRET, COPY_APP, COPY_USER)
    for text in ("first", "second"):
        claude.enqueue(TextReply(f"Answer to {text}."))
        said = f"<@{COPY_USER}> {text}"
        ts = agents_slack.add_message(CHANNEL_CONTENT, user=HUMAN, text=said)
        event = app_mention_event(user=HUMAN, channel=CHANNEL_CONTENT, text=said, ts=ts)
        assert copywriter.send_event(event).status == 200
        work(rt)

    assert [turn.status for turn in turns_of(rt)] == ["failed", "answered"]
    [(token, _args)] = posts(agents_slack, CHANNEL_CONTENT)
    assert token == COPY_TOKEN


def test_a_manager_with_its_own_app_hands_work_to_an_agent_with_its_own_app(
    agents_slack: SlackStandIn, claude: ScriptedClaude, database_url: str
) -> None:
    """The Content Manager's brief opens the thread in #mkt-content as its bot user, the
    Copywriter answers there as its own, and the synthesis comes back as the manager's."""
    agents_slack.add_bot("xoxb-cm-token", "U0CM", "B0CM", "Content Manager")
    apps = json.loads(AGENT_APPS) | {
        "content_manager": {"signing_secret": "cm-secret", "bot_token": "xoxb-cm-token"}
    }
    claude.script_for(
        _is("Content Manager", synthesis=False),
        ToolUseReply(
            "delegate", {"to": "copywriter", "title": "Draft", "brief": "Draft the launch post."}
        ),
        TextReply("The Copywriter is on it."),
    )
    claude.script_for(_is("Copywriter", synthesis=False), TextReply("The draft."))
    claude.script_for(_is("Content Manager", synthesis=True), TextReply("Here is the post."))
    with app_with(agents_slack, claude, database_url, slack_agent_apps=json.dumps(apps)) as (
        rt,
        sender,
    ):
        already_welcomed(rt)
        text = "<@U0CM> we need a launch post"
        ts = agents_slack.add_message(CHANNEL_GENERAL, user=HUMAN, text=text)
        event = app_mention_event(user=HUMAN, channel=CHANNEL_GENERAL, text=text, ts=ts)
        manager = sender_for(sender.url, "cm-secret", "A0CM", "U0CM")
        assert manager.send_event(event).status == 200
        work(rt)

    [(brief_token, brief)] = posts(agents_slack, CHANNEL_CONTENT)[:1]
    assert brief_token == "xoxb-cm-token" and "thread_ts" not in brief
    in_thread = [m for m in agents_slack.messages(CHANNEL_CONTENT) if m.get("bot_id")]
    assert [(m["bot_id"], m["text"]) for m in in_thread][1:] == [(COPY_BOT, "The draft.")]
    asked = [m for m in agents_slack.messages(CHANNEL_GENERAL, ts) if m.get("bot_id")]
    assert {m["bot_id"] for m in asked} == {"B0CM"}
    assert "Here is the post." in [m["text"] for m in asked]
    assert all("username" not in args for _token, args in posts(agents_slack, CHANNEL_GENERAL))


def test_agent_apps_need_http_mode(
    agents_slack: SlackStandIn, claude: ScriptedClaude, database_url: str
) -> None:
    extra = {"slack_app_token": "xapp-test", "slack_agent_apps": AGENT_APPS}
    settings = make_settings(agents_slack, claude, database_url, **extra)
    with pytest.raises(ConfigError, match="SLACK_AGENT_APPS needs HTTP mode"):
        app_module.create_app(settings)


def _copywriter_turn(marker: str) -> Any:
    """The Copywriter's requests whose first message holds `marker`."""

    def match(body: dict[str, Any]) -> bool:
        content = body["messages"][0]["content"]
        first = str(content if isinstance(content, str) else content[0].get("text", ""))
        return str(body["system"][1]["text"]).startswith("You are the Copywriter ") and (
            marker in first
        )

    return match


def _reviewer(role: str) -> Any:
    def match(body: dict[str, Any]) -> bool:
        return str(body["system"][1]["text"]).startswith(f"You are the {role} ")

    return match


def test_a_card_for_a_request_in_an_agent_bots_dm_is_posted_and_decided_there(
    served: tuple[Runtime, str], agents_slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    """The department's app is not in a person's DM with the Copywriter's app: the approval
    card (and the reviewers' words) go out there with the Copywriter app's token, its button
    comes back signed by that app, and the decided card is edited with the same token."""
    rt, url = served
    agents_slack.add_user(HUMAN, "maria", is_admin=True)  # may approve a blog post
    submit = {
        "action_type": "blog_post",
        "title": "AI in marketing",
        "draft": "Five ways AI helps marketing teams.",
        "on_approval": "Publish it.",
        "drafted_by": "copywriter",
    }
    claude.script_for(
        _copywriter_turn("write the blog post"),
        ToolUseReply("submit_for_approval", submit, text_before="The draft is ready."),
        TextReply("It is with the approvers now."),
    )
    for role in ("Content Manager", "Director of Communications", "VP Marketing"):
        claude.script_for(
            _reviewer(role),
            ToolUseReply("review", {"verdict": "approve", "feedback": "Good."}),
            TextReply("Review done."),
        )
    claude.script_for(_copywriter_turn('outcome="approved"'), TextReply("Published."))
    said = "write the blog post on AI in marketing"
    ts = agents_slack.add_message(COPY_DM, user=HUMAN, text=said)
    copywriter = sender_for(url, COPY_SECRET, COPY_APP, COPY_USER)
    event = im_message_event(user=HUMAN, channel=COPY_DM, text=said, ts=ts)
    assert copywriter.send_event(event).status == 200
    work(rt)

    thread = agents_slack.messages(COPY_DM, ts)
    [card] = [m for m in thread if m.get("blocks") and "Approval:" in str(m["blocks"][0])]
    assert card["user"] == COPY_USER and card["thread_ts"] == ts
    [card_post] = [
        c for c in agents_slack.calls_to("chat.postMessage") if c.response.get("ts") == card["ts"]
    ]
    assert card_post.token == COPY_TOKEN and "username" not in card_post.args
    in_dm = [c for c in agents_slack.calls if c.args.get("channel") == COPY_DM]
    assert {c.token for c in in_dm} == {COPY_TOKEN}  # nothing tried with the department's

    button = {"action_id": "approval-approve", "block_id": "approval", "type": "button"}
    value = next(
        e["value"]
        for b in card["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "approval-approve"
    )
    click = interactions.block_actions(
        agents_slack,
        user=HUMAN,
        channel=COPY_DM,
        message_ts=card["ts"],
        action=button | {"value": value},
        api_app_id=COPY_APP,
    )
    assert copywriter.send_interaction(click).status == 200
    work(rt)

    [edit] = [c for c in agents_slack.calls_to("chat.update") if c.args.get("ts") == card["ts"]]
    assert edit.token == COPY_TOKEN and edit.response["ok"]
    [decided] = [m for m in agents_slack.messages(COPY_DM, ts) if m["ts"] == card["ts"]]
    assert "Approved" in str(decided["blocks"]) and not any(
        b["type"] == "actions" for b in decided["blocks"]
    )


def test_an_agent_app_whose_thread_status_is_refused_still_answers(
    served: tuple[Runtime, str], agents_slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    """assistant.threads.setStatus takes chat:write (the agent manifest asks no
    assistant:write); a workspace that still refuses it costs the status only: a
    placeholder in its place, then the answer, both with the agent app's token."""
    rt, url = served
    agents_slack.fail_next("assistant.threads.setStatus", status=200, error="missing_scope")
    claude.enqueue(TextReply("Answered without a status."))
    text = f"<@{COPY_USER}> one tagline"
    ts = agents_slack.add_message(CHANNEL_CONTENT, user=HUMAN, text=text)
    event = app_mention_event(user=HUMAN, channel=CHANNEL_CONTENT, text=text, ts=ts)
    assert sender_for(url, COPY_SECRET, COPY_APP, COPY_USER).send_event(event).status == 200
    work(rt)

    [status] = agents_slack.calls_to("assistant.threads.setStatus")
    assert status.token == COPY_TOKEN and status.response["error"] == "missing_scope"
    [turn] = turns_of(rt)
    assert turn.status == "answered"
    [(token, _args)] = posts(agents_slack, CHANNEL_CONTENT)  # the placeholder, then edited
    assert token == COPY_TOKEN
    [reply] = [m for m in agents_slack.messages(CHANNEL_CONTENT, ts) if m.get("bot_id")]
    assert reply["user"] == COPY_USER and reply["text"] == "Answered without a status."
