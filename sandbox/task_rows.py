"""Task rows as the department writes them, for the tests and the benchmarks that set up work
directly in the database. One place, so a new required column or task kind is added once, and
bench/ (which must not import tests/) shares it. The rows are returned unsaved: the caller
adds them in its own session."""

from __future__ import annotations

from typing import Any

from models.kinds import AssignmentDetails, EscalationCard, RequestDetails
from models.work import Task


def request_task(team_id: str, **values: Any) -> Task:
    """A person's request to a manager (kind `request`); `values` override any column."""
    fields: dict[str, Any] = {
        "team_id": team_id,
        "created_by": "human",
        "assigned_to": "content_manager",
        "title": "Blog post",
        "brief": "5 ways AI reduces costs",
        "details": RequestDetails(),
    }
    return Task(**(fields | values))


def copywriter_task(team_id: str, channel: str, thread_ts: str, **values: Any) -> Task:
    """The Content Manager's assignment to the Copywriter, held in a thread of `channel`: an
    open task the worker command's sweeper picks up and runs, answering in that thread."""
    fields: dict[str, Any] = {
        "created_by": "content_manager",
        "assigned_to": "copywriter",
        "title": "Launch principles",
        "brief": "Ten launch principles.",
        "channel_id": channel,
        "thread_ts": thread_ts,
        "depth": 1,
        "details": AssignmentDetails(project="Launch", requested_in=(channel, thread_ts)),
    }
    return request_task(team_id, **(fields | values))


def escalation_card(**values: Any) -> EscalationCard:
    """The card of a budget question escalated from the CMO to people (what an escalation
    task's details hold); `values` override any field."""
    fields: dict[str, Any] = {
        "level": "Human",
        "category": "Budget",
        "from_name": "CMO",
        "to_name": "the human executive team",
        "urgency": "high",
        "issue": "The launch needs $5k more",
        "attempts_made": "Cut the paid social line",
        "recommendation": "Approve the extra $5k",
        "impact": "The launch slips a week",
    }
    return EscalationCard(**(fields | values))
