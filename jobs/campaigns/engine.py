"""The campaign engine: one job, `advance`, that moves an approved campaign's plan along.

A pass reloads the campaign by id, records the steps whose tasks finished, and applies what
`jobs/campaigns/schedule.py` allows: skip the branch not taken, hold gated steps for approval,
start ready steps. Starting a step is one transaction that moves its row pending → started
and creates its task (a `campaign_step` task for the step's agent), so its task exists exactly
once; the task then runs through the task-turn runner like any delegated work, with its own
thread and lease. When a step's task finishes, `jobs/agent/task_turns.py` enqueues `advance`
again (the fan-in); a wake-up lost on the way is found by the sweeper
(`models.campaign_steps.campaigns_to_advance`).

Fairness between workspaces (issue 20): a pass starts no more steps than leave the workspace
at `campaign_steps_in_flight` started and unfinished, across its campaigns; the rest stay
pending rows, started by the pass a finishing step wakes. A pass the cap held back is not
stamped complete, so the sweeper passes that campaign again (another campaign's step may have
freed the room). With the steps' jobs in the background lane (jobs/queue.py), one workspace's
500-step campaign neither fills the queues nor delays anyone's mention beyond a running job.

Safe to run twice: passes over one campaign never overlap (`models/campaign_passes.py`; a
pass asked for meanwhile makes the running one pass again), every change is guarded, and a
pass that changes nothing changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from redis.exceptions import RedisError
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bots.plans import ContinuousPhase, Plan, Step, _Phase
from jobs import runtime as runtime_module
from jobs.campaigns import budget, campaign_approvals, cards, progress, report
from jobs.campaigns.hand_off_card import is_hand_off
from jobs.campaigns.schedule import Moves, ends_at, next_run, plan_moves
from jobs.campaigns.stopping import cancel_work, record_finished
from jobs.department.delegation import enqueue_task, open_assignment_thread
from jobs.runtime import Runtime
from models import campaign_passes, campaign_steps, campaigns
from models.base import new_id, utcnow
from models.campaigns import Campaign, CampaignStatus, CampaignStep, StepStatus
from models.kinds import CampaignStepDetails
from models.work import Task, TaskStatus

logger = logging.getLogger(__name__)

# Who hands campaign steps out: the VP Marketing runs campaigns (design §2.2), so step briefs
# come from the VP and the step threads open under the VP's name.
CAMPAIGN_LEAD = "vp_marketing"
MAX_PASSES_PER_JOB = 5  # passes asked for during passes; beyond, the next sweep goes on


def advance(team_id: str, campaign_id: str) -> str:
    """RQ entry point: one engine pass over one campaign; what happened, for the job result."""
    return CampaignEngine(runtime_module.current()).advance(team_id, campaign_id)


class CampaignEngine:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def advance(self, team_id: str, campaign_id: str) -> str:
        """Hold the campaign (one pass at a time), pass until no other pass was asked for
        meanwhile, let go. A pass that raises gives the campaign back for the sweeper."""
        with self.rt.sessions() as session:
            if campaigns.status_of(session, team_id, campaign_id) is None:
                return "missing"
            lease_s = self.rt.settings.campaign_pass_lease_s
            token = campaign_passes.claim_pass(session, team_id, campaign_id, lease_s)
        if token is None:
            return "passing-again"  # the holder passes once more, for us
        try:
            for _ in range(MAX_PASSES_PER_JOB):
                outcome = self._pass(team_id, campaign_id)
                with self.rt.sessions() as session:
                    if campaign_passes.release_pass(session, team_id, campaign_id, token):
                        return outcome
        except BaseException:
            with self.rt.sessions() as session:
                campaign_passes.give_back_pass(session, team_id, campaign_id, token)
            raise
        with self.rt.sessions() as session:  # asked again and again: the sweeper goes on
            campaign_passes.give_back_pass(session, team_id, campaign_id, token)
        return outcome

    def _pass(self, team_id: str, campaign_id: str) -> str:
        began = utcnow()
        with self.rt.sessions() as session:
            campaign = campaigns.load_campaign(session, team_id, campaign_id)
        if campaign is None or campaign.plan is None:
            return "missing"
        if campaign.status in (CampaignStatus.ANALYZING, CampaignStatus.PLANNED):
            return "not-approved"
        if campaign.thread_ts is None:  # a hand-off runs before its card is up (the analysis
            cards.show(self.rt, team_id, campaign_id)  # died after starting it): card first
            return self._pass(team_id, campaign_id) if self._has_card(campaign) else "no-card"
        plan = Plan.model_validate(campaign.plan)
        capped = False
        if campaign.status == CampaignStatus.CANCELLED:
            cancel_work(self.rt, team_id, campaign_id, started_too=True)
        else:
            self._materialize(campaign, plan)
            campaign_approvals.resume_parked(self.rt, team_id, campaign_id)  # hold released?
            record_finished(self.rt, team_id, campaign_id, plan)
            capped = self._go_on(campaign, plan, began)
            budget.tell_if_held(self.rt, team_id, campaign_id)
        # before the pass counts as complete: a card Slack refused is posted by the retry
        campaign_approvals.sync(self.rt, team_id, campaign_id)
        with self.rt.sessions() as session:
            if not capped:  # held back by the cap: the sweeper passes it again
                campaign_passes.mark_advanced(session, team_id, campaign_id, began)
            status = campaigns.status_of(session, team_id, campaign_id) or "missing"
        self._tell(team_id, campaign_id, status, _card_follows_steps(campaign))
        return status

    def _has_card(self, campaign: Campaign) -> bool:
        with self.rt.sessions() as session:
            found = campaigns.load_campaign(session, campaign.team_id, campaign.id)
        return found is not None and found.thread_ts is not None

    def _tell(self, team_id: str, campaign_id: str, status: str, every_pass: bool) -> None:
        """The progress message (edited only if it changed) and, once ended, the report and
        the card's footer (it said "running" until now); a project's card (its checklist)
        and a hand-off's (the manager's thread) are shown on every pass, edited only when
        they changed. Slack or Redis away does not undo the pass: the next pass or catch-up
        shows it."""
        ended = status in report.ENDED
        try:
            # The end is shown at once (not coalesced into a catch-up job a kill could lose),
            # and the report comes last: an ended campaign without its report is passed again
            # by the sweeper (`campaigns_to_advance`), so the card and progress are never
            # left saying "running" by a pass killed half-way through telling.
            progress.show(self.rt, team_id, campaign_id, coalesce=not ended)
            cards.show_budget_change(self.rt, team_id, campaign_id)
            if ended or every_pass:
                cards.show(self.rt, team_id, campaign_id)
            if ended:
                report.post_report(self.rt, team_id, campaign_id)
        except (SlackApiError, RedisError):
            logger.exception("Campaign %s: progress or report not shown", campaign_id)

    def _go_on(self, campaign: Campaign, plan: Plan, now: datetime) -> bool:
        """Fail on a failed step; start what the plan and the workspace's cap allow while the
        campaign runs (a skip can finish a phase and free the next, so repeat until nothing
        moves); finish it. Whether the cap held a ready step back."""
        team_id, campaign_id = campaign.team_id, campaign.id
        capped = False
        for _ in range(len(list(plan.steps())) + 2):
            with self.rt.sessions() as session:
                rows = campaign_steps.steps_of(session, team_id, campaign_id)
                variables = campaign_steps.variables_of(session, team_id, campaign_id)
                status = campaigns.status_of(session, team_id, campaign_id)
            if any(row.status == StepStatus.FAILED for row in rows):
                self._fail(team_id, campaign_id)
                return capped
            if status != CampaignStatus.RUNNING:
                return capped  # paused: running steps finish, nothing new starts
            if all(row.status in campaigns.PASSED for row in rows):
                with self.rt.sessions() as session:
                    campaigns.move(
                        session,
                        team_id,
                        campaign_id,
                        from_=(CampaignStatus.RUNNING,),
                        to=CampaignStatus.DONE,
                    )
                return capped
            moves = plan_moves(plan, rows, variables, now)
            if budget.holds(self.rt, campaign) and moves.start:  # at 100 %, held at once
                moves = replace(moves, start=())  # spent: nothing new starts (skips, gates go on)
            if moves.start and len(moves.start) > (room := self._room(team_id)):
                moves, capped = replace(moves, start=moves.start[:room]), True
            if not moves:
                return capped
            self._apply(campaign, plan, rows, moves, now)
        return capped

    def _room(self, team_id: str) -> int:
        """How many more of the workspace's campaign steps may start now."""
        with self.rt.sessions() as session:
            running = campaign_steps.in_flight(session, team_id)
        return max(0, self.rt.settings.campaign_steps_in_flight - running)

    def _apply(
        self,
        campaign: Campaign,
        plan: Plan,
        rows: list[CampaignStep],
        moves: Moves,
        now: datetime,
    ) -> None:
        team_id = campaign.team_id
        with self.rt.sessions() as session:
            campaign_steps.move(
                session, team_id, moves.skip, from_=(StepStatus.PENDING,), to=StepStatus.SKIPPED
            )
            held = campaign_steps.move(
                session,
                team_id,
                moves.hold,
                from_=(StepStatus.PENDING,),
                to=StepStatus.WAITING_APPROVAL,
            )
        if held:  # the pass ends with their cards posted (campaign_approvals.sync)
            logger.info("Campaign %s: %d step(s) wait for approval", campaign.id, held)
        by_id = {row.id: row for row in rows}
        for row_id in moves.start:
            self._start(campaign, plan, by_id[row_id], now)

    def _start(self, campaign: Campaign, plan: Plan, row: CampaignStep, now: datetime) -> None:
        phase, step = _find(plan, row.step_id)
        task = _step_task(campaign, plan, phase, step, row)
        with self.rt.sessions() as session:
            started = campaign_steps.start(session, campaign.team_id, row.id, task)
        if not started:
            return  # another pass started it, or the campaign was paused or cancelled
        if isinstance(phase, ContinuousPhase):
            self._schedule_next(campaign, plan, phase, row, now)
        if is_hand_off(campaign):
            self._open_thread(campaign, task)
        enqueue_task(self.rt, campaign.team_id, task.id, campaign_step=True)

    def _open_thread(self, campaign: Campaign, task: Task) -> None:
        """A hand-off's thread opens now, so its card can link it at once (other steps' open
        when their task first runs). If Slack fails, the task's first run opens it."""
        assert campaign.channel_id is not None and campaign.thread_ts is not None
        lead = self.rt.roster.get(CAMPAIGN_LEAD)
        try:
            open_assignment_thread(self.rt, task, lead, (campaign.channel_id, campaign.thread_ts))
        except SlackApiError:
            logger.exception("Campaign %s: the hand-off's thread did not open", campaign.id)

    def _schedule_next(
        self,
        campaign: Campaign,
        plan: Plan,
        phase: ContinuousPhase,
        row: CampaignStep,
        now: datetime,
    ) -> None:
        at = next_run(row.next_run_at or now, phase.every_hours, now, ends_at(plan))
        if at is None:
            return  # that was the last run before the end date
        following = CampaignStep(
            team_id=campaign.team_id,
            campaign_id=campaign.id,
            step_id=row.step_id,
            phase=row.phase,
            run=row.run + 1,
            status=StepStatus.PENDING.value,
            due_date=at.date(),
            next_run_at=at,
            created_at=utcnow(),
        )
        with self.rt.sessions() as session:
            campaign_steps.add_steps(session, [_with_id(following)])

    def _materialize(self, campaign: Campaign, plan: Plan) -> None:
        """On the first pass, one row per plan step (run 1 for a continuous step)."""
        with self.rt.sessions() as session:
            exists = session.scalar(
                select(CampaignStep.id).where(
                    CampaignStep.team_id == campaign.team_id,
                    CampaignStep.campaign_id == campaign.id,
                )
            )
            if exists is not None:
                return
            made = utcnow()
            rows = [
                _with_id(
                    CampaignStep(
                        team_id=campaign.team_id,
                        campaign_id=campaign.id,
                        step_id=step.id,
                        phase=phase.name,
                        run=1 if isinstance(phase, ContinuousPhase) else 0,
                        status=StepStatus.PENDING.value,
                        due_date=step.due,
                        created_at=made,
                    )
                )
                for _index, phase, step in plan.steps()
            ]
            campaign_steps.add_steps(session, rows)

    def _fail(self, team_id: str, campaign_id: str) -> None:
        """A failed step fails the campaign: nothing new starts; running steps finish."""
        with self.rt.sessions() as session:
            campaigns.move(
                session,
                team_id,
                campaign_id,
                from_=(CampaignStatus.RUNNING, CampaignStatus.PAUSED),
                to=CampaignStatus.FAILED,
            )
        cancel_work(self.rt, team_id, campaign_id, started_too=False)


def _card_follows_steps(campaign: Campaign) -> bool:
    """A project's card is its checklist, a hand-off's links the work: both follow the
    steps (a workflow's card does not; its progress message does)."""
    approach = (campaign.decision or {}).get("approach")
    return approach == "project_management" or is_hand_off(campaign)


def _find(plan: Plan, step_id: str) -> tuple[_Phase, Step]:
    for _index, phase, step in plan.steps():
        if step.id == step_id:
            return phase, step
    raise KeyError(f"step {step_id} is not in the plan")


def _with_id(row: CampaignStep) -> CampaignStep:
    """Rows go in by `add_steps` (INSERT … ON CONFLICT DO NOTHING), so they carry their id."""
    row.id = new_id()
    return row


def _step_task(
    campaign: Campaign, plan: Plan, phase: _Phase, step: Step, row: CampaignStep
) -> Task:
    """The task a step's run is: for its agent, due on the step's date, its thread opened by
    the task runner in the agent's team channel, linked to the campaign card's thread."""
    assert campaign.channel_id is not None and campaign.thread_ts is not None  # approve()
    recurring = (
        f" This is run {row.run} of a recurring step (every {phase.every_hours} h until "
        f"{plan.end.isoformat()})."
        if isinstance(phase, ContinuousPhase)
        else ""
    )
    brief = (
        f"{step.action}.\n\nPart of the campaign {plan.name}: {campaign.brief}\n"
        f"Phase: {phase.name}.{recurring}"
    )
    title = step.action if row.run == 0 else f"{step.action} (run {row.run})"
    return Task(
        team_id=campaign.team_id,
        created_by=CAMPAIGN_LEAD,
        assigned_to=step.agent,
        title=title[:150],
        brief=brief,
        status=TaskStatus.OPEN.value,
        due_date=row.due_date,
        depth=0,  # a step starts its own cascade: its agent may delegate down from here
        approval_required=step.gate is not None,
        details=CampaignStepDetails(
            campaign_id=campaign.id,
            step_id=step.id,
            run=row.run,
            requested_in=(campaign.channel_id, campaign.thread_ts),
        ),
        id=new_id(),
    )
