"""The campaign's budget as a stop: no step starts once the campaign's spend has reached its
budget (issue 17, "Budget").

Spend is what the campaign's Claude calls cost so far (`models/campaign_spend.py`). Steps
already running finish (their work is paid for as it goes; stopping them half-way would
waste it); steps not started wait, and the requester is told once, in the card's thread, with
what they can do. The progress message says the budget is spent, and warns from 80 %.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from jobs.campaigns.cards import ADVISOR
from jobs.runtime import Runtime
from jobs.slack.post_once import Persona, ReplyTarget, post_once
from jobs.slack.text import md, mention
from models import campaign_spend
from models.campaigns import Campaign

logger = logging.getLogger(__name__)


def held_key(campaign_id: str) -> str:
    """The post-once key of the "budget spent" notice (`slack_posts.turn_id`, ≤ 32 chars)."""
    return f"b{campaign_id[:31]}"


def holds(rt: Runtime, campaign: Campaign) -> bool:
    """True if the campaign's spend has reached its budget, so no step may start; the first
    time, the requester is told in the card's thread (a Slack failure is logged, the hold
    stands: the progress message says it too)."""
    with rt.sessions() as session:
        spend = campaign_spend.spend_usd(session, campaign.team_id, campaign.id)
    if spend < campaign.budget_usd:
        return False
    try:
        _tell(rt, campaign, f"{spend:,.2f}")
    except SlackApiError:
        logger.exception("Campaign %s: budget notice not posted", campaign.id)
    return True


def _tell(rt: Runtime, campaign: Campaign, spend: str) -> None:
    assert campaign.channel_id is not None and campaign.thread_ts is not None  # it runs
    text = md(
        "{who} this campaign has spent ${spend} of its ${budget} budget, so no new step "
        "starts: the steps not started wait, the ones running finish. Its budget cannot be "
        "raised yet; `/campaign cancel {id}` ends it and posts the report.",
        who=mention(campaign.requested_by),
        spend=spend,
        budget=f"{campaign.budget_usd:,.2f}",
        id=campaign.id,
    )
    target = ReplyTarget(
        campaign.team_id, held_key(campaign.id), campaign.channel_id, campaign.thread_ts
    )
    advisor = rt.roster.get(ADVISOR)
    post_once(
        rt.slack, rt.sessions, target, Persona(advisor.display_name, advisor.icon_emoji), text
    )
