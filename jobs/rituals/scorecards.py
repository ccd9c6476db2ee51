"""The §10 scorecards a periodic review shows: the period's and the one before's, and the
same figures as frames for the review's one model call (so what the model may quote is
exactly what the post shows)."""

from __future__ import annotations

from bots.roster import ModelTier
from jobs.claude.framing import Frame, tag
from jobs.rituals import figures
from jobs.rituals.where import review_config
from jobs.runtime import Runtime
from models.metric_values import Period
from models.metrics import Scorecard, scorecard

TIERS: tuple[ModelTier, ...] = ("opus", "sonnet", "haiku")


def tiers(rt: Runtime) -> dict[str, str]:
    """Model id → tier, as this deployment configures them."""
    return {rt.settings.model_for(tier): tier for tier in TIERS}


def load(rt: Runtime, team_id: str, period: Period, before: Period) -> tuple[Scorecard, Scorecard]:
    content = review_config(rt).content_types
    with rt.sessions() as session:
        now = scorecard(session, team_id, period, content_types=content, tiers=tiers(rt))
        earlier = scorecard(session, team_id, before, content_types=content, tiers=tiers(rt))
    return now, earlier


def figures_frame(now: Scorecard, before: Scorecard) -> Frame:
    return tag(
        "figures",
        *[
            tag("figure", value, attrs={"name": label})
            for label, value in figures.scorecard_fields(now, before)
        ],
        attrs={
            "start": now.period.start.date().isoformat(),
            "end": now.period.end.date().isoformat(),
        },
    )
