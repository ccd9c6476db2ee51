"""Approval cards in Slack and the jobs around them: the card put in front of a person, its
edits (decided, superseded, expired), the job that acts on a person's decision, and the one
reminder for a card left waiting. Every post is keyed in `slack_posts`, every job safe to
run twice.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bots.approvers import approvers_text
from jobs.approvals import cards
from jobs.department import plan_view
from jobs.department.delegation import enqueue_task, persona
from jobs.runtime import Runtime
from jobs.slack.own_voice import conversation_voice
from jobs.slack.post_once import ReplyTarget, post_once
from jobs.slack.text import Mrkdwn, md
from jobs.workspace import approvals_for
from models import approvals, tasks
from models.approvals import DECISION_LABELS, Approval, ApprovalStatus
from models.work import TaskStatus

logger = logging.getLogger(__name__)


def refresh_card(
    rt: Runtime, approval: Approval, *, superseded_by: int | None = None, patient: bool = False
) -> None:
    """Edit a posted card to its current state: the buttons give way to who decided what.

    `patient` waits out rate limits (after a decision); otherwise a 429 is not waited for.
    A failure is logged, never raised: the card's buttons are dead either way (a click is
    refused with the reason), and the work that follows a decision must not wait on it.
    """
    if approval.card_ts is None or approval.channel_id is None:
        return
    label = rt.approvals.label(approval.action_type)
    state = cards.state_line(approval, rt.roster, superseded_by=superseded_by)
    submitter = rt.roster.by_id.get(approval.submitted_by) or rt.roster.front_door
    voice = conversation_voice(rt, approval.team_id, approval.channel_id, persona(submitter))
    client = voice.client if patient else voice.interim  # the app that posted it edits it
    try:
        client.chat_update(
            channel=approval.channel_id,
            ts=approval.card_ts,
            text=cards.card_text(approval, label).text,
            blocks=cards.card_blocks(approval, rt.roster, label, state=state),
        )
    except SlackApiError as error:
        logger.warning("Card %s not updated: %s", approval.id, error.response.get("error"))


def mark_superseded(rt: Runtime, earlier: list[Approval], newest: int) -> None:
    """Older cards say a newer version exists."""
    for old in earlier:
        with rt.sessions() as session:
            current = approvals.load(session, old.team_id, old.id)
        if current is not None:
            refresh_card(rt, current, superseded_by=newest)


def to_person(rt: Runtime, approval: Approval) -> None:
    """Post (once) the card in the submitter's thread; the caller then leaves the step's task
    waiting for a person. Until it does, the task is runnable, so a crash in between ends
    with the sweeper re-running the step, which finds the card and finishes the move."""
    assert approval.channel_id is not None and approval.thread_ts is not None
    submitter = rt.roster.by_id.get(approval.submitted_by) or rt.roster.front_door
    label = rt.approvals.label(approval.action_type)
    deciders = Mrkdwn(approvers_text(approvals_for(rt, approval.team_id), approval.action_type))
    voice = conversation_voice(rt, approval.team_id, approval.channel_id, persona(submitter))
    ts = post_once(
        voice.client,
        rt.sessions,
        ReplyTarget(
            approval.team_id, f"p{approval.id[:31]}", approval.channel_id, approval.thread_ts
        ),
        voice.persona,
        cards.card_text(approval, label, deciders),
        cards.card_blocks(approval, rt.roster, label, deciders=deciders),
    )
    with rt.sessions() as session:
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
        if approval is not None:
            refresh_card(rt, approval)


def outcome_text(approval: Approval, rt: Runtime) -> str:
    """What the submitter is told (the step task's deliverable): text a model reads, so a
    person is named as `<@U…>`, as in the messages it reads; escaped wherever it is shown."""
    verb = DECISION_LABELS.get(ApprovalStatus(approval.status), approval.status)
    by = cards.named(approval.decided_by or "", rt.roster)
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
    refresh_card(rt, approval, patient=True)
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
        step = tasks.load_task(session, team_id, approval.task_id)
    if step is not None:
        plan_view.ask_refresh(rt, step)  # the gate's task is done: the request's plan shows it
    if woke:
        enqueue_task(rt, team_id, approval.subject_id)
    return approval.status


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
    voice = conversation_voice(rt, team_id, approval.channel_id, persona(submitter))
    text = md(
        ":alarm_clock: Reminder: *{title}* (version {version}) has been waiting for approval "
        "since {since}. {approvers} can decide on the card above.",
        title=approval.title,
        version=approval.version,
        since=cards.slack_time(approval.created_at),
        approvers=Mrkdwn(approvers_text(approvals_for(rt, approval.team_id), approval.action_type)),
    )
    thread = approval.thread_ts or approval.card_ts
    post_once(
        voice.client,
        rt.sessions,
        ReplyTarget(team_id, f"r{approval.id[:31]}", approval.channel_id, thread),
        voice.persona,
        text,
    )
    with rt.sessions() as session:
        approvals.mark_reminded(session, approval)
    return "reminded"
