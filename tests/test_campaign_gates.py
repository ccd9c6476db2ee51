"""A campaign's approval gates end to end: the engine on the scripted department, the cards
in the campaign's thread on the Slack stand-in, clicks sent as signed interactions to the
real Bolt app, decided by the approvals machinery and applied by the campaign engine.

A gate after a step (approve its output) and one before (may it start?) each get one card,
however many passes look; Approve goes on, Reject fails the step and the campaign; a person
who may not approve is refused and changes nothing; a cancelled campaign's card says it is
no longer needed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from jobs.approvals.cards import ACTIONS
from jobs.campaigns import control
from jobs.campaigns.engine import CampaignEngine
from jobs.queue import CAMPAIGN_DECISION
from jobs.runtime import Runtime
from jobs.sweeper import sweep
from models import campaigns
from models.base import utcnow
from models.campaigns import CampaignStatus, StepStatus
from sandbox import slack_interactions as interactions
from sandbox.claude_api import ScriptedClaude
from sandbox.slack_api import SlackStandIn
from tests.conftest import HUMAN, TEAM, ServedApp, work
from tests.test_campaign_engine import (
    CAMPAIGNS,
    _planned,
    _statuses,
    _step_tasks,
    _three_steps,
    clock,  # noqa: F401  (the fixture: time frozen at the campaign's start, ticking)
)

pytestmark = pytest.mark.usefixtures("clock")
MARIA, SAM = "U0MARIA", "U0SAM"  # an admin (admins approve blog posts), a colleague


@pytest.fixture(autouse=True)
def people(slack: SlackStandIn) -> None:
    slack.add_user(MARIA, "maria", is_admin=True)
    slack.add_user(SAM, "sam")


def thread_of(rt: Runtime, campaign_id: str) -> str:
    with rt.sessions() as session:
        campaign = campaigns.load_campaign(session, TEAM, campaign_id)
    assert campaign is not None and campaign.thread_ts is not None
    return campaign.thread_ts


def cards_in(slack: SlackStandIn, thread: str, starting: str = "Approval:") -> list[dict[str, Any]]:
    """The approval cards (by their header) in the campaign's thread, oldest first."""
    return [
        m
        for m in slack.messages(CAMPAIGNS, thread)
        if m.get("blocks") and str(m["blocks"][0]["text"]["text"]).startswith(starting)
    ]


def card_text(card: dict[str, Any]) -> str:
    return "\n".join(
        str(b["text"]["text"]) if "text" in b else str(b.get("elements", [{}])[0].get("text", ""))
        for b in card["blocks"]
        if b["type"] != "actions"
    )


def click(
    bolt: ServedApp, slack: SlackStandIn, card: dict[str, Any], action_id: str, user: str
) -> None:
    """`user` clicks the card's button, as Slack sends it."""
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
        channel=CAMPAIGNS,
        message_ts=card["ts"],
        action={"action_id": action_id, "block_id": "approval", "type": "button"}
        | {"value": button["value"]},
    )
    assert bolt.sender.send_interaction(payload).status == 200


def submit_modal(bolt: ServedApp, slack: SlackStandIn, user: str, text: str) -> None:
    [modal] = slack.workspace.views.for_user(user)["modals"]
    values = {"feedback": {"text": {"type": "plain_text_input", "value": text}}}
    response = bolt.sender.send_interaction(
        interactions.view_submission(slack, user=user, view=modal, values=values)
    )
    assert response.status == 200 and not response.body.strip()


def ephemerals_to(slack: SlackStandIn, user: str) -> list[str]:
    return [
        str(call.args["text"])
        for call in slack.calls_to("chat.postEphemeral")
        if call.args.get("user") == user
    ]


def progress_text(slack: SlackStandIn, thread: str) -> str:
    [message] = [m for m in slack.messages(CAMPAIGNS, thread) if "*Progress of" in m["text"]]
    return str(message["text"])


def _at_its_gate(
    runtime: Runtime, slack: SlackStandIn, raw: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """A campaign approved and run up to its one gate: its id and the gate's card."""
    campaign_id = _planned(runtime, slack, raw)
    control.approve(runtime, TEAM, campaign_id, HUMAN)
    work(runtime)
    [card] = cards_in(slack, thread_of(runtime, campaign_id))
    return campaign_id, card


def test_a_gate_after_and_a_gate_before_each_post_one_card_and_a_click_approves(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, bolt: ServedApp
) -> None:
    campaign_id = _planned(runtime, slack, _three_steps({"first": "after", "second": "before"}))
    control.approve(runtime, TEAM, campaign_id, HUMAN)
    work(runtime)  # the first step runs; its output waits for a person
    thread = thread_of(runtime, campaign_id)
    assert _statuses(runtime, campaign_id)["first"] == StepStatus.WAITING_APPROVAL
    for _ in range(3):  # passes again and again (sweeps, retried jobs): still one card
        CampaignEngine(runtime).advance(TEAM, campaign_id)
    [after] = cards_in(slack, thread)
    shown = card_text(after)
    assert "Gate after the step: approve its output?" in shown and "Copywriter" in shown
    assert "three-steps" in shown and "campaign card" in shown
    first = _step_tasks(runtime, campaign_id)["first"]
    assert first.thread_ts is not None and first.channel_id is not None
    step_link = f"/archives/{first.channel_id}/p{first.thread_ts.replace('.', '')}"
    assert f"{step_link}|the step's thread>" in shown  # the output is read in its thread
    card_link = f"/archives/{CAMPAIGNS}/p{thread.replace('.', '')}"
    assert f"{card_link}|campaign card>" in shown
    assert "Copywriter, waits on a workspace admin to accept its output" in progress_text(
        slack, thread
    )

    click(bolt, slack, after, ACTIONS["approve"], SAM)  # not an approver
    [refusal] = ephemerals_to(slack, SAM)
    assert "admin" in refusal
    work(runtime)
    assert _statuses(runtime, campaign_id)["first"] == StepStatus.WAITING_APPROVAL

    click(bolt, slack, after, ACTIONS["approve"], MARIA)
    work(runtime)
    assert _statuses(runtime, campaign_id) == {
        "first": StepStatus.DONE,
        "second": StepStatus.WAITING_APPROVAL,  # its gate is before: no task yet
        "third": StepStatus.PENDING,
    }
    after_now, before = cards_in(slack, thread)
    assert f"Approved by <@{MARIA}>" in card_text(after_now)
    outcome = after_now["blocks"][1]  # the outcome is the line under the title
    assert outcome["block_id"] == "outcome" and "Approved by" in outcome["text"]["text"]
    assert not any(b["type"] == "actions" for b in after_now["blocks"])
    assert "Gate before the step: may it start?" in card_text(before)
    assert "second" not in _step_tasks(runtime, campaign_id)

    click(bolt, slack, before, ACTIONS["approve"], MARIA)
    work(runtime)
    assert set(_statuses(runtime, campaign_id).values()) == {StepStatus.DONE}
    assert len(claude.requests) == 3  # each step's call once
    assert len(cards_in(slack, thread)) == 2
    with runtime.sessions() as session:
        assert campaigns.status_of(session, TEAM, campaign_id) == CampaignStatus.DONE


def test_a_rejected_gate_fails_its_step_and_the_campaign(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, bolt: ServedApp
) -> None:
    campaign_id, pending = _at_its_gate(runtime, slack, _three_steps({"first": "before"}))
    click(bolt, slack, pending, ACTIONS["reject"], MARIA)
    submit_modal(bolt, slack, MARIA, "Not this quarter")
    work(runtime)
    assert _statuses(runtime, campaign_id) == {
        "first": StepStatus.FAILED,
        "second": StepStatus.CANCELLED,
        "third": StepStatus.CANCELLED,
    }
    assert claude.requests == []  # the step never started
    [card] = cards_in(slack, thread_of(runtime, campaign_id))
    assert f"Rejected by <@{MARIA}>" in card_text(card) and "Not this quarter" in card_text(card)
    with runtime.sessions() as session:
        assert campaigns.status_of(session, TEAM, campaign_id) == CampaignStatus.FAILED

    click(bolt, slack, pending, ACTIONS["approve"], MARIA)  # a second click, on the old card
    assert any("Already rejected by you" in text for text in ephemerals_to(slack, MARIA))


def test_request_changes_on_a_gate_after_fails_the_step_like_a_rejection(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, bolt: ServedApp
) -> None:
    campaign_id, card = _at_its_gate(runtime, slack, _three_steps({"first": "after"}))
    click(bolt, slack, card, ACTIONS["changes"], MARIA)
    submit_modal(bolt, slack, MARIA, "Shorter, please")
    work(runtime)
    assert _statuses(runtime, campaign_id)["first"] == StepStatus.FAILED
    [card] = cards_in(slack, thread_of(runtime, campaign_id))
    assert f"Changes requested by <@{MARIA}>" in card_text(card)


def test_a_cancelled_campaigns_gate_card_says_it_is_no_longer_needed(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, bolt: ServedApp
) -> None:
    campaign_id, pending = _at_its_gate(runtime, slack, _three_steps({"first": "before"}))
    assert control.cancel(runtime, TEAM, campaign_id, HUMAN)
    work(runtime)
    [card] = cards_in(slack, thread_of(runtime, campaign_id))
    assert "No longer needed: the campaign is cancelled" in card_text(card)
    click(bolt, slack, pending, ACTIONS["approve"], MARIA)  # a click on the old buttons
    assert any("closed without a decision" in text for text in ephemerals_to(slack, MARIA))
    work(runtime)
    assert set(_statuses(runtime, campaign_id).values()) == {StepStatus.CANCELLED}
    assert claude.requests == []


def test_a_decision_whose_follow_up_was_lost_is_applied_by_the_sweeper(
    runtime: Runtime,
    slack: SlackStandIn,
    claude: ScriptedClaude,
    bolt: ServedApp,
    request: pytest.FixtureRequest,
) -> None:
    campaign_id, card = _at_its_gate(runtime, slack, _three_steps({"first": "before"}))
    click(bolt, slack, card, ACTIONS["approve"], MARIA)
    runtime.redis.flushdb()  # the decision is recorded; its job went with Redis
    assert _statuses(runtime, campaign_id)["first"] == StepStatus.WAITING_APPROVAL
    frozen = request.getfixturevalue("clock")
    frozen.move_to(utcnow() + timedelta(seconds=61))
    approval_id = next(
        e["value"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]
    )
    swept = sweep(runtime.sessions, runtime.redis, runtime.settings.queue_name, grace_s=60)
    assert CAMPAIGN_DECISION.job_id(TEAM, approval_id) in swept
    work(runtime)
    assert set(_statuses(runtime, campaign_id).values()) == {StepStatus.DONE}
    [card] = cards_in(slack, thread_of(runtime, campaign_id))
    assert f"Approved by <@{MARIA}>" in card_text(card)


def test_a_pass_killed_after_posting_a_card_posts_it_once(
    runtime: Runtime, slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    campaign_id = _planned(runtime, slack, _three_steps({"first": "before"}))
    with runtime.sessions() as session:
        assert campaigns.approve(session, TEAM, campaign_id, HUMAN)

    def killed(*_args: object) -> None:
        raise SystemExit("killed between the post and saving its ts")

    monkeypatch.setattr("models.approvals.set_card", killed)
    with pytest.raises(SystemExit):
        CampaignEngine(runtime).advance(TEAM, campaign_id)
    monkeypatch.undo()
    assert len(cards_in(slack, thread_of(runtime, campaign_id))) == 1
    CampaignEngine(runtime).advance(TEAM, campaign_id)  # the retry (a sweep) finds it
    CampaignEngine(runtime).advance(TEAM, campaign_id)
    assert len(cards_in(slack, thread_of(runtime, campaign_id))) == 1
    assert _statuses(runtime, campaign_id)["first"] == StepStatus.WAITING_APPROVAL
