"""The Analytics Specialist's morning summary in #mkt-insights (design §5.3): yesterday's
work in the department's own figures (tasks completed, approval rate, escalations) and the
LLM spend of yesterday and of the month so far.

Plain formatting from the records, no model call: these are four numbers, and a sentence a
model wrote around them would add cost and a chance to misquote them. It never shows traffic
or engagement: the department records none; such figures arrive only with an integration.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from jobs.rituals import figures, periods
from jobs.rituals.review_post import post, section
from jobs.rituals.where import review_channel, workspace_zone
from jobs.runtime import Runtime
from jobs.slack.blocks import context, header
from jobs.slack.text import Mrkdwn, join, md
from models import metrics
from models.metric_values import NoData, Period, Rate
from models.rituals import RitualRun

NO_TRAFFIC = (
    "From the department's own records. Traffic and engagement figures arrive with an "
    "analytics integration; none are shown or estimated here."
)


def hold_morning(rt: Runtime, run: RitualRun) -> str:
    """Ritual handler: post the morning summary once for this run."""
    channel = review_channel(rt, run, "morning")
    if channel is None:
        return "no-channel"
    zone = workspace_zone(rt, run.team_id)
    yesterday = periods.day(run.local_date - timedelta(days=1), zone)
    with rt.sessions() as session:
        facts = _facts(session, run.team_id, yesterday, periods.month_to_date(run.local_date, zone))
    text, blocks = render(run.local_date, facts)
    post(rt, run, "morning", (channel, None), text, blocks)
    return "posted"


@dataclass(frozen=True)
class MorningFacts:
    """Yesterday's figures, every one read from the records."""

    completed: int
    approval: Rate | NoData
    escalations: int
    spend: Decimal
    month: Decimal  # the month's days before today

    @property
    def quiet(self) -> bool:
        return not self.completed and isinstance(self.approval, NoData) and not self.escalations


def _facts(session: Session, team_id: str, yesterday: Period, month: Period | None) -> MorningFacts:
    done = metrics.task_completion_rate(session, team_id, yesterday)
    return MorningFacts(
        completed=0 if isinstance(done, NoData) else done.part,
        approval=metrics.approval_rate(session, team_id, yesterday),
        escalations=metrics.escalations_raised(session, team_id, yesterday),
        spend=metrics.llm_spend(session, team_id, yesterday),
        month=metrics.llm_spend(session, team_id, month) if month else Decimal(0),
    )


def render(local: date, facts: MorningFacts) -> tuple[Mrkdwn, list[dict[str, Any]]]:
    """The summary's text and blocks; a day with nothing to report says so."""
    fields = [
        ("Tasks completed", str(facts.completed)),
        ("Approval rate", figures.percent(facts.approval)),
        ("Escalations", str(facts.escalations)),
        ("LLM spend yesterday", figures.usd(facts.spend)),
        ("LLM spend this month", figures.usd(facts.month)),
    ]
    title = f"Morning summary · {local:%a} {local.day} {local:%b}"
    opening = (
        md("A quiet day yesterday: no task finished, nothing was decided, nothing escalated.")
        if facts.quiet
        else md("Good morning. Yesterday in the department:")
    )
    blocks = [header(title), section(opening), *figures.fields_blocks(fields), context(NO_TRAFFIC)]
    text = join("\n", [md("*{title}*", title=title), opening, figures.fields_text(fields)])
    return text, blocks
