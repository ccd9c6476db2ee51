"""What `/campaign` does once parsed: one interface the listeners call, and today's answers.

The listeners parse and check; what a request does is behind `CampaignActions`. Every method
returns the private answer for the person (a refusal such as "no campaign c12" is an answer
too), so a listener never branches on the engine's state. Until the campaign engine is wired
in, `CampaignsNotYet` answers each request honestly: nothing ran, and here is what was
understood. The engine's slice provides the real implementation, as an adapter here in
`handlers/` over `jobs/campaigns/` (jobs never import handlers), and hands it to
`handlers.register`; the listeners do not change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, assert_never

from bots.plans import Value
from handlers.campaign_command import (
    CampaignRequest,
    ChangeState,
    ListCampaigns,
    Refused,
    SetVariable,
    ShowHelp,
    ShowStatus,
    usage,
)
from handlers.campaign_forms import Outcome
from jobs.slack.text import Mrkdwn, join, md

Answered = CampaignRequest | ListCampaigns | ShowStatus | ChangeState | SetVariable | ShowHelp
DEPARTMENT_FALLBACK = (
    "Until it is, mention @Marketing Dept with your brief and the CMO picks it up in a thread."
)


@dataclass(frozen=True)
class Requester:
    """Who typed or submitted, and in which conversation: the answer goes to them alone, and
    the engine checks what they may do."""

    team_id: str
    user_id: str
    channel_id: str


class CampaignActions(Protocol):
    """The campaign engine as `/campaign` sees it. Each method answers the person privately.

    A request that changes something is persisted before the method returns (the listener
    acks after it), like every event: no brief is lost."""

    def start(self, who: Requester, request: CampaignRequest) -> Mrkdwn: ...

    def list_campaigns(self, who: Requester) -> Mrkdwn: ...

    def status(self, who: Requester, campaign_id: str) -> Mrkdwn: ...

    def pause(self, who: Requester, campaign_id: str) -> Mrkdwn: ...

    def resume(self, who: Requester, campaign_id: str) -> Mrkdwn: ...

    def cancel(self, who: Requester, campaign_id: str) -> Mrkdwn: ...

    def set_variable(self, who: Requester, setting: SetVariable) -> Mrkdwn: ...

    def outcome_refusal(self, who: Requester, campaign_id: str) -> Mrkdwn | None:
        """None when the outcome form may open for this campaign; else why not."""

    def record_outcome(self, who: Requester, outcome: Outcome) -> Mrkdwn: ...

    def availability(self) -> Mrkdwn | None:
        """None when campaigns run; else the line `/campaign help` shows about it."""


def answer(actions: CampaignActions, who: Requester, command: Answered | Refused) -> Mrkdwn:
    """The private answer to a typed command that opens no form."""
    match command:
        case Refused(reason=reason, usage=shown):
            return md("{reason} Nothing was started.\n*Usage*\n{usage}", reason=reason, usage=shown)
        case ShowHelp():
            return help_text(actions.availability())
        case CampaignRequest():
            return actions.start(who, command)
        case ListCampaigns():
            return actions.list_campaigns(who)
        case ShowStatus(campaign_id=campaign_id):
            return actions.status(who, campaign_id)
        case ChangeState(change=change, campaign_id=campaign_id):
            act = {"pause": actions.pause, "resume": actions.resume, "cancel": actions.cancel}
            return act[change](who, campaign_id)
        case SetVariable():
            return actions.set_variable(who, command)
        case _:
            assert_never(command)


def help_text(availability: Mrkdwn | None) -> Mrkdwn:
    """`/campaign help`: the commands and what the department does with a campaign (fixed
    text, never a model's words)."""
    note = md("\n{note}\n", note=availability) if availability else Mrkdwn("")
    return md(HELP, note=note, commands=usage())


HELP = """*`/campaign`: plan and run a marketing campaign with the department*
{note}
*What happens to a campaign*
1. You type the brief (or fill in the form). It is recorded at once and you see "Analyzing…".
2. The VP Marketing posts a card in #mkt-campaigns with the analysis: estimated hours, teams, \
skills, dependencies, approvals, risk, and the approach: *direct delegation* (one manager can \
take it: it is handed straight to that manager, with no plan to approve, and the card links the \
manager's thread), *project management* (a checklist of tasks in \
order) or a *workflow* (a plan of phases), with its confidence, the reasons and the closest \
past pattern.
3. A workflow's phases run in order, in parallel, on a condition (a campaign variable you can \
`set`) or on a schedule until the end date. Each step names an agent, an action and a due \
date; approval gates sit where the authority matrix wants a person. The card has \
*Approve plan*, *Edit* (the requester or a plan approver changes each step's agent, action and \
due date, the end date and the budget; the plan is checked again and still needs approval) \
and *Cancel*.
4. Approved, each step becomes a task for its agent, with its own thread in the agent's team \
channel, in the plan's order; `/campaign status <id>` shows where it stands. Pause, resume, \
cancel and `set` are for the person who asked for it and the plan approvers. One progress \
message in the card's thread keeps every step and the spend against the budget current; from \
80 % it says so, and at 100 % new steps wait and you are told.
5. At the end the VP Marketing reports to you in the card's thread, with a copy for the CMO in \
#mkt-leadership: what was produced, what is still open, the cost.
6. Once it has run, `/campaign outcome <id>` records how it went (once); the next card of the \
same pattern adjusts its estimate and confidence ("based on N past …").
Not in this version yet: raising a running campaign's budget.

*Commands* (answers are visible to you alone)
{commands}"""


class CampaignsNotYet:
    """Today's `CampaignActions`: the engine is not switched on, so nothing runs; each answer
    says so and shows what was understood, so a person can check the command worked."""

    def start(self, who: Requester, request: CampaignRequest) -> Mrkdwn:
        return _not_yet("started", describe_request(request), DEPARTMENT_FALLBACK)

    def list_campaigns(self, who: Requester) -> Mrkdwn:
        return _not_yet("shown", Mrkdwn("list your campaigns."))

    def status(self, who: Requester, campaign_id: str) -> Mrkdwn:
        return _not_yet("shown", md("show where campaign `{id}` stands.", id=campaign_id))

    def pause(self, who: Requester, campaign_id: str) -> Mrkdwn:
        said = md(
            "pause campaign `{id}` (running steps finish, no new ones start).", id=campaign_id
        )
        return _not_yet("changed", said)

    def resume(self, who: Requester, campaign_id: str) -> Mrkdwn:
        return _not_yet("changed", md("resume campaign `{id}`.", id=campaign_id))

    def cancel(self, who: Requester, campaign_id: str) -> Mrkdwn:
        said = md("cancel campaign `{id}` (the steps not done are cancelled).", id=campaign_id)
        return _not_yet("changed", said)

    def set_variable(self, who: Requester, setting: SetVariable) -> Mrkdwn:
        where = (
            md("campaign `{id}`", id=setting.campaign_id)
            if setting.campaign_id
            else Mrkdwn("your most recent campaign")
        )
        said = md(
            "set `{name}` to {value} on {where}.",
            name=setting.variable,
            value=describe_value(setting.value),
            where=where,
        )
        return _not_yet("changed", said)

    def outcome_refusal(self, who: Requester, campaign_id: str) -> Mrkdwn | None:
        return None  # the form opens, so what it records can be checked; nothing is kept

    def record_outcome(self, who: Requester, outcome: Outcome) -> Mrkdwn:
        return _not_yet("recorded", describe_outcome(outcome))

    def availability(self) -> Mrkdwn | None:
        return Mrkdwn(
            "_In this version the campaign engine is not switched on yet: the commands below "
            "are understood and checked, but no campaign runs. Meanwhile mention @Marketing "
            "Dept with your brief and the CMO picks it up in a thread._"
        )


def _not_yet(done: str, understood: Mrkdwn, meanwhile: str = "") -> Mrkdwn:
    """The honest answer: nothing ran; what to do meanwhile; what was understood (last, so a
    quoted brief ends the message and can be copied from it)."""
    return md(
        "Campaigns are not switched on in this version yet, so nothing was {done}. "
        "{meanwhile}I understood: {understood}",
        done=done,
        meanwhile=f"{meanwhile} " if meanwhile else "",
        understood=understood,
    )


def describe_request(request: CampaignRequest) -> Mrkdwn:
    """A campaign request as the person can check it: the brief quoted, then the details."""
    lines = [md("start a campaign from this brief:\n{brief}", brief=quote(request.brief))]
    if request.deadline:
        lines.append(md("• Deadline: {day} (UTC)", day=request.deadline.isoformat()))
    if request.budget_usd is not None:
        lines.append(md("• Budget for AI work: ${amount}", amount=f"{request.budget_usd:,.2f}"))
    else:
        lines.append(
            Mrkdwn(
                '• Budget for AI work: the default (write "AI budget $30" in the brief to set it)'
            )
        )
    if request.success_metrics:
        lines.append(md("• Success metrics:\n{m}", m=quote(request.success_metrics)))
    if request.channel_id:
        lines.append(md("• Updates in <#{channel}>", channel=request.channel_id))
    return join("\n", lines)


def describe_outcome(outcome: Outcome) -> Mrkdwn:
    """An outcome as the person can check it."""
    learning = (
        md("\n• Key learning:\n{text}", text=quote(outcome.key_learning))
        if outcome.key_learning
        else Mrkdwn("")
    )
    return md(
        "record the outcome of campaign `{id}`: {success}, {hours} h actual, satisfaction "
        "{satisfaction}, {rework}.{learning}",
        id=outcome.campaign_id,
        success="succeeded" if outcome.success else "did not succeed",
        hours=_number(outcome.actual_hours),
        satisfaction=_number(outcome.satisfaction),
        rework="rework needed" if outcome.rework_needed else "no rework",
        learning=learning,
    )


def describe_value(value: Value) -> Mrkdwn:
    """A campaign variable's value with its type, as `set` understood it."""
    if isinstance(value, bool):
        return md("{flag} (a flag)", flag="true" if value else "false")
    if isinstance(value, float):
        return md("{n} (a number)", n=_number(value))
    return md('"{text}" (text)', text=value)


def quote(text: str) -> Mrkdwn:
    """The person's own words as a block quote, escaped: a quoted `<!channel>` stays text."""
    return join("\n", [md("> {line}", line=line) for line in text.splitlines()])


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else format(value, ".10g")
