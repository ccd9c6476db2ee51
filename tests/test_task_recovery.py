"""Task recovery: a task turn that fails gives its lease back, the sweeper picks up a task
whose lease ran out, a supervisor gives back the leases of a worker process that died, and a
retried task turn edits its own post and costs none of the task's allowed turns."""

from __future__ import annotations

import multiprocessing
import os
import socket
from datetime import timedelta
from multiprocessing.process import BaseProcess
from typing import Any

import pytest
from rq import Queue
from rq.worker_pool import WorkerData

from jobs.agent.task_turns import GAVE_UP_TEXT, MAX_TASK_RETRIES
from jobs.queue import RUN_TASK, enqueue, turn_queue
from jobs.runtime import Runtime
from jobs.sweeper import sweep
from jobs.worker import Supervisor
from models.base import utcnow
from models.leases import holder_name
from models.work import Task, TaskStatus
from sandbox.claude_api import ScriptedClaude, TextReply
from sandbox.slack_api import SlackStandIn
from sandbox.task_rows import copywriter_task
from tests.conftest import CHANNEL_CONTENT, HUMAN, TEAM, work

TAGLINE = "Analytics that answer before you ask."


def _task(rt: Runtime, slack: SlackStandIn, **values: Any) -> Task:
    thread = slack.add_message(CHANNEL_CONTENT, user=HUMAN, text="A tagline for the launch")
    task = copywriter_task(
        TEAM,
        CHANNEL_CONTENT,
        thread,
        title="Launch tagline",
        brief="One tagline for the analytics launch.",
        **values,
    )
    with rt.sessions() as session:
        session.add(task)
        session.commit()
        session.refresh(task)
        session.expunge(task)
    return task


def _reload(rt: Runtime, task_id: str) -> Task:
    with rt.sessions() as session:
        task = session.get(Task, task_id)
        assert task is not None
        return task


def _bot_messages(slack: SlackStandIn, task: Task) -> list[dict[str, Any]]:
    return [m for m in slack.messages(CHANNEL_CONTENT, task.thread_ts) if m.get("bot_id")]


def _sweep(rt: Runtime) -> list[str]:
    return sweep(rt.sessions, rt.redis, rt.settings.queue_name, grace_s=60)


def test_a_failing_task_turn_gives_its_lease_back_and_its_retry_costs_no_turn(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    task = _task(runtime, slack)
    # The thread's status is the first sign (no placeholder post), so the first run asks
    # Claude before its first post fails: the retry asks again.
    claude.enqueue(TextReply(TAGLINE))
    claude.enqueue(TextReply(TAGLINE))
    slack.fail_next("chat.postMessage", status=500, error="internal_error", times=3)
    enqueue(turn_queue(runtime.redis, runtime.settings.queue_name), RUN_TASK, TEAM, task.id)
    work(runtime)  # the reply cannot be posted: the run raises

    failed = _reload(runtime, task.id)
    assert failed.status == TaskStatus.IN_PROGRESS.value
    assert failed.lease_expires_at is not None and failed.lease_expires_at <= utcnow()
    assert _sweep(runtime) == [
        RUN_TASK.job_id(TEAM, task.id)
    ]  # at the next pass, not a lease later
    work(runtime)

    done = _reload(runtime, task.id)
    assert (done.status, done.deliverable) == (TaskStatus.DONE.value, TAGLINE)
    assert (done.turns_used, done.attempts) == (1, 2)  # the retry was the same turn
    assert [m["text"] for m in _bot_messages(slack, task)] == [TAGLINE]


@pytest.mark.parametrize("runs_before", [1, 1 + MAX_TASK_RETRIES])
def test_the_sweeper_takes_back_a_task_whose_lease_ran_out_until_its_retries_run_out(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, runs_before: int
) -> None:
    """A specialist's worker died mid-task (its lease ran out): the task is run again, as
    the same turn; once the first run and every allowed retry died, it is failed and says
    so (no sweep every 5 s forever)."""
    task = _task(
        runtime,
        slack,
        status=TaskStatus.IN_PROGRESS.value,
        turns_used=1,
        attempts=runs_before,
        lease_token="dead",
        lease_holder="gone-host:1",
        lease_expires_at=utcnow() - timedelta(seconds=1),
    )
    claude.enqueue(TextReply(TAGLINE))
    assert _sweep(runtime) == [RUN_TASK.job_id(TEAM, task.id)]
    work(runtime)

    gives_up = runs_before > MAX_TASK_RETRIES
    status, text = (TaskStatus.FAILED, GAVE_UP_TEXT) if gives_up else (TaskStatus.DONE, TAGLINE)
    after = _reload(runtime, task.id)
    assert (after.status, after.deliverable, after.turns_used) == (status.value, text, 1)
    assert [m["text"] for m in _bot_messages(slack, task)] == [text]
    assert len(claude.requests) == (0 if gives_up else 1)
    assert _sweep(runtime) == []


def _held_by(rt: Runtime, slack: SlackStandIn, holder: str) -> Task:
    return _task(
        rt,
        slack,
        status=TaskStatus.IN_PROGRESS.value,
        attempts=1,  # claimed once
        lease_token=holder.replace(":", "")[:32],
        lease_holder=holder,
        lease_expires_at=utcnow() + timedelta(seconds=60),
    )


def _dead_child() -> BaseProcess:
    """A child of ours that has exited: its pid names a dead lease holder (pids are not
    reused this soon)."""
    child = multiprocessing.get_context("fork").Process(target=int)
    child.start()
    child.join()
    assert child.pid is not None
    return child


def test_the_supervisor_gives_back_a_dead_childs_leases_at_once(
    runtime: Runtime, slack: SlackStandIn
) -> None:
    """RQ's WorkerPool reports the dead child; its leases (and only its) are given back and
    the sweep that follows in the same check queues its work."""
    host = socket.gethostname()
    child = _dead_child()
    dead = _held_by(runtime, slack, holder_name(host, child.pid or 0))
    alive = _held_by(runtime, slack, holder_name(host, os.getpid()))
    supervisor = Supervisor(runtime, processes=1)
    supervisor.worker_dict["w1"] = WorkerData("w1", child.pid or 0, child)
    supervisor.next_sweep_at = float("inf")  # only the death may make it sweep

    supervisor.check_workers(respawn=False)

    assert supervisor.worker_dict == {}
    assert _reload(runtime, dead.id).lease_expires_at <= utcnow()  # type: ignore[operator]
    assert _reload(runtime, dead.id).attempts == 1  # a child's death counts: a poison job ends
    assert _reload(runtime, alive.id).lease_expires_at > utcnow()  # type: ignore[operator]
    queue = Queue(runtime.settings.queue_name, connection=runtime.redis)
    assert queue.job_ids == [RUN_TASK.job_id(TEAM, dead.id)]


def test_a_starting_supervisor_gives_back_leases_of_this_hosts_dead_processes(
    runtime: Runtime, slack: SlackStandIn
) -> None:
    """The whole worker command died (a deploy, a crash): its runs are given back at once and
    not counted as attempts, so restarts never use up a task's retries."""
    host = socket.gethostname()
    dead = _held_by(runtime, slack, holder_name(host, _dead_child().pid or 0))
    alive = _held_by(runtime, slack, holder_name(host, os.getpid()))
    elsewhere = _held_by(runtime, slack, holder_name(f"not-{host}", _dead_child().pid or 0))

    Supervisor(runtime, processes=1)._release_dead_on_host()

    now = utcnow()
    given_back = _reload(runtime, dead.id)
    assert given_back.lease_expires_at <= now  # type: ignore[operator]
    assert (given_back.attempts, given_back.lease_holder) == (0, None)  # forgiven, once
    assert _reload(runtime, alive.id).lease_expires_at > now  # type: ignore[operator]
    assert _reload(runtime, elsewhere.id).lease_expires_at > now  # type: ignore[operator]
    assert _reload(runtime, alive.id).attempts == _reload(runtime, elsewhere.id).attempts == 1
