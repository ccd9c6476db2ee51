"""The CMO's quarterly planning (design §6.3, optional: off by default in bots/rituals.toml):
last quarter's §10 figures against the quarter before, and the CMO's decisions for the quarter
ahead (goals, where effort and spend go, major initiatives), recorded as decision records and
listed in the post. The monthly review's machinery (jobs/rituals/review_decisions.py) over
calendar quarters of the workspace's local days."""

from __future__ import annotations

from datetime import date, timedelta

from jobs.rituals import periods, review_decisions
from jobs.rituals.review_decisions import DecisionReview
from jobs.runtime import Runtime
from models.rituals import RitualRun

QUARTER_DAYS = 92  # the longest quarter: from a quarter's first day, this lands in the next


def _title(first: date) -> str:
    """Named after the quarter it plans: the one after the quarter reviewed."""
    planned = periods.quarter_start(first + timedelta(days=QUARTER_DAYS))
    return f"Quarterly planning · {periods.quarter_name(planned)}"


QUARTERLY = DecisionReview(
    review="quarterly",
    noun="quarter",
    frame="quarterly_planning",
    prompt="quarterly_planning",
    last=periods.last_quarter,
    before=periods.quarter_before,
    title=_title,
    named=periods.quarter_name,
)


def hold_quarterly(rt: Runtime, run: RitualRun) -> str:
    """Ritual handler: the planning of the quarter the run's local day is in."""
    return review_decisions.hold(rt, run, QUARTERLY)
