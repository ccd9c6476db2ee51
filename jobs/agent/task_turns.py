"""An agent's turn on a task: the RQ job that does delegated work, or synthesises it.

First turn of a subtask: the assignee works in its assignment thread (a manager may delegate
further). When every subtask of a task is finished, the fan-in wakes the task once and this
job runs its synthesis turn: the assignee turns its team's deliverables into one answer, in
the thread where the work was asked for. Safe to run twice (lease, guarded transitions,
idempotent posts keyed by task and turn).
"""

from __future__ import annotations

import logging

from bots.roster import Agent
from errors import BudgetSpent, CampaignBudgetHeld, GuardTripped, LlmGaveUp
from jobs import runtime as runtime_module
from jobs.agent.lease import LeasedWork, claim, run_held
from jobs.agent.loop import run_agent_loop
from jobs.agent.reviews import review_step
from jobs.agent.stop import stop_task_request
from jobs.agent.tools import DepartmentTools, offered_tools
from jobs.approvals.submit import continuation_brief
from jobs.campaigns import budget
from jobs.claude import framing
from jobs.claude.client import ChatMessage, LlmAttempt, LlmRequest
from jobs.claude.usage import record_call, within_budget
from jobs.department import plan_view
from jobs.department.delegation import (
    enqueue_task,
    link_missing,
    open_assignment_thread,
    persona,
)
from jobs.department.escalation import answer_frame
from jobs.queue import ADVANCE_CAMPAIGN, try_enqueue, turn_queue
from jobs.runtime import Runtime
from jobs.slack.own_voice import one_post_writer
from jobs.slack.post_once import ReplyTarget, ReplyWriter
from jobs.slack.streams import reply_writer, show_working
from models import approvals, campaign_budget, tasks, turns
from models.approvals import Approval, ApprovalStatus
from models.kinds import (
    ApprovalStepDetails,
    AssignmentDetails,
    CampaignStepDetails,
    ConsultDetails,
    EscalationDetails,
    Origin,
    TaskDetails,
)
from models.leases import TASKS
from models.work import Task, TaskStatus

logger = logging.getLogger(__name__)

PLACEHOLDER = "_On it…_"
STOPPED_TEXT = "_I stopped working on this: it took more turns than the department allows._"
BUDGET_TEXT = "_Stopped: the request hit one of the department's limits._"
FAILED_TEXT = "_I couldn't finish this: the AI service kept failing. It goes back as not done._"
GAVE_UP_TEXT = (
    "_I couldn't finish this: it failed on our side several times. It goes back as not done._"
)
# The instruction sentences around a task turn's frames (the frames carry the data).
DO_THE_WORK = "Do the work and reply with the deliverable itself."
TEAM_WORK = "Your team's work is in the frames below."
SYNTHESISE = (
    "Synthesise one answer for {who} from this (do not paste the pieces one after another): "
    "resolve conflicts, keep what serves the brief, say what is still open."
)
MAX_TASK_RETRIES = 3  # failed or killed runs of a task before it is failed (and its parent woken)


TASK_LEASES = LeasedWork(TASKS, tasks.claim)


def _post_key(task: Task, held: tasks.TaskClaim) -> str:
    """The idempotency key of a task turn's reply: the same for every retry of that turn."""
    return f"t{held.turn:02d}{task.id[:29]}"


def run_task(team_id: str, task_id: str) -> str:
    """RQ entry point: one turn of one task. Returns what happened, for the job result."""
    return TaskRunner(runtime_module.current()).run(team_id, task_id)


class TaskRunner:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def run(self, team_id: str, task_id: str) -> str:
        lease_s = self.rt.settings.turn_lease_s
        held = claim(self.rt.sessions, TASK_LEASES, team_id, task_id, lease_s)
        with self.rt.sessions() as session:
            task = tasks.load_task(session, team_id, task_id)
        if task is None or held is None:
            return "skipped"
        return run_held(
            self.rt.sessions, TASK_LEASES, held, lease_s, task_id, lambda: self._work(task, held)
        )

    def _work(self, task: Task, held: tasks.TaskClaim) -> str:
        if held.retries > MAX_TASK_RETRIES:
            return self._give_up(task, held)
        agent = self.rt.roster.get(task.assigned_to)
        details = task.details
        if task.thread_ts is None or link_missing(self.rt, task):  # its opener died half-way
            creator = self.rt.roster.by_id.get(task.created_by, agent)
            open_assignment_thread(self.rt, task, creator, _requested_in(task, details))
        assert task.channel_id is not None and task.thread_ts is not None
        key = _post_key(task, held)
        target = ReplyTarget(task.team_id, key, task.channel_id, task.thread_ts)
        asked_by = self._asked_by(task)
        writer = reply_writer(self.rt, target, persona(agent), asked_by=asked_by, agent_id=agent.id)
        if held.turn > self.rt.settings.max_task_turns:
            writer.render(STOPPED_TEXT, final=True)
            limit = self.rt.settings.max_task_turns
            self._stop(task, held, f"a task took more than {limit} turns")
            return "stopped"
        plan_view.ask_refresh(self.rt, task)  # it started: its request's plan shows it
        if isinstance(details, ApprovalStepDetails):
            return review_step(self.rt, task, details, held, writer)
        show_working(self.rt, writer, PLACEHOLDER)
        with self.rt.sessions() as session:
            children = tasks.subtasks(session, task.team_id, task.id)
            history = approvals.versions(session, task.team_id, task.id)
        request_id = task.origin_turn_id or task.id
        tools = DepartmentTools.for_turn(
            self.rt, agent, lambda: task, (task.channel_id, task.thread_ts), task.team_id
        )
        brief, offered = self._brief_and_tools(task, agent, children, history)
        request = LlmRequest(
            model=self.rt.settings.model_for(agent.model_tier),
            system=self.rt.prompts.system_prompt(agent),
            messages=[ChatMessage("user", brief)],
            max_tokens=self.rt.settings.llm_max_tokens,
            tools=offered,
        )
        try:
            outcome = run_agent_loop(
                self.rt,
                request,
                writer,
                record=lambda attempt: self._record(task, agent, attempt),
                handle_tool=tools.handle,
                budget_left=lambda: within_budget(self.rt, task.team_id, request_id),
                check_call=budget.call_check(self.rt, task.team_id, task.id),
            )
        except CampaignBudgetHeld as parked:
            return self._park(task, held, writer, parked.shown, made_subtasks=bool(tools.created))
        except (BudgetSpent, GuardTripped) as stopped:
            reason = stopped.reason if isinstance(stopped, GuardTripped) else None
            writer.render(BUDGET_TEXT, final=True)
            self._stop(task, held, reason)
            return "stopped"
        except LlmGaveUp as gave_up:
            logger.warning("Task %s: Claude gave up (%s)", task.id, gave_up.reason)
            writer.render(FAILED_TEXT, final=True)
            return self._finish(task, held, TaskStatus.FAILED, FAILED_TEXT)
        text = tools.reported or outcome.text or "_(No answer.)_"
        writer.render(text, final=True)
        if tools.created:
            return self._wait_for_subtasks(task, held)
        return self._finish(task, held, TaskStatus.DONE, text)

    def _asked_by(self, task: Task) -> str | None:
        """The person the work is for, whom a native stream outside a DM is addressed to."""
        with self.rt.sessions() as session:
            origin = turns.load_turn(session, task.team_id, task.origin_turn_id or "")
        return origin.user_id if origin is not None else None

    def _park(
        self,
        task: Task,
        held: tasks.TaskClaim,
        writer: ReplyWriter,
        shown: str,
        *,
        made_subtasks: bool,
    ) -> str:
        """Its campaign's budget held the next call: what the turn said stays, and the turn
        is given back uncounted, to run again once the budget is raised. A turn that already
        handed work out waits for it as usual (that work is held the same way)."""
        if made_subtasks:
            writer.render(shown or PLACEHOLDER, final=True)
            return self._wait_for_subtasks(task, held)
        writer.render(
            f"{shown}\n\n{budget.PARKED_TEXT}" if shown else budget.PARKED_TEXT, final=True
        )
        with self.rt.sessions() as session:
            parked = campaign_budget.park(session, held)
        return "parked" if parked else "lost-lease"

    def _give_up(self, task: Task, held: tasks.TaskClaim) -> str:
        """Retries are bounded like a turn's: the task fails, its manager goes on without it
        (the thread is told if it can still be written to)."""
        agent = self.rt.roster.by_id.get(task.assigned_to)
        if agent is not None and task.channel_id is not None and task.thread_ts is not None:
            target = ReplyTarget(
                task.team_id, _post_key(task, held), task.channel_id, task.thread_ts
            )
            writer = one_post_writer(self.rt, target, agent.id, persona(agent))
            try:
                writer.render(GAVE_UP_TEXT, final=True)
            except Exception:
                logger.exception("Task %s: could not say it gave up in its thread", task.id)
        return self._finish(task, held, TaskStatus.FAILED, GAVE_UP_TEXT)

    def _brief_and_tools(
        self, task: Task, agent: Agent, children: list[Task], history: list[Approval]
    ) -> tuple[str, list[dict[str, object]]]:
        """First turn: the brief, every tool. After an approval step: what was decided and
        the tools to go on (or none, once rejected). Synthesis: submitting for approval only,
        unless a version was approved already."""
        every = offered_tools(self.rt, agent, task.depth, in_task=True)
        latest = children[-1] if children else None
        if latest is not None and isinstance(latest.details, ApprovalStepDetails) and history:
            decided = history[-1]
            brief = continuation_brief(self.rt, task, decided)
            if decided.status == ApprovalStatus.APPROVED.value:
                return brief, [t for t in every if t["name"] != "submit_for_approval"]
            if decided.status == ApprovalStatus.CHANGES_REQUESTED.value:
                return brief, [t for t in every if t["name"] == "submit_for_approval"]
            return brief, []
        brief = self._brief(task, children)
        if not children:
            return brief, every
        approved = any(a.status == ApprovalStatus.APPROVED.value for a in history)
        return brief, [] if approved else [t for t in every if t["name"] == "submit_for_approval"]

    def _brief(self, task: Task, children: list[Task]) -> str:
        """The task as a frame, then either the ask to do it or, once its subtasks are in,
        their work as frames and the ask to synthesise it."""
        header = framing.task_header(self.rt.roster, task)
        if not children:
            return framing.join(header, DO_THE_WORK)
        who = framing.requester_name(self.rt.roster, task)
        work = [self._child_frame(child) for child in children]
        return framing.join(header, TEAM_WORK, "\n".join(work), SYNTHESISE.format(who=who))

    def _stop(self, task: Task, held: tasks.TaskClaim, reason: str | None = None) -> None:
        stop_task_request(self.rt, task, held, reason, note=BUDGET_TEXT)

    def _child_frame(self, child: Task) -> framing.Frame:
        who = self.rt.roster.by_id.get(child.assigned_to)
        name = who.display_name if who else "a person"
        match child.details:
            case EscalationDetails():
                return answer_frame(child, name)
            case ApprovalStepDetails():
                return framing.approval_step(status=child.status, text=child.deliverable or "")
            case details:
                return framing.deliverable(
                    kind=details.kind,
                    agent=child.assigned_to,
                    name=name,
                    status=child.status,
                    title=child.title,
                    text=child.deliverable or "(nothing)",
                )

    def _wait_for_subtasks(self, task: Task, held: tasks.TaskClaim) -> str:
        with self.rt.sessions() as session:
            tasks.settle(session, held, TaskStatus.WAITING)
            woke = tasks.wake_parent_if_all_done(session, task.team_id, task.id)
        if woke:  # every subtask finished before this turn ended
            enqueue_task(self.rt, task.team_id, task.id)
        return "waiting"

    def _finish(self, task: Task, held: tasks.TaskClaim, status: TaskStatus, text: str) -> str:
        with self.rt.sessions() as session:
            if not tasks.settle(session, held, status, deliverable=text):
                return "lost-lease"
            woke = task.parent_task_id is not None and tasks.wake_parent_if_all_done(
                session, task.team_id, task.parent_task_id
            )
        plan_view.ask_refresh(self.rt, task)  # it ended: its request's plan shows it
        if woke and task.parent_task_id is not None:
            enqueue_task(self.rt, task.team_id, task.parent_task_id)
        details = task.details
        if isinstance(details, CampaignStepDetails):  # campaign fan-in: its engine goes on
            queue = turn_queue(self.rt.redis, self.rt.settings.queue_name)
            try_enqueue(queue, ADVANCE_CAMPAIGN, task.team_id, details.campaign_id)
        return status.value

    def _record(self, task: Task, agent: Agent, attempt: LlmAttempt) -> None:
        record_call(
            self.rt,
            team_id=task.team_id,
            turn_id=task.origin_turn_id or task.id,
            task_id=task.id,
            agent_id=agent.id,
            attempt=attempt,
        )


def _requested_in(task: Task, details: TaskDetails) -> Origin:
    """Where the work was asked for, to link a late-opened assignment thread back to it."""
    if (
        isinstance(
            details, AssignmentDetails | ConsultDetails | EscalationDetails | CampaignStepDetails
        )
        and details.requested_in is not None
    ):
        return details.requested_in
    return (task.channel_id or "", task.thread_ts or "")
