"""Private work stays private: what is asked in a DM or a private channel keeps its assignment
threads and escalation cards in that conversation, and the App Home tab shows each person only
the cards they may decide and the decisions on work they can see."""

from __future__ import annotations

import json

import pytest

from jobs.home.publish import home_view
from jobs.runtime import Runtime
from models.approvals import Approval
from models.base import new_id
from models.records import Turn
from models.work import Decision, Task
from sandbox.claude_api import ScriptedClaude
from sandbox.signing import im_message_event
from sandbox.slack_api import SlackStandIn
from sandbox.task_rows import request_task
from tests.conftest import (
    CHANNEL_CONTENT,
    CHANNEL_GENERAL,
    DM_CHANNEL,
    HUMAN,
    TEAM,
    ServedApp,
    mention,
    work,
)
from tests.test_department_flow import (
    REQUEST,
    assert_blog_post_done,
    bot_posts,
    script_blog_post,
    top_level,
)
from tests.test_escalation_flow import ESCALATIONS, escalation_channel, script_escalation
from tests.test_welcome import already_welcomed

__all__ = ["escalation_channel"]  # the fixture, used by name

PRIVATE = "C0PRIVATE"  # a private channel the app and HUMAN are in
COLLEAGUE = "U0COLLEAGUE"  # a member, in no private conversation of HUMAN's
INSIDER = "U0INSIDER"  # a member of the private channel
GUEST = "U0GUEST"
EXEC = "U0EXEC2"  # a workspace admin: may decide every card


def test_a_dm_request_keeps_its_briefs_out_of_the_team_channel(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    already_welcomed(runtime)
    script_blog_post(claude)
    asked = slack.add_message(DM_CHANNEL, user=HUMAN, text=REQUEST)
    event = im_message_event(user=HUMAN, channel=DM_CHANNEL, text=REQUEST, ts=asked)
    assert bolt.sender.send_event(event).status == 200
    work(runtime)

    assert bot_posts(slack, CHANNEL_CONTENT) == []  # the team channel saw nothing
    assert bot_posts(slack, CHANNEL_GENERAL) == []
    assert slack.calls_to("conversations.join") == []
    # The CMO's own answer is in the DM itself too (a DM answer is not threaded).
    briefs = [b for b in top_level(bot_posts(slack, DM_CHANNEL)) if " → " in b["text"]]
    assert [b["text"].split(" → ")[0] for b in briefs] == [
        "*Draft the blog post*",
        "*Keyword research*",
    ]
    assert_blog_post_done(slack, briefs_in=DM_CHANNEL, asked_in=DM_CHANNEL, asked=asked)
    with runtime.sessions() as session:
        placed = {t.channel_id for t in session.query(Task).filter(Task.depth == 1)}
    assert placed == {DM_CHANNEL}


def test_a_private_channel_request_stays_there_and_its_privacy_is_read_once(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    slack.add_channel(PRIVATE, "launch-secret", is_private=True, members=[HUMAN])
    script_blog_post(claude)
    mention(bolt.sender, slack, PRIVATE, REQUEST)
    work(runtime)

    assert bot_posts(slack, CHANNEL_CONTENT) == []
    assert len(top_level(bot_posts(slack, PRIVATE))) == 2  # both assignment threads
    # privacy is read once (while routing) and cached on the channel's record
    infos = [c for c in slack.calls_to("conversations.info") if c.args.get("channel") == PRIVATE]
    assert len(infos) == 1


def test_a_dm_escalation_card_stays_in_the_dm(
    bolt: ServedApp,
    runtime: Runtime,
    slack: SlackStandIn,
    claude: ScriptedClaude,
    escalation_channel: None,
) -> None:
    already_welcomed(runtime)
    script_escalation(claude)
    asked = slack.add_message(DM_CHANNEL, user=HUMAN, text="budget?")
    event = im_message_event(user=HUMAN, channel=DM_CHANNEL, text="budget?", ts=asked)
    assert bolt.sender.send_event(event).status == 200
    work(runtime)

    assert slack.messages(ESCALATIONS) == []
    assert slack.calls_to("conversations.join") == []  # the escalation channel was not needed
    [card] = [m for m in slack.messages(DM_CHANNEL) if m.get("blocks")]
    assert card["blocks"][0]["text"]["text"] == "ESCALATION: Human · Budget"


def _work(
    runtime: Runtime,
    *,
    channel: str,
    user: str,
    decided: str,
    pending: str | None = None,
) -> None:
    """A request (turn + task) with one recorded decision and, if asked, a waiting card."""
    turn = Turn(
        id=new_id(),
        team_id=TEAM,
        event_id=new_id(),
        source="message.im" if channel.startswith("D") else "app_mention",
        channel_id=channel,
        is_dm=channel.startswith("D"),
        thread_ts=new_id(),
        message_ts=new_id(),
        user_id=user,
        text="a request",
        status="answered",
    )
    task = request_task(TEAM, id=new_id(), origin_turn_id=turn.id, assigned_to="cmo")
    decision = Decision(
        team_id=TEAM,
        task_id=task.id,
        decision_maker="cmo",
        type="budget_allocation",
        decision=decided,
        reasoning=f"why {decided}",
    )
    with runtime.sessions() as session:
        session.add_all([turn, task])
        session.flush()
        session.add(decision)
        if pending is not None:
            session.add(
                Approval(
                    team_id=TEAM,
                    subject_id=task.id,
                    action_type="blog_post",
                    version=1,
                    title=pending,
                    draft="draft",
                    drafted_by="copywriter",
                    channel_id=channel,
                    thread_ts=turn.thread_ts,
                    card_ts=turn.thread_ts,
                )
            )
        session.commit()


@pytest.fixture()
def workspace(slack: SlackStandIn, runtime: Runtime) -> None:
    slack.add_channel(PRIVATE, "launch-secret", is_private=True, members=[HUMAN, INSIDER])
    slack.add_user(HUMAN, "human")
    slack.add_user(COLLEAGUE, "colleague")
    slack.add_user(INSIDER, "insider")
    slack.add_user(GUEST, "guest", is_guest=True)
    slack.add_user(EXEC, "exec", is_admin=True)
    _work(runtime, channel=CHANNEL_GENERAL, user=COLLEAGUE, decided="PUBLIC-DECISION")
    _work(runtime, channel=DM_CHANNEL, user=HUMAN, decided="DM-DECISION", pending="DM-CARD")
    _work(runtime, channel=PRIVATE, user=HUMAN, decided="PRIVATE-DECISION", pending="PRIV-CARD")
    _work(runtime, channel=CHANNEL_GENERAL, user=GUEST, decided="GUEST-DECISION")


def _home(runtime: Runtime, user: str) -> str:
    return json.dumps(home_view(runtime, TEAM, user)["blocks"])


@pytest.mark.parametrize(
    ("viewer", "seen"),
    [
        (HUMAN, {"PUBLIC", "DM", "PRIVATE", "GUEST"}),  # their own DM and private channel
        (INSIDER, {"PUBLIC", "PRIVATE", "GUEST"}),  # in the private channel, not in the DM
        (COLLEAGUE, {"PUBLIC", "GUEST"}),  # public work only
        (GUEST, {"GUEST"}),  # a guest sees only their own requests
    ],
)
def test_home_shows_decisions_on_work_the_viewer_can_see(
    runtime: Runtime, workspace: None, viewer: str, seen: set[str]
) -> None:
    home = _home(runtime, viewer)
    shown = {name for name in ("PUBLIC", "DM", "PRIVATE", "GUEST") if f"{name}-DECISION" in home}
    assert shown == seen
    for hidden in {"PUBLIC", "DM", "PRIVATE", "GUEST"} - seen:
        assert f"why {hidden}-DECISION" not in home  # no reasoning either


def test_home_shows_waiting_cards_only_to_who_may_decide_and_can_see_them(
    runtime: Runtime, slack: SlackStandIn, workspace: None
) -> None:
    slack.add_user(INSIDER, "insider", is_admin=True)  # an admin may decide blog posts
    insider, admin_outside = _home(runtime, INSIDER), _home(runtime, EXEC)
    assert "PRIV-CARD" in insider and "DM-CARD" not in insider
    assert "PRIV-CARD" not in admin_outside and "DM-CARD" not in admin_outside
    assert "DM-CARD" not in _home(runtime, HUMAN)  # can see it, may not decide it
