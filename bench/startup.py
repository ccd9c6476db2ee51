"""From `make run` to the page answering, as a newcomer starts it (issue 19: goal < 5 s warm).

`python -m bench.startup` prints its numbers; it is not a test and exits 0 on a missed goal
(1 only if the sandbox would not start). Each run spawns the real command (`make run` in the
repository, no Slack or Anthropic credentials, a free PORT, no DATABASE_URL or REDIS_URL),
polls the page every 10 ms until `/` and `/api/bootstrap` answer, waits for the "Sandbox
ready" line, then stops it as Ctrl-C does (SIGINT to the whole process group).

A baseline runs interleaved in the same script: `python -c "import sys"` (the interpreter's
own start and exit) and `python -c "import app"`, so the result reads as a ratio that stays
meaningful on a busy or a slow machine. `--repo` times another checkout (e.g. a clone of
main, for a before/after) with this script.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench._sandbox import (
    PAGE_ANSWERING,
    READY,
    BenchError,
    SandboxRun,
    cpu_jiffies,
    free_port,
    sandbox_env,
    wait_until_started,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
RUNS = 5
PAGE_GOAL_S = 5.0
BASELINE = 'python -c "import sys"'
IMPORT_APP = 'python -c "import app"'
STOP_TIMEOUT_S = 40.0  # the launcher gives running turns 30 s to finish


@dataclass(frozen=True)
class Options:
    repo: Path
    runs: int
    command: list[str]


def spawn(options: Options) -> SandboxRun:
    """The command in the repository, in a session (and process group) of its own."""
    port = free_port()
    cpu_at_spawn = cpu_jiffies()
    spawned_at = time.perf_counter()
    process = subprocess.Popen(
        options.command,
        cwd=options.repo,
        env=sandbox_env(port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    run = SandboxRun(process, port, spawned_at, cpu_at_spawn)
    threading.Thread(target=run._read_lines, name="startup-output", daemon=True).start()
    return run


def stop(run: SandboxRun) -> float:
    """Ctrl-C as a terminal sends it: SIGINT to the process group; SIGKILL it if it hangs."""
    started = time.perf_counter()
    if run.process.poll() is None:
        os.killpg(run.process.pid, signal.SIGINT)
        try:
            run.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(run.process.pid, signal.SIGKILL)
            run.process.wait()
    return time.perf_counter() - started


def time_command(code: str, repo: Path) -> float:
    """Wall seconds of `python -c code` in the repository, with the sandbox's environment."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code], cwd=repo, env=sandbox_env(0), check=True, capture_output=True
    )
    return time.perf_counter() - started


def measure(options: Options) -> tuple[list[SandboxRun], list[float], list[float]]:
    runs: list[SandboxRun] = []
    bare: list[float] = []
    imports: list[float] = []
    for number in range(1, options.runs + 1):
        bare.append(time_command("import sys", options.repo))
        imports.append(time_command("import app", options.repo))
        run = spawn(options)
        try:
            wait_until_started(run)
        finally:
            run.stop_s = stop(run)
        runs.append(run)
        at = run.milestones
        print(
            f"  run {number}: page answering {at[PAGE_ANSWERING]:5.2f} s, ready line "
            f"{at[READY]:5.2f} s | CPUs busy {run.machine_busy:4.0%} | "
            f"Ctrl-C -> exited {run.stop_s:4.2f} s"
        )
    return runs, bare, imports


def report(runs: list[SandboxRun], bare: list[float], imports: list[float]) -> None:
    page = statistics.median(r.milestones[PAGE_ANSWERING] for r in runs)
    ready = statistics.median(r.milestones[READY] for r in runs)
    python = statistics.median(bare)
    app = statistics.median(imports)
    print(f"\n  medians over {len(runs)} runs:")
    print(f"  {BASELINE + ' (baseline)':<44}{python:6.2f} s")
    print(f"  {IMPORT_APP:<44}{app:6.2f} s   ({app / python:4.1f}x baseline)")
    print(f"  {'spawn -> page answering':<44}{page:6.2f} s   ({page / python:4.1f}x baseline,")
    print(f"  {'':<44}{'':6}     {page / app:4.1f}x `import app`)")
    ready_line = "spawn -> Sandbox ready line"
    print(f"  {ready_line:<44}{ready:6.2f} s   ({ready / python:4.1f}x baseline)")
    verdict = "met" if page < PAGE_GOAL_S else "MISSED"
    print(f"  goal: page answering < {PAGE_GOAL_S:.0f} s: {verdict}")


def parse_options(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=RUNS, help=f"start-ups (default {RUNS})")
    parser.add_argument("--repo", type=Path, default=REPO_ROOT, help="checkout to start")
    parser.add_argument(
        "--command", default="make --no-print-directory run", help="what a person types"
    )
    args = parser.parse_args(argv)
    return Options(args.repo.resolve(), max(1, args.runs), args.command.split())


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    print(f"command: {' '.join(options.command)}  (in {options.repo})")
    print(f"python:  {platform.python_implementation()} {sys.version.split()[0]}")
    print(f"cpus:    {os.cpu_count()} ({platform.machine()}, {platform.system()})\n")
    try:
        runs, bare, imports = measure(options)
    except BenchError as error:
        print(f"the sandbox did not start: {error}", file=sys.stderr)
        return 1
    report(runs, bare, imports)
    return 0


if __name__ == "__main__":
    sys.exit(main())
