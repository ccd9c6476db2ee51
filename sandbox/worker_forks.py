"""The worker command forked from a warm Python instead of started cold, for a crash test that
kills and restarts it twenty times.

Importing `jobs.worker` takes 1.5 s on an idle machine and 4 s on a busy one; twenty restarts
would be a minute of imports. So a multiprocessing fork server imports it once, and each
start forks from there and runs exactly what `python -m jobs.worker` runs (`jobs.worker.main`,
settings read from the environment, the working folder and log of the caller's choosing), in
a session of its own so that one SIGKILL of the group takes the supervisor and its worker
processes at once, as a crash would. Nothing in `jobs/` holds state from an import (no
connection is opened before `main`), which is what makes the fork the same as a cold start.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import time
from dataclasses import dataclass
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from pathlib import Path

from jobs.queue import JOB_REFS
from sandbox.worker_command import STOP_TIMEOUT_S
from settings import Settings, as_environment

# What the fork server imports once: the command, and every job's module (the runtime's
# start-up check imports them all, anthropic's types alone being seconds of it).
GONE_POLL_S = 0.01
PRELOADED = ["jobs.worker", *sorted({ref.function.rpartition(".")[0] for ref in JOB_REFS})]


@dataclass
class ForkedWorkerCommand:
    """A running worker command forked from the fork server: its supervisor and its log."""

    process: BaseProcess
    log: Path

    def output(self) -> str:
        """What it logged so far (for a failing assertion's message)."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def running(self) -> bool:
        return self.process.is_alive()

    def kill(self) -> None:
        """SIGKILL the whole process group (supervisor and worker processes) at once, and
        wait until every one of them is gone, as after a crash."""
        group = self.process.pid
        if group is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
        self.process.join(STOP_TIMEOUT_S)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while _group_running(group) and time.monotonic() < deadline:
            time.sleep(GONE_POLL_S)  # a worker process the signal has not ended yet


def _group_running(group: int) -> bool:
    """Any process of the group not dead yet (a zombie, waiting for init to reap it, is dead:
    init reaps orphans here only every second or two). Linux's /proc."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _parent, process_group = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, ValueError):
            continue  # gone meanwhile
        if int(process_group) == group and state != "Z":
            return True
    return False


def _context() -> ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    assert isinstance(context, ForkServerContext)
    context.set_forkserver_preload(PRELOADED)  # effective when the server first starts
    return context


def fork_worker_command(
    settings: Settings, log: Path, processes: int = 1, cwd: Path | None = None
) -> ForkedWorkerCommand:
    """`python -m jobs.worker --processes N` seeing exactly `settings`, logging to `log`."""
    env = as_environment(settings, os.environ)
    folder = str(cwd or log.parent)
    process = _context().Process(
        target=_run, args=(env, str(log), folder, processes), name="worker-command"
    )
    process.start()
    return ForkedWorkerCommand(process, log)


def _run(env: dict[str, str], log: str, cwd: str, processes: int) -> None:
    """The forked child: a session of its own, the caller's environment, folder and log."""
    os.setsid()
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    handle = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(handle, 1)
    os.dup2(handle, 2)
    from jobs import worker  # preloaded: already imported in the fork server

    sys.exit(worker.main(["--processes", str(processes)]))
