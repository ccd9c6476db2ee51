"""An agent reviewer's step in an approval chain: one turn that approves or sends back.

The step's task moves along the chain (Content Manager → Director of Communications → VP
Marketing …); its approval record's `step` says who holds it, so a re-run after a crash picks
up where the chain is, never skipping or repeating a reviewer. Send-backs are bounded in
code: after `max_send_backs` the reviewer must pass the draft on, its concerns noted on the
card for the person who decides.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bots.roster import HUMAN, Agent
from bots.tools import Review, parse_call, tool_definitions
from errors import BudgetSpent, CampaignBudgetHeld, GuardTripped, LlmGaveUp
from jobs.agent.loop import run_agent_loop
from jobs.agent.stop import stop_task_request
from jobs.approvals.posts import outcome_text, to_person
from jobs.campaigns import budget
from jobs.claude import framing
from jobs.claude.client import ChatMessage, LlmAttempt, LlmRequest, ToolUse
from jobs.claude.usage import record_call, within_budget
from jobs.department.delegation import enqueue_task
from jobs.runtime import Runtime
from jobs.slack.post_once import ReplyWriter
from models import approvals, campaign_budget, tasks
from models.approvals import Approval, ApprovalStatus
from models.kinds import ApprovalStepDetails
from models.work import Task, TaskStatus

logger = logging.getLogger(__name__)

NO_VERDICT = "gave no verdict"
STOPPED_TEXT = "_Review stopped: the request hit one of the department's limits._"


@dataclass
class Verdict:
    """The reviewer's `review` call, checked against the send-back bound."""

    send_backs_left: int
    verdict: Review | None = None

    def handle(self, use: ToolUse) -> tuple[str, bool]:
        if use.name != "review":
            return f"The {use.name} tool is not available while reviewing; call review.", True
        call = parse_call(use.name, use.input)
        if call.refusal is not None or not isinstance(call.arguments, Review):
            return call.refusal or "Invalid review call.", True
        if self.verdict is not None:
            return "You already gave your verdict; end your turn.", True
        if call.arguments.verdict == "send_back" and self.send_backs_left <= 0:
            return (
                "Refused: this draft was already sent back as often as the department allows. "
                "Approve it and put your remaining concerns in feedback: the person who makes "
                "the final call sees them on the card.",
                True,
            )
        self.verdict = call.arguments
        if self.verdict.verdict == "approve":
            return "Recorded: approved; it goes on. End your turn.", False
        return "Recorded: sent back to the author with your feedback. End your turn.", False


def review_step(
    rt: Runtime, task: Task, step: ApprovalStepDetails, held: tasks.TaskClaim, writer: ReplyWriter
) -> str:
    """One turn of an approval step's task; returns what happened (the job's result)."""
    with rt.sessions() as session:
        approval = approvals.load(session, task.team_id, step.approval_id)
    if (
        approval is None
        or approval.status != ApprovalStatus.PENDING.value
        or approval.task_id != task.id
    ):
        with rt.sessions() as session:  # superseded or decided meanwhile: the step is over
            tasks.settle(session, held, TaskStatus.DONE, deliverable="Closed without review.")
            woke = task.parent_task_id is not None and tasks.wake_parent_if_all_done(
                session, task.team_id, task.parent_task_id
            )
        if woke and task.parent_task_id is not None:  # it may have been the last one out
            enqueue_task(rt, task.team_id, task.parent_task_id)
        return "stale"
    if approval.at_human_step:  # a crash after the last review: finish handing it on
        return _to_person(rt, approval, held)
    reviewer = rt.roster.get(approval.chain[approval.step])
    if reviewer.id != task.assigned_to:
        with rt.sessions() as session:
            tasks.pass_on(session, held, reviewer.id, TaskStatus.OPEN)
        enqueue_task(rt, task.team_id, task.id)
        return "handed on"
    with rt.sessions() as session:
        earlier = approvals.versions(session, task.team_id, approval.subject_id)
    send_backs = sum(
        1
        for a in earlier
        if a.status == ApprovalStatus.CHANGES_REQUESTED.value and a.decided_by in rt.roster.by_id
    )
    verdict = Verdict(send_backs_left=rt.approvals.defaults.max_send_backs - send_backs)
    request = LlmRequest(
        model=rt.settings.model_for(reviewer.model_tier),
        system=rt.prompts.system_prompt(reviewer),
        messages=[ChatMessage("user", review_brief(rt, approval, reviewer))],
        max_tokens=rt.settings.llm_max_tokens,
        tools=[t for t in tool_definitions() if t["name"] == "review"],
    )
    request_id = task.origin_turn_id or task.id
    try:
        outcome = run_agent_loop(
            rt,
            request,
            writer,
            record=lambda attempt: _record(rt, task, reviewer, attempt),
            handle_tool=verdict.handle,
            budget_left=lambda: within_budget(rt, task.team_id, request_id),
            check_call=budget.call_check(rt, task.team_id, task.id),
        )
    except CampaignBudgetHeld:  # a campaign's draft: the review waits for the raise
        writer.render(budget.PARKED_TEXT, final=True)
        with rt.sessions() as session:
            return "parked" if campaign_budget.park(session, held) else "lost-lease"
    except (BudgetSpent, GuardTripped) as stopped:  # the request stops: its card expires
        reason = stopped.reason if isinstance(stopped, GuardTripped) else None
        writer.render(STOPPED_TEXT, final=True)
        stop_task_request(rt, task, held, reason, note=STOPPED_TEXT)
        return "stopped"
    except LlmGaveUp as gave_up:  # Claude is down: a person still gets to decide
        logger.warning("Review of %s not done: %s", approval.id, gave_up.reason)
        verdict.verdict = None
        text = "could not review (the AI service kept failing)"
    else:
        text = outcome.text
    writer.render(text or "_(Reviewed.)_", final=True)
    return _apply(rt, approval, held, reviewer, verdict.verdict, text)


REVIEW_AS = (
    "Review it as the {reviewer}: your own standards, not the other reviewers'. A person "
    "makes the final call after the last step. Say your verdict in two or three sentences, "
    "then call review once: approve, or send_back with specific, actionable feedback."
)


def review_brief(rt: Runtime, approval: Approval, reviewer: Agent) -> str:
    """The draft as a frame (step, version, who drafted it, earlier notes), then the ask."""
    drafted = rt.roster.by_id.get(approval.drafted_by)
    review = framing.approval_review(
        action=rt.approvals.label(approval.action_type),
        step=approval.step + 1,
        steps=len(approval.chain),
        version=approval.version,
        drafted_by=drafted.display_name if drafted else approval.drafted_by,
        title=approval.title,
        on_approval=approval.on_approval,
        notes=[(str(note["by"]), str(note["text"])) for note in approval.notes or []],
        draft=approval.draft,
    )
    return framing.join(review, REVIEW_AS.format(reviewer=reviewer.display_name))


def _apply(
    rt: Runtime,
    approval: Approval,
    held: tasks.TaskClaim,
    reviewer: Agent,
    verdict: Review | None,
    text: str,
) -> str:
    if verdict is not None and verdict.verdict == "send_back":
        with rt.sessions() as session:
            won = approvals.decide(
                session,
                approval.team_id,
                approval.id,
                ApprovalStatus.CHANGES_REQUESTED,
                by=reviewer.id,
                feedback=verdict.feedback,
            )
            fresh = approvals.load(session, approval.team_id, approval.id)
            assert fresh is not None
            tasks.settle(session, held, TaskStatus.DONE, deliverable=outcome_text(fresh, rt))
            woke = won and tasks.wake_parent_if_all_done(
                session, approval.team_id, approval.subject_id
            )
        if woke:
            enqueue_task(rt, approval.team_id, approval.subject_id)
        return "sent back"
    note = {
        "by": reviewer.id,
        "verdict": "approve" if verdict is not None else "none",
        "text": verdict.feedback if verdict is not None else f"{NO_VERDICT}: {text[:300]}",
    }
    with rt.sessions() as session:
        approvals.advance(session, approval, note=note)
        fresh = approvals.load(session, approval.team_id, approval.id)
    assert fresh is not None
    if fresh.at_human_step:
        return _to_person(rt, fresh, held)
    with rt.sessions() as session:
        tasks.pass_on(session, held, fresh.chain[fresh.step], TaskStatus.OPEN)
    enqueue_task(rt, approval.team_id, str(approval.task_id))
    return "approved by reviewer"


def _to_person(rt: Runtime, approval: Approval, held: tasks.TaskClaim) -> str:
    to_person(rt, approval)
    with rt.sessions() as session:
        tasks.pass_on(session, held, HUMAN, TaskStatus.ESCALATED)
    return "to a person"


def _record(rt: Runtime, task: Task, agent: Agent, attempt: LlmAttempt) -> None:
    record_call(
        rt,
        team_id=task.team_id,
        turn_id=task.origin_turn_id or task.id,
        task_id=task.id,
        agent_id=agent.id,
        attempt=attempt,
    )
