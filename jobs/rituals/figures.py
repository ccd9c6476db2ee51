"""The §10 figures as a review shows them: every number formatted here from a record's
value (none comes from a model), "no data" said as such, and the trend against the period
before as an arrow with the earlier value."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any, TypeVar

from bots.roster import Roster
from jobs.slack.text import Mrkdwn, join, md
from models.metric_values import NoData, Rate, compare
from models.metrics import Scorecard

F = TypeVar("F", Rate, timedelta, Decimal, float)
FIELDS_PER_SECTION = 10  # Slack's limit
TOP_SPENDERS = 3


def percent(figure: Rate | NoData) -> str:
    if isinstance(figure, NoData):
        return str(figure)
    return f"{figure.percent} ({figure.part} of {figure.whole})"


def duration(figure: timedelta | NoData) -> str:
    if isinstance(figure, NoData):
        return str(figure)
    hours = figure.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def usd(figure: Decimal | NoData) -> str:
    return str(figure) if isinstance(figure, NoData) else f"${figure:,.2f}"


def per_week(figure: float) -> str:
    return f"{figure:.1f} a week"


def with_trend(now: F | NoData, before: F | NoData, shown: Callable[[Any], str]) -> str:
    """ "80% (8 of 10) ↑ from 70% (7 of 10)"; no arrow when either side has no data."""
    trend = compare(now, before)
    if trend.arrow == "":
        return f"{shown(now)} (before: {shown(before)})"
    return f"{shown(now)} {trend.arrow} from {shown(before)}"


def scorecard_fields(now: Scorecard, before: Scorecard) -> list[tuple[str, str]]:
    """(label, value with trend) for each headline figure, in the §10 order."""
    return [
        ("Task completion", with_trend(now.completion, before.completion, percent)),
        ("Average task time", with_trend(now.task_time, before.task_time, duration)),
        ("Approval rate", with_trend(now.approval, before.approval, percent)),
        ("Send-back rate", with_trend(now.send_back, before.send_back, percent)),
        ("Escalation rate", with_trend(now.escalation, before.escalation, percent)),
        ("Autonomy", with_trend(now.autonomy, before.autonomy, percent)),
        (
            "Content approved",
            with_trend(now.content_per_week, before.content_per_week, per_week),
        ),
        ("Idea to approval", with_trend(now.idea_to_approval, before.idea_to_approval, duration)),
        ("LLM spend", with_trend(now.spend, before.spend, usd)),
        ("Spend per task", with_trend(now.spend_per_task, before.spend_per_task, usd)),
    ]


def spend_line(card: Scorecard, roster: Roster) -> Mrkdwn:
    """Where the money went: the top agents, each tier, and the cache's share of input."""
    agents = sorted(card.spend_per_agent.items(), key=lambda item: item[1], reverse=True)
    top = [f"{_name(roster, agent)} {usd(cost)}" for agent, cost in agents[:TOP_SPENDERS]]
    tiers = [f"{tier} {usd(cost)}" for tier, cost in sorted(card.spend_per_tier.items())]
    return md(
        "*Spend by agent* {agents}  ·  *by tier* {tiers}  ·  *cache-read share of input* {cache}",
        agents=", ".join(top) or "none",
        tiers=", ".join(tiers) or "none",
        cache=percent(card.cache_read),
    )


def is_quiet(card: Scorecard) -> bool:
    """Nothing ended, was decided, raised or spent in the period."""
    return (
        isinstance(card.completion, NoData)
        and isinstance(card.approval, NoData)
        and isinstance(card.escalation, NoData)
        and card.spend == 0
    )


def fields_blocks(fields: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Sections of two-column fields (10 to a section, as Slack allows)."""
    shown = [
        {"type": "mrkdwn", "text": md("*{label}*\n{value}", label=label, value=value).text}
        for label, value in fields
    ]
    return [
        {"type": "section", "fields": shown[i : i + FIELDS_PER_SECTION]}
        for i in range(0, len(shown), FIELDS_PER_SECTION)
    ]


def fields_text(fields: list[tuple[str, str]]) -> Mrkdwn:
    """The same figures as the text fallback (notifications, screen readers)."""
    lines = [md("• {label}: {value}", label=label, value=value) for label, value in fields]
    return join("\n", lines)


def _name(roster: Roster, agent_id: str) -> str:
    agent = roster.by_id.get(agent_id)
    return agent.display_name if agent else agent_id
