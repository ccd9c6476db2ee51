"""The app is in every channel it posts to: it joins a public team channel before its first
post there (once, remembered in Redis), and a private channel it is not in gets one message
to the requester asking to invite it while the work goes on where it was asked."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from sqlalchemy import select, update

from jobs.department.delegation import open_assignment_thread
from jobs.runtime import Runtime
from jobs.slack import channels
from models.base import new_id
from models.kinds import AssignmentDetails
from models.records import SlackPost, Turn
from models.work import Task
from sandbox.claude_api import ScriptedClaude
from sandbox.slack_api import SlackStandIn
from tests.conftest import CHANNEL_CONTENT, CHANNEL_GENERAL, HUMAN, TEAM, ServedApp, mention, work
from tests.test_department_flow import (
    REQUEST,
    assert_blog_post_done,
    bot_posts,
    script_blog_post,
    top_level,
)


def test_the_app_joins_a_public_team_channel_once_before_its_first_post(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    slack.add_channel(CHANNEL_CONTENT, "mkt-content", is_member=False)
    script_blog_post(claude)
    asked = mention(bolt.sender, slack, CHANNEL_GENERAL, REQUEST)
    work(runtime)

    joins = slack.calls_to("conversations.join")
    assert [c.args["channel"] for c in joins] == [CHANNEL_CONTENT]  # two briefs, one join
    calls = slack.calls_to()
    first_post = next(
        i
        for i, c in enumerate(calls)
        if c.method == "chat.postMessage" and c.args.get("channel") == CHANNEL_CONTENT
    )
    assert calls.index(joins[0]) < first_post
    assert all(c.response.get("ok") for c in slack.calls_to("chat.postMessage"))
    assert_blog_post_done(slack, briefs_in=CHANNEL_CONTENT, asked_in=CHANNEL_GENERAL, asked=asked)
    assert runtime.redis.exists(f"slack:member:{TEAM}:{CHANNEL_CONTENT}")
    assert slack.ephemerals(CHANNEL_GENERAL) == []


def test_a_private_team_channel_the_app_is_not_in_gets_one_invitation_request(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    slack.add_channel(CHANNEL_CONTENT, "mkt-content", is_private=True, is_member=False)
    script_blog_post(claude)
    asked = mention(bolt.sender, slack, CHANNEL_GENERAL, REQUEST)
    work(runtime)

    [ask] = slack.ephemerals(CHANNEL_GENERAL)  # two briefs, one request to invite the app
    assert ask["user"] == HUMAN and ask["thread_ts"] == asked
    assert ask["text"].startswith("I can't post in #mkt-content")
    assert slack.messages(CHANNEL_CONTENT) == []
    # nothing lost: the work went on, its assignment threads in the requester's channel
    assert_blog_post_done(slack, briefs_in=CHANNEL_GENERAL, asked_in=CHANNEL_GENERAL, asked=asked)


def test_a_lost_brief_is_found_again_in_the_joined_channel_not_posted_twice(
    runtime: Runtime, slack: SlackStandIn
) -> None:
    slack.add_channel(CHANNEL_CONTENT, "mkt-content", is_member=False)
    origin = (CHANNEL_GENERAL, slack.add_message(CHANNEL_GENERAL, user=HUMAN, text="a post?"))
    turn = Turn(
        id=new_id(),
        team_id=TEAM,
        event_id=new_id(),
        source="app_mention",
        channel_id=origin[0],
        thread_ts=origin[1],
        message_ts=origin[1],
        user_id=HUMAN,
        text="a post?",
    )
    task = Task(
        id=new_id(),
        team_id=TEAM,
        origin_turn_id=turn.id,
        created_by="content_manager",
        assigned_to="copywriter",
        title="Draft",
        brief="Draft it.",
        details=AssignmentDetails(project="A post", requested_in=origin),
    )
    with runtime.sessions() as session:
        session.add_all([turn, task])
        session.commit()
    manager = runtime.roster.get("content_manager")
    open_assignment_thread(runtime, task, manager, origin)
    with runtime.sessions() as session:  # the worker died after posting, before saving the ts
        session.execute(
            update(SlackPost).where(SlackPost.turn_id == f"a{task.id[:31]}").values(ts=None)
        )
        session.commit()
    open_assignment_thread(runtime, task, manager, origin)

    assert len(top_level(bot_posts(slack, CHANNEL_CONTENT))) == 1
    [read] = slack.calls_to("conversations.history")
    assert read.response["ok"] is True  # the app is in the channel: no not_in_channel
    with runtime.sessions() as session:
        row = session.scalar(select(SlackPost).where(SlackPost.turn_id == f"a{task.id[:31]}"))
    assert row is not None and row.ts is not None


def test_membership_is_remembered_across_workers(runtime: Runtime, slack: SlackStandIn) -> None:
    slack.add_channel(CHANNEL_CONTENT, "mkt-content", is_member=False)
    assert channels.ensure_member(runtime, TEAM, CHANNEL_CONTENT)
    assert channels.ensure_member(runtime, TEAM, CHANNEL_CONTENT)  # e.g. another worker
    assert len(slack.calls_to("conversations.join")) == 1
    slack.add_channel("C0SECRET", "secret", is_private=True, is_member=False)
    assert not channels.ensure_member(runtime, TEAM, "C0SECRET")


def test_a_channel_the_app_was_removed_from_is_joined_again_on_the_retry(
    runtime: Runtime, slack: SlackStandIn
) -> None:
    assert channels.ensure_member(runtime, TEAM, CHANNEL_CONTENT)  # remembered as joined
    slack.add_channel(CHANNEL_CONTENT, "mkt-content", is_member=False)  # then removed
    with pytest.raises(SlackApiError), channels.posting_to(runtime, TEAM, CHANNEL_CONTENT):
        runtime.slack_for(TEAM).chat_postMessage(channel=CHANNEL_CONTENT, text="brief")
    assert channels.ensure_member(runtime, TEAM, CHANNEL_CONTENT)
    assert len(slack.calls_to("conversations.join")) == 2
    runtime.slack_for(TEAM).chat_postMessage(channel=CHANNEL_CONTENT, text="brief")
