"""The scripted department's reviews (jobs/rituals/): the VP's week's priorities
(`propose_week_priorities`) and the CMO's monthly and quarterly decisions
(`record_review_decisions`), each when the product forces that tool, written from the frames
it is handed and quoting only the figures and dates in them, as the product asks.

The VP puts what slipped first, then what is due soonest; the CMO keeps or changes course
on the approval rate, naming the figure as the post shows it: at the monthly review on the
content calendar, at quarterly planning on the quarter's campaign strategy.
"""

from __future__ import annotations

from typing import Any

from sandbox.claude_api import ToolUseReply
from sandbox.product_turns import OpenTask, ReviewAsk, forced_tool, review_ask

PRIORITIES = 3
# What a CMO adjusts after a period's approval figures, and how it says so.
PREFERRED = {
    "monthly_review": (
        "content_calendar",
        "Keep drafts short and reviewed by the manager before they go up",
    ),
    "quarterly_planning": (
        "campaign_strategy",
        "Next quarter, every campaign starts from one reviewed brief before any draft",
    ),
}


def review_reply(body: dict[str, Any]) -> ToolUseReply | None:
    """The forced review tool's call, or None when this is no review turn."""
    tool = forced_tool(body)
    if tool not in ("propose_week_priorities", "record_review_decisions"):
        return None
    ask = review_ask(body)
    if ask is None:
        return None
    if tool == "propose_week_priorities":
        return ToolUseReply(tool, {"priorities": _priorities(ask)})
    return ToolUseReply(tool, {"decisions": _decisions(ask)})


def _priorities(ask: ReviewAsk) -> list[dict[str, Any]]:
    ranked = sorted(ask.open_work, key=lambda t: (not t.overdue, t.due or "9999"))
    return [_priority(task) for task in ranked[:PRIORITIES]]


def _priority(task: OpenTask) -> dict[str, Any]:
    if task.overdue:
        why = f"it slipped: it was due {task.due}"
    elif task.due:
        why = f"it is due {task.due}"
    else:
        why = "it keeps the pipeline moving"
    return {"title": f"Land “{task.title}”", "why": why, "task_ids": [task.id]}


def _decisions(ask: ReviewAsk) -> list[dict[str, str]]:
    figures = dict(ask.figures)
    approval = figures.get("Approval rate", "")
    if not ask.decision_types or not approval or approval.startswith("no data"):
        return []
    preferred, decision = PREFERRED.get(ask.review, PREFERRED["monthly_review"])
    kind = preferred if preferred in ask.decision_types else ask.decision_types[0]
    return [{"type": kind, "decision": decision, "reasoning": f"Approval rate was {approval}"}]
