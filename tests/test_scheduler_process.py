"""`python -m jobs.scheduler`, the Procfile's and compose's `scheduler`: RQ's cron for the
rituals on its own, on our settings, stopped cleanly by SIGTERM."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from redis import Redis

from sandbox.worker_command import REPO_ROOT, STOP_TIMEOUT_S
from settings import Settings, as_environment
from tests.conftest import wait_until
from tests.test_ritual_worker import schedulers


def test_the_scheduler_runs_alone_and_unregisters_on_sigterm(
    settings: Settings, redis_conn: Redis, tmp_path: Path
) -> None:
    env = as_environment(settings.model_copy(update={"log_format": "json"}), os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT)
    log = tmp_path / "scheduler.log"
    with log.open("ab") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "jobs.scheduler"],
            cwd=tmp_path,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    try:
        assert wait_until(lambda: len(schedulers(redis_conn)) == 1, 60), log.read_text()
        [scheduler] = schedulers(redis_conn)
        assert scheduler.pid == process.pid  # the process itself, no child
        jobs = {job.func_name: job.queue_name for job in scheduler.get_jobs()}
        assert jobs == {  # the rituals' tick and the retention purge, in the turns lane
            "jobs.rituals.tick.tick_rituals": settings.queue_name,
            "jobs.workspace_exit.purge_expired_workspaces": settings.queue_name,
        }
        process.terminate()
        assert process.wait(STOP_TIMEOUT_S) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(STOP_TIMEOUT_S)
    assert schedulers(redis_conn) == []
    assert log.read_text().startswith("{")  # its lines are JSON as configured
