"""The department's success metrics (design §10), computed from the records: one function per
figure, each over a `Period` ([start, end) in UTC) and one workspace, every query filtered by
`team_id`. The reviews post them now (jobs/rituals/); App Home can show the same figures.

What counts, precisely:
- *Work tasks* are the tasks that carry work: a person's request, an assignment, a
  consultation, a campaign step (`WORK_KINDS`). Escalations and approval steps are the
  machinery around work and are counted by their own figures.
- A task *ended* in the period when it is done, failed or cancelled and its `finished_at`
  (stamped by the transition that finished it, models/tasks.py `finishing`) falls in it.
- An approval version is *decided* in the period when its `decided_at` falls in it and a
  reviewer or a person approved it, sent it back or rejected it (an agent reviewer's send-back
  is a decision too; a version superseded or expired was not decided).
- A *decision* is a decision record (models/work.py `Decision`) made in the period, except
  those the department writes when a card expires with nobody deciding.

Pure queries: no Slack, no Claude, nothing from `bots/` (the caller passes what is data there,
such as which action types are content pieces and which model is which tier).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from models.approvals import DECISIONS, Approval, ApprovalStatus
from models.metric_values import NO_DATA, NoData, Period, Rate, rate
from models.records import LlmCall, Turn
from models.work import FINISHED, Decision, Task, TaskStatus

WORK_KINDS = ("request", "assignment", "consult", "campaign_step")
ESCALATION_KIND = "escalation"
EXPIRED_BY = "department"  # decision_maker of the record an expired card leaves
_PERSON = re.compile(r"[UW][A-Z0-9]{2,}")  # a Slack user id: a person decided
OTHER_TIER = "other"


def _kind() -> ColumnElement[str]:
    """The task's kind (models/kinds.py), read from its JSON context on either database."""
    kind: ColumnElement[str] = Task.context["kind"].as_string()
    return kind


def _ended_work(team_id: str, period: Period) -> list[ColumnElement[bool]]:
    return [
        Task.team_id == team_id,
        _kind().in_(WORK_KINDS),
        Task.status.in_([status.value for status in FINISHED]),
        Task.finished_at >= period.start,
        Task.finished_at < period.end,
    ]


def task_completion_rate(session: Session, team_id: str, period: Period) -> Rate | NoData:
    """Of the work tasks that ended in the period, the share done (rather than failed or
    cancelled). Counting ended tasks keeps a period's figure fixed once it is over."""
    rows = session.execute(
        select(Task.status, func.count()).where(*_ended_work(team_id, period)).group_by(Task.status)
    ).all()
    counts = {status: count for status, count in rows}
    return rate(counts.get(TaskStatus.DONE.value, 0), sum(counts.values()))


def average_task_time(session: Session, team_id: str, period: Period) -> timedelta | NoData:
    """The mean time from a work task's creation (its assignment) to its completion, over
    the work tasks done in the period."""
    rows = session.execute(
        select(Task.created_at, Task.finished_at).where(
            *_ended_work(team_id, period), Task.status == TaskStatus.DONE.value
        )
    ).all()
    if not rows:
        return NO_DATA
    return sum((done - made for made, done in rows if done), timedelta()) / len(rows)


def _decided_versions(session: Session, team_id: str, period: Period) -> dict[str, int]:
    rows = session.execute(
        select(Approval.status, func.count())
        .where(
            Approval.team_id == team_id,
            Approval.status.in_([status.value for status in DECISIONS]),
            Approval.decided_at >= period.start,
            Approval.decided_at < period.end,
        )
        .group_by(Approval.status)
    ).all()
    return {status: count for status, count in rows}


def approval_rate(session: Session, team_id: str, period: Period) -> Rate | NoData:
    """Approved ÷ decided, over the approval versions decided in the period (by an agent
    reviewer, a person, or at once where the action is autonomous)."""
    counts = _decided_versions(session, team_id, period)
    return rate(counts.get(ApprovalStatus.APPROVED.value, 0), sum(counts.values()))


def send_back_rate(session: Session, team_id: str, period: Period) -> Rate | NoData:
    """Sent back for changes ÷ decided, over the same versions as `approval_rate`."""
    counts = _decided_versions(session, team_id, period)
    return rate(counts.get(ApprovalStatus.CHANGES_REQUESTED.value, 0), sum(counts.values()))


def _decision_makers(session: Session, team_id: str, period: Period) -> dict[str, int]:
    rows = session.execute(
        select(Decision.decision_maker, func.count())
        .where(
            Decision.team_id == team_id,
            Decision.decision_maker != EXPIRED_BY,
            Decision.created_at >= period.start,
            Decision.created_at < period.end,
        )
        .group_by(Decision.decision_maker)
    ).all()
    return {maker: count for maker, count in rows}


def escalations_raised(session: Session, team_id: str, period: Period) -> int:
    """How many questions were passed up a level (escalation tasks made in the period)."""
    return (
        session.scalar(
            select(func.count()).where(
                Task.team_id == team_id,
                _kind() == ESCALATION_KIND,
                Task.created_at >= period.start,
                Task.created_at < period.end,
            )
        )
        or 0
    )


def escalation_rate(session: Session, team_id: str, period: Period) -> Rate | NoData:
    """Escalated ÷ all decisions (§10): of the questions that came up in the period, the
    share passed up a level rather than decided where they arose, i.e. escalations raised ÷
    (escalations raised + decisions recorded)."""
    raised = escalations_raised(session, team_id, period)
    decided = sum(_decision_makers(session, team_id, period).values())
    return rate(raised, raised + decided)


def autonomy(session: Session, team_id: str, period: Period) -> Rate | NoData:
    """Decisions taken without a person ÷ all decisions in the period: a decision record
    whose maker is an agent (or the autonomy level, for L4 actions) rather than a Slack user."""
    makers = _decision_makers(session, team_id, period)
    by_people = sum(count for maker, count in makers.items() if _PERSON.fullmatch(maker))
    total = sum(makers.values())
    return rate(total - by_people, total)


def _approved_content(
    team_id: str, period: Period, content_types: Collection[str]
) -> list[ColumnElement[bool]]:
    return [
        Approval.team_id == team_id,
        Approval.status == ApprovalStatus.APPROVED.value,
        Approval.action_type.in_(list(content_types)),
        Approval.decided_at >= period.start,
        Approval.decided_at < period.end,
    ]


def content_approved(
    session: Session, team_id: str, period: Period, content_types: Collection[str]
) -> int:
    """Content pieces (approvals of `content_types`) approved in the period."""
    return (
        session.scalar(
            select(func.count()).where(*_approved_content(team_id, period, content_types))
        )
        or 0
    )


def content_per_week(
    session: Session, team_id: str, period: Period, content_types: Collection[str]
) -> float:
    """Content pieces approved in the period ÷ its length in weeks. Never "no data": a
    period without approved content produced 0 pieces."""
    return content_approved(session, team_id, period, content_types) / period.weeks


def idea_to_approval(
    session: Session, team_id: str, period: Period, content_types: Collection[str]
) -> timedelta | NoData:
    """The mean time from the idea to the approval of the content pieces approved in the
    period. The idea is the person's request the draft's task came from (its turn), or the
    task itself where no person asked (a campaign step)."""
    rows = session.execute(
        select(Approval.decided_at, Task.created_at, Turn.created_at)
        .join(Task, (Task.team_id == Approval.team_id) & (Task.id == Approval.subject_id))
        .outerjoin(Turn, (Turn.team_id == Task.team_id) & (Turn.id == Task.origin_turn_id))
        .where(*_approved_content(team_id, period, content_types))
    ).all()
    waits = [decided - (asked or made) for decided, made, asked in rows if decided is not None]
    return sum(waits, timedelta()) / len(waits) if waits else NO_DATA


def _calls(team_id: str, period: Period) -> list[ColumnElement[bool]]:
    return [
        LlmCall.team_id == team_id,
        LlmCall.created_at >= period.start,
        LlmCall.created_at < period.end,
    ]


def llm_spend(session: Session, team_id: str, period: Period) -> Decimal:
    """What the Claude calls made in the period cost, in USD (0 when none was made)."""
    total = session.scalar(
        select(func.coalesce(func.sum(LlmCall.cost_usd), 0)).where(*_calls(team_id, period))
    )
    return Decimal(str(total or 0))


def spend_per_task(session: Session, team_id: str, period: Period) -> Decimal | NoData:
    """The period's Claude spend ÷ the work tasks done in it: what one finished piece of
    work cost, everything around it (reviews, escalations, rituals) included."""
    done = session.scalar(
        select(func.count()).where(
            *_ended_work(team_id, period), Task.status == TaskStatus.DONE.value
        )
    )
    return llm_spend(session, team_id, period) / done if done else NO_DATA


def spend_per_agent(session: Session, team_id: str, period: Period) -> dict[str, Decimal]:
    """The period's spend by the agent each call was made for (no key: no calls)."""
    rows = session.execute(
        select(LlmCall.agent_id, func.sum(LlmCall.cost_usd))
        .where(*_calls(team_id, period))
        .group_by(LlmCall.agent_id)
    ).all()
    return {agent: Decimal(str(cost)) for agent, cost in rows}


def spend_per_tier(
    session: Session, team_id: str, period: Period, tiers: Mapping[str, str]
) -> dict[str, Decimal]:
    """The period's spend by model tier. `tiers` maps a model id (or its prefix, as dated
    ids extend it) to its tier; a model none matches counts as "other"."""
    rows = session.execute(
        select(LlmCall.model, func.sum(LlmCall.cost_usd))
        .where(*_calls(team_id, period))
        .group_by(LlmCall.model)
    ).all()
    spend: dict[str, Decimal] = {}
    for model, cost in rows:
        tier = next((t for prefix, t in tiers.items() if model.startswith(prefix)), OTHER_TIER)
        spend[tier] = spend.get(tier, Decimal(0)) + Decimal(str(cost))
    return spend


def cache_read_share(session: Session, team_id: str, period: Period) -> Rate | NoData:
    """Input tokens read from the prompt cache ÷ all input tokens (uncached, cache reads and
    cache writes) of the period's calls: how much of what we send is billed at the cache rate."""
    read, uncached, written = session.execute(
        select(
            func.coalesce(func.sum(LlmCall.cache_read_tokens), 0),
            func.coalesce(func.sum(LlmCall.input_tokens), 0),
            func.coalesce(func.sum(LlmCall.cache_write_tokens), 0),
        ).where(*_calls(team_id, period))
    ).one()
    return rate(int(read), int(read) + int(uncached) + int(written))


@dataclass(frozen=True)
class Scorecard:
    """Every §10 figure for one workspace and period, as the reviews show them."""

    period: Period
    completion: Rate | NoData
    task_time: timedelta | NoData
    approval: Rate | NoData
    send_back: Rate | NoData
    escalation: Rate | NoData
    autonomy: Rate | NoData
    content_per_week: float
    idea_to_approval: timedelta | NoData
    spend: Decimal
    spend_per_task: Decimal | NoData
    spend_per_agent: dict[str, Decimal]
    spend_per_tier: dict[str, Decimal]
    cache_read: Rate | NoData


def scorecard(
    session: Session,
    team_id: str,
    period: Period,
    *,
    content_types: Collection[str],
    tiers: Mapping[str, str],
) -> Scorecard:
    """All the figures at once (about a dozen small queries)."""
    return Scorecard(
        period=period,
        completion=task_completion_rate(session, team_id, period),
        task_time=average_task_time(session, team_id, period),
        approval=approval_rate(session, team_id, period),
        send_back=send_back_rate(session, team_id, period),
        escalation=escalation_rate(session, team_id, period),
        autonomy=autonomy(session, team_id, period),
        content_per_week=content_per_week(session, team_id, period, content_types),
        idea_to_approval=idea_to_approval(session, team_id, period, content_types),
        spend=llm_spend(session, team_id, period),
        spend_per_task=spend_per_task(session, team_id, period),
        spend_per_agent=spend_per_agent(session, team_id, period),
        spend_per_tier=spend_per_tier(session, team_id, period, tiers),
        cache_read=cache_read_share(session, team_id, period),
    )
