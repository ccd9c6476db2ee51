"""Every line carries the workspace and the record it is about, and no secret: a listener's
lines (a signed request into the real Bolt app) and its job's (the worker class the worker
command runs, on real Redis), captured as JSON at DEBUG, slack_sdk's own lines included."""

from __future__ import annotations

import importlib
import inspect
import io
import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr
from rq import Queue
from sqlalchemy import select

import logs
from handlers.intake import RECORD_ID_NAMES
from jobs.queue import JOB_REFS, RUN_TASK, enqueue, turn_queue
from jobs.rituals.tick import tick_rituals
from jobs.runtime import Runtime
from jobs.worker_process import DepartmentWorker, job_ids
from models.records import Turn
from sandbox.claude_api import ScriptedClaude, TextReply
from sandbox.slack_api import SlackStandIn
from sandbox.task_rows import copywriter_task
from settings import Settings
from tests.conftest import (
    BOT_TOKEN,
    CHANNEL_CONTENT,
    CHANNEL_GENERAL,
    HUMAN,
    SIGNING_SECRET,
    TEAM,
    ServedApp,
    mention,
)

ANTHROPIC_KEY = "test-key"  # make_settings' key
SECRETS = (BOT_TOKEN, SIGNING_SECRET, ANTHROPIC_KEY)


@pytest.fixture()
def captured() -> Iterator[io.StringIO]:
    """The process's logging as the worker command sets it (JSON), into a buffer; the test
    runner's own handlers are put back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    logs.configure("json", "DEBUG", SECRETS, stream)
    yield stream
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]  # each one JSON


def test_a_listeners_and_its_jobs_lines_carry_the_workspace_and_the_turn(
    bolt: ServedApp,
    runtime: Runtime,
    slack: SlackStandIn,
    claude: ScriptedClaude,
    captured: io.StringIO,
) -> None:
    claude.enqueue(TextReply("Lead with the outcome."))
    mention(bolt.sender, slack, CHANNEL_GENERAL, "cmo: one launch principle")
    with runtime.sessions() as session:
        turn_id = session.scalars(select(Turn.id)).one()
    queue = turn_queue(runtime.redis, runtime.settings.queue_name)
    DepartmentWorker([queue], connection=runtime.redis, grace_s=5, sessions=runtime.sessions).work(
        burst=True, logging_level="WARNING"
    )

    lines = _lines(captured)
    listener = [line for line in lines if line.get("request") == "event:app_mention"]
    assert listener, lines
    assert {(line["team_id"], line["user_id"], line["channel_id"]) for line in listener} == {
        (TEAM, HUMAN, CHANNEL_GENERAL)
    }
    assert any(line.get("turn_id") == turn_id for line in listener)  # once it is persisted
    job = [line for line in lines if line.get("job") == "run_turn"]
    assert {(line["team_id"], line["turn_id"]) for line in job} == {(TEAM, turn_id)}
    assert any(line["logger"].startswith("slack_sdk") for line in job)  # a library's lines too
    assert any(line["message"].startswith(f"Job {turn_id} done") for line in job)
    assert [m["text"] for m in slack.messages(CHANNEL_GENERAL) if m.get("bot_id")]
    for secret in SECRETS:
        assert secret not in captured.getvalue()


def test_a_task_turns_lines_carry_the_task_and_the_turn_it_came_from(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, captured: io.StringIO
) -> None:
    claude.enqueue(TextReply("Ten principles, ready."))
    thread = slack.add_message(CHANNEL_CONTENT, user=HUMAN, text="Ten launch principles")
    with runtime.sessions() as session:
        task = copywriter_task(TEAM, CHANNEL_CONTENT, thread, origin_turn_id="turn-1")
        session.add(task)
        session.commit()
        task_id = task.id
    queue = turn_queue(runtime.redis, runtime.settings.queue_name)
    enqueue(queue, RUN_TASK, TEAM, task_id)
    DepartmentWorker([queue], connection=runtime.redis, grace_s=5, sessions=runtime.sessions).work(
        burst=True, logging_level="WARNING"
    )

    job = [line for line in _lines(captured) if line.get("job") == "run_task"]
    assert {(line["team_id"], line["task_id"]) for line in job} == {(TEAM, task_id)}
    assert any(line.get("turn_id") == "turn-1" for line in job)  # once the task is loaded
    assert any(line["message"].startswith(f"Job task-{task_id} done") for line in job)


def test_secrets_and_passwords_never_reach_a_line_not_even_in_a_traceback(
    captured: io.StringIO,
) -> None:
    with logs.scope(team_id=TEAM, approval_id="A1"):
        try:
            raise RuntimeError(f"refused {BOT_TOKEN} via postgresql+psycopg://app:hunter22@db/x")
        except RuntimeError:
            logging.getLogger("tests").exception("call with xoxp-1-abc and sk-ant-api03-xyz")
    [line] = _lines(captured)
    assert (line["team_id"], line["approval_id"]) == (TEAM, "A1")
    text = captured.getvalue()
    for leaked in (BOT_TOKEN, "hunter22", "xoxp-1-abc", "sk-ant-api03-xyz"):
        assert leaked not in text
    assert "postgresql+psycopg://app:[redacted]@db/x" in line["exc"]


def test_text_lines_end_with_the_ids_and_a_scope_ends_with_its_block() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        logs.configure("text", "INFO", (), stream)
        with logs.scope(team_id=TEAM, task_id="K1"):
            logging.getLogger("tests").info("inside")
        logging.getLogger("tests").info("outside")
    finally:
        for handler in root.handlers[:]:
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
    inside, outside = stream.getvalue().splitlines()
    assert inside.endswith(f"inside [team_id={TEAM} task_id=K1]")
    assert outside.endswith("tests outside")


def test_a_listener_names_each_enqueued_record_as_its_job_does() -> None:
    """A job's lines name its record by the job function's parameter; a listener that
    enqueues it binds the same name (handlers/intake.py)."""
    for ref in {*JOB_REFS, *RECORD_ID_NAMES}:
        module, _, name = ref.function.rpartition(".")
        function = getattr(importlib.import_module(module), name)
        assert list(inspect.signature(function).parameters)[1] == RECORD_ID_NAMES[ref], ref


def test_a_job_without_arguments_is_named_all_the_same(runtime: Runtime) -> None:
    job = Queue("ids", connection=runtime.redis).enqueue(tick_rituals)
    assert job_ids(job) == {"job": "tick_rituals", "job_id": job.id}


def test_each_secret_inside_a_json_setting_is_redacted_too(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SLACK_AGENT_APPS holds a signing secret and a token per agent app."""
    apps = '{"copywriter": {"signing_secret": "cw-signing-secret-1", "bot_token": "xoxb-cw"}}'
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        logs.configure_for(settings.model_copy(update={"slack_agent_apps": SecretStr(apps)}))
        logging.getLogger("tests").warning("verified with cw-signing-secret-1")
    finally:
        for handler in root.handlers[:]:
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
    assert "cw-signing-secret-1" not in stream.getvalue()
    assert "verified with [redacted]" in stream.getvalue()
