"""jobs/ is built in floors, and imports run downwards: a module may import its own floor or
the floors below it, never above. A newcomer can then read the house from the bottom up, and a
coupling that would tangle it fails here instead of in review."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

JOBS = Path(__file__).resolve().parent.parent / "jobs"

# The part of jobs/ a module belongs to (a package, or a top-level module) → its floor.
FLOORS: dict[str, int] = {
    "runtime": 1,  # what a job is handed: settings, sessions, Redis, Slack, Claude
    "queue": 1,  # the one enqueue path
    "outages": 1,  # waiting out a database outage (imports nothing of jobs/)
    "claude": 1,  # the Messages API, prices, usage and spend
    "slack": 1,  # escaping, Block Kit pieces, posting once, channels, people
    "workspace": 1,  # a workspace's settings over the defaults
    "department": 2,  # delegation, escalation, decisions
    "approvals": 3,  # submitting for approval, cards, decision follow-ups
    "agent": 4,  # the turns (person, task, review), the tool loop and its tools
    "home": 4,  # App Home per viewer
    "setup": 4,  # setting up a workspace: channels, topics, the welcome
    "campaigns": 4,
    "rituals": 4,
    "workspace_exit": 4,  # an uninstalled workspace: forgotten (campaigns paused), then purged
    "sweeper": 5,
    "worker": 5,
    "worker_process": 5,  # one worker process: log ids per job, the bounded warm stop
    "scheduler": 5,  # the rituals' scheduler as a process of its own
}


def part_of(module: str) -> str:
    """`jobs.agent.turns` → `agent`; `jobs.queue` → `queue`."""
    return module.split(".")[1]


def jobs_modules() -> list[Path]:
    return sorted(path for path in JOBS.rglob("*.py") if path.name != "__init__.py")


def imported_jobs_modules(path: Path) -> set[str]:
    """Every `jobs.*` module the file imports, at module level or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "jobs":
                found.update(f"jobs.{alias.name}" for alias in node.names)
            elif node.module.startswith("jobs."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("jobs."))
    return found


def module_name(path: Path) -> str:
    return ".".join(("jobs", *path.relative_to(JOBS).with_suffix("").parts))


def test_every_part_of_jobs_has_a_floor() -> None:
    parts = {part_of(module_name(path)) for path in jobs_modules()}
    assert parts <= FLOORS.keys(), f"give these a floor in FLOORS: {parts - FLOORS.keys()}"


@pytest.mark.parametrize("path", jobs_modules(), ids=lambda p: str(p.relative_to(JOBS)))
def test_imports_run_downwards(path: Path) -> None:
    own = FLOORS[part_of(module_name(path))]
    upwards = sorted(
        module for module in imported_jobs_modules(path) if FLOORS.get(part_of(module), 0) > own
    )
    assert not upwards, f"{module_name(path)} (floor {own}) imports from above: {upwards}"


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    """The walker finds imports in every form the code uses, including inside functions."""
    source = tmp_path / "sample.py"
    source.write_text(
        "from jobs.agent import turns\n"
        "from jobs import queue\n"
        "def f() -> None:\n"
        "    from jobs.worker import Supervisor\n"
    )
    assert imported_jobs_modules(source) == {"jobs.agent", "jobs.queue", "jobs.worker"}
