"""The scripted department at its rituals: the standup's phrasing call and a person's reply in
the standup thread.

- Forced to call `standup_updates` (jobs/rituals/standup_phrasing.py), it phrases each listed
  agent's three points in the first person from the facts it is given, naming those tasks by
  id and nothing else.
- In a person's turn offered `update_task`, an agent that named tasks at the standup (its
  `<standup_tasks>` memory) and is asked to move one ("push the case study to Friday", "make
  the case study urgent") calls `update_task` on the task whose title the request names, then
  says what happened (or why not, from the refusal).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sandbox.claude_api import TextReply, ToolUseReply
from sandbox.product_turns import (
    StandupAgent,
    StandupTask,
    forced_tool,
    offered,
    refusal_reason,
    remembered_standup_tasks,
    standup_agents,
    tool_results,
)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_PRIORITY = re.compile(r"\b(urgent|high|normal|low)\b(?:\s+priority)?", re.I)
_CHANGE = re.compile(r"\b(push|move|shift|delay|postpone|bring|change|make|set|due)\b", re.I)
_WORD = re.compile(r"[a-z0-9]{3,}")


def standup_reply(body: dict[str, Any]) -> ToolUseReply | None:
    """The `standup_updates` call for the agents in the frame, or None (not this turn)."""
    if forced_tool(body) != "standup_updates":
        return None
    agents = standup_agents(body) or []
    return ToolUseReply("standup_updates", {"updates": [_update(agent) for agent in agents]})


def _update(agent: StandupAgent) -> dict[str, Any]:
    named = [*agent.completed, *agent.working_on, *agent.blocked]
    return {
        "agent": agent.id,
        "completed": _sentence("I finished", agent.completed),
        "today": _sentence("Today I'm on", agent.working_on),
        "blockers": _blocked(agent.blocked),
        "task_ids": [task.id for task in named],
    }


def _sentence(lead: str, tasks: tuple[StandupTask, ...]) -> str:
    if not tasks:
        return ""
    titles = [f"“{task.title}”" for task in tasks[:3]]
    more = f" and {len(tasks) - 3} more" if len(tasks) > 3 else ""
    return f"{lead} {', '.join(titles)}{more}."


def _blocked(tasks: tuple[StandupTask, ...]) -> str:
    if not tasks:
        return ""
    first = tasks[0]
    return f"“{first.title}” is waiting on {first.waiting_on}; a nudge would help."


def reschedule_reply(body: dict[str, Any], ask: str) -> ToolUseReply | TextReply | None:
    """An `update_task` call for the standup task the person names, its outcome once
    answered, or None when this turn is not about moving a standup task."""
    if "update_task" not in offered(body):
        return None
    if _called_update_task(body):
        last = tool_results(body)[-1]
        said = last if last.startswith("Updated") else f"I couldn't: {refusal_reason(last)}."
        return TextReply(said)
    if tool_results(body):
        return None  # another tool's round (a delegation): not ours
    tasks = remembered_standup_tasks(body)
    if not tasks or not _CHANGE.search(ask):
        return None
    task = _named_task(ask, tasks)
    change = _change(ask)
    if task is None or not change:
        return None
    return ToolUseReply("update_task", {"task_id": task.id, **change})


def _called_update_task(body: dict[str, Any]) -> bool:
    """Whether this turn's latest tool call was `update_task` (its result is now in)."""
    calls = [
        block.get("name")
        for message in body.get("messages") or []
        if message.get("role") == "assistant" and isinstance(message.get("content"), list)
        for block in message["content"]
        if isinstance(block, dict) and block.get("type") == "tool_use"
    ]
    return bool(calls) and calls[-1] == "update_task"


def _named_task(ask: str, tasks: list[StandupTask]) -> StandupTask | None:
    """The task whose title shares the most words with the request (none: no match)."""
    words = set(_WORD.findall(ask.lower()))
    scored = [(len(words & set(_WORD.findall(task.title.lower()))), task) for task in tasks]
    best = max(scored, key=lambda pair: pair[0], default=(0, None))
    return best[1] if best[0] > 0 else None


def _change(ask: str) -> dict[str, str]:
    change: dict[str, str] = {}
    due = _due(ask)
    if due is not None:
        change["due"] = due.isoformat()
    priority = _PRIORITY.search(ask)
    if priority is not None:
        change["priority"] = priority.group(1).lower()
    return change


def _due(ask: str) -> date | None:
    found = _ISO_DATE.search(ask)
    if found is not None:
        return date.fromisoformat(found.group(1))
    today = datetime.now(UTC).date()
    lowered = ask.lower()
    if "tomorrow" in lowered:
        return today + timedelta(days=1)
    for index, name in enumerate(WEEKDAYS):
        if re.search(rf"\b{name}\b", lowered):
            return next_weekday(today, index)
    return None


def next_weekday(today: date, weekday: int) -> date:
    """The next such weekday after today (a week on if today is that day)."""
    ahead = (weekday - today.weekday()) % 7 or 7
    return today + timedelta(days=ahead)
