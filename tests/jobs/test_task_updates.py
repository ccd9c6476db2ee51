"""The `update_task` tool's authority, checked in code on the real database: an agent changes
its own tasks and those of anyone below it in the reporting lines, nothing else, and every
refusal says why and changes nothing."""

from __future__ import annotations

from datetime import date

import pytest

from jobs.claude.client import ToolUse
from jobs.department.task_updates import TaskUpdater
from jobs.runtime import Runtime
from models import tasks
from models.work import TaskStatus
from sandbox.task_rows import request_task
from tests.conftest import TEAM

FRIDAY = date(2026, 1, 16)


def _add(runtime: Runtime, assigned_to: str, status: str = "in_progress", team: str = TEAM) -> str:
    task = request_task(team, assigned_to=assigned_to, status=status, title="Case study")
    with runtime.sessions() as session:
        session.add(task)
        session.commit()
        return task.id


def _call(runtime: Runtime, caller: str, **arguments: object) -> tuple[str, bool]:
    updater = TaskUpdater(runtime, runtime.roster.get(caller), TEAM)
    return updater.handle(ToolUse("toolu_1", "update_task", arguments))


def _due(runtime: Runtime, task_id: str, team: str = TEAM) -> date | None:
    with runtime.sessions() as session:
        task = tasks.load_task(session, team, task_id)
    assert task is not None
    return task.due_date


@pytest.mark.parametrize("caller", ["copywriter", "content_manager", "vp_marketing", "cmo"])
def test_the_owner_and_its_managers_up_the_chain_may_move_a_task(
    runtime: Runtime, caller: str
) -> None:
    task_id = _add(runtime, "copywriter")
    text, refused = _call(runtime, caller, task_id=task_id, due=FRIDAY.isoformat())
    assert (text, refused) == ("Updated “Case study”: due 2026-01-16.", False)
    assert _due(runtime, task_id) == FRIDAY


@pytest.mark.parametrize(
    ("caller", "owner", "reason"),
    [
        ("copywriter", "seo_specialist", "the task is SEO Specialist's, outside your authority"),
        ("seo_specialist", "content_manager", "Content Manager's, outside your authority"),
        ("social_media_manager", "copywriter", "Copywriter's, outside your authority"),
    ],
)
def test_a_task_outside_the_callers_reporting_lines_is_refused(
    runtime: Runtime, caller: str, owner: str, reason: str
) -> None:
    task_id = _add(runtime, owner)
    text, refused = _call(runtime, caller, task_id=task_id, due=FRIDAY.isoformat())
    assert refused and reason in text and "Nothing was changed" in text
    assert _due(runtime, task_id) is None


def test_finished_unknown_other_workspaces_and_empty_changes_are_refused(
    runtime: Runtime,
) -> None:
    done = _add(runtime, "copywriter", status=TaskStatus.DONE.value)
    elsewhere = _add(runtime, "copywriter", team="T0OTHER")
    mine = _add(runtime, "copywriter")
    for arguments, said in [
        ({"task_id": done, "due": "2026-01-16"}, "is done already"),
        ({"task_id": elsewhere, "due": "2026-01-16"}, "there is no task"),
        ({"task_id": "nope", "priority": "high"}, "there is no task"),
        ({"task_id": mine}, "give a new due date, a new priority, or both"),
        ({"task_id": mine, "due": "Friday"}, "Invalid update_task call"),
    ]:
        text, refused = _call(runtime, "copywriter", **arguments)
        assert refused and said in text, (arguments, text)
    assert _due(runtime, elsewhere, "T0OTHER") is None and _due(runtime, mine) is None
