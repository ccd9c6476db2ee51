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
from bots.advisor_config import PlanLimits
from bots.plan_checks import check_plan
from jobs.campaigns import control
from jobs.runtime import Runtime
from sandbox.campaign_rows import planned_campaign

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


def approved(
    rt: Runtime, raw: dict[str, Any], team_id: str = TEAM, limits: PlanLimits | None = None
) -> str:
    """A planned campaign for `raw`, approved (its first engine pass is queued); its id.
    `limits`: the plan checks' limits instead of the advisor's (a bigger plan)."""
    limits = limits or rt.campaign_data.advisor.plans
    check = check_plan(raw, rt.roster, rt.authority, limits)
    assert check.plan is not None, check.problems
    campaign_id = planned_campaign(
        rt,
        team_id,
        check.plan,
        channel=CAMPAIGNS,
        requested_by=HUMAN,
        brief=f"Benchmark campaign {raw['name']}",
        budget_usd=Decimal("1000"),
    )
    assert control.approve(rt, team_id, campaign_id, HUMAN)
    return campaign_id
