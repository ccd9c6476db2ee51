"""The CMO's monthly review (design §6.3): last month's §10 figures against the month before,
and the decisions the CMO takes on them, each recorded as a decision record (models/work.py
`Decision`) and listed in the post with its record's id.

The figures are formatted from the records. The decisions are the CMO's words from one call
on the cheapest tier: only types the authority matrix lets the CMO decide without a person,
and none that quotes a number the figures do not show. Decision ids are derived from the
run's, so a repeated run finds its decisions instead of asking again.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bots.authority import check_decision
from jobs.claude.framing import Frame, tag
from jobs.rituals import figures, periods, scorecards
from jobs.rituals.review_model import (
    RECORD_REVIEW_DECISIONS,
    ReviewDecisions,
    ask,
    invents_numbers,
)
from jobs.rituals.review_post import post, section
from jobs.rituals.where import review_channel, review_config, workspace_zone
from jobs.runtime import Runtime
from jobs.slack.blocks import context, header
from jobs.slack.text import Mrkdwn, join, md
from models import rituals
from models.metrics import Scorecard
from models.rituals import RitualRun
from models.work import Decision

VOICE = "cmo"
QUIET = "A quiet month: no work ended, nothing was decided or escalated, nothing was spent."


def hold_monthly(rt: Runtime, run: RitualRun) -> str:
    """Ritual handler: decide once, then post the review (with the decisions) once."""
    if run.thread_ts is not None:
        return "posted"  # held already: its decisions are on record and in the post
    channel = review_channel(rt, run, "monthly")
    if channel is None:
        return "no-channel"
    zone = workspace_zone(rt, run.team_id)
    month = periods.last_month(run.local_date, zone)
    now, before = scorecards.load(rt, run.team_id, month, periods.month_before(month, zone))
    frame = scorecards.figures_frame(now, before)
    decisions = _recorded(rt, run) or _decide(rt, run, frame, f"{month.start:%B %Y}")
    text, blocks = render(rt, now, before, decisions)
    ts = post(rt, run, "monthly", (channel, None), text, blocks)
    with rt.sessions() as session:
        rituals.set_thread(session, run.team_id, run.id, channel, ts)
    return "posted"


def decision_id(run: RitualRun, index: int) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"ritual-run:{run.id}:decision:{index}").hex


def _recorded(rt: Runtime, run: RitualRun) -> list[Decision]:
    ids = [decision_id(run, i) for i in range(review_config(rt).limits.decisions)]
    with rt.sessions() as session:
        found = session.scalars(
            select(Decision).where(Decision.team_id == run.team_id, Decision.id.in_(ids))
        )
        return sorted(found, key=lambda d: ids.index(d.id))


def decidable(rt: Runtime) -> dict[str, str]:
    """Decision type → label, for the types the CMO may decide without a person."""
    cmo = rt.roster.get(VOICE)
    return {
        rule.type: rule.label
        for rule in rt.authority.decisions
        if not rule.needs_person and check_decision(rt.authority, rt.roster, cmo, rule.type).allowed
    }


def _decide(rt: Runtime, run: RitualRun, figures_frame: Frame, month: str) -> list[Decision]:
    types = decidable(rt)
    frames = tag(
        "monthly_review",
        figures_frame,
        tag("decision_types", *[tag("type", label, attrs={"id": t}) for t, label in types.items()]),
    )
    answer = ask(rt, run, rt.roster.get(VOICE), RECORD_REVIEW_DECISIONS, frames, ReviewDecisions)
    kept = [
        d
        for d in (answer.decisions if answer else [])
        if d.type in types and not invents_numbers(f"{d.decision} {d.reasoning}", frames)
    ][: review_config(rt).limits.decisions]
    rows = [
        Decision(
            id=decision_id(run, index),
            team_id=run.team_id,
            decision_maker=VOICE,
            type=d.type,
            context=f"Monthly review · {month}",
            decision=d.decision,
            reasoning=d.reasoning,
            requested_by=run.requested_by or "",
        )
        for index, d in enumerate(kept)
    ]
    with rt.sessions() as session:
        try:
            session.add_all(rows)
            session.commit()
        except IntegrityError:  # a racing run recorded them first
            session.rollback()
    return _recorded(rt, run)


def render(
    rt: Runtime, now: Scorecard, before: Scorecard, decisions: list[Decision]
) -> tuple[Mrkdwn, list[dict[str, Any]]]:
    first: date = now.period.start.date()
    title = f"Monthly review · {first:%B %Y}"
    opening = md(
        "{intro} {month} against the month before:",
        intro=QUIET if figures.is_quiet(now) else "The month in figures.",
        month=f"{first:%B}",
    )
    fields = figures.scorecard_fields(now, before)
    spend = figures.spend_line(now, rt.roster)
    decided = _decisions(rt, decisions)
    blocks = [
        header(title),
        section(opening),
        *figures.fields_blocks(fields),
        context(spend),
        section(decided),
        context("Each decision is on record under the id shown (decision records)."),
    ]
    text = join(
        "\n", [md("*{title}*", title=title), opening, figures.fields_text(fields), spend, decided]
    )
    return text, blocks


def _decisions(rt: Runtime, decisions: list[Decision]) -> Mrkdwn:
    if not decisions:
        return md("*Decisions* none this month: the course holds.")
    labels = decidable(rt)
    lines = [
        md(
            "• *{label}*: {decision} ({why}) · record `{id}`",
            label=labels.get(d.type, d.type),
            decision=d.decision,
            why=d.reasoning or "no reason given",
            id=d.id[:8],
        )
        for d in decisions
    ]
    return join("\n", [md("*Decisions*"), *lines])
