"""The rules around approval cards: who may approve (user ids, user groups, admins), the one
reminder for a card left waiting, long drafts, autonomous actions, the send-back bound, and
decisions that survive Redis being away."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from redis import Redis
from sqlalchemy import select

import app as app_module
from jobs.agent.reviews import Verdict
from jobs.agent.stop import stop_request
from jobs.approvals.autonomy import set_autonomy
from jobs.approvals.cards import INLINE_CHARS
from jobs.claude.client import ToolUse
from jobs.queue import REMIND_APPROVERS
from jobs.runtime import Runtime
from jobs.sweeper import sweep
from models.approvals import Approval
from models.work import Task
from sandbox.claude_api import ScriptedClaude, TextReply, ToolUseReply
from sandbox.signing import SlackRequestSender
from sandbox.slack_api import SlackStandIn
from settings import Settings
from tests.conftest import (
    CHANNEL_CONTENT,
    SIGNING_SECRET,
    TEAM,
    ServedApp,
    free_port,
    make_settings,
    serve_app,
    work,
)
from tests.test_approval_flow import (
    LEE,
    MARIA,
    SAM,
    SUBMIT,
    _approvals,
    _ask,
    _cards,
    _click,
    _decisions,
    _first,
    _is,
    _state,
)

LEADS = "S0LEADS"
APPROVERS = f"""
[defaults]
admins = false
reminder_after_hours = 4

[[actions]]
type = "blog_post"
label = "Blog post"
chain = []
users = ["{LEE}"]
groups = ["{LEADS}"]
"""


@pytest.fixture()
def settings(
    slack: SlackStandIn,
    claude: ScriptedClaude,
    database_url: str,
    redis_conn: Redis,
    tmp_path: Path,
) -> Settings:
    """Blog posts: approved by Lee or the @leads group (not admins), no agent reviewers."""
    path = tmp_path / "approvals.toml"
    path.write_text(APPROVERS, encoding="utf-8")
    slack.add_user(MARIA, "maria", is_admin=True)
    slack.add_user(LEE, "lee")
    slack.add_user(SAM, "sam")
    slack.add_usergroup(LEADS, "leads", [SAM])
    return make_settings(slack, claude, database_url, approvals_path=path)


def _submitted(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, **change: str
) -> tuple[str, dict[str, Any]]:
    claude.script_for(
        _is("Content Manager"),
        ToolUseReply("submit_for_approval", SUBMIT | change),
        TextReply("With the approvers."),
    )
    asked = _ask(bolt, slack)
    work(runtime)
    [card] = _cards(slack, asked)
    return asked, card


def test_approvers_by_user_id_and_by_group_and_admins_switched_off(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    _asked, card = _submitted(bolt, runtime, slack, claude)
    _click(bolt, slack, card, "approval-approve", MARIA)  # an admin, but admins may not here
    assert slack.ephemerals(CHANNEL_CONTENT)[-1]["text"] == (
        f"Only <@{LEE}> or <!subteam^{LEADS}> can decide on this card. Nothing changed."
    )
    runtime.redis.delete(*runtime.redis.keys("slack:people:*"))  # past SLACK_PEOPLE_CACHE_S
    slack.fail_next("usergroups.users.list", status=200, error="missing_scope")
    _click(bolt, slack, card, "approval-approve", SAM)
    assert slack.ephemerals(CHANNEL_CONTENT)[-1]["text"] == (
        "I couldn't check with Slack who may decide on this (missing_scope). Nothing changed; "
        "try again in a moment."
    )
    assert _decisions(runtime) == []
    _click(bolt, slack, card, "approval-approve", SAM)  # in the @leads group
    [record] = _decisions(runtime)
    assert (record.decision_maker, record.decision) == (SAM, "Approved")
    _click(bolt, slack, card, "approval-approve", LEE)
    assert slack.ephemerals(CHANNEL_CONTENT)[-1]["text"].startswith(
        f"Already approved by <@{SAM}> at <!date^"
    )


def test_one_reminder_for_a_card_left_waiting(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    asked, _card = _submitted(bolt, runtime, slack, claude)
    start = datetime.now(UTC)
    args = (runtime.sessions, runtime.redis, runtime.settings.queue_name)
    remind_after = timedelta(hours=runtime.approvals.defaults.reminder_after_hours)
    with freeze_time(start + timedelta(hours=3, minutes=59)):
        assert sweep(*args, grace_s=0, remind_after=remind_after) == []
    with freeze_time(start + timedelta(hours=4, minutes=1)):
        [job] = sweep(*args, grace_s=0, remind_after=remind_after)
        [approval] = _approvals(runtime)
        assert job == REMIND_APPROVERS.job_id(TEAM, approval.id)
        assert sweep(*args, grace_s=0, remind_after=remind_after) == []  # queued once
        work(runtime)
        assert sweep(*args, grace_s=0, remind_after=remind_after) == []  # reminded once
    reminders = [
        m["text"] for m in slack.messages(CHANNEL_CONTENT, asked) if "Reminder" in m["text"]
    ]
    assert len(reminders) == 1
    assert reminders[0].startswith(
        ":alarm_clock: Reminder: *5 Ways AI Reduces Marketing Costs* (version 1) has been "
        "waiting for approval since <!date^"
    )
    assert reminders[0].endswith(f"<@{LEE}> or <!subteam^{LEADS}> can decide on the card above.")


def test_a_long_draft_is_never_cut_silently(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    paragraphs = [
        f"Paragraph {i}: " + ("AI saves marketing teams time. " * 12).strip() for i in range(30)
    ]
    draft = "\n\n".join(paragraphs)
    assert len(draft) > INLINE_CHARS * 3
    _asked, card = _submitted(bolt, runtime, slack, claude, draft=draft)
    shown = card["blocks"][2]["text"]["text"]
    assert shown.endswith(" …") and draft.startswith(shown.removesuffix(" …"))
    notice = card["blocks"][3]["elements"][0]["text"]
    assert notice.startswith("Showing the opening ") and f"of {len(draft):,} characters" in notice
    _click(bolt, slack, card, "approval-view-draft", SAM)  # anyone may read it
    [modal] = slack.workspace.views.for_user(SAM)["modals"]
    sections = [b["text"]["text"] for b in modal["blocks"] if b["type"] == "section"]
    assert all(len(s) <= 3000 for s in sections) and len(sections) > 1
    assert "\n\n".join(sections) == draft


def test_an_autonomous_action_is_approved_without_asking(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    with runtime.sessions() as session:
        set_autonomy(session, runtime.authority, TEAM, "blog_post", "L4", MARIA)
    claude.script_for(
        _is("Content Manager"),
        ToolUseReply("submit_for_approval", SUBMIT),
        TextReply("Published under our L4 rules."),
    )
    asked = _ask(bolt, slack)
    work(runtime)
    assert _cards(slack, asked) == []
    result = claude.requests[1].body["messages"][-1]["content"][0]
    assert result["content"].startswith("Approved without review: Blog post is autonomous (L4)")
    [record] = _decisions(runtime)
    assert (record.decision_maker, record.decision) == ("autonomy", "Approved")


def test_submissions_are_checked_in_code(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    claude.script_for(
        _is("Content Manager"),
        ToolUseReply("submit_for_approval", SUBMIT | {"action_type": "press_release"}),
        ToolUseReply("submit_for_approval", SUBMIT | {"drafted_by": "ghostwriter"}),
        TextReply("I could not submit it."),
    )
    asked = _ask(bolt, slack)
    work(runtime)
    results = [
        r.body["messages"][-1]["content"][0]
        for r in claude.requests
        if r.body["messages"][-1]["role"] == "user" and len(r.body["messages"]) > 1
    ]
    assert [r["is_error"] for r in results] == [True, True]
    refusal = '<refusal tool="submit_for_approval">'
    assert results[0]["content"].startswith(f"{refusal}unknown action type 'press_release'")
    no_agent = "there is no agent 'ghostwriter' (drafted_by)."
    assert results[1]["content"] == f"{refusal}{no_agent}</refusal>"
    with runtime.sessions() as session:
        assert session.scalars(select(Approval)).all() == []
    assert _cards(slack, asked) == []


def test_send_backs_are_bounded() -> None:
    verdict = Verdict(send_backs_left=0)
    text, is_error = verdict.handle(
        ToolUse("t1", "review", {"verdict": "send_back", "feedback": "Again, too long."})
    )
    assert is_error and text.startswith("Refused: this draft was already sent back as often")
    assert verdict.verdict is None
    text, is_error = verdict.handle(
        ToolUse("t2", "review", {"verdict": "approve", "feedback": "Fine by me."})
    )
    assert not is_error and verdict.verdict is not None and verdict.verdict.verdict == "approve"
    assert verdict.handle(ToolUse("t3", "delegate", {}))[1] is True


def test_a_decision_taken_while_redis_was_away_is_followed_up_by_the_sweeper(
    settings: Settings, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    """The app's Redis is unreachable: the request and the click are persisted, and the
    sweeper (with Redis back) enqueues both the turn and the decision's follow-up."""
    away = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    app = app_module.create_app(away)
    server, url = serve_app(app)
    try:
        bolt = ServedApp(app, url, SlackRequestSender(url, SIGNING_SECRET, team_id=TEAM))
        claude.script_for(_is("Content Manager", 'outcome="approved"'), TextReply("Scheduled."))
        claude.script_for(
            _is("Content Manager"),
            ToolUseReply("submit_for_approval", SUBMIT),
            TextReply("With the approvers."),
        )
        asked = _ask(bolt, slack)
        args = (runtime.sessions, runtime.redis, runtime.settings.queue_name)
        assert len(sweep(*args, grace_s=0)) == 1  # the request's turn
        work(runtime)
        [card] = _cards(slack, asked)
        _click(bolt, slack, card, "approval-approve", LEE)
        assert [d.decision for d in _decisions(runtime)] == ["Approved"]
        [job] = sweep(*args, grace_s=0)
        assert job.startswith("approval-")
        work(runtime)
        assert sweep(*args, grace_s=0) == []
    finally:
        server.close()
    [card] = _cards(slack, asked)
    assert _state(card).startswith(f":white_check_mark: Approved by <@{LEE}>")
    assert any('outcome="approved"' in _first(r.body) for r in claude.requests)


def test_a_stopped_request_expires_its_pending_card(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    asked, card = _submitted(bolt, runtime, slack, claude)
    with runtime.sessions() as session:
        root = session.scalars(select(Task).where(Task.parent_task_id.is_(None))).one()
    assert root.origin_turn_id is not None
    stop_request(
        runtime, TEAM, root.origin_turn_id, (CHANNEL_CONTENT, asked), "content_manager", "test"
    )
    [card] = _cards(slack, asked)
    assert _state(card).startswith(":hourglass: Expired without a decision at <!date^")
    [record] = _decisions(runtime)
    assert (record.decision_maker, record.decision) == ("department", "Expired without a decision")
    with runtime.sessions() as session:
        approval_id = session.scalars(select(Approval.id)).one()
    stale = card | {"blocks": _with_buttons(card, approval_id)}
    _click(bolt, slack, stale, "approval-approve", LEE)
    assert slack.ephemerals(CHANNEL_CONTENT)[-1]["text"] == (
        "This approval was closed without a decision. Nothing changed."
    )
    assert len(_decisions(runtime)) == 1


def _with_buttons(card: dict[str, Any], approval_id: str) -> list[dict[str, Any]]:
    """The card as an out-of-date client still shows it: with an Approve button."""
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": "Approve"},
        "action_id": "approval-approve",
        "value": approval_id,
    }
    return [*card["blocks"], {"type": "actions", "block_id": "approval", "elements": [button]}]


def test_a_modal_slack_refuses_to_open_is_explained(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    _asked, card = _submitted(bolt, runtime, slack, claude)
    slack.fail_next("views.open", status=200, error="expired_trigger_id")
    _click(bolt, slack, card, "approval-reject", LEE)
    assert slack.ephemerals(CHANNEL_CONTENT)[-1]["text"] == (
        "Slack could not open the form (expired_trigger_id). Nothing changed; click again."
    )
    assert slack.workspace.views.for_user(LEE)["modals"] == []
    _click(bolt, slack, card, "approval-reject", LEE)  # the second click opens it
    [modal] = slack.workspace.views.for_user(LEE)["modals"]
    assert modal["callback_id"] == "approval-decision"
    assert _decisions(runtime) == []


def test_a_card_that_cannot_be_edited_does_not_hold_up_the_work(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    """Someone deleted the card after clicking: the decision still drives the work on."""
    claude.script_for(_is("Content Manager", 'outcome="approved"'), TextReply("Scheduled."))
    _asked, card = _submitted(bolt, runtime, slack, claude)
    _click(bolt, slack, card, "approval-approve", LEE)
    slack.fail_next("chat.update", status=200, error="message_not_found")
    work(runtime)
    assert any('outcome="approved"' in _first(r.body) for r in claude.requests)
    with runtime.sessions() as session:
        root = session.scalars(select(Task).where(Task.parent_task_id.is_(None))).one()
    assert root.status == "done"
    args = (runtime.sessions, runtime.redis, runtime.settings.queue_name)
    assert sweep(*args, grace_s=0) == []  # nothing left for the sweeper to retry


def test_a_version_resubmitted_before_anyone_decided_replaces_the_first(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    """The author sends version 2 while version 1's card still waits: version 1's card says
    it was superseded, and deciding version 2 lets the author go on."""
    claude.script_for(
        _is("Content Manager"),
        ToolUseReply("submit_for_approval", SUBMIT),
        ToolUseReply("submit_for_approval", SUBMIT | {"draft": SUBMIT["draft"] + " Updated."}),
        TextReply("Version 2 is up."),
    )
    claude.script_for(_is("Content Manager", 'outcome="approved"'), TextReply("Scheduled."))
    asked = _ask(bolt, slack)
    work(runtime)
    first, second = _cards(slack, asked)
    assert "Superseded by version 2" in _state(first)
    _click(bolt, slack, second, "approval-approve", LEE)
    work(runtime)
    assert any('outcome="approved"' in _first(r.body) for r in claude.requests)
    with runtime.sessions() as session:
        root = session.scalars(select(Task).where(Task.parent_task_id.is_(None))).one()
        steps = session.scalars(select(Task).where(Task.parent_task_id == root.id)).all()
    assert root.status == "done"
    assert sorted(t.deliverable or "" for t in steps) == [
        f"Approved by <@{LEE}> (version 2)",
        "Superseded by version 2",
    ]
