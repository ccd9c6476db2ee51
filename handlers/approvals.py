"""Approval cards: Approve (one click), Request changes and Reject (a modal), Read the full
draft. Thin listeners: check who clicks and whether the card is still open, persist the
decision as one guarded transition (the first wins; a double click, a racing approver or a
retried interaction changes nothing more), answer Slack, and leave the card update and the
work that follows to a job. Every refusal is an ephemeral message to the person who clicked.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from handlers.context import Services, services
from handlers.intake import Intake
from jobs.approvals import cards
from jobs.queue import AFTER_DECISION, CAMPAIGN_DECISION
from jobs.slack.text import Text, is_user_id, md, mention
from models import approvals
from models.approvals import Approval, ApprovalStatus
from models.db import write_guard

logger = logging.getLogger(__name__)

MIN_FEEDBACK_CHARS = 3
GONE = "This approval card is no longer valid."
MODAL_FAILED = "Slack could not open the form"
NO_FEEDBACK = "Say what should change, so the author can revise it."


def register(app: App) -> None:
    app.action(cards.ACTIONS["approve"])(handle_approve)
    app.action(cards.ACTIONS["changes"])(handle_open_decision)
    app.action(cards.ACTIONS["reject"])(handle_open_decision)
    app.action(cards.ACTIONS["view"])(handle_view_draft)
    app.view("approval-decision")(handle_decision)


def handle_approve(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Approve is one click: no modal, the decision is taken here."""
    ack()
    team_id, approval_id, user = _clicked(body)
    found = services(context)
    approval = decidable(found, team_id, approval_id, user)
    if isinstance(approval, str):
        _refuse(client, body, approval)
        return
    problem = decide(found.intake, approval, ApprovalStatus.APPROVED, user, None)
    if problem is not None:
        _refuse(client, body, problem)


def handle_open_decision(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Request changes and Reject ask for feedback first, in a modal."""
    ack()
    team_id, approval_id, user = _clicked(body)
    approval = decidable(services(context), team_id, approval_id, user)
    if isinstance(approval, str):
        _refuse(client, body, approval)
        return
    changes = body["actions"][0]["action_id"] == cards.ACTIONS["changes"]
    _open_modal(client, body, cards.decision_modal(approval, "changes" if changes else "reject"))


def handle_view_draft(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Anyone who sees the card may read the whole draft; no decision is taken."""
    ack()
    team_id, approval_id, _ = _clicked(body)
    found = services(context)
    with Session(found.intake.engine) as session:
        approval = approvals.load(session, team_id, approval_id)
    if approval is None:
        _refuse(client, body, GONE)
        return
    label = found.approvers.label(approval.action_type)
    _open_modal(client, body, cards.draft_modal(approval, label))


def handle_decision(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """The modal's submission is a request of its own: the card and the person are checked
    again, not only the click that opened it."""
    approval_id, _, mode = str(view.get("private_metadata") or "").partition(":")
    text = (view["state"]["values"]["feedback"]["text"].get("value") or "").strip()
    if mode == "changes" and len(text) < MIN_FEEDBACK_CHARS:
        ack(response_action="errors", errors={"feedback": NO_FEEDBACK})
        return
    found, user = services(context), str(body["user"]["id"])
    approval = decidable(found, str(body["team"]["id"]), approval_id, user)
    if isinstance(approval, str):
        ack(response_action="errors", errors={"feedback": approval})
        return
    to = ApprovalStatus.CHANGES_REQUESTED if mode == "changes" else ApprovalStatus.REJECTED
    problem = decide(found.intake, approval, to, user, text or None)
    if problem is None:
        ack()
    else:
        ack(response_action="errors", errors={"feedback": problem})


def decidable(found: Services, team_id: str, approval_id: str, user: str) -> Approval | str:
    """The open approval `user` may decide on, or what to tell them instead."""
    with Session(found.intake.engine) as session:
        approval = approvals.load(session, team_id, approval_id)
        problem = closed_reason(session, approval, user)
    if problem is not None or approval is None:
        return problem or GONE
    return found.refusal(team_id, approval.action_type, user) or approval


def decide(
    intake: Intake, approval: Approval, to: ApprovalStatus, user: str, feedback: str | None
) -> str | None:
    """The guarded transition (with its decision record), then the job that acts on it.
    None when this decision won; otherwise what to tell `user` (who decided first, and when)."""
    with write_guard(intake.engine), Session(intake.engine) as session:
        won = approvals.decide(
            session, approval.team_id, approval.id, to, by=user, feedback=feedback
        )
    if won:  # a campaign's gate or budget card: the campaign engine acts on it
        follow_up = AFTER_DECISION if approval.campaign_id is None else CAMPAIGN_DECISION
        intake.enqueue(follow_up, approval.team_id, approval.id)
        return None
    with Session(intake.engine) as session:
        latest = approvals.load(session, approval.team_id, approval.id)
        return closed_reason(session, latest, user) or GONE


def _clicked(body: dict[str, Any]) -> tuple[str, str, str]:
    """(team, approval id, user) of a click on a card's button."""
    approval_id = str(body["actions"][0].get("value"))
    return str(body["team"]["id"]), approval_id, str(body["user"]["id"])


def _refuse(client: WebClient, body: dict[str, Any], text: str) -> None:
    """An ephemeral to the person who clicked, in the card's thread."""
    message = body.get("message") or {}
    client.chat_postEphemeral(
        channel=body["channel"]["id"],
        user=body["user"]["id"],
        text=text,
        thread_ts=message.get("thread_ts"),
    )


def _open_modal(client: WebClient, body: dict[str, Any], view: dict[str, Any]) -> None:
    """A trigger id lives 3 s; if Slack refuses the modal, the person hears why."""
    try:
        client.views_open(trigger_id=body["trigger_id"], view=view)
    except SlackApiError as error:
        reason = error.response.get("error")
        _refuse(client, body, f"{MODAL_FAILED} ({reason}). Nothing changed; click again.")


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
