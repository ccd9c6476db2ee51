"""The engine's bookkeeping around running steps: recording the steps whose tasks finished,
and stopping a campaign's work (cancel: everything; a failed step: what has not started)."""

from __future__ import annotations

from sqlalchemy import select, update

from bots.plans import Plan
from jobs.approvals.posts import expire_approvals
from jobs.runtime import Runtime
from models import campaign_steps
from models.campaigns import CampaignStep, StepStatus
from models.tasks import finishing
from models.work import FINISHED, Task, TaskStatus

MAX_CASCADE_DEPTH = 10  # levels of delegation below a step's task, far above any real cascade


def record_finished(rt: Runtime, team_id: str, campaign_id: str, plan: Plan) -> None:
    """Started steps whose task is over: done (or waiting for the approval of their output,
    when a gate `after` is not yet cleared), failed if the task failed or was cancelled."""
    gated_after = {
        step.id for _i, _phase, step in plan.steps() if step.gate and step.gate.when == "after"
    }
    with rt.sessions() as session:
        rows = session.execute(
            select(CampaignStep.id, CampaignStep.step_id, CampaignStep.gate_cleared, Task.status)
            .join(Task, (Task.team_id == CampaignStep.team_id) & (Task.id == CampaignStep.task_id))
            .where(
                CampaignStep.team_id == team_id,
                CampaignStep.campaign_id == campaign_id,
                CampaignStep.status == StepStatus.STARTED.value,
                Task.status.in_([status.value for status in FINISHED]),
            )
        ).all()
        outcome: dict[StepStatus, list[str]] = {status: [] for status in StepStatus}
        for row_id, step_id, cleared, task_status in rows:
            if task_status != TaskStatus.DONE.value:
                outcome[StepStatus.FAILED].append(row_id)
            elif step_id in gated_after and not cleared:
                outcome[StepStatus.WAITING_APPROVAL].append(row_id)
            else:
                outcome[StepStatus.DONE].append(row_id)
        for to, row_ids in outcome.items():
            campaign_steps.move(session, team_id, row_ids, from_=(StepStatus.STARTED,), to=to)


def cancel_work(rt: Runtime, team_id: str, campaign_id: str, *, started_too: bool) -> None:
    """Cancel the steps not yet started (and, with `started_too`, the running ones with
    their tasks and everything delegated below them, whose pending approvals expire)."""
    waiting = (StepStatus.PENDING, StepStatus.WAITING_APPROVAL)
    with rt.sessions() as session:
        started = list(
            session.scalars(
                select(CampaignStep.task_id).where(
                    CampaignStep.team_id == team_id,
                    CampaignStep.campaign_id == campaign_id,
                    CampaignStep.status == StepStatus.STARTED.value,
                    CampaignStep.task_id.is_not(None),
                )
            )
        )
        row_ids = [
            row.id
            for row in campaign_steps.steps_of(session, team_id, campaign_id)
            if row.status in waiting or (started_too and row.status == StepStatus.STARTED)
        ]
        from_ = (*waiting, StepStatus.STARTED) if started_too else waiting
        campaign_steps.move(session, team_id, row_ids, from_=from_, to=StepStatus.CANCELLED)
    if started_too and started:
        cancelled = _cancel_tasks(rt, team_id, [task_id for task_id in started if task_id])
        expire_approvals(rt, team_id, cancelled)


def _cancel_tasks(rt: Runtime, team_id: str, roots: list[str]) -> list[str]:
    """Cancel the unfinished tasks among `roots` and their subtasks, level by level; the ids
    of every task looked at (their approvals expire). A turn running on one of them ends with
    its lease lost: it settles nothing."""
    seen: list[str] = []
    level = roots
    with rt.sessions() as session:
        for _ in range(MAX_CASCADE_DEPTH):
            if not level:
                break
            seen += level
            session.execute(
                update(Task)
                .where(
                    Task.team_id == team_id,
                    Task.id.in_(level),
                    Task.status.not_in([status.value for status in FINISHED]),
                )
                .values(
                    **finishing(
                        {
                            "status": TaskStatus.CANCELLED.value,
                            "lease_token": None,
                            "lease_expires_at": None,
                        }
                    )
                )
                .execution_options(synchronize_session=False)
            )
            session.commit()
            level = list(
                session.scalars(
                    select(Task.id).where(Task.team_id == team_id, Task.parent_task_id.in_(level))
                )
            )
    return seen
