"""A review that ends in decisions (design §6.3: the CMO's monthly review and quarterly
planning): the period's §10 figures against the period before, and the decisions its voice
takes on them, each recorded as a decision record (models/work.py `Decision`) and listed in
the post with its record's id.

The figures are formatted from the records. The decisions are the voice's words from one
call on the cheapest tier: only types the authority matrix lets it decide without a person,
and none that quotes a number the figures do not show. Decision ids are derived from the
run's, so a repeated run finds its decisions instead of asking again; a quiet period (nothing
ended, decided, raised or spent) asks nothing. What differs between
the reviews (periods, words, prompt) is a `DecisionReview`; the machinery is one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bots.authority import check_decision
from bots.reviews import Review
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
from models.metric_values import Period
from models.metrics import Scorecard
from models.rituals import RitualRun
from models.work import Decision


@dataclass(frozen=True)
class DecisionReview:
    """One review of this kind: which, over what, and in whose words."""

    review: Review  # its voice, channel and post key (bots/reviews.toml, review_post.py)
    noun: str  # "month": "A quiet month", "none this month"
    frame: str  # the tag of the model's frames, which the scripted CMO reads
    prompt: str  # the instruction: prompts/rituals/<prompt>.md
    last: Callable[[date, ZoneInfo], Period]  # the period reviewed, from the run's local day
    before: Callable[[Period, ZoneInfo], Period]  # the one it is compared with
    title: Callable[[date], str]  # from the reviewed period's first local day
    named: Callable[[date], str]  # the reviewed period in the opening line


def hold(rt: Runtime, run: RitualRun, kind: DecisionReview) -> str:
    """Ritual handler's body: decide once, then post the review (with the decisions) once."""
    if run.thread_ts is not None:
        return "posted"  # held already: its decisions are on record and in the post
    channel = review_channel(rt, run, kind.review)
    if channel is None:
        return "no-channel"
    zone = workspace_zone(rt, run.team_id)
    period = kind.last(run.local_date, zone)
    now, before = scorecards.load(rt, run.team_id, period, kind.before(period, zone))
    first = periods.first_day(period, zone)
    frame = scorecards.figures_frame(now, before)
    quiet = figures.is_quiet(now)  # nothing to decide on: no model call
    decisions = recorded(rt, run) or ([] if quiet else _decide(rt, run, kind, frame, first))
    text, blocks = render(rt, kind, first, (now, before), decisions)
    ts = post(rt, run, kind.review, (channel, None), text, blocks)
    with rt.sessions() as session:
        rituals.set_thread(session, run.team_id, run.id, channel, ts)
    return "posted"


def decision_id(run: RitualRun, index: int) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"ritual-run:{run.id}:decision:{index}").hex


def recorded(rt: Runtime, run: RitualRun) -> list[Decision]:
    """The run's decisions already on record, in the order they were taken."""
    ids = [decision_id(run, i) for i in range(review_config(rt).limits.decisions)]
    with rt.sessions() as session:
        found = session.scalars(
            select(Decision).where(Decision.team_id == run.team_id, Decision.id.in_(ids))
        )
        return sorted(found, key=lambda d: ids.index(d.id))


def decidable(rt: Runtime, review: Review) -> dict[str, str]:
    """Decision type → label, for the types the review's voice may decide without a person."""
    voice = rt.roster.get(review_config(rt).voices.of(review))
    return {
        rule.type: rule.label
        for rule in rt.authority.decisions
        if not rule.needs_person
        and check_decision(rt.authority, rt.roster, voice, rule.type).allowed
    }


def _decide(
    rt: Runtime, run: RitualRun, kind: DecisionReview, figures_frame: Frame, first: date
) -> list[Decision]:
    types = decidable(rt, kind.review)
    voice = rt.roster.get(review_config(rt).voices.of(kind.review))
    frames = tag(
        kind.frame,
        figures_frame,
        tag("decision_types", *[tag("type", label, attrs={"id": t}) for t, label in types.items()]),
    )
    answer = ask(
        rt, run, voice, RECORD_REVIEW_DECISIONS, frames, ReviewDecisions, prompt=kind.prompt
    )
    kept = [
        d
        for d in (answer.decisions if answer else [])
        if d.type in types and not invents_numbers(f"{d.decision} {d.reasoning}", frames)
    ][: review_config(rt).limits.decisions]
    rows = [
        Decision(
            id=decision_id(run, index),
            team_id=run.team_id,
            decision_maker=voice.id,
            type=d.type,
            context=kind.title(first),
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
    return recorded(rt, run)


def render(
    rt: Runtime,
    kind: DecisionReview,
    first: date,
    cards: tuple[Scorecard, Scorecard],
    decisions: list[Decision],
) -> tuple[Mrkdwn, list[dict[str, Any]]]:
    """The review's post from the records: title, figures with trends, spend, decisions."""
    now, before = cards
    title = kind.title(first)
    opening = md(
        "{intro} {period} against the {noun} before:",
        intro=f"A quiet {kind.noun}: no work ended, nothing was decided or escalated, nothing "
        "was spent."
        if figures.is_quiet(now)
        else f"The {kind.noun} in figures.",
        period=kind.named(first),
        noun=kind.noun,
    )
    fields = figures.scorecard_fields(now, before)
    spend = figures.spend_line(now, rt.roster)
    decided = _decisions(rt, kind, decisions)
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


def _decisions(rt: Runtime, kind: DecisionReview, decisions: list[Decision]) -> Mrkdwn:
    if not decisions:
        return md("*Decisions* none this {noun}: the course holds.", noun=kind.noun)
    labels = decidable(rt, kind.review)
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
