"""Workspace A's records for the isolation tests: an escalated task, a pending approval, a
planned campaign, a pending ritual run, each with its id, so a test can use A's ids in B; and
A's settings (models/workspace_settings.py), which no click or job of B may change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from models import workspace_settings as chosen_settings
from models.approvals import Approval, ApprovalStatus
from models.base import utcnow
from models.campaigns import Campaign, CampaignStatus
from models.records import Turn
from models.rituals import RitualRun
from models.work import Task, TaskStatus
from models.workspace_settings import People, WorkspaceSetting
from tests.conftest import CHANNEL_CONTENT, HUMAN
from tests.work_rows import approval, task

THREAD = "1700000000.000100"
# A workspace's own settings (`choose_settings`): its names for the escalation and campaign
# channels, the person who approves its blog posts, its budgets.
RENAMED = {"mkt-escalations": "leadership-decisions", "mkt-campaigns": "campaigns"}
BUDGETS = {"campaign_budget_usd": Decimal("7.00"), "request_budget_usd": Decimal("0.05")}


@dataclass(frozen=True)
class Records:
    """Ids of one workspace's records, and a snapshot of what a test must not change."""

    turn: str
    task: str
    approval: str
    campaign: str
    ritual_run: str
    team: str

    def state(self, sessions: sessionmaker[Session]) -> tuple[object, ...]:
        """Everything a click or a job could have changed on these records."""
        with sessions() as session:
            t, a = session.get(Task, self.task), session.get(Approval, self.approval)
            c, r = session.get(Campaign, self.campaign), session.get(RitualRun, self.ritual_run)
            turn = session.get(Turn, self.turn)
            assert t and a and c and r and turn
            chosen = session.get(WorkspaceSetting, self.team)
            return (
                (t.team_id, t.status, t.updated_at, t.details),
                (a.team_id, a.status, a.decided_by, a.card_ts),
                (c.team_id, c.status, c.decided_by, c.plan, c.budget_usd),
                (r.team_id, r.status, r.thread_ts),
                (turn.team_id, turn.status),
                _settings(chosen),
            )


def _settings(row: WorkspaceSetting | None) -> tuple[object, ...] | None:
    if row is None:
        return None
    budgets = (row.campaign_budget_usd, row.request_budget_usd)
    return (row.channels, row.approvers, budgets, row.setup_report, row.setup_at, row.updated_at)


def make_records(sessions: sessionmaker[Session], team: str) -> Records:
    """One of each record in `team`, in CHANNEL_CONTENT's thread THREAD."""
    now = utcnow()
    with sessions() as session:
        turn = Turn(
            team_id=team,
            event_id=f"Ev{team}",
            source="app_mention",
            channel_id=CHANNEL_CONTENT,
            thread_ts=THREAD,
            message_ts=THREAD,
            user_id=HUMAN,
            text="a request",
        )
        session.add(turn)
        session.flush()
        escalated = task(
            team, TaskStatus.ESCALATED, now, now, turn=turn.id, thread=(CHANNEL_CONTENT, THREAD)
        )
        session.add(escalated)
        session.flush()
        pending = approval(team, escalated, ApprovalStatus.PENDING, None, "blog_post")
        pending.title = f"Approval of {team}"
        pending.card_ts = THREAD  # posted: Home lists it
        pending.task_id, pending.channel_id, pending.thread_ts = (
            escalated.id,
            CHANNEL_CONTENT,
            THREAD,
        )
        campaign = Campaign(
            team_id=team,
            requested_by=HUMAN,
            brief="a campaign",
            status=CampaignStatus.PLANNED.value,
            budget_usd=Decimal("100"),
            channel_id=CHANNEL_CONTENT,
            thread_ts=THREAD,
        )
        run = RitualRun(
            team_id=team, ritual="standup", run_key="2026-01-05", local_date=date(2026, 1, 5)
        )
        session.add_all([pending, campaign, run])
        session.commit()
        return Records(turn.id, escalated.id, pending.id, campaign.id, run.id, team)


def choose_settings(sessions: sessionmaker[Session], team: str, by: str) -> None:
    """`team`'s admin `by` chose its own settings: channels RENAMED, HUMAN approves blog posts,
    BUDGETS (all differ from the deployment's defaults)."""
    with sessions() as session:
        for default, name in RENAMED.items():
            chosen_settings.rename_channel(session, team, by, default, name)
        chosen_settings.save_approvers(session, team, by, {"blog_post": People((HUMAN,))})
        chosen_settings.save(session, team, by, **BUDGETS)
