"""Escalation to a person: the card of work asked in a public channel lands in the escalation
channel (joined first), a person decides in a modal, the card shows the decision and the
waiting agent resumes with it. (Private work keeps its cards private: tests/test_privacy.py.)"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from jobs.department.escalation_cards import escalation_of
from jobs.queue import waiting_job_ids
from jobs.runtime import Runtime
from models.work import Task, TaskStatus
from sandbox import slack_interactions as interactions
from sandbox.claude_api import ScriptedClaude, TextReply, ToolUseReply
from sandbox.slack_api import SlackStandIn
from tests.conftest import CHANNEL_GENERAL, ServedApp, mention, work

ESCALATIONS = "C0ESCALATE"
APPROVER = "U0EXEC"
INTERN = "U0INTERN"  # a colleague who may not answer escalations
ESCALATE = {
    "category": "Budget",
    "issue": "Moving 20% of paid social to LinkedIn needs $12k more this quarter.",
    "attempts_made": "Re-planned within the current budget; not enough.",
    "urgency": "high",
    "recommendation": "Approve the $12k shift for Q1.",
    "impact": "Without it the enterprise launch loses its main channel.",
}


def _cmo(synthesis: bool) -> Any:
    def match(body: dict[str, Any]) -> bool:
        first = str(body["messages"][0]["content"][0].get("text", ""))
        cmo = str(body["system"][1]["text"]).startswith("You are the CMO")
        return cmo and ("<escalation_answer " in first) == synthesis

    return match


@pytest.fixture()
def escalation_channel(slack: SlackStandIn) -> None:
    slack.add_channel(ESCALATIONS, "mkt-escalations", is_member=False)  # joined on first card
    slack.add_user(APPROVER, "exec", is_admin=True)


def ask(bolt: ServedApp, slack: SlackStandIn, question: str) -> str:
    """A person asks the department in #general (public); returns the message's ts."""
    return mention(bolt.sender, slack, CHANNEL_GENERAL, question)


def script_escalation(claude: ScriptedClaude, resumed: str | None = None) -> None:
    """The CMO escalates ESCALATE to a person; with `resumed`, answers that once it has the
    person's answer."""
    claude.script_for(_cmo(False), ToolUseReply("escalate", ESCALATE), TextReply("Escalated."))
    if resumed is not None:
        claude.script_for(_cmo(True), TextReply(resumed))


def _click(
    bolt: ServedApp,
    slack: SlackStandIn,
    card: dict[str, Any],
    action_id: str,
    *,
    user: str = APPROVER,
) -> None:
    button = next(
        e
        for b in card["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    )
    payload = interactions.block_actions(
        slack,
        user=user,
        channel=ESCALATIONS,
        message_ts=card["ts"],
        action={
            "action_id": action_id,
            "block_id": "escalation",
            "type": "button",
            "value": button["value"],
        },
    )
    assert bolt.sender.send_interaction(payload).status == 200


def _submit(
    bolt: ServedApp, slack: SlackStandIn, text: str, *, by: str = APPROVER
) -> dict[str, Any]:
    """Submit the approver's open modal; `by` someone else sends it as that person."""
    [modal] = slack.workspace.views.for_user(APPROVER)["modals"]
    values = {"answer": {"text": {"type": "plain_text_input", "value": text}}}
    response = bolt.sender.send_interaction(
        interactions.view_submission(slack, user=by, view=modal, values=values)
    )
    assert response.status == 200
    return response.json() if response.body.strip() else {}


def _escalated_card(
    bolt: ServedApp,
    runtime: Runtime,
    slack: SlackStandIn,
    claude: ScriptedClaude,
    resumed: str | None = None,
) -> dict[str, Any]:
    """A person asks in #general, the CMO escalates (see script_escalation): the card."""
    script_escalation(claude, resumed)
    ask(bolt, slack, "budget?")
    work(runtime)
    [card] = [m for m in slack.messages(ESCALATIONS) if m.get("blocks")]
    return card


def _escalation(runtime: Runtime) -> Task:
    with runtime.sessions() as session:
        return session.scalars(select(Task).where(Task.assigned_to == "human")).one()


def test_cmo_escalates_to_a_person_who_decides_and_the_work_resumes(
    bolt: ServedApp,
    runtime: Runtime,
    slack: SlackStandIn,
    claude: ScriptedClaude,
    escalation_channel: None,
) -> None:
    claude.script_for(
        _cmo(False),
        ToolUseReply("escalate", ESCALATE, text_before="This needs the exec team."),
        TextReply("I've escalated the $12k question to the exec team."),
    )
    claude.script_for(
        _cmo(True), TextReply("Approved: shifting 20% of paid social to LinkedIn in Q1.")
    )
    asked = ask(bolt, slack, "should we move budget to LinkedIn?")
    work(runtime)

    [card] = [m for m in slack.messages(ESCALATIONS) if m.get("blocks")]
    assert card["blocks"][0]["text"]["text"] == "ESCALATION: Human · Budget"
    assert card["username"] == "CMO"
    fields = [f["text"] for f in card["blocks"][1]["fields"]]
    assert fields == ["*From*\nCMO", "*To*\nthe human executive team", "*Urgency*\nHigh"]
    with runtime.sessions() as session:
        escalation = session.scalars(select(Task).where(Task.assigned_to == "human")).one()
    assert escalation.status == TaskStatus.ESCALATED.value

    _click(bolt, slack, card, "escalation-decide")
    assert _submit(bolt, slack, "x") == {
        "response_action": "errors",
        "errors": {"answer": "Write a short answer for the team."},
    }
    assert _submit(bolt, slack, "Approved for Q1, report back in 30 days.") == {}
    work(runtime)  # the card update and the CMO's resumed turn

    [card] = [m for m in slack.messages(ESCALATIONS) if m.get("blocks")]
    assert not any(b["type"] == "actions" for b in card["blocks"])  # buttons gone
    assert (  # the answer is the line under the title
        card["blocks"][1]["text"]["text"]
        == f":white_check_mark: Decided by <@{APPROVER}>: Approved for Q1, report back in 30 days."
    )
    replies = [m["text"] for m in slack.messages(CHANNEL_GENERAL, asked) if m.get("bot_id")]
    assert (
        replies[0]
        == "This needs the exec team.\n\nI've escalated the $12k question to the exec team."
    )
    assert replies[-1] == "Approved: shifting 20% of paid social to LinkedIn in Q1."
    resumed = [r for r in claude.requests if _cmo(True)(r.body)]
    assert (
        len(resumed) == 1
        and "Approved for Q1, report back in 30 days."
        in resumed[0].body["messages"][0]["content"][0]["text"]
    )


def test_a_second_answer_is_refused(
    bolt: ServedApp,
    runtime: Runtime,
    slack: SlackStandIn,
    claude: ScriptedClaude,
    escalation_channel: None,
) -> None:
    card = _escalated_card(bolt, runtime, slack, claude, resumed="Done.")
    _click(bolt, slack, card, "escalation-send-back")
    _click(bolt, slack, card, "escalation-decide")  # a second person opens the modal too
    modals = slack.workspace.views.for_user(APPROVER)["modals"]
    assert len(modals) == 1  # views.open replaced the first (same person in this test)
    assert _submit(bolt, slack, "Try within budget first.") == {}
    slack.workspace.views.stacks[APPROVER] = [modals[0]["id"]]  # the stale modal submits again
    assert _submit(bolt, slack, "Approve it.") == {
        "response_action": "errors",
        "errors": {"answer": f"Already decided by <@{APPROVER}>. Nothing changed."},
    }
    _click(bolt, slack, card, "escalation-decide")
    assert slack.ephemerals(ESCALATIONS)[-1]["text"] == (
        f"Already decided by <@{APPROVER}>. Nothing changed."
    )


def test_acknowledging_shows_on_the_card_and_keeps_it_open(
    bolt: ServedApp,
    runtime: Runtime,
    slack: SlackStandIn,
    claude: ScriptedClaude,
    escalation_channel: None,
) -> None:
    card = _escalated_card(bolt, runtime, slack, claude, resumed="Going ahead.")
    _click(bolt, slack, card, "escalation-acknowledge")
    assert slack.ephemerals(ESCALATIONS)[-1]["text"].startswith("Noted: the card shows you")
    _click(bolt, slack, card, "escalation-acknowledge")  # a second click adds nothing
    assert slack.ephemerals(ESCALATIONS)[-1]["text"] == (
        "Already acknowledged by you. Nothing changed."
    )
    work(runtime)

    [card] = [m for m in slack.messages(ESCALATIONS) if m.get("blocks")]
    lines = [e["text"] for b in card["blocks"] if b["type"] == "context" for e in b["elements"]]
    assert lines[0].startswith(":link: <https://") and lines[0].endswith("|The request's thread>")
    assert lines[1:] == [f":eyes: Acknowledged by <@{APPROVER}>; waiting for a decision."]
    # the button gave way to who acknowledged; the card stays open for an answer
    assert [e["action_id"] for e in card["blocks"][-1]["elements"]] == [
        "escalation-decide",
        "escalation-send-back",
    ]

    _click(bolt, slack, card, "escalation-decide")
    assert _submit(bolt, slack, "Go ahead within budget.") == {}
    work(runtime)
    [card] = [m for m in slack.messages(ESCALATIONS) if m.get("blocks")]
    assert card["blocks"][1]["text"]["text"] == (
        f":white_check_mark: Decided by <@{APPROVER}>: Go ahead within budget."
    )
    with runtime.sessions() as session:
        answered = session.scalars(select(Task).where(Task.assigned_to == "human")).one()
    stale = interactions.block_actions(  # a client that missed the update still has buttons
        slack,
        user=APPROVER,
        channel=ESCALATIONS,
        message_ts=card["ts"],
        action={"action_id": "escalation-acknowledge", "block_id": "escalation"}
        | {"type": "button", "value": answered.id},
    )
    assert bolt.sender.send_interaction(stale).status == 200
    assert slack.ephemerals(ESCALATIONS)[-1]["text"] == (
        f"Already decided by <@{APPROVER}>. Nothing changed."
    )


@pytest.mark.parametrize("action_id", ["escalation-decide", "escalation-acknowledge"])
def test_only_approvers_may_answer_or_acknowledge_an_escalation(
    bolt: ServedApp,
    runtime: Runtime,
    slack: SlackStandIn,
    claude: ScriptedClaude,
    escalation_channel: None,
    action_id: str,
) -> None:
    card = _escalated_card(bolt, runtime, slack, claude)
    slack.add_user(INTERN, "intern")
    _click(bolt, slack, card, action_id, user=INTERN)
    refusal = slack.ephemerals(ESCALATIONS)[-1]
    assert (refusal["user"], refusal["text"]) == (
        INTERN,
        "Only a workspace admin can decide on this escalation. Nothing changed.",
    )
    assert slack.workspace.views.for_user(INTERN)["modals"] == []
    escalation = _escalation(runtime)
    assert escalation.status == TaskStatus.ESCALATED.value
    assert escalation_of(escalation).acknowledged_by == []
    assert waiting_job_ids(runtime.redis, runtime.settings.queue_name) == []
    [unchanged] = [m for m in slack.messages(ESCALATIONS) if m.get("blocks")]
    assert unchanged["blocks"] == card["blocks"]


def test_a_non_approver_cannot_submit_the_answer_modal(
    bolt: ServedApp,
    runtime: Runtime,
    slack: SlackStandIn,
    claude: ScriptedClaude,
    escalation_channel: None,
) -> None:
    """The modal re-checks who submits: a view_submission is its own request, and the
    check made when the button was clicked says nothing about who sends this one."""
    card = _escalated_card(bolt, runtime, slack, claude)
    slack.add_user(INTERN, "intern")
    _click(bolt, slack, card, "escalation-decide")  # the approver opens the modal
    assert _submit(bolt, slack, "Approve the $12k.", by=INTERN) == {
        "response_action": "errors",
        "errors": {
            "answer": "Only a workspace admin can decide on this escalation. Nothing changed."
        },
    }
    escalation = _escalation(runtime)
    assert (escalation.status, escalation.deliverable) == (TaskStatus.ESCALATED.value, None)
    assert waiting_job_ids(runtime.redis, runtime.settings.queue_name) == []
    assert _submit(bolt, slack, "Approved for Q1.") == {}  # the approver still can
    assert _escalation(runtime).status == TaskStatus.DONE.value
