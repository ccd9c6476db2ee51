"""The README's worker command, `python -m jobs.worker`, as a child process group: started
with exactly given settings, stopped warmly, or killed the way a crash kills it.

The tests, the benchmarks and the sandbox all run the real worker command beside them, so
this lives with the other shared stand-ins rather than in `tests/`. The child runs in a
folder of the caller's choosing (never the repository: a developer's `.env` must not leak in)
and in a session of its own, so a Ctrl-C at the terminal reaches only its caller.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from models.leases import pid_of
from settings import Settings, as_environment

REPO_ROOT = Path(__file__).resolve().parent.parent
STOP_TIMEOUT_S = 15.0  # a warm stop waits for running jobs; past this the group is killed


@dataclass
class WorkerCommand:
    """A running worker command: the supervisor's process, and the file it logs to."""

    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        """What it logged so far (for a failing assertion's message)."""
        return self.log.read_text(errors="replace")

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        """SIGTERM the supervisor (it stops its workers after their running jobs); SIGKILL the
        whole group if it lingers, and any forked worker that outlived it."""
        with contextlib.suppress(ProcessLookupError):
            self.process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout_s)
        self.kill()

    def kill(self) -> None:
        """SIGKILL the whole process group, as a crashed machine or the OOM killer would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(STOP_TIMEOUT_S)


def start_worker_command(
    settings: Settings,
    log: Path,
    processes: int = 1,
    cwd: Path | None = None,
    *,
    cron: bool = False,
) -> WorkerCommand:
    """`python -m jobs.worker --processes N` seeing exactly `settings`, logging to `log`, run
    in `cwd` (default: the log's folder). Without `cron` it runs no ritual scheduler
    (`--no-cron`): a tick at a real minute would start the day's rituals in the middle of a
    test or benchmark about something else."""
    env = as_environment(settings, os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    with log.open("ab") as handle:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [sys.executable, "-m", "jobs.worker", "--processes", str(processes)]
            + ([] if cron else ["--no-cron"]),
            cwd=cwd or log.parent,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return WorkerCommand(process, log)


@contextlib.contextmanager
def worker_command(
    settings: Settings, log: Path, processes: int = 1, cwd: Path | None = None
) -> Iterator[WorkerCommand]:
    """The worker command for the length of a block; stopped warmly on the way out, always."""
    command = start_worker_command(settings, log, processes, cwd)
    try:
        yield command
    finally:
        command.stop()


def kill_lease_holder(holder: str | None) -> int:
    """SIGKILL the one worker process a lease names ("host:pid"), as if it crashed mid-job;
    its pid. The supervisor that forked it lives on and must notice."""
    pid = pid_of(holder or "")
    if pid is None:
        raise ValueError(f"not a lease holder: {holder!r}")
    os.kill(pid, signal.SIGKILL)
    return pid
