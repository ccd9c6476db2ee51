"""The tools a turn offers and who answers each call: delegation and escalation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bots.roster import Agent
from bots.tools import tool_definitions
from jobs.delegation import Delegator
from jobs.escalation import Escalator
from jobs.llm import ToolUse
from jobs.runtime import Runtime
from models.work import Task


def offered_tools(rt: Runtime, agent: Agent, depth: int) -> list[dict[str, object]]:
    """`delegate` for agents with direct reports below the depth limit; `escalate` for all."""
    names = {"escalate"}
    if agent.manages and depth < rt.settings.max_delegation_depth:
        names.add("delegate")
    return [tool for tool in tool_definitions() if tool["name"] in names]


@dataclass
class DepartmentTools:
    """Routes one turn's tool calls; remembers the tasks they created (to wait for them)."""

    delegator: Delegator
    escalator: Escalator

    @classmethod
    def for_turn(
        cls, rt: Runtime, agent: Agent, ensure_parent: Callable[[], Task], origin: tuple[str, str]
    ) -> DepartmentTools:
        return cls(
            Delegator(rt, agent, ensure_parent, origin), Escalator(rt, agent, ensure_parent, origin)
        )

    @property
    def created(self) -> list[str]:
        return self.delegator.created + self.escalator.created

    def handle(self, use: ToolUse) -> tuple[str, bool]:
        if use.name == "escalate":
            return self.escalator.handle(use)
        if use.name == "delegate":
            return self.delegator.handle(use)
        return f"The {use.name} tool is not available here; use delegate or escalate.", True
