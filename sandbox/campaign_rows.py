"""A campaign as the analysis leaves it (planned, its card posted in a thread), for the tests and
the benchmarks that start where the advisor stops. One place, so a new required column is added
once, and bench/ (which must not import tests/) shares it with the tests."""

from __future__ import annotations

from decimal import Decimal

from bots.plans import Plan
from jobs.runtime import Runtime
from models import campaigns
from models.campaigns import Campaign


def planned_campaign(
    rt: Runtime,
    team_id: str,
    plan: Plan,
    *,
    channel: str,
    requested_by: str,
    brief: str,
    budget_usd: Decimal,
) -> str:
    """A planned campaign of `team_id` for the checked `plan`, its card a message in `channel`
    (joined first, as the app would); its id. Approving it is the caller's choice."""
    slack = rt.slack_for(team_id)
    slack.conversations_join(channel=channel)
    card = str(slack.chat_postMessage(channel=channel, text=f"Campaign: {brief}")["ts"])
    campaign = Campaign(
        team_id=team_id,
        requested_by=requested_by,
        brief=brief,
        budget_usd=budget_usd,
        channel_id=channel,
        thread_ts=card,
    )
    with rt.sessions() as session:
        session.add(campaign)
        session.commit()
        assert campaigns.set_plan(
            session,
            team_id,
            campaign.id,
            plan=plan.model_dump(mode="json"),
            starts_on=plan.start,
            ends_on=plan.end,
            pattern=plan.pattern,
        )
    return campaign.id
