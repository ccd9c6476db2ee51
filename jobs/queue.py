"""The one way work reaches the RQ queue: a typed reference per kind of job.

A `JobRef` names the function a worker runs, the rule that gives each job its fixed id (a
repeated enqueue replaces the job, it never adds a second one) and its timeout and TTLs. Each
function is named by its dotted path, declared here once: every job module imports this one,
so naming them by the callable would be an import cycle. `check_job_refs` resolves every path
at start-up (the worker's runtime, the Slack app's `handlers.register`) and in a test, so a
renamed or moved job function stops start-up instead of failing jobs at run time.

Every job takes the same two arguments, the workspace and one record's id (rq's rule: pass
references, the job reloads the state). Every job runs as a `WorkspaceJob`: one whose
workspace uninstalled the app ends there, quietly, wherever it met the missing token.

Lanes (issue 20): each kind of job names the lane it waits in, one RQ queue per lane under
QUEUE_NAME ("turns", "turns-urgent", "turns-background"), and every worker listens to them in
`LANES` order, so a worker that comes free takes a person's click before anyone's turn, and a
turn before a campaign's background work. A job that waits is never moved to another lane;
`enqueue` takes the department's queue (QUEUE_NAME) and puts the job in its lane's.
"""

from __future__ import annotations

import importlib
import inspect
import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.job import Job

from errors import ConfigError, WorkspaceNotInstalled

logger = logging.getLogger(__name__)

WEEK_S = 7 * 24 * 3600
NOT_INSTALLED = "workspace-not-installed"  # the result of a job whose workspace uninstalled


@dataclass(frozen=True)
class Limits:
    """How long a job may run and how long Redis keeps what it left behind."""

    timeout_s: int
    result_ttl_s: int
    failure_ttl_s: int


# An agent's turn streams Claude through several tool rounds: minutes, not seconds. Its
# result stays a day (the benchmark and an operator read a turn's job stamps).
AGENT_WORK = Limits(timeout_s=15 * 60, result_ttl_s=24 * 3600, failure_ttl_s=WEEK_S)
# Card edits and Home views: a few Slack calls, each of which may wait out a 429 or two.
FOLLOW_UP = Limits(timeout_s=5 * 60, result_ttl_s=3600, failure_ttl_s=WEEK_S)


class Lane(StrEnum):
    """Where a job waits; `LANES` is the order workers take them in."""

    URGENT = "urgent"  # a person just clicked and waits: approvals, escalations, cards, views
    TURNS = "turns"  # a person's mention, an agent's task, a ritual, a campaign's analysis
    BACKGROUND = "background"  # a campaign's engine passes, steps and progress edits


LANES = (Lane.URGENT, Lane.TURNS, Lane.BACKGROUND)


def task_lane(campaign_step: bool) -> Lane:
    """A task's run (RUN_TASK): a campaign's step is background work; any other task is an
    agent's part of a person's request and waits with the turns."""
    return Lane.BACKGROUND if campaign_step else Lane.TURNS


@dataclass(frozen=True)
class JobRef:
    """One kind of job. `id_rule` is a `str.format` template over `team_id` and `record_id`;
    `lane` the queue it waits in (a task's run may name another: `enqueue(lane=...)`)."""

    function: str
    id_rule: str
    limits: Limits
    lane: Lane = Lane.TURNS

    @property
    def name(self) -> str:
        return self.function.rsplit(".", 1)[-1]

    def job_id(self, team_id: str, record_id: str) -> str:
        return self.id_rule.format(team_id=team_id, record_id=record_id)


RUN_TURN = JobRef("jobs.agent.turns.run_turn", "{record_id}", AGENT_WORK)
RUN_TASK = JobRef("jobs.agent.task_turns.run_task", "task-{record_id}", AGENT_WORK)
AFTER_DECISION = JobRef(
    "jobs.approvals.posts.after_decision", "approval-{record_id}", FOLLOW_UP, Lane.URGENT
)
REMIND_APPROVERS = JobRef(
    "jobs.approvals.posts.remind", "remind-{record_id}", FOLLOW_UP, Lane.URGENT
)
AFTER_ACKNOWLEDGEMENT = JobRef(
    "jobs.department.escalation.after_acknowledgement",
    "acknowledged-{record_id}",
    FOLLOW_UP,
    Lane.URGENT,
)
AFTER_HUMAN_ANSWER = JobRef(
    "jobs.department.escalation.after_human_answer", "answered-{record_id}", FOLLOW_UP, Lane.URGENT
)
PUBLISH_HOME = JobRef(
    "jobs.home.publish.publish_home", "home-{team_id}-{record_id}", FOLLOW_UP, Lane.URGENT
)
# The CMO's welcome in a newcomer's DM (issue 19): one per person and workspace.
SEND_WELCOME = JobRef("jobs.home.welcome.send_welcome", "welcome-{team_id}-{record_id}", FOLLOW_UP)
# Setting up a workspace (issue 20): one at a time per workspace; the admin who asked sees
# the report on App Home.
RUN_SETUP = JobRef("jobs.setup.run.run_setup", "setup-{team_id}", FOLLOW_UP, Lane.URGENT)
# A new assistant-pane thread (issue 19): the CMO's greeting and the suggested prompts.
GREET_ASSISTANT_THREAD = JobRef(
    "jobs.agent.assistant_pane.greet_thread", "pane-{team_id}-{record_id}", FOLLOW_UP, Lane.URGENT
)
# One engine pass over a campaign: database work and enqueues only (its steps are tasks).
ADVANCE_CAMPAIGN = JobRef(
    "jobs.campaigns.engine.advance", "campaign-{record_id}", FOLLOW_UP, Lane.BACKGROUND
)
# The advisor on a new campaign: factors, decision, plan (two or three Claude calls), the card.
ANALYZE_CAMPAIGN = JobRef("jobs.campaigns.analysis.analyze", "analyze-{record_id}", AGENT_WORK)
# A person decided a campaign's gate or budget card: the card shows it, the engine acts on it.
CAMPAIGN_DECISION = JobRef(
    "jobs.campaigns.campaign_approvals.after_campaign_decision",
    "campaign-approval-{record_id}",
    FOLLOW_UP,
    Lane.URGENT,
)
# The campaign card edited to the campaign's state, after a click or a command changed it.
CAMPAIGN_CARD = JobRef("jobs.campaigns.cards.refresh", "card-{record_id}", FOLLOW_UP, Lane.URGENT)
# A progress-message edit held back (coalesced or over the chat.update budget), made later.
PROGRESS_CAMPAIGN = JobRef(
    "jobs.campaigns.progress.catch_up", "progress-{record_id}", FOLLOW_UP, Lane.BACKGROUND
)
# One ritual run (a standup, a summary, a review): several agents' posts, each a Claude call.
RUN_RITUAL = JobRef("jobs.rituals.run.run_ritual", "ritual-{record_id}", AGENT_WORK)
# A standup's Nudge on an escalation: one reminder in the card's thread (once a day).
NUDGE_ESCALATION = JobRef(
    "jobs.department.escalation_nudge.nudge_escalation", "nudge-{record_id}", FOLLOW_UP, Lane.URGENT
)
# A request's plan (its subtasks as tasks) shown again after one of them started or ended.
REFRESH_PLAN = JobRef(
    "jobs.department.plan_view.refresh_plan", "plan-{record_id}", FOLLOW_UP, Lane.URGENT
)
# A workspace uninstalled the app: its tokens deleted, its queued jobs dropped, campaigns paused.
FORGET_WORKSPACE = JobRef(
    "jobs.workspace_exit.forget_workspace", "forget-{team_id}", FOLLOW_UP, Lane.URGENT
)


def thread_ref(channel_id: str, thread_ts: str) -> str:
    """A Slack thread as a record id ("D0ABC-1700000000_000100"): RQ's job ids take only
    letters, digits, dashes and underscores. `parse_thread_ref` reads it back."""
    return f"{channel_id}-{thread_ts.replace('.', '_')}"


def parse_thread_ref(record_id: str) -> tuple[str, str]:
    channel_id, _, ts = record_id.partition("-")
    return channel_id, ts.replace("_", ".")


JOB_REFS = (
    RUN_TURN,
    RUN_TASK,
    AFTER_DECISION,
    REMIND_APPROVERS,
    AFTER_ACKNOWLEDGEMENT,
    AFTER_HUMAN_ANSWER,
    PUBLISH_HOME,
    SEND_WELCOME,
    RUN_SETUP,
    GREET_ASSISTANT_THREAD,
    ADVANCE_CAMPAIGN,
    ANALYZE_CAMPAIGN,
    CAMPAIGN_DECISION,
    CAMPAIGN_CARD,
    PROGRESS_CAMPAIGN,
    RUN_RITUAL,
    NUDGE_ESCALATION,
    REFRESH_PLAN,
    FORGET_WORKSPACE,
)


def enqueue(
    queue: Queue, ref: JobRef, team_id: str, record_id: str, *, lane: Lane | None = None
) -> str:
    """Enqueue the job in its lane (`lane`, else the ref's) of the department's `queue`, unless
    it is already waiting there; the job's id. Raises RedisError if Redis is away.

    RQ keeps one job record per id but pushes the id onto the queue again on every enqueue,
    so the sweeper's re-enqueue of work that merely waits behind busy workers would pile up
    copies that each cost a worker a pickup. A job still waiting will see the latest state
    when it runs; a job already running is enqueued again, since what woke it may have
    changed after it read its records."""
    target = lane_queue(queue, lane or ref.lane)
    job_id = ref.job_id(team_id, record_id)
    if target.connection.lpos(target.key, job_id) is not None:
        return job_id
    with target.connection.pipeline() as pipeline:
        target.enqueue(
            ref.function,
            team_id,
            record_id,
            job_id=job_id,
            job_timeout=ref.limits.timeout_s,
            result_ttl=ref.limits.result_ttl_s,
            failure_ttl=ref.limits.failure_ttl_s,
            description=f"{ref.name} {record_id}",
            pipeline=pipeline,
        )
        pipeline.execute()
    return job_id


def try_enqueue(
    queue: Queue, ref: JobRef, team_id: str, record_id: str, *, lane: Lane | None = None
) -> bool:
    """Enqueue if Redis answers; otherwise log and say so. For work whose record is already
    persisted: the sweeper finds it and enqueues it later."""
    try:
        enqueue(queue, ref, team_id, record_id, lane=lane)
    except RedisError:
        logger.warning("Redis unavailable; %s %s left for the sweeper", ref.name, record_id)
        return False
    return True


def check_job_refs(refs: tuple[JobRef, ...] = JOB_REFS) -> None:
    """Import every job function now and check it takes (team_id, record_id): a renamed or
    moved job stops start-up with a ConfigError naming it."""
    for ref in refs:
        module_name, _, attribute = ref.function.rpartition(".")
        try:
            function = getattr(importlib.import_module(module_name), attribute)
            inspect.signature(function).bind("team_id", "record_id")
        except (ImportError, AttributeError, TypeError, ValueError) as error:
            raise ConfigError(f"Job {ref.function} cannot be run: {error}") from error


class WorkspaceJob(Job):
    """How every job of ours runs (the queue's and the workers' `job_class`). A workspace that
    uninstalled the app has no token, and its jobs meet `WorkspaceNotInstalled` at their first
    Slack call: such a job ends here, finished with one log line, instead of failing (and being
    retried) for a workspace that is gone. Its data waits out the retention period."""

    def perform(self) -> Any:
        try:
            return super().perform()
        except WorkspaceNotInstalled as gone:
            logger.info("%s ended: workspace %s is not installed", self.description, gone.team_id)
            self._result = NOT_INSTALLED
            return NOT_INSTALLED


def turn_queue(connection: Redis, name: str) -> Queue:
    """The department's queue, QUEUE_NAME: the turns lane, and the name the other lanes'
    queues are made from (`lane_queue`)."""
    return Queue(name, connection=connection, job_class=WorkspaceJob)


def lane_queue_name(base: str, lane: Lane) -> str:
    """The turns lane keeps QUEUE_NAME itself (what operators and RQ's tools already watch)."""
    return base if lane is Lane.TURNS else f"{base}-{lane.value}"


def lane_queue(queue: Queue, lane: Lane) -> Queue:
    """`lane`'s queue beside the department's `queue`."""
    if lane is Lane.TURNS:
        return queue
    return Queue(
        lane_queue_name(queue.name, lane), connection=queue.connection, job_class=WorkspaceJob
    )


def lane_queues(connection: Redis, base: str, lanes: tuple[Lane, ...] = LANES) -> list[Queue]:
    """The queues a worker listens to, in the order it takes work from them."""
    return [
        Queue(lane_queue_name(base, lane), connection=connection, job_class=WorkspaceJob)
        for lane in lanes
    ]


def waiting_job_ids(connection: Redis, base: str) -> list[str]:
    """Every job waiting in any lane, in the order workers will take them."""
    return [job_id for queue in lane_queues(connection, base) for job_id in queue.job_ids]
