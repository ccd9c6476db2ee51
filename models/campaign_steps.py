"""The engine's step transitions, the campaign variables and outcomes, and the sweeper's
question "which campaigns need a pass?": each change one guarded statement, so a step's task
is created once whatever runs twice (passes also never overlap: `models/campaign_passes.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models.base import guarded, insert_ignoring_duplicates, new_id, utcnow
from models.campaigns import (
    OPEN_STATUSES,
    Campaign,
    CampaignOutcome,
    CampaignStatus,
    CampaignStep,
    CampaignVariable,
    StepStatus,
)
from models.records import SlackPost
from models.work import FINISHED, Task

Value = bool | float | str
WAITING = (StepStatus.PENDING, StepStatus.WAITING_APPROVAL)  # what a stopped campaign cancels
CANCELLED_BY_CANCEL = (*WAITING, StepStatus.STARTED)
RUNNING, FAILED = CampaignStatus.RUNNING, CampaignStatus.FAILED
ENDED = (CampaignStatus.DONE, FAILED, CampaignStatus.CANCELLED)
# A campaign report's post-once key is this + the campaign id's first 31 characters
# (jobs/campaigns/report.report_key): the sweeper looks for it in slack_posts.
REPORT_KEY_PREFIX = "r"


def steps_of(session: Session, team_id: str, campaign_id: str) -> list[CampaignStep]:
    """Every step row of a campaign, in the order they were made (plan order, then runs)."""
    return list(
        session.scalars(
            select(CampaignStep)
            .where(CampaignStep.team_id == team_id, CampaignStep.campaign_id == campaign_id)
            .order_by(CampaignStep.created_at, CampaignStep.run)
            .execution_options(populate_existing=True)
        )
    )


def in_flight(session: Session, team_id: str) -> int:
    """The workspace's campaign steps started and not yet recorded as finished, across its
    campaigns (what `CAMPAIGN_STEPS_IN_FLIGHT` caps)."""
    count = session.scalar(
        select(func.count())
        .select_from(CampaignStep)
        .where(
            CampaignStep.team_id == team_id,
            CampaignStep.status == StepStatus.STARTED.value,
        )
    )
    return int(count or 0)


def add_steps(session: Session, rows: Sequence[CampaignStep]) -> None:
    """Insert step rows (one per step and run); a row that exists already is left alone, so
    two passes making the same run make it once."""
    if not rows:
        return
    columns = ("id", "team_id", "campaign_id", "step_id", "phase", "run", "status")
    session.execute(
        insert_ignoring_duplicates(session, CampaignStep),
        [
            {name: getattr(row, name) for name in columns}
            | {"due_date": row.due_date, "next_run_at": row.next_run_at}
            | {"gate_cleared": False, "created_at": row.created_at, "updated_at": row.created_at}
            for row in rows
        ],
    )
    session.commit()


def start(session: Session, team_id: str, row_id: str, task: Task) -> bool:
    """pending → started and its task created, in one transaction: the task exists exactly
    once, and only while the campaign runs (a pause or cancel that landed first wins)."""
    session.add(task)
    session.flush()  # the step row refers to the task row; both go or neither
    running = exists().where(
        Campaign.team_id == team_id,
        Campaign.id == CampaignStep.campaign_id,
        Campaign.status == CampaignStatus.RUNNING.value,
    )
    result = session.execute(
        update(CampaignStep)
        .where(
            CampaignStep.team_id == team_id,
            CampaignStep.id == row_id,
            CampaignStep.status == StepStatus.PENDING.value,
            running,
        )
        .values(status=StepStatus.STARTED.value, task_id=task.id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        return False
    session.commit()
    return True


def move(
    session: Session,
    team_id: str,
    row_ids: Sequence[str],
    *,
    from_: tuple[StepStatus, ...],
    to: StepStatus,
) -> int:
    """Move the given step rows that are in one of `from_`; how many moved."""
    if not row_ids:
        return 0
    result = session.execute(
        update(CampaignStep)
        .where(
            CampaignStep.team_id == team_id,
            CampaignStep.id.in_(row_ids),
            CampaignStep.status.in_([status.value for status in from_]),
        )
        .values(status=to.value)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


def decide_gate(
    session: Session, team_id: str, campaign_id: str, row_id: str, *, approved: bool
) -> bool:
    """A gate's approval was decided: before its start, an approved step goes back to
    pending (cleared, so it starts); after, its output counts and the step is done. A
    rejection fails the step. The first decision wins."""
    waiting = (
        CampaignStep.team_id == team_id,
        CampaignStep.campaign_id == campaign_id,
        CampaignStep.id == row_id,
        CampaignStep.status == StepStatus.WAITING_APPROVAL.value,
    )
    if not approved:
        return guarded(
            session, update(CampaignStep).where(*waiting).values(status=StepStatus.FAILED.value)
        )
    before = guarded(
        session,
        update(CampaignStep)
        .where(*waiting, CampaignStep.task_id.is_(None))
        .values(status=StepStatus.PENDING.value, gate_cleared=True),
    )
    return before or guarded(
        session,
        update(CampaignStep)
        .where(*waiting, CampaignStep.task_id.is_not(None))
        .values(status=StepStatus.DONE.value, gate_cleared=True),
    )


def variables_of(session: Session, team_id: str, campaign_id: str) -> dict[str, Value]:
    rows = session.execute(
        select(CampaignVariable.name, CampaignVariable.value).where(
            CampaignVariable.team_id == team_id, CampaignVariable.campaign_id == campaign_id
        )
    )
    return {name: _typed(value) for name, value in rows}


def _typed(value: Value) -> Value:
    """A whole number comes back from JSON as an int; conditions compare numbers as floats."""
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


def set_variable(
    session: Session, team_id: str, campaign_id: str, name: str, value: Value, set_by: str
) -> bool:
    """Set a variable of an open campaign (the latest value wins: one upsert); False if the
    campaign is missing or over. A branch already taken stays taken: the engine decides a
    conditional phase once."""
    open_ = session.scalar(
        select(Campaign.id).where(
            Campaign.team_id == team_id,
            Campaign.id == campaign_id,
            Campaign.status.in_([status.value for status in OPEN_STATUSES]),
        )
    )
    if open_ is None:
        return False
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    now = utcnow()
    statement = module.insert(CampaignVariable).values(
        id=new_id(),
        team_id=team_id,
        campaign_id=campaign_id,
        name=name,
        value=value,
        set_by=set_by,
        created_at=now,
        updated_at=now,
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["campaign_id", "name"],
            set_={
                "value": statement.excluded.value,
                "set_by": statement.excluded.set_by,
                "updated_at": statement.excluded.updated_at,
            },
        )
    )
    session.commit()
    return True


def record_outcome(session: Session, outcome: CampaignOutcome) -> bool:
    """Keep the first outcome recorded for a campaign; True if this one was kept."""
    values = {
        column.key: getattr(outcome, column.key)
        for column in CampaignOutcome.__table__.columns
        if getattr(outcome, column.key) is not None
    }
    statement = insert_ignoring_duplicates(session, CampaignOutcome).returning(CampaignOutcome.id)
    kept = session.execute(statement, values).scalar()
    session.commit()
    return kept is not None


def outcomes(session: Session, team_id: str) -> list[CampaignOutcome]:
    """A workspace's recorded outcomes, oldest first (the learning rule's order)."""
    return list(
        session.scalars(
            select(CampaignOutcome)
            .where(CampaignOutcome.team_id == team_id)
            .order_by(CampaignOutcome.created_at)
        )
    )


def campaigns_to_advance(
    session: Session, *, grace_s: float, now: datetime | None = None, limit: int = 100
) -> list[tuple[str, str]]:
    """(team, campaign) pairs whose engine pass was lost, for the sweeper: a step whose task
    finished without the engine noticing, a continuous run that came due, a change since the
    last complete pass (a resume, a decided gate, a pass that died half-way), a cancelled
    or failed campaign with steps still open, or an ended campaign that ran and has no
    report in Slack (its post failed, or the worker died first: a pass posts it). Each waits
    `grace_s` for its own wake-up."""
    now = now or utcnow()
    settled = now - timedelta(seconds=grace_s)
    step = CampaignStep
    mine = and_(step.team_id == Campaign.team_id, step.campaign_id == Campaign.id)
    task_finished = exists().where(
        mine,
        step.status == StepStatus.STARTED.value,
        Task.team_id == step.team_id,
        Task.id == step.task_id,
        Task.status.in_([status.value for status in FINISHED]),
        Task.updated_at < settled,
    )
    run_due = exists().where(mine, step.status == StepStatus.PENDING.value, step.next_run_at <= now)
    changed = or_(
        and_(Campaign.advanced_at.is_(None), Campaign.updated_at < settled),
        and_(Campaign.updated_at > Campaign.advanced_at, Campaign.updated_at < settled),
        exists().where(mine, step.updated_at > Campaign.advanced_at, step.updated_at < settled),
    )
    recording = and_(  # a paused or failed campaign still records its running steps
        Campaign.status.in_([s.value for s in (RUNNING, CampaignStatus.PAUSED, FAILED)]),
        task_finished,
    )
    running = and_(Campaign.status == RUNNING.value, or_(run_due, changed))

    def left(statuses: tuple[StepStatus, ...]) -> ColumnElement[bool]:
        return exists().where(mine, step.status.in_([status.value for status in statuses]))

    stopping = and_(
        Campaign.updated_at < settled,
        or_(
            and_(Campaign.status == CampaignStatus.CANCELLED.value, left(CANCELLED_BY_CANCEL)),
            and_(Campaign.status == FAILED.value, left(WAITING)),
        ),
    )
    reported = exists().where(
        SlackPost.team_id == Campaign.team_id,
        SlackPost.turn_id == literal(REPORT_KEY_PREFIX) + func.substr(Campaign.id, 1, 31),
        SlackPost.ts.is_not(None),
    )
    unreported = and_(
        Campaign.status.in_([s.value for s in ENDED]),
        Campaign.updated_at < settled,
        exists().where(mine),
        ~reported,
    )
    rows = session.execute(
        select(Campaign.team_id, Campaign.id)
        .where(or_(recording, running, stopping, unreported))
        .order_by(Campaign.created_at)
        .limit(limit)
    )
    return [(team_id, campaign_id) for team_id, campaign_id in rows]
