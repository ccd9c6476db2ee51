"""The standup benchmark's department: 14 agents, 6 of them with work of every kind (done
yesterday, in progress with due dates, waiting on an agent, an approval card and an
escalation pending a person), each task in a thread of its own in the stand-in.
tests/test_standup.py uses the same agents and escalation card."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from models.approvals import Approval
from models.base import new_id, utcnow
from models.kinds import (
    ApprovalStepDetails,
    AssignmentDetails,
    EscalationCard,
    EscalationDetails,
    RequestDetails,
)
from models.work import Task
from sandbox.slack_api import SlackStandIn

WITH_WORK = (
    "cmo",
    "content_manager",
    "campaign_manager",
    "copywriter",
    "seo_specialist",
    "email_specialist",
)
CARD = EscalationCard(
    level="Human",
    category="Legal",
    from_name="CMO",
    to_name="the human executive team",
    urgency="high",
    issue="May we name Acme in the case study?",
    attempts_made="Read the contract",
    recommendation="Ask legal",
    impact="The case study waits",
)


def pending_blog_approval(
    approval_id: str, team: str, blog: Task, step: Task, channel: str, card_ts: str | None
) -> Approval:
    """The blog post's card waiting on a person (its first reviewer done): a blocker with
    the card's own buttons at the standup."""
    return Approval(
        id=approval_id,
        team_id=team,
        subject_id=blog.id,
        task_id=step.id,
        action_type="blog_post",
        version=1,
        title="Blog post on AI costs",
        draft="The draft.",
        drafted_by="copywriter",
        submitted_by="content_manager",
        chain=["director_comms"],
        step=1,
        status="pending",
        channel_id=channel,
        thread_ts=blog.thread_ts,
        card_ts=card_ts,
    )


def seed(sessions: sessionmaker[Session], slack: SlackStandIn, team: str, channel: str) -> None:
    now = utcnow()

    def add(session: Session, title: str, assigned_to: str, status: str, **fields: Any) -> Task:
        ts = slack.add_message(channel, user="U0HUMAN", text=title)
        values: dict[str, Any] = {
            "id": new_id(),
            "team_id": team,
            "created_by": "content_manager",
            "assigned_to": assigned_to,
            "title": title,
            "brief": f"Brief of {title}",
            "status": status,
            "details": AssignmentDetails(project="Q1 content", requested_in=(channel, ts)),
            "channel_id": channel,
            "thread_ts": ts,
            "created_at": now - timedelta(days=2),
            "updated_at": now - timedelta(days=2),
        }
        task = Task(**(values | fields))
        session.add(task)
        session.flush()
        return task

    with sessions() as session:
        add(session, "Tagline options", "copywriter", "done", updated_at=now - timedelta(hours=20))
        add(session, "Acme case study draft", "copywriter", "in_progress", due_date=now.date())
        add(session, "Keyword brief", "seo_specialist", "open", due_date=now.date())
        add(session, "Keyword map", "seo_specialist", "in_progress", priority="high")
        blog = add(session, "Blog post on AI costs", "content_manager", "escalated")
        approval_id = new_id()
        step = add(
            session,
            "Approval: Blog post on AI costs",
            "human",
            "escalated",
            parent_task_id=blog.id,
            details=ApprovalStepDetails(approval_id=approval_id),
        )
        session.add(pending_blog_approval(approval_id, team, blog, step, channel, step.thread_ts))
        launch = add(session, "Spring launch", "campaign_manager", "waiting")
        add(session, "Launch emails", "email_specialist", "in_progress", parent_task_id=launch.id)
        legal = add(session, "Acme naming", "cmo", "waiting", details=RequestDetails())
        add(
            session,
            "Escalation: Legal",
            "human",
            "escalated",
            parent_task_id=legal.id,
            details=EscalationDetails(card=CARD, requested_in=(channel, "1")),
        )
        session.commit()
