"""Weekly planning (Monday; the VP Marketing with the managers, design §6.3): last week's §10
figures against the week before, in a thread of its own, and in that thread the week's
priorities proposed as an approval card (action type `weekly_plan`, jobs/rituals/weekly_plan.py).

The figures are formatted from the records; only the priorities are the VP's words, from one
call on the cheapest tier, checked before they go on the card.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from jobs.rituals import figures, periods, scorecards, weekly_plan
from jobs.rituals.review_post import post, section
from jobs.rituals.where import review_channel, workspace_zone
from jobs.runtime import Runtime
from jobs.slack.blocks import context, header
from jobs.slack.text import Mrkdwn, join, md
from models import rituals
from models.metrics import Scorecard
from models.rituals import RitualRun

QUIET = "A quiet week: no work ended, nothing was decided or escalated, nothing was spent."


def hold_weekly(rt: Runtime, run: RitualRun) -> str:
    """Ritual handler: the figures once, then the plan's card once, in the run's thread."""
    channel = review_channel(rt, run, "weekly")
    if channel is None:
        return "no-channel"
    week = periods.last_week(run.local_date, workspace_zone(rt, run.team_id))
    now, before = scorecards.load(rt, run.team_id, week, week.previous())
    text, blocks = render(rt, run.local_date, now, before)
    ts = post(rt, run, "weekly", (channel, None), text, blocks)
    with rt.sessions() as session:
        rituals.set_thread(session, run.team_id, run.id, channel, ts)
    weekly_plan.propose(rt, run, (channel, ts), scorecards.figures_frame(now, before))
    return "posted"


def render(
    rt: Runtime, local: date, now: Scorecard, before: Scorecard
) -> tuple[Mrkdwn, list[dict[str, Any]]]:
    title = f"Weekly planning · week of {local:%a} {local.day} {local:%b}"
    last = now.period.start.date()
    opening = md(
        "{intro} Last week ({day} {month} onwards) against the week before:",
        intro=QUIET if figures.is_quiet(now) else "Managers, here is where we stand.",
        day=last.day,
        month=f"{last:%b}",
    )
    fields = figures.scorecard_fields(now, before)
    spend = figures.spend_line(now, rt.roster)
    blocks = [
        header(title),
        section(opening),
        *figures.fields_blocks(fields),
        context(spend),
        context("The week's priorities follow in this thread, for approval."),
    ]
    text = join("\n", [md("*{title}*", title=title), opening, figures.fields_text(fields), spend])
    return text, blocks
