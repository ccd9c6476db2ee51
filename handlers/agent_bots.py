"""Who the department's bot users are when each agent has its own Slack app, and which agent
a message is for (handlers/agent_apps.py builds the apps; handlers/events.py asks here)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from slack_bolt import BoltContext

from bots.roster import Agent

AGENT_BOTS_KEY = "marketing_dept_agent_bots"
_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")


@dataclass(frozen=True)
class AgentBots:
    """The department's bot users: each agent app's (bot user id → agent) and the department
    app's; `own` is the agent whose app received this request (None: the department's)."""

    agents: Mapping[str, Agent]
    department_bots: frozenset[str]  # the department app's bot user in each agent app's team
    own: str | None = None

    def provide(self, context: BoltContext, next_: Callable[[], None]) -> None:
        """Bolt middleware: the listeners find these in `context` (`agent_bots`)."""
        context[AGENT_BOTS_KEY] = self
        next_()

    def addressed(self, text: str, *, is_dm: bool) -> str | None:
        """The agent a message is for: the agent app's own in its DMs, else the first agent
        bot user mentioned (so every app that receives the message finds the same one)."""
        if is_dm and self.own is not None:
            return self.own
        for user_id in _MENTION.findall(text):
            if user_id in self.agents:
                return self.agents[user_id].id
        return None

    def named(self, text: str) -> str:
        """`text` with agent bot users' mentions as their names ("@Copywriter", what the
        agents and the routing read) and the department app's mention removed."""

        def name(match: re.Match[str]) -> str:
            user_id = match.group(1)
            if user_id in self.department_bots:
                return ""
            agent = self.agents.get(user_id)
            return f"@{agent.display_name}" if agent is not None else match.group(0)

        return _MENTION.sub(name, text)


def agent_bots(context: BoltContext) -> AgentBots | None:
    """The request's `AgentBots`, or None in single-app mode."""
    found = context.get(AGENT_BOTS_KEY)
    return found if isinstance(found, AgentBots) else None
