"""The one enqueue path: every job reference resolves, ids are fixed, limits come from the ref."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue
from rq.job import Job

from errors import ConfigError
from jobs.queue import (
    ADVANCE_CAMPAIGN,
    AFTER_DECISION,
    AGENT_WORK,
    FOLLOW_UP,
    JOB_REFS,
    PUBLISH_HOME,
    RUN_TASK,
    RUN_TURN,
    JobRef,
    Lane,
    check_job_refs,
    enqueue,
    lane_queues,
    try_enqueue,
    waiting_job_ids,
)
from tests.conftest import TEAM, free_port

REPO = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("app.py", "bench", "bots", "handlers", "jobs", "models", "sandbox", "tests")


def test_every_job_reference_names_a_function_taking_team_and_record() -> None:
    check_job_refs()  # what the worker's runtime runs at start-up


@pytest.mark.parametrize(
    ("function", "why"),
    [
        ("jobs.agent.turns.run_turns", "run_turns"),  # a renamed function
        ("jobs.agent.gone.run_turn", "jobs.agent.gone"),  # a moved module
        ("jobs.runtime.current", "too many positional arguments"),  # takes no record
    ],
)
def test_a_job_that_cannot_run_stops_start_up_naming_it(function: str, why: str) -> None:
    broken = JobRef(function, "{record_id}", FOLLOW_UP)
    with pytest.raises(ConfigError, match=why) as raised:
        check_job_refs((RUN_TURN, broken))
    assert function in str(raised.value)


def test_no_job_path_is_written_anywhere_but_in_the_queue_module() -> None:
    """A string naming a job function outside jobs/queue.py would fail only at run time."""
    paths = {ref.function for ref in JOB_REFS}
    found = []
    for top in SOURCE_DIRS:
        files = [REPO / top] if top.endswith(".py") else sorted((REPO / top).rglob("*.py"))
        for file in files:
            if file == REPO / "jobs" / "queue.py":
                continue
            for node in ast.walk(ast.parse(file.read_text(), str(file))):
                if isinstance(node, ast.Constant) and node.value in paths:
                    found.append(f"{file.relative_to(REPO)}:{node.lineno}")
    assert found == []


def test_job_ids_are_distinct_per_kind_for_one_record() -> None:
    ids = {ref.job_id(TEAM, "r1") for ref in JOB_REFS}
    assert len(ids) == len(JOB_REFS)
    assert RUN_TURN.job_id(TEAM, "t1") == "t1"  # the sweeper finds a turn's job by its id
    assert RUN_TASK.job_id(TEAM, "t1") == "task-t1"
    assert PUBLISH_HOME.job_id(TEAM, "U0MARIA") == f"home-{TEAM}-U0MARIA"


def test_a_repeated_enqueue_waits_once_with_the_refs_limits(redis_conn: Redis) -> None:
    queue = Queue("test-queue", connection=redis_conn)
    assert enqueue(queue, AFTER_DECISION, TEAM, "a1") == "approval-a1"
    assert enqueue(queue, AFTER_DECISION, TEAM, "a1") == "approval-a1"
    assert enqueue(queue, RUN_TURN, TEAM, "t1") == "t1"

    assert queue.job_ids == ["t1"]  # waiting once each, never twice, each in its lane
    assert Queue("test-queue-urgent", connection=redis_conn).job_ids == ["approval-a1"]
    follow_up = Job.fetch("approval-a1", connection=redis_conn)
    assert (follow_up.func_name, follow_up.args) == (AFTER_DECISION.function, (TEAM, "a1"))
    assert (follow_up.timeout, follow_up.result_ttl) == (FOLLOW_UP.timeout_s, 3600)
    assert follow_up.failure_ttl == FOLLOW_UP.failure_ttl_s
    turn = Job.fetch("t1", connection=redis_conn)
    assert (turn.timeout, turn.result_ttl) == (AGENT_WORK.timeout_s, AGENT_WORK.result_ttl_s)


def test_redis_away_is_logged_and_reported_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    away = Redis(port=free_port(), socket_connect_timeout=1)
    queue = Queue("test-queue", connection=away)
    with caplog.at_level(logging.WARNING, logger="jobs.queue"):
        assert try_enqueue(queue, RUN_TASK, TEAM, "k1") is False
    assert "run_task k1 left for the sweeper" in caplog.text


def test_each_lane_is_a_queue_named_from_queue_name_and_workers_take_urgent_first(
    redis_conn: Redis,
) -> None:
    assert [q.name for q in lane_queues(redis_conn, "dept")] == [
        "dept-urgent",
        "dept",
        "dept-background",
    ]
    queue = Queue("dept", connection=redis_conn)
    enqueue(queue, ADVANCE_CAMPAIGN, TEAM, "c1")  # background
    enqueue(queue, RUN_TURN, TEAM, "t1")  # turns
    enqueue(queue, RUN_TASK, TEAM, "k1", lane=Lane.BACKGROUND)  # a campaign's step
    enqueue(queue, AFTER_DECISION, TEAM, "a1")  # urgent, enqueued last
    assert waiting_job_ids(redis_conn, "dept") == ["approval-a1", "t1", "campaign-c1", "task-k1"]
    assert enqueue(queue, RUN_TASK, TEAM, "k1", lane=Lane.BACKGROUND) == "task-k1"
    assert waiting_job_ids(redis_conn, "dept").count("task-k1") == 1  # waits once


def test_every_follow_up_of_a_persons_click_is_urgent_and_a_campaigns_work_background() -> None:
    """The issue's order: approvals, escalations and clicks' follow-ups ahead of content work,
    and that ahead of a campaign's background steps."""
    lanes = {ref.name: ref.lane for ref in JOB_REFS}
    for urgent in ("after_decision", "after_acknowledgement", "after_human_answer"):
        assert lanes[urgent] is Lane.URGENT
    assert lanes["after_campaign_decision"] is Lane.URGENT
    assert (lanes["run_turn"], lanes["run_task"]) == (Lane.TURNS, Lane.TURNS)
    assert (lanes["advance"], lanes["catch_up"]) == (Lane.BACKGROUND, Lane.BACKGROUND)
