"""A campaign's approval cards: one per gate waiting (may the step start? / approve its
output) and one per budget hold (raise the budget, or stop the campaign), through the
approvals machinery: an `Approval` row (its `campaign_id` set, so a click's follow-up comes
here), the card's buttons and refusals of `handlers/approvals.py`, who may decide from
`bots/approvals.toml` (the step's action type, or `campaign_budget`).

Every engine pass calls `sync`: it makes the approvals still missing (passes never overlap,
so each gate and hold gets exactly one), posts each card once (`post_once`, keyed by the
approval), and expires the pending ones nobody needs any more (the campaign ended, the step
was cancelled, the hold released), so their cards say so. A decision's job,
`after_campaign_decision`, edits the card and applies it: the gate's `decide_gate`, the
budget's raise (parked work resumes) or stop (the campaign is cancelled). Both are safe to
run twice; the sweeper re-runs a decision whose effect is missing.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bots.approvers import CAMPAIGN_BUDGET
from bots.plans import Plan, Step
from jobs import runtime as runtime_module
from jobs.campaigns import campaign_cards, control
from jobs.campaigns.cards import ADVISOR
from jobs.department.delegation import enqueue_task, persona
from jobs.runtime import Runtime
from jobs.slack.post_once import ReplyTarget, post_once
from models import approvals, campaign_budget, campaign_steps, campaigns
from models.approvals import Approval, ApprovalStatus
from models.campaigns import Campaign, CampaignStatus, CampaignStep, StepStatus

logger = logging.getLogger(__name__)


def sync(rt: Runtime, team_id: str, campaign_id: str) -> None:
    """Make, post and expire the campaign's approval cards to match its state (one pass)."""
    with rt.sessions() as session:
        campaign = campaigns.load_campaign(session, team_id, campaign_id)
        rows = campaign_steps.steps_of(session, team_id, campaign_id)
        known = campaign_budget.approvals_of(session, team_id, campaign_id)
    if campaign is None or campaign.plan is None or campaign.thread_ts is None:
        return
    plan = Plan.model_validate(campaign.plan)
    subjects = {approval.subject_id for approval in known}
    for row in rows:
        if row.status == StepStatus.WAITING_APPROVAL and row.id not in subjects:
            _propose_gate(rt, campaign, _step(plan, row.step_id), row)
    if campaign.budget_hold_usd is not None and campaign.budget_approval_id is None:
        _propose_budget(rt, campaign)
    _expire_unneeded(rt, team_id, campaign_id, rows)
    with rt.sessions() as session:
        unposted = [
            a
            for a in campaign_budget.approvals_of(session, team_id, campaign_id)
            if a.status == ApprovalStatus.PENDING.value and a.card_ts is None
        ]
    for approval in unposted:  # not posted yet, or posted by a pass killed before saving it
        post_card(rt, approval)


def _propose_gate(rt: Runtime, campaign: Campaign, step: Step, row: CampaignStep) -> None:
    assert step.gate is not None and campaign.thread_ts is not None
    before = row.task_id is None
    with rt.sessions() as session:
        approvals.propose(
            session,
            team_id=campaign.team_id,
            subject_id=row.id,
            action_type=step.action_type,
            title=step.action,
            draft=("May this step start? " if before else "Approve this step's output? ")
            + step.action,
            drafted_by=step.agent,
            submitted_by=ADVISOR,
            requested_by=campaign.requested_by,
            task_id=None,
            where=(campaign.channel_id or "", campaign.thread_ts),
            campaign_id=campaign.id,
        )


def _propose_budget(rt: Runtime, campaign: Campaign) -> None:
    assert campaign.budget_hold_usd is not None and campaign.thread_ts is not None
    with rt.sessions() as session:
        approval = approvals.propose(
            session,
            team_id=campaign.team_id,
            subject_id=campaign.id,
            action_type=CAMPAIGN_BUDGET,
            title=f"Raise budget to ${campaign.budget_hold_usd:,.2f}",
            draft=f"Raise the budget from ${campaign.budget_usd:,.2f} to "
            f"${campaign.budget_hold_usd:,.2f}, or stop the campaign.",
            drafted_by=ADVISOR,
            requested_by=campaign.requested_by,
            where=(campaign.channel_id or "", campaign.thread_ts),
            campaign_id=campaign.id,
        )
        campaign_budget.set_card(session, campaign.team_id, campaign.id, approval.id)


def _expire_unneeded(rt: Runtime, team_id: str, campaign_id: str, rows: list[CampaignStep]) -> None:
    """Pending cards whose question is gone: a gate whose step no longer waits (cancelled,
    the campaign failed), a hold that is not the campaign's (raised, or the campaign over)."""
    with rt.sessions() as session:
        campaign = campaigns.load_campaign(session, team_id, campaign_id)
    if campaign is None:
        return
    waiting = {row.id for row in rows if row.status == StepStatus.WAITING_APPROVAL}
    holding = campaign.status in campaign_budget.HOLDING
    budget_card = campaign.budget_approval_id if holding else None
    gone = [campaign.id]  # a budget card other than the hold's own
    gone += [row.id for row in rows if row.id not in waiting]
    with rt.sessions() as session:
        closed = [
            approvals.load(session, campaign.team_id, a.id)
            for a in campaign_budget.approvals_of(session, campaign.team_id, campaign.id)
            if a.status == ApprovalStatus.PENDING.value
            and a.subject_id in gone
            and a.id != budget_card
            and approvals.expire(session, campaign.team_id, a.id)
        ]
    for approval in closed:
        if approval is not None:
            refresh_card(rt, approval)


def post_card(rt: Runtime, approval: Approval) -> None:
    """Post the card once in the campaign's thread (a re-run finds it by its key)."""
    assert approval.channel_id is not None and approval.thread_ts is not None
    text, blocks = campaign_cards.render(rt, approval)
    ts = post_once(
        rt.slack_for(approval.team_id),
        rt.sessions,
        ReplyTarget(
            approval.team_id, f"p{approval.id[:31]}", approval.channel_id, approval.thread_ts
        ),
        persona(rt.roster.get(ADVISOR)),
        text,
        blocks,
    )
    if approval.card_ts != ts:
        with rt.sessions() as session:
            approvals.set_card(session, approval, ts)


def refresh_card(rt: Runtime, approval: Approval) -> None:
    """Edit a posted card to its state (decided, expired); a failure is logged: its buttons
    are dead either way (a click is refused with the reason)."""
    if approval.card_ts is None or approval.channel_id is None:
        return
    text, blocks = campaign_cards.render(rt, approval)
    try:
        rt.slack_for(approval.team_id).chat_update(
            channel=approval.channel_id, ts=approval.card_ts, text=text.text, blocks=blocks
        )
    except SlackApiError as error:
        logger.warning("Card %s not updated: %s", approval.id, error.response.get("error"))


def after_campaign_decision(team_id: str, approval_id: str) -> str:
    """RQ job after a person decided a campaign's card: the card shows it, and the decision
    is applied. Safe to run twice: every effect is guarded."""
    rt = runtime_module.current()
    with rt.sessions() as session:
        approval = approvals.load(session, team_id, approval_id)
    if approval is None or approval.campaign_id is None:
        return "nothing to do"
    if approval.status == ApprovalStatus.PENDING.value:
        return "pending"
    refresh_card(rt, approval)
    apply(rt, approval)
    return approval.status


def apply(rt: Runtime, approval: Approval) -> None:
    """Approve: the gate opens, or the budget is raised and the parked work goes on.
    Request changes or reject: the gated step fails (and with it the campaign, as a
    rejection does), or the budget's "Stop campaign" cancels it."""
    assert approval.campaign_id is not None
    team_id, campaign_id = approval.team_id, approval.campaign_id
    approved = approval.status == ApprovalStatus.APPROVED.value
    if approval.action_type != CAMPAIGN_BUDGET or approval.subject_id != campaign_id:
        control.decide_gate(rt, team_id, campaign_id, approval.subject_id, approved=approved)
        return
    if not approved:
        control.cancel(rt, team_id, campaign_id, approval.decided_by or "")
        return
    with rt.sessions() as session:
        raised = campaign_budget.raise_budget(session, team_id, campaign_id, approval.id)
    if raised:
        control.request_advance(rt, team_id, campaign_id)
    resume_parked(rt, team_id, campaign_id)


def resume_parked(rt: Runtime, team_id: str, campaign_id: str) -> None:
    """Once the hold is gone, the tasks it parked run again (each once: unparking is
    guarded); in a campaign that failed meanwhile they are cancelled instead. The engine
    calls this on every pass too, for a follow-up that died."""
    with rt.sessions() as session:
        campaign = campaigns.load_campaign(session, team_id, campaign_id)
        if campaign is None or campaign.budget_hold_usd is not None:
            return
        if campaign.status == CampaignStatus.FAILED:  # its running steps finish; held ones not
            campaign_budget.cancel_parked(session, team_id, campaign_id)
            return
        if campaign.status not in campaign_budget.HOLDING:
            return
        resumed = campaign_budget.unpark(session, team_id, campaign_id)
    for task_id in resumed:
        enqueue_task(rt, team_id, task_id)


def _step(plan: Plan, step_id: str) -> Step:
    for _index, _phase, step in plan.steps():
        if step.id == step_id:
            return step
    raise KeyError(f"step {step_id} is not in the plan")
