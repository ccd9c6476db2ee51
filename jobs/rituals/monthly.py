"""The CMO's monthly review (design §6.3): last month's §10 figures against the month before,
and the decisions the CMO takes on them, recorded as decision records and listed in the post
(jobs/rituals/review_decisions.py holds the machinery it shares with quarterly planning)."""

from __future__ import annotations

from datetime import date

from jobs.rituals import periods, review_decisions
from jobs.rituals.review_decisions import DecisionReview
from jobs.runtime import Runtime
from models.rituals import RitualRun


def _title(first: date) -> str:
    return f"Monthly review · {first:%B %Y}"


MONTHLY = DecisionReview(
    review="monthly",
    noun="month",
    frame="monthly_review",
    prompt="record_review_decisions",
    last=periods.last_month,
    before=periods.month_before,
    title=_title,
    named=lambda first: f"{first:%B}",
)


def hold_monthly(rt: Runtime, run: RitualRun) -> str:
    """Ritual handler: the review of the month before the run's local day."""
    return review_decisions.hold(rt, run, MONTHLY)
