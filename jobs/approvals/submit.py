"""The `submit_for_approval` tool, and the brief its submitter gets once a decision is in.

A submitted draft becomes an approval record (one per version) and a task for its current
step: an agent reviewer's turn (`jobs/agent/reviews.py`), or, at the end of the chain, a card in
the submitter's thread that waits for a person (`jobs/approvals/posts.py`). The autonomy level
decides whether anyone is asked at all (L4: approved at once and recorded). The decision
completes the step's task, and the fan-in wakes the submitter, whose next turn continues,
revises or closes the work.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TypedDict

from bots.authority import check_submission
from bots.roster import HUMAN, Agent
from bots.tools import SubmitForApproval, parse_as
from jobs.approvals import cards
from jobs.approvals.autonomy import autonomy_level
from jobs.approvals.posts import mark_superseded, to_person
from jobs.claude import framing
from jobs.claude.client import ToolUse
from jobs.department.delegation import enqueue_task
from jobs.department.tool_handler import ToolHandler
from jobs.runtime import Runtime
from models import approvals, tasks, turns
from models.approvals import Approval, ApprovalStatus
from models.base import new_id
from models.kinds import ApprovalStepDetails
from models.work import Task, TaskStatus

logger = logging.getLogger(__name__)

AUTONOMOUS = "L4"


class DraftFields(TypedDict):
    """What every version records about its draft (keyword arguments of `propose`)."""

    team_id: str
    subject_id: str
    action_type: str
    title: str
    draft: str
    drafted_by: str
    submitted_by: str
    on_approval: str
    changes: str
    requested_by: str


@dataclass
class Submitter(ToolHandler):
    """Handles a turn's `submit_for_approval` calls."""

    created: list[str] = field(default_factory=list)

    def handle(self, use: ToolUse) -> tuple[str, bool]:
        args = parse_as(use.name, use.input, SubmitForApproval)
        if isinstance(args, str):
            return args, True
        refusal = self._check(args)
        if refusal is not None:
            return refusal, True
        parent = self.ensure_parent()
        with self.rt.sessions() as session:
            level = autonomy_level(session, self.rt.authority, parent.team_id, args.action_type)
        label = self.rt.approvals.label(args.action_type)
        if level == AUTONOMOUS:
            return self._autonomous(parent, args, label), False
        return self._to_approvers(parent, args, label), False

    def ask_person(self, args: SubmitForApproval) -> str:
        """An agent's decision that needs a person: a card for the decision type's approvers
        instead of a record (the submitters list and autonomy levels do not apply: a decision
        type that needs a person is never autonomous)."""
        label = self.rt.approvals.label(args.action_type)
        return self._to_approvers(self.ensure_parent(), args, label)

    def _to_approvers(self, parent: Task, args: SubmitForApproval, label: str) -> str:
        approval = self._propose(parent, args)
        if approval.at_human_step:
            to_person(self.rt, approval)
            with self.rt.sessions() as session:
                tasks.move(
                    session,
                    approval.team_id,
                    str(approval.task_id),
                    from_=(TaskStatus.OPEN,),
                    to=TaskStatus.ESCALATED,
                )
            where = "a person (an approval card in the requester's thread)"
        else:
            enqueue_task(self.rt, approval.team_id, str(approval.task_id))
            names = [self.rt.roster.get(r).display_name for r in approval.chain[approval.step :]]
            where = ", then ".join([*names, "a person"])
        self.created.append(str(approval.task_id))
        return (
            f"Submitted {label} “{approval.title}” as version {approval.version} for approval "
            f"by {where}. The decision comes back to you in a later turn; end this turn by "
            "telling the requester in a sentence that it is with the approvers."
        )

    def _check(self, args: SubmitForApproval) -> str | None:
        refusal = check_submission(self.rt.authority, self.caller, args.action_type)
        if refusal is not None:
            return refusal
        if args.drafted_by is not None and args.drafted_by not in self.rt.roster.by_id:
            return f"Refused: there is no agent {args.drafted_by!r} (drafted_by)."
        if args.drafted_by not in (None, self.caller.id, *self.caller.manages):
            # Whoever drafted it must not end up reviewing it: a draft is yours or a report's.
            mine = ", ".join(self.caller.manages) or "nobody"
            return (
                f"Refused: drafted_by must be you or one of your direct reports ({mine}); "
                f"{args.drafted_by} does not report to you."
            )
        return None

    def _autonomous(self, parent: Task, args: SubmitForApproval, label: str) -> str:
        with self.rt.sessions() as session:
            approval = approvals.propose(session, **self._draft(parent, args), where=self.origin)
            approvals.decide(
                session,
                parent.team_id,
                approval.id,
                ApprovalStatus.APPROVED,
                by="autonomy",
                feedback=f"{label} is autonomous (L4) in this workspace",
            )
        return (
            f"Approved without review: {label} is autonomous (L4) in this workspace, so people "
            f"are informed, not asked. Go ahead now: {args.on_approval}"
        )

    def _propose(self, parent: Task, args: SubmitForApproval) -> Approval:
        chain = self.rt.approvals.reviewers(args.action_type, self.rt.roster, self.caller)
        with self.rt.sessions() as session:
            earlier = approvals.versions(session, parent.team_id, parent.id)
        step = resume_step(earlier, chain, self.rt.roster.by_id)
        task_id, approval_id = new_id(), new_id()
        with self.rt.sessions() as session:
            session.add(
                tasks.subtask_of(
                    parent,
                    created_by=self.caller.id,
                    assigned_to=chain[step] if step < len(chain) else HUMAN,
                    details=ApprovalStepDetails(approval_id=approval_id),
                    task_id=task_id,
                    title=f"Approval: {args.title}"[:150],
                    brief=f"{args.action_type}: {args.title}",
                    channel_id=self.origin[0],
                    thread_ts=self.origin[1],
                )
            )
            approval = approvals.propose(
                session,
                **self._draft(parent, args),
                chain=chain,
                step=step,
                approval_id=approval_id,
                task_id=task_id,
                where=self._request_thread(parent),
            )
        self._close_superseded_steps(earlier, approval.version)
        mark_superseded(self.rt, earlier, approval.version)
        return approval

    def _draft(self, parent: Task, args: SubmitForApproval) -> DraftFields:
        """What every version records about its draft, whoever decides on it."""
        return {
            "team_id": parent.team_id,
            "subject_id": parent.id,
            "action_type": args.action_type,
            "title": args.title,
            "draft": args.draft,
            "drafted_by": args.drafted_by or self.caller.id,
            "submitted_by": self.caller.id,
            "on_approval": args.on_approval,
            "changes": (args.changes or "").strip(),
            "requested_by": self._requester(parent),
        }

    def _requester(self, parent: Task) -> str:
        with self.rt.sessions() as session:
            return turns.requester(session, parent.team_id, parent.origin_turn_id)

    def _request_thread(self, parent: Task) -> tuple[str, str]:
        """Where the person asked: the card goes there (reviews stay in the submitter's
        thread), so a specialist's draft does not wait unseen in a team channel."""
        if parent.origin_turn_id is None:
            return self.origin
        with self.rt.sessions() as session:
            turn = turns.load_turn(session, parent.team_id, parent.origin_turn_id)
        return (turn.channel_id, turn.thread_ts) if turn is not None else self.origin

    def _close_superseded_steps(self, earlier: list[Approval], newest: int) -> None:
        """A version still pending when the next one came is over: its step task must not
        keep the submitter waiting (a review running on it ends by itself, as stale)."""
        with self.rt.sessions() as session:
            for old in earlier:
                if old.status == ApprovalStatus.PENDING.value and old.task_id is not None:
                    tasks.complete(
                        session,
                        old.team_id,
                        old.task_id,
                        f"Superseded by version {newest}",
                        from_=(TaskStatus.OPEN, TaskStatus.READY, TaskStatus.ESCALATED),
                    )


def resume_step(earlier: list[Approval], chain: list[str], agents: dict[str, Agent]) -> int:
    """Where a new version starts: a draft a person sent back goes straight back to a person;
    one an agent reviewer sent back returns to that reviewer (those before it approved)."""
    if not earlier or earlier[-1].status != ApprovalStatus.CHANGES_REQUESTED.value:
        return 0
    decided_by = earlier[-1].decided_by or ""
    if decided_by in agents:
        return chain.index(decided_by) if decided_by in chain else 0
    return len(chain)


# The instruction sentences after a decision's frame, by outcome (the frames carry the data).
ON_APPROVED = (
    "Your draft was approved. Now do what you said happens on approval: use your tools to "
    "hand the work on, then say in one or two sentences what happens next."
)
ON_CHANGES = (
    "Revise the draft to address every point of the feedback, then call submit_for_approval "
    "again with the complete revised draft (same action type and title) and, in `changes`, "
    "one sentence on what you changed: the card shows it, so do not repeat it afterwards."
)
ON_CLOSED = (
    "Do not revise it. Close this: tell the requester in two sentences what was rejected and "
    "why, and that the task is closed."
)
OUTCOMES = {
    ApprovalStatus.APPROVED.value: "approved",
    ApprovalStatus.CHANGES_REQUESTED.value: "changes",
    ApprovalStatus.REJECTED.value: "rejected",
}


def continuation_brief(rt: Runtime, task: Task, decided: Approval) -> str:
    """The submitter's turn after a decision: the task and the decision as frames, then what
    to do: go on, revise, or close."""
    outcome = OUTCOMES.get(decided.status, "not_decided")
    decision = framing.approval_decision(
        outcome=outcome,
        action=rt.approvals.label(decided.action_type),
        version=decided.version,
        decided_by=cards.named(decided.decided_by or "", rt.roster),
        title=decided.title,
        feedback=(decided.feedback or "") if outcome == "changes" else decided.feedback or None,
        draft=decided.draft if outcome == "changes" else None,
        on_approval=decided.on_approval if outcome == "approved" else None,
    )
    ask = {"approved": ON_APPROVED, "changes": ON_CHANGES}.get(outcome, ON_CLOSED)
    return framing.join(framing.task_header(rt.roster, task), decision, ask)
