"""A job whose workspace has no token (it uninstalled) ends quietly, finished, with one log
line: it neither fails nor calls Slack with another workspace's token (jobs/queue.py)."""

from __future__ import annotations

import logging

import pytest
from rq.registry import FailedJobRegistry

from jobs import runtime as runtime_module
from jobs.queue import NOT_INSTALLED, PUBLISH_HOME, enqueue, turn_queue
from jobs.runtime import Runtime
from sandbox.slack_api import SlackStandIn
from settings import Settings
from tests.conftest import HUMAN, TEAM, work
from tests.two_workspaces import TOKEN_A, TeamTokens

GONE = "T0GONE"


@pytest.fixture()
def only_a(settings: Settings) -> Runtime:
    rt = runtime_module.build_runtime(settings, TeamTokens({TEAM: TOKEN_A}))
    runtime_module.install(rt)
    return rt


def test_a_job_for_an_uninstalled_workspace_ends_quietly(
    only_a: Runtime, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    queue = turn_queue(only_a.redis, only_a.settings.queue_name)
    job_id = enqueue(queue, PUBLISH_HOME, GONE, HUMAN)
    with caplog.at_level(logging.INFO, logger="jobs.queue"):
        work(only_a)
    job = queue.fetch_job(job_id)
    assert job is not None and job.get_status() == "finished"
    assert job.return_value() == NOT_INSTALLED
    assert FailedJobRegistry(queue=queue).get_job_ids() == []
    assert slack.calls == []  # not a call with anyone's token
    assert [r.getMessage() for r in caplog.records if GONE in r.getMessage()] == [
        f"publish_home {HUMAN} ended: workspace {GONE} is not installed"
    ]


def test_the_installed_workspace_works_as_before(only_a: Runtime, slack: SlackStandIn) -> None:
    queue = turn_queue(only_a.redis, only_a.settings.queue_name)
    job_id = enqueue(queue, PUBLISH_HOME, TEAM, HUMAN)
    work(only_a)
    job = queue.fetch_job(job_id)
    assert job is not None and job.return_value() != NOT_INSTALLED
    assert [c.team_id for c in slack.calls_to("views.publish")] == [TEAM]
