"""The `submit_for_approval` tool and what follows a decision.

A submitted draft becomes an approval record (one per version) and a task for its current
step: an agent reviewer's turn (`jobs/reviews.py`), or, at the end of the chain, a card in
the submitter's thread that waits for a person. The autonomy level decides whether anyone
is asked at all (L4: approved at once and recorded). The decision completes the step's task,
and the fan-in wakes the submitter, whose next turn continues, revises or closes the work.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from slack_sdk.errors import SlackApiError

from bots.approvers import approvers_text
from bots.roster import HUMAN, Agent
from bots.tools import SubmitForApproval, parse_call
from jobs import approval_cards as cards
from jobs.delegation import enqueue_task, persona
from jobs.llm import ToolUse
from jobs.runtime import Runtime
from models import approvals, posts, tasks
from models.approvals import Approval, ApprovalStatus
from models.autonomy import autonomy_level
from models.base import new_id, utcnow
from models.work import Task, TaskStatus

logger = logging.getLogger(__name__)

AUTONOMOUS = "L4"


@dataclass
class Submitter:
    """Handles a turn's `submit_for_approval` calls."""

    rt: Runtime
    caller: Agent
    ensure_parent: Callable[[], Task]
    origin: tuple[str, str]
    created: list[str] = field(default_factory=list)

    def handle(self, use: ToolUse) -> tuple[str, bool]:
        call = parse_call(use.name, use.input)
        args = call.arguments
        if call.refusal is not None or not isinstance(args, SubmitForApproval):
            return call.refusal or "Invalid submit_for_approval call.", True
        refusal = self._check(args)
        if refusal is not None:
            logger.info("Refused submission by %s: %s", self.caller.id, refusal)
            return refusal, True
        parent = self.ensure_parent()
        with self.rt.sessions() as session:
            level = autonomy_level(session, self.rt.authority, parent.team_id, args.action_type)
        label = self.rt.approvals.label(args.action_type)
        if level == AUTONOMOUS:
            return self._autonomous(parent, args, label), False
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
            where = "a person (approval card in this thread)"
        else:
            enqueue_task(self.rt, approval.team_id, str(approval.task_id))
            names = [self.rt.roster.get(r).display_name for r in approval.chain[approval.step :]]
            where = ", then ".join([*names, "a person"])
        self.created.append(str(approval.task_id))
        return (
            f"Submitted {label} “{approval.title}” as version {approval.version} for approval "
            f"by {where}. The decision comes back to you in a later turn; end this turn by "
            "telling the requester in a sentence that it is with the approvers.",
            False,
        )

    def _check(self, args: SubmitForApproval) -> str | None:
        known = self.rt.authority.autonomy
        if args.action_type not in known:
            return (
                f"Refused: unknown action type {args.action_type!r}; "
                f"use one of {', '.join(sorted(known))}."
            )
        if args.drafted_by is not None and args.drafted_by not in self.rt.roster.by_id:
            return f"Refused: there is no agent {args.drafted_by!r} (drafted_by)."
        return None

    def _autonomous(self, parent: Task, args: SubmitForApproval, label: str) -> str:
        with self.rt.sessions() as session:
            approval = approvals.propose(
                session,
                team_id=parent.team_id,
                subject_id=parent.id,
                action_type=args.action_type,
                title=args.title,
                draft=args.draft,
                drafted_by=args.drafted_by or self.caller.id,
                submitted_by=self.caller.id,
                on_approval=args.on_approval,
                where=self.origin,
            )
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
                Task(
                    id=task_id,
                    team_id=parent.team_id,
                    origin_turn_id=parent.origin_turn_id,
                    parent_task_id=parent.id,
                    created_by=self.caller.id,
                    assigned_to=chain[step] if step < len(chain) else HUMAN,
                    title=f"Approval: {args.title}"[:150],
                    brief=f"{args.action_type}: {args.title}",
                    depth=parent.depth + 1,
                    status=TaskStatus.OPEN.value,
                    channel_id=self.origin[0],
                    thread_ts=self.origin[1],
                    context={"kind": "approval", "approval_id": approval_id},
                )
            )
            approval = approvals.propose(
                session,
                team_id=parent.team_id,
                subject_id=parent.id,
                action_type=args.action_type,
                title=args.title,
                draft=args.draft,
                drafted_by=args.drafted_by or self.caller.id,
                submitted_by=self.caller.id,
                on_approval=args.on_approval,
                chain=chain,
                step=step,
                approval_id=approval_id,
                task_id=task_id,
                where=self.origin,
            )
        mark_superseded(self.rt, earlier, approval.version)
        return approval


def resume_step(earlier: list[Approval], chain: list[str], agents: dict[str, Agent]) -> int:
    """Where a new version starts: a draft a person sent back goes straight back to a person;
    one an agent reviewer sent back returns to that reviewer (those before it approved)."""
    if not earlier or earlier[-1].status != ApprovalStatus.CHANGES_REQUESTED.value:
        return 0
    decided_by = earlier[-1].decided_by or ""
    if decided_by in agents:
        return chain.index(decided_by) if decided_by in chain else 0
    return len(chain)


def mark_superseded(rt: Runtime, earlier: list[Approval], newest: int) -> None:
    """Older cards say a newer version exists (best effort: their buttons are dead anyway)."""
    for old in earlier:
        if old.card_ts is None or old.channel_id is None:
            continue
        with rt.sessions() as session:
            current = approvals.load(session, old.team_id, old.id)
        if current is None:
            continue
        label = rt.approvals.label(current.action_type)
        state = cards.state_line(current, rt.roster, superseded_by=newest)
        try:
            rt.slack_best_effort.chat_update(
                channel=old.channel_id,
                ts=old.card_ts,
                text=cards.card_text(current, label),
                blocks=cards.card_blocks(current, rt.roster, label, state=state),
            )
        except SlackApiError as error:
            logger.info("Card %s not marked superseded: %s", old.id, error.response.get("error"))


def to_person(rt: Runtime, approval: Approval) -> None:
    """Post (once) the card in the submitter's thread; the caller then leaves the step's task
    waiting for a person. Until it does, the task is runnable, so a crash in between ends
    with the sweeper re-running the step, which finds the card and finishes the move."""
    assert approval.channel_id is not None and approval.thread_ts is not None
    submitter = rt.roster.by_id.get(approval.submitted_by) or rt.roster.front_door
    label = rt.approvals.label(approval.action_type)
    who = persona(submitter)
    with rt.sessions() as session:
        record, _existed = posts.claim_part(
            session,
            team_id=approval.team_id,
            turn_id=f"p{approval.id[:31]}",
            part=0,
            channel_id=approval.channel_id,
            thread_ts=approval.thread_ts,
        )
        ts = record.ts
        if ts is None:
            response = rt.slack.chat_postMessage(
                channel=approval.channel_id,
                thread_ts=approval.thread_ts,
                text=cards.card_text(approval, label),
                blocks=cards.card_blocks(approval, rt.roster, label),
                username=who.username,
                icon_emoji=who.icon_emoji,
            )
            ts = str(response["ts"])
            posts.save_ts(session, record, ts)
        approvals.set_card(session, approval, ts)


def expire_approvals(rt: Runtime, team_id: str, subject_ids: list[str]) -> None:
    """The work behind these drafts was stopped: pending approvals close without a decision
    and their cards say so, so nobody approves work that no longer runs."""
    with rt.sessions() as session:
        pending = [
            a
            for subject in subject_ids
            for a in approvals.versions(session, team_id, subject)
            if a.status == ApprovalStatus.PENDING.value
        ]
        expired = [a.id for a in pending if approvals.expire(session, team_id, a.id)]
        closed = [approvals.load(session, team_id, approval_id) for approval_id in expired]
    for approval in closed:
        if approval is None or approval.card_ts is None or approval.channel_id is None:
            continue
        label = rt.approvals.label(approval.action_type)
        try:
            rt.slack_best_effort.chat_update(
                channel=approval.channel_id,
                ts=approval.card_ts,
                text=cards.card_text(approval, label),
                blocks=cards.card_blocks(
                    approval, rt.roster, label, state=cards.state_line(approval, rt.roster)
                ),
            )
        except SlackApiError as error:
            logger.info("Expired card %s not updated: %s", approval.id, error.response.get("error"))


def outcome_text(approval: Approval, rt: Runtime) -> str:
    """What the submitter is told (the step task's deliverable)."""
    verb = {
        ApprovalStatus.APPROVED.value: "Approved",
        ApprovalStatus.CHANGES_REQUESTED.value: "Changes requested",
        ApprovalStatus.REJECTED.value: "Rejected",
        ApprovalStatus.EXPIRED.value: "Expired without a decision",
    }.get(approval.status, approval.status)
    by = cards.who(approval.decided_by or "", rt.roster)
    text = f"{verb} by {by} (version {approval.version})"
    return f"{text}: {approval.feedback}" if approval.feedback else text


def after_decision(team_id: str, approval_id: str) -> str:
    """RQ job after a person's decision: the card shows it, the submitter's work goes on.
    Safe to run twice: the card edit is the same, the task completes once."""
    from jobs import runtime as runtime_module

    rt = runtime_module.current()
    with rt.sessions() as session:
        approval = approvals.load(session, team_id, approval_id)
    if approval is None or approval.status == ApprovalStatus.PENDING.value:
        return "nothing to do"
    label = rt.approvals.label(approval.action_type)
    if approval.card_ts is not None and approval.channel_id is not None:
        rt.slack.chat_update(
            channel=approval.channel_id,
            ts=approval.card_ts,
            text=cards.card_text(approval, label),
            blocks=cards.card_blocks(
                approval, rt.roster, label, state=cards.state_line(approval, rt.roster)
            ),
        )
    if approval.task_id is None:
        return approval.status
    with rt.sessions() as session:
        tasks.complete(
            session,
            team_id,
            approval.task_id,
            outcome_text(approval, rt),
            from_=(TaskStatus.ESCALATED, *tasks.WORKING),
        )
        woke = tasks.wake_parent_if_all_done(session, team_id, approval.subject_id)
    if woke:
        enqueue_task(rt, team_id, approval.subject_id)
    return approval.status


def due_reminders(rt: Runtime) -> list[tuple[str, str]]:
    """(team, approval) pairs whose card has waited longer than the configured time."""
    after = timedelta(hours=rt.approvals.defaults.reminder_after_hours)
    with rt.sessions() as session:
        due = approvals.due_for_reminder(session, older_than=utcnow() - after)
    return [(a.team_id, a.id) for a in due]


def remind(team_id: str, approval_id: str) -> str:
    """RQ job: one reminder in the card's thread, naming who can approve."""
    from jobs import runtime as runtime_module

    rt = runtime_module.current()
    with rt.sessions() as session:
        approval = approvals.load(session, team_id, approval_id)
        if approval is None or approval.status != ApprovalStatus.PENDING.value:
            return "nothing to do"
        if approval.reminded_at is not None or approval.card_ts is None:
            return "already reminded"
    assert approval.channel_id is not None
    submitter = rt.roster.by_id.get(approval.submitted_by) or rt.roster.front_door
    who = persona(submitter)
    since = cards.slack_time(approval.created_at)
    text = (
        f":alarm_clock: Reminder: *{approval.title}* (version {approval.version}) has been "
        f"waiting for approval since {since}. "
        f"{approvers_text(rt.approvals, approval.action_type)} can decide on the card above."
    )
    with rt.sessions() as session:
        record, _existed = posts.claim_part(
            session,
            team_id=team_id,
            turn_id=f"r{approval.id[:31]}",
            part=0,
            channel_id=approval.channel_id,
            thread_ts=approval.thread_ts or approval.card_ts,
        )
        if record.ts is None:
            response = rt.slack.chat_postMessage(
                channel=approval.channel_id,
                thread_ts=approval.thread_ts or approval.card_ts,
                text=text,
                username=who.username,
                icon_emoji=who.icon_emoji,
            )
            posts.save_ts(session, record, str(response["ts"]))
        approvals.mark_reminded(session, approval)
    return "reminded"


def continuation_brief(rt: Runtime, task: Task, decided: Approval) -> str:
    """The submitter's turn after a decision: go on, revise, or close."""
    label = rt.approvals.label(decided.action_type)
    by = cards.who(decided.decided_by or "", rt.roster)
    requester = rt.roster.by_id.get(task.created_by)
    who = requester.display_name if requester else "a person in Slack"
    head = (
        f"[Task from {who}, priority {task.priority}] {task.title}\n\n{task.brief}\n\n"
        f"Your {label} “{decided.title}” (version {decided.version}) was sent for approval."
    )
    if decided.status == ApprovalStatus.APPROVED.value:
        return (
            f"{head}\nIt was APPROVED by {by}.\n\nNow do what you said happens on approval: "
            f"{decided.on_approval}\nUse your tools to hand the work on, then say in one or two "
            "sentences what happens next."
        )
    if decided.status == ApprovalStatus.CHANGES_REQUESTED.value:
        return (
            f"{head}\n{by} asked for CHANGES: {decided.feedback}\n\n--- Your version "
            f"{decided.version} ---\n{decided.draft}\n--- End ---\n\nRevise the draft to address "
            "every point, then call submit_for_approval again with the complete revised draft "
            "(same action type and title). Say in one sentence what you changed."
        )
    reason = f" Reason: {decided.feedback}" if decided.feedback else " No reason was given."
    verdict = "REJECTED" if decided.status == ApprovalStatus.REJECTED.value else "not decided"
    return (
        f"{head}\nIt was {verdict} by {by}.{reason}\n\nDo not revise it. Close this: tell the "
        "requester in two sentences what was rejected and why, and that the task is closed."
    )
