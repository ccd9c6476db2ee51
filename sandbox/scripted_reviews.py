"""The scripted department's reviews (jobs/rituals/): the VP's week's priorities
(`propose_week_priorities`) and the CMO's monthly decisions (`record_review_decisions`),
each when the product forces that tool, written from the frames it is handed and quoting
only the figures and dates in them, as the product asks.

The VP puts what slipped first, then what is due soonest; the CMO keeps or changes course
on the approval and send-back rates, naming the figure as the post shows it.
"""

from __future__ import annotations

from typing import Any

from sandbox.claude_api import ToolUseReply
from sandbox.product_turns import OpenTask, ReviewAsk, forced_tool, review_ask

PRIORITIES = 3
PREFERRED_TYPE = "content_calendar"  # what a CMO adjusts after a month's approval figures


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
    kind = PREFERRED_TYPE if PREFERRED_TYPE in ask.decision_types else ask.decision_types[0]
    return [
        {
            "type": kind,
            "decision": "Keep drafts short and reviewed by the manager before they go up",
            "reasoning": f"Approval rate was {approval}",
        }
    ]
