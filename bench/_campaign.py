"""A campaign ready to run, for the campaign benchmarks: a checked plan on a planned campaign
with its card in #mkt-campaigns, approved as "Approve plan" approves it.

The benchmarks start where the advisor stops (`jobs/campaigns/analysis.py` is Claude's time,
not the engine's), so the campaign is made as the analysis leaves it.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from bench._env import HUMAN, TEAM, BenchEnv
from bots.plan_checks import check_plan
from jobs.campaigns import control
from jobs.runtime import Runtime
from models import campaigns
from models.campaigns import Campaign

CAMPAIGNS = "C0CAMPAIGNS"
TEAM_CHANNELS = {
    CAMPAIGNS: "mkt-campaigns",
    "C0LEADERSHIP": "mkt-leadership",
    "C0COMMS": "mkt-comms",
    "C0CONTENT": "mkt-content",
    "C0SOCIAL": "mkt-social",
    "C0INSIGHTS": "mkt-insights",
}
START = date(2026, 12, 1)
# Five agents in five threads: a parallel phase's steps never wait on one agent's thread.
FIVE = (
    ("blog-post", "copywriter", "blog_post"),
    ("social-assets", "social_media_manager", "campaign_asset"),
    ("email-sequence", "email_specialist", "campaign_email"),
    ("metrics-plan", "analytics_specialist", "analytics_report"),
    ("content-calendar", "content_manager", "content_calendar"),
)


def add_channels(env: BenchEnv) -> None:
    for channel, name in TEAM_CHANNELS.items():
        env.slack.add_channel(channel, name)


def step(step_id: str, agent: str, action_type: str) -> dict[str, Any]:
    due = (START + timedelta(days=2)).isoformat()
    return {"id": step_id, "agent": agent, "action": f"Do the {step_id}"} | {
        "action_type": action_type,
        "due": due,
    }


def plan(name: str, phase_type: str, steps: list[dict[str, Any]]) -> dict[str, Any]:
    """One phase of `steps`, sequential or parallel."""
    return {
        "name": name,
        "start": START.isoformat(),
        "end": (START + timedelta(days=10)).isoformat(),
        "phases": [{"name": "Work", "type": phase_type, "steps": steps}],
    }


def approved(rt: Runtime, raw: dict[str, Any]) -> str:
    """A planned campaign for `raw`, approved (its first engine pass is queued); its id."""
    check = check_plan(raw, rt.roster, rt.authority, rt.campaign_data.advisor.plans)
    assert check.plan is not None, check.problems
    slack = rt.slack_for(TEAM)
    slack.conversations_join(channel=CAMPAIGNS)
    card = str(slack.chat_postMessage(channel=CAMPAIGNS, text=f"Campaign {raw['name']}")["ts"])
    campaign = Campaign(
        team_id=TEAM,
        requested_by=HUMAN,
        brief=f"Benchmark campaign {raw['name']}",
        budget_usd=Decimal("1000"),
        channel_id=CAMPAIGNS,
        thread_ts=card,
    )
    with rt.sessions() as session:
        session.add(campaign)
        session.commit()
        assert campaigns.set_plan(
            session,
            TEAM,
            campaign.id,
            plan=check.plan.model_dump(mode="json"),
            starts_on=check.plan.start,
            ends_on=check.plan.end,
            pattern=check.plan.pattern,
        )
    assert control.approve(rt, TEAM, campaign.id, HUMAN)
    return campaign.id
