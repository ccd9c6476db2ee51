"""What a campaign has cost so far: the Claude calls made for it, priced when they were made.

Spend is attributed by record, not by label: the advisor's calls carry the campaign's id as
their `turn_id` (`jobs/campaigns/analysis.py`); a step's task has no person's turn behind it,
so its calls and those of the work its agent delegated further down carry their task's id
(`task_id`), and that work hangs under the step's task by `parent_task_id`. The sum is the
analysis calls plus every call of every task in the trees under the campaign's step tasks.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from models.campaigns import CampaignStep
from models.records import LlmCall
from models.work import Task


def campaign_tasks(team_id: str, campaign_id: str) -> Select[tuple[str]]:
    """The ids of every task in the trees under the campaign's step tasks (a recursive walk
    down `parent_task_id`), as a subquery to filter by."""
    tree = (
        select(CampaignStep.task_id.label("id"))
        .where(
            CampaignStep.team_id == team_id,
            CampaignStep.campaign_id == campaign_id,
            CampaignStep.task_id.is_not(None),
        )
        .cte("campaign_tasks", recursive=True)
    )
    above = tree.alias("above")
    tree = tree.union_all(
        select(Task.id).where(Task.team_id == team_id, Task.parent_task_id == above.c.id)
    )
    return select(tree.c.id)


def spend_usd(session: Session, team_id: str, campaign_id: str) -> Decimal:
    """The campaign's spend in USD so far (0 before any call)."""
    total = session.scalar(
        select(func.coalesce(func.sum(LlmCall.cost_usd), 0)).where(
            LlmCall.team_id == team_id,
            or_(
                LlmCall.turn_id == campaign_id,
                LlmCall.task_id.in_(campaign_tasks(team_id, campaign_id)),
            ),
        )
    )
    return Decimal(str(total or 0))
