"""The `update_task` tool: a person asks an agent (in the standup thread, say) to move a
task's due date or change its priority, and the agent changes the record.

Authority is checked in code, never left to the model: the task must be the caller's own or
held by someone below it in the reporting lines (`bots.tools.check_task_update`), in this
workspace, and unfinished. Every refusal says why and that nothing changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bots.roster import Agent
from bots.tools import UpdateTask, check_task_update, parse_as
from jobs.claude.client import ToolUse
from jobs.runtime import Runtime
from models import tasks
from models.work import FINISHED


@dataclass
class TaskUpdater:
    """Handles a turn's `update_task` calls in one workspace; remembers the tasks it changed.
    (It needs no parent task: changing a record hands no work out.)"""

    rt: Runtime
    caller: Agent
    team_id: str
    updated: list[str] = field(default_factory=list)

    def handle(self, use: ToolUse) -> tuple[str, bool]:
        args = parse_as(use.name, use.input, UpdateTask)
        if isinstance(args, str):
            return args, True
        team_id = self.team_id
        with self.rt.sessions() as session:
            task = tasks.load_task(session, team_id, args.task_id)
            if task is None:
                return f"Refused: there is no task {args.task_id!r}. Nothing was changed.", True
            if task.status in [status.value for status in FINISHED]:
                return f"Refused: “{task.title}” is {task.status} already. Nothing changed.", True
            refusal = check_task_update(args, self.caller, task.assigned_to, self.rt.roster)
            if refusal is not None:
                return refusal, True
            changed = tasks.reschedule(
                session, team_id, task.id, due=args.due, priority=args.priority
            )
        if not changed:
            return f"Refused: “{task.title}” finished meanwhile. Nothing was changed.", True
        self.updated.append(task.id)
        return f"Updated “{task.title}”: {_what(args)}.", False


def _what(args: UpdateTask) -> str:
    changes = []
    if args.due is not None:
        changes.append(f"due {args.due.isoformat()}")
    if args.priority is not None:
        changes.append(f"priority {args.priority}")
    return ", ".join(changes)
