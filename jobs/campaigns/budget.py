"""The campaign's budget, held before it is spent (issue 17, "Budget").

Every Claude call a campaign's work makes (a step's task and everything delegated below it)
is checked first, from an estimate of that call (`jobs/claude/estimate.py`): a call that would
take the spend past the budget is not made. The task is parked (`models/campaign_budget.py`:
nothing ran, nothing is lost) and the campaign is held: no new step starts and no other call
is made until a person decides the budget card the engine posts (`campaign_approvals.py`):
raise the budget to the offer (the parked work goes on) or stop the campaign. A campaign whose
spend has reached its budget when a step could start is held the same way. The requester is
told once, in the card's thread; the progress message and the card warn from 80 %.
"""

from __future__ import annotations

import logging
from decimal import ROUND_CEILING, Decimal

from slack_sdk.errors import SlackApiError

from errors import CampaignBudgetHeld
from jobs.agent.loop import CallCheck, no_check
from jobs.campaigns.cards import ADVISOR
from jobs.campaigns.control import request_advance
from jobs.claude.client import LlmRequest
from jobs.claude.estimate import estimate_usd
from jobs.runtime import Runtime
from jobs.slack.post_once import Persona, ReplyTarget, post_once
from jobs.slack.text import md, mention
from models import campaign_budget, campaign_spend, campaigns
from models.campaigns import Campaign

logger = logging.getLogger(__name__)
CENT = Decimal("0.01")
PARKED_TEXT = "_Waiting: the campaign's budget is held. I go on once a person raises it._"


def held_key(campaign_id: str) -> str:
    """The post-once key of the "budget spent" notice (`slack_posts.turn_id`, ≤ 32 chars)."""
    return f"b{campaign_id[:31]}"


def offer(rt: Runtime, budget: Decimal, spend: Decimal, needed: Decimal) -> Decimal:
    """The budget the hold's card offers: what the campaign needs (its budget, or its spend
    plus the held call if more) and `campaign_budget_raise_pct` on top, in whole cents."""
    base = max(budget, spend + needed)
    step = Decimal(100 + rt.settings.campaign_budget_raise_pct) / 100
    return (base * step).quantize(CENT, rounding=ROUND_CEILING)


def holds(rt: Runtime, campaign: Campaign) -> bool:
    """True if the budget holds the campaign, so no step may start: it was held already, or
    its spend has reached the budget (then it is held now)."""
    team_id = campaign.team_id
    with rt.sessions() as session:
        current = campaigns.load_campaign(session, team_id, campaign.id)
        spend = campaign_spend.spend_usd(session, team_id, campaign.id)
    if current is None:
        return True
    if current.budget_hold_usd is None and spend < current.budget_usd:
        return False
    with rt.sessions() as session:
        raise_to = offer(rt, current.budget_usd, spend, Decimal(0))
        campaign_budget.hold(session, team_id, campaign.id, raise_to)
    return True


def tell_if_held(rt: Runtime, team_id: str, campaign_id: str) -> None:
    """While the budget holds the campaign, the requester is told once in the card's thread
    (a Slack failure is logged: the progress message, the card and the budget card say it)."""
    with rt.sessions() as session:
        campaign = campaigns.load_campaign(session, team_id, campaign_id)
        spend = campaign_spend.spend_usd(session, team_id, campaign_id)
    if campaign is None or campaign.budget_hold_usd is None or campaign.thread_ts is None:
        return
    try:
        _tell(rt, campaign, f"{spend:,.2f}")
    except SlackApiError:
        logger.exception("Campaign %s: budget notice not posted", campaign_id)


def call_check(rt: Runtime, team_id: str, task_id: str) -> CallCheck:
    """The check before each Claude call of a task: none for work outside campaigns; for a
    campaign's, raise CampaignBudgetHeld if the campaign is held or the call's estimate would
    pass its budget (then it is held, and an engine pass posts the budget card)."""
    with rt.sessions() as session:
        campaign_id = campaign_budget.campaign_of_task(session, team_id, task_id)
    if campaign_id is None:
        return no_check

    def check(request: LlmRequest) -> None:
        needed = estimate_usd(rt.prices, request)
        with rt.sessions() as session:
            campaign = campaigns.load_campaign(session, team_id, campaign_id)
            spend = campaign_spend.spend_usd(session, team_id, campaign_id)
        if campaign is None or campaign.status not in campaign_budget.HOLDING:
            return  # over or gone: its work is being cancelled or finishes as it was
        if campaign.budget_hold_usd is None and spend + needed <= campaign.budget_usd:
            return
        with rt.sessions() as session:
            raise_to = offer(rt, campaign.budget_usd, spend, needed)
            if campaign_budget.hold(session, team_id, campaign_id, raise_to):
                logger.info("Campaign %s held: $%s + ~$%s > budget", campaign_id, spend, needed)
        request_advance(rt, team_id, campaign_id)
        raise CampaignBudgetHeld("")

    return check


def _tell(rt: Runtime, campaign: Campaign, spend: str) -> None:
    assert campaign.channel_id is not None and campaign.thread_ts is not None  # it runs
    text = md(
        "{who} this campaign has spent ${spend} of its ${budget} budget, so no new step "
        "starts and no step makes another AI call: the work not done waits, nothing is lost. "
        "A budget approver decides on the card in this thread: raise the budget, and the "
        "work goes on, or stop the campaign, and its report is posted.",
        who=mention(campaign.requested_by),
        spend=spend,
        budget=f"{campaign.budget_usd:,.2f}",
    )
    target = ReplyTarget(
        campaign.team_id, held_key(campaign.id), campaign.channel_id, campaign.thread_ts
    )
    advisor = rt.roster.get(ADVISOR)
    post_once(
        rt.slack_for(campaign.team_id),
        rt.sessions,
        target,
        Persona(advisor.display_name, advisor.icon_emoji),
        text,
    )
