"""The tools a turn offers and who answers each call: delegation and escalation."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bots.roster import Agent
from bots.tools import Report, parse_as, tool_definitions
from jobs.approvals.submit import Submitter
from jobs.claude.client import ToolUse
from jobs.department.decisions import DecisionRecorder
from jobs.department.delegation import Delegator
from jobs.department.escalation import Escalator
from jobs.department.task_updates import TaskUpdater
from jobs.runtime import Runtime
from models.work import Task

logger = logging.getLogger(__name__)


def offered_tools(
    rt: Runtime, agent: Agent, depth: int, *, in_task: bool = False
) -> list[dict[str, object]]:
    """escalate, record_decision and submit_for_approval for all; consult, and delegate for
    managers, below the depth limit; report when working on a delegated task; update_task in
    a person's turn (a person asks to move a task's date or priority)."""
    names = {"escalate", "record_decision", "submit_for_approval"}
    if in_task:
        names.add("report")
    else:
        names.add("update_task")
    if depth < rt.settings.max_delegation_depth:
        names.add("consult")
        if agent.manages:
            names.add("delegate")
    return [tool for tool in tool_definitions() if tool["name"] in names]


@dataclass
class DepartmentTools:
    """Routes one turn's tool calls; remembers the tasks they created (to wait for them)."""

    delegator: Delegator
    escalator: Escalator
    decisions: DecisionRecorder
    submitter: Submitter
    updater: TaskUpdater
    reported: str | None = None

    @classmethod
    def for_turn(
        cls,
        rt: Runtime,
        agent: Agent,
        ensure_parent: Callable[[], Task],
        origin: tuple[str, str],
        team_id: str,
    ) -> DepartmentTools:
        submitter = Submitter(rt, agent, ensure_parent, origin)
        return cls(
            Delegator(rt, agent, ensure_parent, origin),
            Escalator(rt, agent, ensure_parent, origin),
            DecisionRecorder(rt, agent, ensure_parent, origin, submitter.ask_person),
            submitter,
            TaskUpdater(rt, agent, team_id),
        )

    @property
    def created(self) -> list[str]:
        return self.delegator.created + self.escalator.created + self.submitter.created

    def handle(self, use: ToolUse) -> tuple[str, bool]:
        """One call, answered; every refusal is logged with its reason (the audit trail of
        what a model tried and was not allowed to do)."""
        text, is_error = self._route(use)
        if is_error:
            caller = self.delegator.caller.id
            logger.info("Refused %s by %s: %s", use.name, caller, text)
        return text, is_error

    def _route(self, use: ToolUse) -> tuple[str, bool]:
        if use.name == "escalate":
            return self.escalator.handle(use)
        if use.name in ("delegate", "consult"):
            return self.delegator.handle(use)
        if use.name == "record_decision":
            return self.decisions.handle(use)
        if use.name == "submit_for_approval":
            return self.submitter.handle(use)
        if use.name == "update_task":
            return self.updater.handle(use)
        if use.name == "report":
            report = parse_as(use.name, use.input, Report)
            if isinstance(report, str):
                return report, True
            self.reported = report.result
            return "Recorded as your deliverable. End your turn now.", False
        return f"The {use.name} tool is not available here.", True
