"""What a task is about, by kind: one pydantic model per kind of task, stored in `Task.context`.

The JSON column used to be a bag of string keys that four places probed for `kind`; now a
task's context is exactly one of these models, tagged by `kind` (a discriminated union), so
the code reads attributes and a row of the wrong shape fails on load with a message naming
the task, not with a `KeyError` deep inside a job.

Adding a kind (a campaign step, say) is: a model here with its own `kind` literal, added to
`TaskDetails`, and a migration if existing rows change.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from errors import BadTaskContext

# Where a request was asked (channel id, thread ts): delegated work reports back there.
Origin = tuple[str, str]


class _Details(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RequestDetails(_Details):
    """The task behind a person's request: its agent's work, once it hands work out."""

    kind: Literal["request"] = "request"


class AssignmentDetails(_Details):
    """Work a manager delegated down to a direct report (the `delegate` tool)."""

    kind: Literal["assignment"] = "assignment"
    project: str  # the delegating task's title
    requested_in: Origin


class ConsultDetails(_Details):
    """A question an agent asked a peer (the `consult` tool)."""

    kind: Literal["consult"] = "consult"
    project: str
    requested_in: Origin


class EscalationCard(BaseModel):
    """The escalation format (design §3.4), as data: the card renders it, escaped, when posted."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    level: str  # the level it goes to: Manager, VP, CMO, Human
    category: str
    from_name: str
    to_name: str
    urgency: str
    issue: str
    attempts_made: str
    recommendation: str
    impact: str
    options: list[str] = Field(default_factory=list)  # the choices named; rows before: none


class EscalationAnswer(BaseModel):
    """A person's answer on an escalation card: who, which button, the option they chose
    (when the escalation named options), their words."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    verdict: Literal["decided", "sent_back"]
    by: str  # Slack user id
    text: str  # the note or guidance ("" when an option was chosen without one)
    option: str | None = None  # rows before options: None

    @property
    def verb(self) -> str:
        return "Decided" if self.verdict == "decided" else "Sent back with guidance"

    @property
    def said(self) -> str:
        """The chosen option and the note, as one text (no markup: escaped when shown)."""
        if self.option is None:
            return self.text
        chose = f"chose “{self.option}”"
        return f"{chose}. Note: {self.text}" if self.text else chose

    def for_agent(self) -> str:
        """The answer as the waiting agent reads it (people appear as `<@U…>` in what agents
        read; the agent's own text is escaped wherever it is shown)."""
        return f"{self.verb} by <@{self.by}>: {self.said}"


class EscalationDetails(_Details):
    """A question for the next level up; at the top, a card a person answers."""

    kind: Literal["escalation"] = "escalation"
    card: EscalationCard
    requested_in: Origin | None = None  # None: a stopped request's card (no agent asked)
    mention: list[str] = Field(default_factory=list)  # people to notify, checked ids
    acknowledged_by: list[str] = Field(default_factory=list)
    answer: EscalationAnswer | None = None


class ApprovalStepDetails(_Details):
    """One step of an approval: an agent's review turn, or the person's card."""

    kind: Literal["approval_step"] = "approval_step"
    approval_id: str


class CampaignStepDetails(_Details):
    """One run of one step of a campaign's plan (`models/campaigns.py` holds the engine's view
    of it); when the task finishes, the campaign's engine is advanced."""

    kind: Literal["campaign_step"] = "campaign_step"
    campaign_id: str
    step_id: str  # the step's id in the plan
    run: int = 0  # 0 for a one-off step; 1, 2, … for the runs of a continuous phase
    requested_in: Origin  # the campaign card's thread: the step's thread links back there


TaskDetails = Annotated[
    RequestDetails
    | AssignmentDetails
    | ConsultDetails
    | EscalationDetails
    | ApprovalStepDetails
    | CampaignStepDetails,
    Field(discriminator="kind"),
]
KINDS: TypeAdapter[TaskDetails] = TypeAdapter(TaskDetails)


def dump(details: TaskDetails) -> dict[str, object]:
    """The JSON the `context` column stores."""
    return details.model_dump(mode="json")


def load(task_id: str, context: object) -> TaskDetails:
    """A stored context as its model; a row of an unknown kind or the wrong shape raises
    `BadTaskContext` naming the task and what is wrong."""
    try:
        return KINDS.validate_python(context)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'context'}: {e['msg']}" for e in error.errors()
        )
        raise BadTaskContext(f"Task {task_id} has an unreadable context ({problems})") from None
