"""Who the department's bot users are when each agent has its own Slack app, and which agent
a message is for (handlers/agent_apps.py builds the apps; handlers/events.py asks here).

They are found per request, for the request's workspace (`BotUsers`): an app installed by
OAuth has a bot user of its own in each workspace, and one installed a minute ago counts
at once; nothing is kept in the process beyond what start-up learnt of single-token apps."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from slack_bolt import BoltContext
from sqlalchemy import Engine

from bots.roster import Agent, Roster
from models.installations import bot_users

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


@dataclass(frozen=True)
class BotUsers:
    """Where each agent app's bot user in a workspace is found: `fixed` for apps with one bot
    token ((team, bot user) → agent, from auth.test at start-up), `installed` for apps
    installed by OAuth (client id → agent, their installations read per request). `own`: the
    agent whose app receives the requests (None: the department's)."""

    roster: Roster
    fixed: Mapping[tuple[str, str], str]
    fixed_department: Mapping[str, str]  # team → the department app's bot user there
    installed: Mapping[str, str]
    department_client_id: str | None  # the department's OAuth install, if any
    engine: Engine
    own: str | None = None

    def provide(self, context: BoltContext, next_: Callable[[], None]) -> None:
        """Bolt middleware: the request's workspace's `AgentBots` in `context`."""
        context[AGENT_BOTS_KEY] = self.for_team(str(context.team_id or ""))
        next_()

    def for_team(self, team_id: str) -> AgentBots:
        agents = {user: agent for (team, user), agent in self.fixed.items() if team == team_id}
        department = {self.fixed_department[team_id]} if team_id in self.fixed_department else set()
        client_ids = [*self.installed, *filter(None, [self.department_client_id])]
        if self.installed and team_id:
            for client_id, user in bot_users(self.engine, team_id, client_ids).items():
                if client_id in self.installed:
                    agents[user] = self.installed[client_id]
                else:
                    department.add(user)
        return AgentBots(
            agents={user: self.roster.get(agent_id) for user, agent_id in agents.items()},
            department_bots=frozenset(department),
            own=self.own,
        )


def agent_bots(context: BoltContext) -> AgentBots | None:
    """The request's `AgentBots`, or None in single-app mode."""
    found = context.get(AGENT_BOTS_KEY)
    return found if isinstance(found, AgentBots) else None
