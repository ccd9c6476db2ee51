"""The blocks of a campaign's approval cards, rendered from the records every time (posted,
decided, expired): a gate's card says which campaign, step and agent, whether the step waits
to start or its output waits, with links to the step's thread and the campaign card; a
budget hold's card says what was spent and offers the raise or the stop.

The buttons are the approvals machinery's own (`jobs/approvals/cards.ACTIONS`, the value the
approval's id), so a click is checked and decided by `handlers/approvals.py` like any card.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bots.approvers import CAMPAIGN_BUDGET, approvers_text
from bots.plans import Plan, Step
from jobs.approvals.cards import ACTIONS, OUTCOME_BLOCK, slack_time, state_line, who
from jobs.campaigns.report import permalink
from jobs.runtime import Runtime
from jobs.slack.blocks import button, context, header
from jobs.slack.text import Mrkdwn, link, md, mention, mrkdwn_text
from jobs.workspace import approvals_for
from models import campaign_spend, campaigns, tasks
from models.approvals import Approval, ApprovalStatus
from models.campaigns import Campaign, CampaignStep
from models.work import Task

NO_LONGER_NEEDED = ":hourglass: No longer needed: {why}. Nothing to decide."


def render(rt: Runtime, approval: Approval) -> tuple[Mrkdwn, list[dict[str, Any]]]:
    """The notification text and blocks of this campaign approval's card, as it stands."""
    assert approval.campaign_id is not None
    with rt.sessions() as session:
        campaign = campaigns.load_campaign(session, approval.team_id, approval.campaign_id)
        row = session.scalar(
            select(CampaignStep).where(
                CampaignStep.team_id == approval.team_id, CampaignStep.id == approval.subject_id
            )
        )
        task = (
            tasks.load_task(session, approval.team_id, row.task_id) if row and row.task_id else None
        )
        spend = campaign_spend.spend_usd(session, approval.team_id, approval.campaign_id)
    assert campaign is not None and campaign.plan is not None
    plan = Plan.model_validate(campaign.plan)
    budget = approval.action_type == CAMPAIGN_BUDGET and row is None
    if budget:
        question = _budget_question(campaign, plan, f"{spend:,.2f}")
        buttons = [
            button(approval.title[:75], ACTIONS["approve"], approval.id, style="primary"),
            button("Stop campaign", ACTIONS["reject"], approval.id, style="danger"),
        ]
        head = f"Budget: {plan.name}"
    else:
        assert row is not None
        step = next(s for _i, _p, s in plan.steps() if s.id == row.step_id)
        question = _gate_question(rt, step, row, task)
        buttons = [
            button("Approve", ACTIONS["approve"], approval.id, style="primary"),
            button("Request changes", ACTIONS["changes"], approval.id),
            button("Reject", ACTIONS["reject"], approval.id, style="danger"),
        ]
        head = f"Approval: {step.action}"
    blocks: list[dict[str, Any]] = [header(head)]
    if approval.status != ApprovalStatus.PENDING.value:  # the outcome, under the title
        outcome = _state(rt, approval, campaign, budget).cut(3000)
        blocks.append({"type": "section", "block_id": OUTCOME_BLOCK, "text": mrkdwn_text(outcome)})
    blocks += [
        context(_byline(rt, approval, campaign, plan)),
        {"type": "section", "text": mrkdwn_text(question.cut(3000))},
    ]
    if approval.status == ApprovalStatus.PENDING.value:
        blocks.append({"type": "actions", "block_id": "approval", "elements": buttons})
    text = md("Approval needed: {title} (campaign {name})", title=approval.title, name=plan.name)
    return text.cut(3000), blocks


def _byline(rt: Runtime, approval: Approval, campaign: Campaign, plan: Plan) -> Mrkdwn:
    card = (
        link(
            permalink(rt, campaign.team_id, campaign.channel_id, campaign.thread_ts),
            "campaign card",
        )
        if campaign.channel_id and campaign.thread_ts
        else Mrkdwn("campaign card")
    )
    return md(
        "Campaign *{name}* (`{id}`) · {card} · requested by {who} · {label} · who may "
        "decide: {approvers}",
        name=plan.name,
        id=campaign.id,
        card=card,
        who=mention(campaign.requested_by),
        label=rt.approvals.label(approval.action_type),
        approvers=Mrkdwn(approvers_text(approvals_for(rt, approval.team_id), approval.action_type)),
    )


def _gate_question(rt: Runtime, step: Step, row: CampaignStep, task: Task | None) -> Mrkdwn:
    agent = rt.roster.by_id.get(step.agent)
    name = agent.display_name if agent else step.agent
    reason = md(" _{why}_", why=step.gate.reason) if step.gate and step.gate.reason else ""
    if step.gate is not None and step.gate.when == "before":
        return md(
            "*Gate before the step: may it start?* {agent} is to: {action} (due {due}).{reason}",
            agent=name,
            action=step.action,
            due=row.due_date.isoformat(),
            reason=reason,
        )
    thread = (
        link(permalink(rt, task.team_id, task.channel_id, task.thread_ts), "the step's thread")
        if task is not None and task.channel_id and task.thread_ts
        else Mrkdwn("the step's thread")
    )
    return md(
        "*Gate after the step: approve its output?* {agent} did: {action}. Read it in "
        "{thread}.{reason}",
        agent=name,
        action=step.action,
        thread=thread,
        reason=reason,
    )


def _budget_question(campaign: Campaign, plan: Plan, spend: str) -> Mrkdwn:
    offer = campaign.budget_hold_usd
    raise_to = f"{offer:,.2f}" if offer is not None else "more"
    return md(
        "*The budget holds this campaign.* {name} has spent ${spend} of its ${budget} budget "
        "and its next AI call would pass it, so no new step starts and no call is made: the "
        "work waits, nothing is lost.\n*Raise budget to ${offer}* and the held work goes on; "
        "*Stop campaign* cancels it and posts its report.",
        name=plan.name,
        spend=spend,
        budget=f"{campaign.budget_usd:,.2f}",
        offer=raise_to,
    )


def _state(rt: Runtime, approval: Approval, campaign: Campaign, budget: bool) -> Mrkdwn:
    """Who decided what and when, in the card's words; or why nobody needs to."""
    if approval.status == ApprovalStatus.EXPIRED.value:
        why = (
            f"the campaign is {campaign.status}"
            if campaign.status not in ("running", "paused")
            else "the budget was settled"
            if budget
            else "the step no longer waits"
        )
        return md(NO_LONGER_NEEDED, why=why)
    if not budget:
        return state_line(approval, rt.roster)
    by = who(approval.decided_by or "", rt.roster)
    when = md(" at {t}", t=slack_time(approval.decided_at)) if approval.decided_at else ""
    if approval.status == ApprovalStatus.APPROVED.value:
        return md(
            ":white_check_mark: {title}: approved by {by}{when}",
            title=approval.title,
            by=by,
            when=when,
        )
    return md(":octagonal_sign: Campaign stopped by {by}{when}", by=by, when=when)
