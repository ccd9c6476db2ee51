"""Approval cards: Approve (one click), Request changes and Reject (a modal), Read the full
draft. Thin listeners: check who clicks and whether the card is still open, persist the
decision as one guarded transition (the first wins; a double click, a racing approver or a
retried interaction changes nothing more), answer Slack, and leave the card update and the
work that follows to a job. Every refusal is an ephemeral message to the person who clicked.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bots.approvers import ApprovalConfig, approvers_text
from handlers.intake import Intake
from jobs.approvals import cards
from jobs.slack.people import LookupFailed, People, may_decide
from jobs.slack.text import Text, is_user_id, md, mention
from models import approvals
from models.approvals import Approval, ApprovalStatus
from models.db import write_guard

logger = logging.getLogger(__name__)

MIN_FEEDBACK_CHARS = 3
GONE = "This approval card is no longer valid."
MODAL_FAILED = "Slack could not open the form"


def register(app: App, intake: Intake, config: ApprovalConfig, lookup: People) -> None:
    def refuse(client: WebClient, body: dict[str, Any], text: str) -> None:
        message = body.get("message") or {}
        client.chat_postEphemeral(
            channel=body["channel"]["id"],
            user=body["user"]["id"],
            text=text,
            thread_ts=message.get("thread_ts"),
        )

    def open_modal(client: WebClient, body: dict[str, Any], view: dict[str, Any]) -> None:
        """A trigger id lives 3 s; if Slack refuses the modal, the person hears why."""
        try:
            client.views_open(trigger_id=body["trigger_id"], view=view)
        except SlackApiError as error:
            reason = error.response.get("error")
            refuse(client, body, f"{MODAL_FAILED} ({reason}). Nothing changed; click again.")

    def check(client: WebClient, body: dict[str, Any]) -> Approval | None:
        """The open approval this click is about, or None after telling the person why not."""
        team_id, user = str(body["team"]["id"]), str(body["user"]["id"])
        with Session(intake.engine) as session:
            approval = approvals.load(session, team_id, str(body["actions"][0].get("value")))
            problem = closed_reason(session, approval, user)
        if problem is not None or approval is None:
            refuse(client, body, problem or GONE)
            return None
        try:
            allowed = may_decide(lookup, team_id, config, approval.action_type, user)
        except LookupFailed as failed:
            refuse(client, body, failed.message)
            return None
        if not allowed:
            who = approvers_text(config, approval.action_type)
            refuse(client, body, f"Only {who} can approve this. Nothing changed.")
            return None
        return approval

    @app.action(cards.ACTIONS["approve"])
    def approve(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        approval = check(client, body)
        if approval is None:
            return
        team_id, user = approval.team_id, str(body["user"]["id"])
        if decide(intake, approval, ApprovalStatus.APPROVED, user, None):
            return
        with Session(intake.engine) as session:
            latest = approvals.load(session, team_id, approval.id)
            refuse(client, body, closed_reason(session, latest, user) or GONE)

    @app.action(cards.ACTIONS["changes"])
    @app.action(cards.ACTIONS["reject"])
    def open_decision(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        approval = check(client, body)
        if approval is None:
            return
        mode = (
            "changes" if body["actions"][0]["action_id"] == cards.ACTIONS["changes"] else "reject"
        )
        open_modal(client, body, cards.decision_modal(approval, mode))

    @app.action(cards.ACTIONS["view"])
    def view_draft(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        with Session(intake.engine) as session:
            approval = approvals.load(
                session, str(body["team"]["id"]), str(body["actions"][0].get("value"))
            )
        if approval is None:
            refuse(client, body, GONE)
            return
        label = config.label(approval.action_type)
        open_modal(client, body, cards.draft_modal(approval, label))

    @app.view("approval-decision")
    def take_decision(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        approval_id, _, mode = str(view.get("private_metadata") or "").partition(":")
        text = (view["state"]["values"]["feedback"]["text"].get("value") or "").strip()
        if mode == "changes" and len(text) < MIN_FEEDBACK_CHARS:
            ack(
                response_action="errors",
                errors={"feedback": "Say what should change, so the author can revise it."},
            )
            return
        team_id, user = str(body["team"]["id"]), str(body["user"]["id"])
        with Session(intake.engine) as session:
            approval = approvals.load(session, team_id, approval_id)
            problem = closed_reason(session, approval, user)
        if problem is not None or approval is None:
            ack(response_action="errors", errors={"feedback": problem or GONE})
            return
        try:
            allowed = may_decide(lookup, team_id, config, approval.action_type, user)
        except LookupFailed as failed:
            ack(response_action="errors", errors={"feedback": failed.message})
            return
        if not allowed:
            who = approvers_text(config, approval.action_type)
            ack(response_action="errors", errors={"feedback": f"Only {who} can decide on this."})
            return
        to = ApprovalStatus.CHANGES_REQUESTED if mode == "changes" else ApprovalStatus.REJECTED
        if decide(intake, approval, to, user, text or None):
            ack()
            return
        with Session(intake.engine) as session:
            latest = approvals.load(session, team_id, approval_id)
            ack(
                response_action="errors",
                errors={"feedback": closed_reason(session, latest, user) or GONE},
            )


def decide(
    intake: Intake, approval: Approval, to: ApprovalStatus, user: str, feedback: str | None
) -> bool:
    """The guarded transition (with its decision record), then the job that acts on it."""
    with write_guard(intake.engine), Session(intake.engine) as session:
        won = approvals.decide(
            session, approval.team_id, approval.id, to, by=user, feedback=feedback
        )
    if won:
        intake.enqueue(
            "jobs.approvals.posts.after_decision",
            approval.team_id,
            approval.id,
            job_id=f"approval-{approval.id}",
        )
    return won


def closed_reason(session: Session, approval: Approval | None, user: str) -> str | None:
    """None while the card can still be decided on; otherwise what to tell `user`."""
    if approval is None:
        return GONE
    newest = approvals.versions(session, approval.team_id, approval.subject_id)[-1]
    if newest.version > approval.version:
        return (
            f"This is version {approval.version}; version {newest.version} replaced it. "
            "Use the newest card in this thread. Nothing changed."
        )
    if approval.status == ApprovalStatus.PENDING.value:
        if not approval.at_human_step:
            return "This draft is still with the department's reviewers. Nothing changed."
        return None
    decided_by = approval.decided_by or ""
    by: Text = mention(decided_by) if is_user_id(decided_by) else decided_by or "someone"
    if approval.decided_by == user:
        by = "you"
    verb = {
        ApprovalStatus.APPROVED.value: "approved",
        ApprovalStatus.CHANGES_REQUESTED.value: "sent back for changes",
        ApprovalStatus.REJECTED.value: "rejected",
    }.get(approval.status)
    if verb is None:
        return "This approval was closed without a decision. Nothing changed."
    when = (
        md(" at {time}", time=cards.slack_time(approval.decided_at)) if approval.decided_at else ""
    )
    return md("Already {verb} by {by}{when}. Nothing changed.", verb=verb, by=by, when=when).text
