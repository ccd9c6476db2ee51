"""The App Home tab, built for the person viewing it: the cards waiting for a decision they may
make, and the audit trail (approvals, rejections, agents' decisions) of work they can see
(`jobs/home/audience.py`: not what others asked in DMs or private channels they are not in; a
guest sees only their own). Published with `views.publish` whenever they open the tab. A
job, so the listener only acks."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bots.examples import load_examples
from jobs.approvals import cards
from jobs.home.audience import Viewer, origins
from jobs.home.welcome import is_newcomer, welcome_blocks
from jobs.runtime import Runtime
from jobs.setup.home import setup_blocks
from jobs.slack.blocks import context, header
from jobs.slack.text import link, md, mrkdwn_text
from models.approvals import Approval, ApprovalStatus
from models.work import Decision

logger = logging.getLogger(__name__)

PENDING_SHOWN = 10
DECISIONS_SHOWN = 15
SCANNED = 200  # latest records read to find what this person may see


def publish_home(team_id: str, user_id: str) -> str:
    """RQ job: render and publish this person's Home tab (safe to repeat: it replaces it)."""
    from jobs import runtime as runtime_module

    rt = runtime_module.current()
    rt.slack_for(team_id).views_publish(user_id=user_id, view=home_view(rt, team_id, user_id))
    return "published"


def home_view(rt: Runtime, team_id: str, user_id: str) -> dict[str, Any]:
    """The Home view for `user_id`: only what they may decide and what they can see."""
    viewer = Viewer.of(rt, team_id, user_id)
    with rt.sessions() as session:
        waiting = list(
            session.scalars(
                select(Approval)
                .where(
                    Approval.team_id == team_id,
                    Approval.status == ApprovalStatus.PENDING.value,
                    Approval.card_ts.is_not(None),
                )
                .order_by(Approval.created_at.desc())
                .limit(SCANNED)
            )
        )
        recorded = list(
            session.scalars(
                select(Decision)
                .where(Decision.team_id == team_id)
                .order_by(Decision.created_at.desc())
                .limit(SCANNED)
            )
        )
        work = {a.subject_id for a in waiting} | {d.task_id for d in recorded if d.task_id}
        asked = origins(session, team_id, work)
    pending = [
        a for a in waiting if viewer.sees(asked.get(a.subject_id)) and viewer.decides(a.action_type)
    ][:PENDING_SHOWN]
    decisions = [d for d in recorded if viewer.sees(asked.get(d.task_id or ""))][:DECISIONS_SHOWN]
    welcome = (
        welcome_blocks(rt.roster, load_examples(), None)
        if is_newcomer(rt, team_id, user_id)
        else []
    )
    blocks: list[dict[str, Any]] = [
        *setup_blocks(rt, team_id, user_id),  # admins only
        *welcome,
        *([{"type": "divider"}] if welcome else []),
        header("Waiting for a decision"),
        *(_pending(rt, a) for a in pending),
    ]
    if not pending:
        blocks.append(context("Nothing is waiting for a person right now."))
    blocks += [
        {"type": "divider"},
        header("Decisions (audit trail)"),
        *(_decision(rt, d) for d in decisions),
    ]
    if not decisions:
        blocks.append(context("No decisions recorded yet."))
    return {"type": "home", "blocks": blocks}


def _pending(rt: Runtime, approval: Approval) -> dict[str, Any]:
    label = rt.approvals.label(approval.action_type)
    permalink = _permalink(rt, approval)
    where = md(" · {card}", card=link(permalink, "open the card")) if permalink else ""
    text = md(
        "*{title}*\n{label} · version {version} · waiting since {since}{where}",
        title=approval.title,
        label=label,
        version=approval.version,
        since=cards.slack_time(approval.created_at),
        where=where,
    )
    return {"type": "section", "text": mrkdwn_text(text.cut(3000))}


def _decision(rt: Runtime, decision: Decision) -> dict[str, Any]:
    """An approval's outcome, or a decision an agent recorded within its authority."""
    who = cards.who(decision.decision_maker, rt.roster)
    when = cards.slack_time(decision.created_at)
    why = md("\n_{why}_", why=decision.reasoning) if decision.reasoning else ""
    if decision.type.startswith("approval_"):
        mark = cards.LABEL_MARKS.get(decision.decision, ":memo:")
        text = md(
            "{mark} *{decision}*: {about} · by {who} · {when}{why}",
            mark=mark,
            decision=decision.decision,
            about=decision.context,
            who=who,
            when=when,
            why=why,
        )
    else:
        known = {rule.type: rule.label for rule in rt.authority.decisions}
        label = known.get(decision.type, decision.type)
        text = md(
            ":memo: *{label}*: {decision} · by {who} · {when}{why}",
            label=label,
            decision=decision.decision,
            who=who,
            when=when,
            why=why,
        )
    return {"type": "section", "text": mrkdwn_text(text.cut(3000))}


def _permalink(rt: Runtime, approval: Approval) -> str | None:
    if approval.channel_id is None or approval.card_ts is None:
        return None
    try:
        response = rt.best_effort_for(approval.team_id).chat_getPermalink(
            channel=approval.channel_id, message_ts=approval.card_ts
        )
    except SlackApiError as error:
        logger.info("No permalink for card %s: %s", approval.id, error.response.get("error"))
        return None
    return str(response.get("permalink") or "") or None
