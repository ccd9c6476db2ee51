"""`python app.py` as a user starts it (no credentials, so the sandbox), watched from outside.

A `SandboxRun` is one spawned `app.py`: every line it (and the worker command it starts, which
shares its stdout) prints is stamped with the seconds since spawn, and `/proc` is polled for
the moments the worker command and its first RQ worker process appear. Stopping is what a
person does: SIGINT, then wait; if it hangs, SIGKILL to every process of the tree.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# Milestones a run records, in seconds since spawn; some are read from its output lines.
NOTICE = "app.py imported, no credentials (stderr notice)"
WORKER_SPAWNED = "worker command spawned"
WORKERS_LOGGED = "worker supervisor logged its RQ workers started"
RQ_WORKER_SPAWNED = "first RQ worker process spawned"
PAGE_ANSWERING = "page answering"
READY = "ready line"
LINE_MILESTONES = {
    NOTICE: "Starting the local sandbox instead.",
    WORKERS_LOGGED: "jobs.worker Started",
    READY: "Sandbox ready",
}
PAGE_PATHS = ("/", "/api/bootstrap")
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 40.0  # the launcher gives running turns 30 s to finish
POLL_INTERVAL_S = 0.01
REQUEST_TIMEOUT_S = 2.0
WORKER_COMMAND = "jobs.worker"  # in the worker supervisor's command line
WORKER_CHILD = "spawn_main"  # in each RQ worker process's command line (multiprocessing spawn)


class BenchError(RuntimeError):
    """The sandbox did not start or did not answer: the numbers would mean nothing."""


def sandbox_env(port: int) -> dict[str, str]:
    """Our environment without Slack or Anthropic credentials, DATABASE_URL or REDIS_URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ANTHROPIC_"))}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    return env | {"PORT": str(port), "PYTHONUNBUFFERED": "1"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SandboxRun:
    process: subprocess.Popen[bytes]
    port: int
    spawned_at: float  # time.perf_counter() just before Popen
    cpu_at_spawn: tuple[int, int] = (0, 0)
    machine_busy: float = math.nan  # share of all CPUs busy from spawn to up (any process)
    lines: list[tuple[float, str]] = field(default_factory=list)
    milestones: dict[str, float] = field(default_factory=dict)  # seconds since spawn
    stop_s: float = math.nan  # SIGINT -> exited
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def since_spawn(self) -> float:
        return time.perf_counter() - self.spawned_at

    def line_at(self, fragment: str) -> float | None:
        """Seconds from spawn to the first output line containing `fragment`."""
        with self._lock:
            return next((t for t, line in self.lines if fragment in line), None)

    def output(self) -> str:
        with self._lock:
            return "".join(line for _, line in self.lines)

    def _read_lines(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            stamped = (self.since_spawn(), raw.decode(errors="replace"))
            with self._lock:
                self.lines.append(stamped)


def spawn_sandbox(workdir: Path) -> SandboxRun:
    """`python app.py` in `workdir`, in a session of its own so only we signal it."""
    port = free_port()
    cpu_at_spawn = cpu_jiffies()
    spawned_at = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(REPO_ROOT / "app.py")],
        cwd=workdir,
        env=sandbox_env(port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    run = SandboxRun(process, port, spawned_at, cpu_at_spawn)
    threading.Thread(target=run._read_lines, name="sandbox-output", daemon=True).start()
    return run


def page_answers(port: int) -> bool:
    """GET / and GET /api/bootstrap both answer 200.

    A bare connect goes first: refused connections are most polls, and the cheaper they are
    the less this loop competes for the CPUs with the start-up it measures.
    """
    try:
        socket.create_connection(("127.0.0.1", port), timeout=REQUEST_TIMEOUT_S).close()
    except OSError:
        return False
    for path in PAGE_PATHS:
        try:
            address = f"http://127.0.0.1:{port}{path}"
            with urllib.request.urlopen(address, timeout=REQUEST_TIMEOUT_S) as response:
                response.read()
                if response.status != 200:
                    return False
        except (urllib.error.URLError, OSError):
            return False
    return True


def wait_until_started(run: SandboxRun) -> None:
    """Poll every 10 ms until the page answers and the ready line is out; stamp milestones."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while run.line_at(LINE_MILESTONES[READY]) is None or PAGE_ANSWERING not in run.milestones:
        if run.process.poll() is not None:
            raise BenchError(f"app.py exited ({run.process.returncode}):\n{run.output()}")
        if time.monotonic() > deadline:
            raise BenchError(f"sandbox not up after {START_TIMEOUT_S:.0f} s:\n{run.output()}")
        _note_processes(run)
        if PAGE_ANSWERING not in run.milestones and page_answers(run.port):
            run.milestones[PAGE_ANSWERING] = run.since_spawn()
        time.sleep(POLL_INTERVAL_S)
    busy, total = (now - then for now, then in zip(cpu_jiffies(), run.cpu_at_spawn, strict=True))
    run.machine_busy = busy / total if total else math.nan
    for name, fragment in LINE_MILESTONES.items():
        at = run.line_at(fragment)
        if at is not None:
            run.milestones[name] = at


def cpu_jiffies() -> tuple[int, int]:
    """(busy, total) CPU time of the whole machine so far, from /proc/stat; (0, 0) elsewhere.

    Busy over a start-up near 100% means other work competed with it for the CPUs.
    """
    try:
        fields = [int(f) for f in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return 0, 0
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields[:8]) - idle, sum(fields[:8])


def _note_processes(run: SandboxRun) -> None:
    """Stamp when the worker command, and then its first RQ worker process, first exist."""
    if WORKER_SPAWNED not in run.milestones:
        if any(WORKER_COMMAND in _cmdline(pid) for pid in _children(run.process.pid)):
            run.milestones[WORKER_SPAWNED] = run.since_spawn()
        return
    if RQ_WORKER_SPAWNED not in run.milestones:
        supervisors = [p for p in _children(run.process.pid) if WORKER_COMMAND in _cmdline(p)]
        workers = [c for s in supervisors for c in _children(s) if WORKER_CHILD in _cmdline(c)]
        if workers:
            run.milestones[RQ_WORKER_SPAWNED] = run.since_spawn()


def _children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError):
                found += [
                    int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()
                ]
    return found


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    pending = _children(pid)
    while pending:
        child = pending.pop()
        found.append(child)
        pending += _children(child)
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def stop_sandbox(run: SandboxRun) -> float:
    """SIGINT (Ctrl-C) and wait for exit; SIGKILL the whole tree after STOP_TIMEOUT_S.

    Returns the seconds from SIGINT to exit (or to the kill).
    """
    if run.process.poll() is not None:
        return 0.0
    tree = _descendants(run.process.pid)  # the worker runs in a session of its own
    started = time.perf_counter()
    run.process.send_signal(signal.SIGINT)
    try:
        run.process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        _kill(run.process, tree)
        print(f"  (app.py did not stop within {STOP_TIMEOUT_S:.0f} s; killed its process tree)")
    except KeyboardInterrupt:  # a second Ctrl-C: stop waiting, leave nothing behind
        _kill(run.process, tree)
        raise
    return time.perf_counter() - started


def _kill(process: subprocess.Popen[bytes], tree: list[int]) -> None:
    for pid in [process.pid, *tree]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait()


@contextlib.contextmanager
def running_sandbox() -> Iterator[SandboxRun]:
    """A started sandbox in a fresh temporary directory; stopped on exit, also on errors."""
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as tmp:
        run = spawn_sandbox(Path(tmp))
        try:
            wait_until_started(run)
            yield run
        finally:
            run.stop_s = stop_sandbox(run)


def time_python(module: str | None) -> tuple[float, float]:
    """`python -c "import <module>"` in the repository with the sandbox's environment.

    Returns (wall seconds for the whole process, seconds the import took inside it); the
    difference is interpreter start-up plus exit, which tears down every imported module.
    Without a module the command is `python -c pass` and the import time is 0.
    """
    code = "pass"
    if module is not None:
        code = f"import time; t = time.perf_counter(); import {module}; "
        code += "print(time.perf_counter() - t)"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=sandbox_env(0),
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    return wall, float(done.stdout) if module is not None else 0.0
