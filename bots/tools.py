"""The department's tools: what an agent may ask for, as pydantic models, and the rules that
decide whether it may.

Each tool's input schema is generated from its model (so the schema Claude sees and the
validation we run cannot drift apart) and the definitions are byte-stable, since they are
part of the prompt-caching prefix. A call that breaks a rule is answered with a refusal that
says why and what to do instead; the model is never trusted to police itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bots.approvers import SLACK_USER
from bots.authority import AuthorityMatrix, check_decision
from bots.roster import HUMAN, Agent, Roster

T = TypeVar("T", bound=BaseModel)
Priority = Literal["low", "normal", "high", "urgent"]
Urgency = Literal["low", "medium", "high", "critical"]
MAX_OPTIONS = 5  # an escalation's choices: radio buttons in the Decide modal
OPTION_CHARS = 75  # Slack's limit on an option's text


class _Tool(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Delegate(_Tool):
    """Assign work to someone you manage. It opens a thread in their team channel."""

    to: str = Field(description="Agent id of one of your direct reports")
    title: str = Field(min_length=3, max_length=150)
    brief: str = Field(min_length=10, max_length=3000, description="What, for whom, constraints")
    due: date | None = Field(default=None, description="YYYY-MM-DD")
    priority: Priority = "normal"


class Consult(_Tool):
    """Ask a peer (same layer, another team) a question; they answer, you keep the task."""

    peer: str = Field(description="Agent id of a peer")
    question: str = Field(min_length=5, max_length=2000)


class Report(_Tool):
    """Finish your current task with its deliverable."""

    result: str = Field(min_length=1, max_length=12000)


class Escalate(_Tool):
    """Pass a question up your reporting line (specialist → manager → VP → CMO → human)."""

    category: str = Field(min_length=3, max_length=80)
    issue: str = Field(min_length=10, max_length=2000)
    attempts_made: str = Field(min_length=3, max_length=2000)
    urgency: Urgency
    recommendation: str = Field(min_length=3, max_length=2000)
    impact: str = Field(min_length=3, max_length=2000)
    mention: list[Annotated[str, Field(pattern=SLACK_USER)]] = Field(
        default_factory=list,
        max_length=5,
        description="Slack user ids (U…) to notify if this reaches a person: only the "
        "requester or people who wrote in the request's thread",
    )
    options: list[Annotated[str, Field(min_length=2, max_length=OPTION_CHARS)]] = Field(
        default_factory=list,
        max_length=MAX_OPTIONS,
        description="The choices you see, e.g. approve / decline / approve with a cap: 2 to 5 "
        "short options the decider picks from (a person also gets a free-text note), or none",
    )

    @model_validator(mode="after")
    def _options_are_a_choice(self) -> Escalate:
        if len(self.options) == 1:
            raise ValueError("options: give 2 to 5 options, or none for a free-text answer")
        if len({option.casefold() for option in self.options}) != len(self.options):
            raise ValueError("options: each option must be different")
        return self


class DecisionAction(_Tool):
    assignee: str
    action: str = Field(min_length=3, max_length=500)
    due: date | None = None


class RecordDecision(_Tool):
    """Record a decision within your authority (type from the authority matrix)."""

    type: str = Field(description="Decision type, e.g. blog_post_topics, campaign_strategy")
    decision: str = Field(min_length=3, max_length=2000)
    reasoning: str = Field(min_length=3, max_length=3000)
    actions: list[DecisionAction] = Field(default_factory=list, max_length=20)


class SubmitForApproval(_Tool):
    """Put a finished draft in front of its approvers: the department's reviewers and then a
    person, as the autonomy level of this kind of action requires. You get the decision
    (approved, changes requested with feedback, or rejected) in a later turn."""

    action_type: str = Field(description="Kind of action, e.g. blog_post, campaign_email")
    title: str = Field(min_length=3, max_length=150)
    draft: str = Field(
        min_length=20, max_length=12000, description="The complete draft, as it would go out"
    )
    on_approval: str = Field(
        min_length=5,
        max_length=500,
        description="What happens once it is approved, e.g. who you hand it to next",
    )
    drafted_by: str | None = Field(
        default=None, description="Agent id of who wrote the draft, if not you"
    )
    changes: str | None = Field(
        default=None,
        max_length=300,
        description="For a revised version: what changed since the last one, in one sentence "
        "(the approvers read it on the card)",
    )


class Review(_Tool):
    """Your verdict on the draft you are reviewing: approve it (it goes on to the next
    reviewer or a person), or send it back to its author with specific feedback."""

    verdict: Literal["approve", "send_back"]
    feedback: str = Field(
        min_length=3, max_length=2000, description="What to change, or a short note for the next"
    )


class UpdateTask(_Tool):
    """Change the due date or the priority of a task, when a person asks (e.g. in the
    standup thread). Only your own tasks and those of the people who report to you, directly
    or further down; give the task's id and at least one change."""

    task_id: str = Field(min_length=1, max_length=32, description="The task's id")
    due: date | None = Field(default=None, description="The new due date, YYYY-MM-DD")
    priority: Priority | None = None


TOOLS: dict[str, type[_Tool]] = {
    "delegate": Delegate,
    "consult": Consult,
    "report": Report,
    "escalate": Escalate,
    "record_decision": RecordDecision,
    "submit_for_approval": SubmitForApproval,
    "review": Review,
    "update_task": UpdateTask,
}


def tool_definitions() -> list[dict[str, Any]]:
    """Anthropic tool definitions, in a fixed order with sorted keys (a stable cache prefix)."""
    return [tool_definition(name, model) for name, model in TOOLS.items()]


def tool_definition(name: str, model: type[BaseModel]) -> dict[str, Any]:
    """One tool's definition from its model: the docstring is the description and the schema
    has sorted keys, so the bytes Claude sees only change when the model does."""
    schema = json.loads(json.dumps(model.model_json_schema(), sort_keys=True))
    schema.pop("title", None)
    schema.pop("description", None)
    return {"name": name, "description": (model.__doc__ or "").strip(), "input_schema": schema}


@dataclass(frozen=True)
class ToolCall:
    """A validated call, or the refusal to send back as the tool_result (is_error)."""

    name: str
    arguments: _Tool | None
    refusal: str | None = None


def parse_call(name: str, raw: object) -> ToolCall:
    """Validate a model's tool call; bad input is refused with field-level reasons."""
    model = TOOLS.get(name)
    if model is None:
        return ToolCall(name, None, f"Unknown tool {name!r}; available: {', '.join(TOOLS)}")
    try:
        return ToolCall(name, model.model_validate(raw))
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'input'}: {e['msg']}" for e in error.errors()
        )
        return ToolCall(name, None, f"Invalid {name} call: {problems}")


def parse_as(name: str, raw: object, kind: type[T]) -> T | str:
    """A call's validated arguments as the tool its handler answers, or the refusal to send
    back: the input's problems, or (a call routed to the wrong handler) that it is invalid."""
    call = parse_call(name, raw)
    if isinstance(call.arguments, kind):
        return call.arguments
    return call.refusal or f"Invalid {name} call."


def check_call(
    call: Delegate | Consult | Escalate | RecordDecision,
    caller: Agent,
    roster: Roster,
    matrix: AuthorityMatrix,
) -> str | None:
    """None if the caller may make this call; otherwise why not and what to do instead."""
    if isinstance(call, Delegate):
        return _check_delegate(call, caller, roster)
    if isinstance(call, Consult):
        return _check_consult(call, caller, roster)
    if isinstance(call, Escalate):
        return None  # always allowed: it goes to the caller's own manager (or a human)
    verdict = check_decision(matrix, roster, caller, call.type)
    if verdict.allowed:
        return None
    target = "a human" if verdict.escalate_to == HUMAN else verdict.escalate_to
    return f"Refused: {verdict.reason}. Use escalate (it goes to {target})."


def _check_delegate(call: Delegate, caller: Agent, roster: Roster) -> str | None:
    if call.to not in roster.by_id:
        return f"Refused: there is no agent {call.to!r}. Your direct reports: {_reports(caller)}."
    if call.to in caller.manages:
        return None
    if not caller.manages:
        return (
            "Refused: you manage nobody, so you cannot delegate. "
            "Do the work, consult a peer, or escalate."
        )
    if call.to == caller.reports_to:
        return "Refused: work does not go up the chain by delegation. Use escalate instead."
    return (
        f"Refused: {roster.get(call.to).display_name} does not report to you. You may delegate "
        f"to {_reports(caller)}; for anyone else use consult (peers) or escalate."
    )


def _check_consult(call: Consult, caller: Agent, roster: Roster) -> str | None:
    peer = roster.by_id.get(call.peer)
    if peer is None:
        return f"Refused: there is no agent {call.peer!r}."
    if peer.id == caller.id:
        return "Refused: you cannot consult yourself."
    if peer.layer != caller.layer:
        return (
            f"Refused: {peer.display_name} is not a peer ({peer.layer} layer, you are "
            f"{caller.layer}). Delegate to your reports or escalate to your manager instead."
        )
    return None


def check_task_update(call: UpdateTask, caller: Agent, owner: str, roster: Roster) -> str | None:
    """None if `caller` may change a task `owner` holds: its own, or one of anyone below it
    in the reporting lines; otherwise why not and whom to ask."""
    if call.due is None and call.priority is None:
        return "Refused: give a new due date, a new priority, or both. Nothing was changed."
    if owner == caller.id or caller.id in chain_above(owner, roster):
        return None
    holder = roster.by_id.get(owner)
    name = holder.display_name if holder else owner
    return (
        f"Refused: the task is {name}'s, outside your authority (your own tasks and your "
        f"reports'). Nothing was changed; ask {name} or their manager."
    )


def chain_above(agent_id: str, roster: Roster) -> list[str]:
    """The agent's managers, nearest first, up to the top of the chart."""
    chain: list[str] = []
    current = roster.by_id.get(agent_id)
    while current is not None and current.reports_to != HUMAN:
        chain.append(current.reports_to)
        current = roster.by_id.get(current.reports_to)
    return chain


def _reports(caller: Agent) -> str:
    return ", ".join(caller.manages) or "nobody"
