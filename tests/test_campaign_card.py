"""From brief to plan card to approval, with the real pieces: a signed `/campaign` through
the real Bolt app, Redis and an RQ worker (in-process, burst), the database, the Slack
stand-in and the scripted Claude over HTTP answering the forced `analyze_request` and
`propose_plan` calls from the brief's words and the pattern template it is handed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from jobs.campaigns import analysis, control
from jobs.queue import ADVANCE_CAMPAIGN, CAMPAIGN_CARD, waiting_job_ids
from jobs.runtime import Runtime
from jobs.sweeper import sweep
from models import campaign_steps, campaigns
from models.campaigns import Campaign, CampaignStatus, StepStatus
from models.records import LlmCall
from models.work import Task
from sandbox import slack_interactions as interactions
from sandbox.claude_api import ScriptedClaude, ToolUseReply
from sandbox.product_turns import forced_tool
from sandbox.scripted_department import department_responder
from sandbox.slack_api import SlackStandIn
from tests.conftest import CHANNEL_CONTENT, CHANNEL_GENERAL, HUMAN, TEAM, ServedApp, work
from tests.handlers.test_campaign_forms import brief_values
from tests.handlers.test_commands import open_form, submit
from tests.test_approval_flow import _click as approve_draft

CAMPAIGNS = "C0CAMPAIGNS"
DEADLINE = datetime.now(UTC).date() + timedelta(days=30)
APPROVER = "U0APPROVER"
OUTSIDER = "U0OUTSIDER"
CASE_STUDY = "a customer case study with testimonials and ROI data"  # a project: it waits
CONFERENCE = (
    "launch an awareness campaign for our AI analytics feature: content, social, email, "
    "webinar, sales hand-off; track ROI; conference in 3 weeks; budget $50k"
)

pytestmark = pytest.mark.usefixtures("unpaced_department")  # reads what was said


@pytest.fixture()
def claude() -> Iterator[ScriptedClaude]:
    with ScriptedClaude(responder=department_responder) as stub:
        yield stub


@pytest.fixture(autouse=True)
def people(slack: SlackStandIn) -> None:
    slack.add_channel(CAMPAIGNS, "mkt-campaigns")
    slack.add_user(APPROVER, "ana", is_admin=True)  # approvals.toml: admins approve plans
    slack.add_user(OUTSIDER, "otto")


def _campaign_command(bolt: ServedApp, brief: str, channel: str = CHANNEL_GENERAL) -> str:
    response = bolt.sender.send_command("/campaign", brief, user_id=HUMAN, channel_id=channel)
    assert response.status == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    return str(body["text"])


def _only_campaign(runtime: Runtime) -> Campaign:
    with runtime.sessions() as session:
        [campaign] = session.scalars(select(Campaign)).all()
        return campaign


def _card(slack: SlackStandIn, channel: str = CAMPAIGNS) -> dict[str, Any]:
    """The campaign card: the channel's one top-level message with blocks (gate and budget
    cards are replies in its thread)."""
    [card] = [
        m
        for m in slack.messages(channel)
        if m.get("blocks") and m.get("thread_ts") in (None, m["ts"])
    ]
    return card


def _card_text(card: dict[str, Any]) -> str:
    return "\n".join(
        str((b.get("text") or {}).get("text") or b.get("elements", [{}])[0].get("text", ""))
        for b in card["blocks"]
    )


def _buttons(card: dict[str, Any]) -> dict[str, str]:
    return {
        e["text"]["text"]: e["action_id"]
        for b in card["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }


def _click(bolt: ServedApp, slack: SlackStandIn, label: str, user: str) -> None:
    card = _card(slack)
    action_id = _buttons(card)[label]
    value = next(
        e["value"]
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
        action={"action_id": action_id, "block_id": "campaign", "type": "button", "value": value},
    )
    assert bolt.sender.send_interaction(payload).status == 200


def _queued(runtime: Runtime) -> set[str]:
    return set(waiting_job_ids(runtime.redis, runtime.settings.queue_name))


def test_a_conference_brief_becomes_a_workflow_card_that_an_approver_starts(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    said = _campaign_command(bolt, CONFERENCE)
    campaign = _only_campaign(runtime)  # recorded before the ack
    assert said.startswith(f"Analyzing… campaign `{campaign.id}`")
    assert campaign.status == CampaignStatus.ANALYZING
    assert (campaign.requested_by, campaign.channel_id) == (HUMAN, CHANNEL_GENERAL)
    assert _queued(runtime) == {f"analyze-{campaign.id}"}

    work(runtime)  # the analysis: factors, decision, plan, card

    assert [forced_tool(r.body) for r in claude.requests] == ["analyze_request", "propose_plan"]
    campaign = _only_campaign(runtime)
    assert campaign.status == CampaignStatus.PLANNED
    assert campaign.decision is not None and campaign.decision["approach"] == "workflow_engine"
    assert campaign.pattern == "product_launch" and campaign.plan is not None
    card = _card(slack)
    assert (card["username"], card["ts"]) == ("VP Marketing", campaign.thread_ts)
    text = _card_text(card)
    for shown in (
        "Decision: workflow_engine",
        "confidence 0.95",
        "pattern: `product_launch`",
        "Key considerations",
        "Teams (",
        "conditional on `lead_score &gt; 70`",  # escaped once, as Slack shows it
        "continuous, every",
        "Define campaign strategy and key messages",
        ":lock: a person approves",
    ):
        assert shown in text, shown
    assert set(_buttons(card)) == {"Approve plan", "Edit", "Cancel"}
    with runtime.sessions() as session:
        calls = session.scalars(select(LlmCall).where(LlmCall.turn_id == campaign.id)).all()
    assert len(calls) == 2 and all(call.cost_usd > 0 for call in calls)

    _click(bolt, slack, "Approve plan", OUTSIDER)  # not an approver: refused, nothing changes
    [refusal] = slack.ephemerals(CAMPAIGNS)
    assert refusal["user"] == OUTSIDER and refusal["text"].startswith("Only a workspace admin")
    assert _only_campaign(runtime).status == CampaignStatus.PLANNED

    _click(bolt, slack, "Approve plan", APPROVER)
    assert _only_campaign(runtime).status == CampaignStatus.RUNNING
    card_edit = CAMPAIGN_CARD.job_id(TEAM, campaign.id)
    assert _queued(runtime) == {ADVANCE_CAMPAIGN.job_id(TEAM, campaign.id), card_edit}
    work(runtime)  # the engine's passes and the step's work, up to the first gate

    with runtime.sessions() as session:
        rows = campaign_steps.steps_of(session, TEAM, campaign.id)
        started = {r.step_id: session.get(Task, r.task_id) for r in rows if r.task_id}
    assert list(started) == ["define-strategy"]  # the first phase is sequential
    assert {r.step_id: r.status for r in rows}["define-strategy"] != StepStatus.PENDING
    task = started["define-strategy"]
    assert task is not None and task.assigned_to == "vp_marketing" and task.thread_ts
    card = _card(slack)
    assert _buttons(card) == {} and f"approved: running by <@{APPROVER}>" in _card_text(card)


def test_a_blog_post_is_handed_straight_to_its_manager_and_reported(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    slack.add_channel("C0LEADERSHIP", "mkt-leadership")
    _campaign_command(bolt, "write a blog post about our new feature")
    work(runtime)  # analysis, hand-off, the manager's work, the report
    campaign = _only_campaign(runtime)
    assert campaign.decision is not None and campaign.decision["approach"] == "direct_delegation"
    assert [forced_tool(r.body) for r in claude.requests].count("propose_plan") == 0
    assert campaign.decided_by is None  # nobody clicked Approve
    assert campaign.plan is not None
    [step] = campaign.plan["phases"][0]["steps"]
    assert (step["agent"], step["action"]) == (
        "content_manager",
        "write a blog post about our new feature",
    )
    with runtime.sessions() as session:
        [row] = campaign_steps.steps_of(session, TEAM, campaign.id)
        task = session.get(Task, row.task_id)
    assert task is not None and task.assigned_to == "content_manager"
    assert (task.channel_id, task.created_by) == (CHANNEL_CONTENT, "vp_marketing")
    text = _card_text(_card(slack))  # while the manager's team works
    assert "*Handed to Content Manager*: Task estimated at 2.0 hours" in text
    assert "handed over (no plan to approve): at work" in text

    # The draft goes through the department's own approval card, as any blog post does.
    [draft_card] = [
        m
        for m in slack.messages(CHANNEL_CONTENT, task.thread_ts)
        if "approval-approve" in str(m.get("blocks"))
    ]
    approve_draft(bolt, slack, draft_card, "approval-approve", APPROVER)
    for _ in range(4):
        work(runtime)
    campaign = _only_campaign(runtime)
    assert campaign.status == CampaignStatus.DONE

    card = _card(slack)
    text = _card_text(card)
    assert (
        f"/archives/{CHANNEL_CONTENT}/p{str(task.thread_ts).replace('.', '')}|the thread>" in text
    )
    assert _buttons(card) == {} and "· done" in text
    [opened, *answers] = slack.messages(CHANNEL_CONTENT, task.thread_ts)
    assert opened["username"] == "VP Marketing" and answers
    assert answers[-1]["username"] == "Content Manager"
    [report_post] = [
        m for m in slack.messages(CAMPAIGNS, campaign.thread_ts) if "is done" in m["text"]
    ]
    assert report_post["text"].startswith(f"<@{HUMAN}> the campaign *hand-off* is done")
    assert "Content Manager: write a blog post about our new feature" in report_post["text"]
    assert len(slack.messages("C0LEADERSHIP")) == 1  # the CMO's copy


def _pending_approval_cards(slack: SlackStandIn) -> list[dict[str, Any]]:
    return [
        m for m in slack.messages(CHANNEL_CONTENT) if "approval-approve" in str(m.get("blocks"))
    ]


def test_a_case_study_is_a_checklist_run_in_order_and_kept_current_on_the_card(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    slack.add_channel("C0INSIGHTS", "mkt-insights")
    _campaign_command(bolt, CASE_STUDY)
    work(runtime)
    campaign = _only_campaign(runtime)
    assert campaign.decision is not None
    assert campaign.decision["approach"] == "project_management"
    assert campaign.plan is not None
    assert {p["type"] for p in campaign.plan["phases"]} == {"sequential"}
    order = [s["id"] for p in campaign.plan["phases"] for s in p["steps"]]
    assert "Approve plan" in _buttons(_card(slack))
    assert ":white_circle:" not in _card_text(_card(slack))  # nothing has run yet

    _click(bolt, slack, "Approve plan", APPROVER)
    work(runtime)
    text = _card_text(_card(slack))  # run up to the first gate: the checklist says so
    assert ":white_check_mark: Market Research: Interview the customer" in text
    assert ":white_check_mark: Analytics Specialist: Gather and check the ROI data" in text
    assert ":raised_hand: Copywriter: Write the case study" in text  # its output waits
    assert text.count(":white_circle:") == 2  # the rest wait their turn
    gates = 0
    for _ in range(len(order) * 2):  # a person decides each gate (the gate's card does this)
        with runtime.sessions() as session:
            rows = campaign_steps.steps_of(session, TEAM, campaign.id)
        for row in rows:
            if row.status == StepStatus.WAITING_APPROVAL:
                gates += control.decide_gate(runtime, TEAM, campaign.id, row.id, approved=True)
        for card in _pending_approval_cards(slack):  # a draft the department submitted
            approve_draft(bolt, slack, card, "approval-approve", APPROVER)
        work(runtime)
    campaign = _only_campaign(runtime)
    assert campaign.status == CampaignStatus.DONE and gates == 2  # write-study, design-study
    with runtime.sessions() as session:
        rows = campaign_steps.steps_of(session, TEAM, campaign.id)
        started = sorted(rows, key=lambda r: session.get(Task, r.task_id).created_at)  # type: ignore[union-attr]
    assert [r.step_id for r in started] == order  # one after another, in the plan's order
    text = _card_text(_card(slack))
    assert text.count(":white_check_mark:") == len(order) and "· done" in text
    assert [m for m in slack.messages(CAMPAIGNS) if "is done. Here is" in m["text"]]


def _bad_plan() -> ToolUseReply:
    return ToolUseReply(
        "propose_plan",
        {
            "name": "launch",
            "start": "2026-12-01",
            "end": "2026-12-20",
            "phases": [
                {
                    "name": "Work",
                    "type": "sequential",
                    "steps": [
                        {
                            "id": "x",
                            "agent": "intern",
                            "action": "Write everything",
                            "action_type": "blog_post",
                            "due": "2026-12-02",
                        }
                    ],
                }
            ],
        },
    )


def _proposing(body: dict[str, Any]) -> bool:
    return forced_tool(body) == "propose_plan"


def test_an_invalid_plan_is_repaired_once_with_its_problems(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    claude.script_for(_proposing, _bad_plan())  # then the responder's valid plan
    _campaign_command(bolt, CONFERENCE)
    work(runtime)
    repair = claude.requests[-1].body
    [result] = [
        block for block in repair["messages"][-1]["content"] if block.get("type") == "tool_result"
    ]
    assert result["is_error"] is True and "'intern'" in str(result["content"])
    assert _only_campaign(runtime).status == CampaignStatus.PLANNED


def test_a_plan_still_invalid_after_the_repair_is_refused_on_the_card(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    claude.script_for(_proposing, _bad_plan(), _bad_plan())
    _campaign_command(bolt, CONFERENCE)
    work(runtime)
    assert [forced_tool(r.body) for r in claude.requests].count("propose_plan") == 2
    campaign = _only_campaign(runtime)
    assert campaign.status == CampaignStatus.FAILED and campaign.plan is None
    text = _card_text(_card(slack))
    assert "The plan was refused" in text and "intern" in text
    assert _buttons(_card(slack)) == {}


def test_running_the_analysis_again_posts_no_second_card(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    _campaign_command(bolt, CASE_STUDY)
    work(runtime)
    campaign = _only_campaign(runtime)
    asked = len(claude.requests)
    analysis.analyze(TEAM, campaign.id)
    assert len(claude.requests) == asked  # past analyzing: no new Claude call
    assert len([m for m in slack.messages(CAMPAIGNS) if m.get("blocks")]) == 1
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_a_brief_sent_while_redis_is_away_is_analysed_by_the_sweeper(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    _campaign_command(bolt, CASE_STUDY)
    runtime.redis.flushdb()  # Redis lost the job (restarted without its data)
    campaign = _only_campaign(runtime)
    requeued = sweep(runtime.sessions, runtime.redis, runtime.settings.queue_name, grace_s=0)
    assert requeued == [f"analyze-{campaign.id}"]
    assert sweep(runtime.sessions, runtime.redis, runtime.settings.queue_name, grace_s=0) == []
    work(runtime)
    assert _only_campaign(runtime).status == CampaignStatus.PLANNED


def test_a_command_from_a_dm_keeps_the_card_in_the_dm(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    _campaign_command(bolt, CASE_STUDY, channel="D0HUMAN")
    work(runtime)
    assert _card(slack, "D0HUMAN")["ts"] == _only_campaign(runtime).thread_ts
    assert [m for m in slack.messages(CAMPAIGNS) if m.get("blocks")] == []


def test_commands_answer_about_campaigns_of_this_workspace_only(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    _campaign_command(bolt, "write a blog post about our new feature")
    campaign = _only_campaign(runtime)
    with runtime.sessions() as session:
        elsewhere = Campaign(team_id="T0OTHER", requested_by="U0X", brief="theirs", budget_usd=1)
        session.add(elsewhere)
        session.commit()
        other_id = elsewhere.id
    assert f"No campaign `{other_id}` in this workspace" in _campaign_command(
        bolt, f"cancel {other_id}"
    )
    assert "No campaign `nope`" in _campaign_command(bolt, "status nope")
    listed = _campaign_command(bolt, "list")
    assert campaign.id in listed and other_id not in listed
    assert f"Campaign `{campaign.id}` is being analysed" in _campaign_command(
        bolt, f"status {campaign.id}"
    )
    assert "is being analysed: nothing changed" in _campaign_command(bolt, f"pause {campaign.id}")
    assert _campaign_command(bolt, f"cancel {campaign.id}").startswith("Cancelled")
    with runtime.sessions() as session:
        assert campaigns.status_of(session, "T0OTHER", other_id) == CampaignStatus.ANALYZING
        assert session.scalar(select(func.count()).select_from(Campaign)) == 2


def test_the_brief_form_records_its_deadline_budget_and_metrics(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    form = open_form(bolt, slack, "")
    values = brief_values(
        brief="a customer case study with testimonials and ROI data",
        deadline=DEADLINE.isoformat(),
        budget="40",
        metrics="3 quotes",
    )
    answer = submit(bolt, slack, form, values)
    assert answer["response_action"] == "update"
    campaign = _only_campaign(runtime)
    assert (campaign.budget_usd, campaign.ends_on) == (Decimal("40.00"), DEADLINE)
    assert campaign.brief.endswith("Success metrics: 3 quotes")
    work(runtime)
    campaign = _only_campaign(runtime)
    assert campaign.plan is not None and campaign.plan["end"] == DEADLINE.isoformat()
