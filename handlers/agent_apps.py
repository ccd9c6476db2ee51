"""One Slack app per agent (optional): `@Copywriter` as a real bot user people mention and DM.

Each configured agent app (SLACK_AGENT_APPS, jobs/slack/agent_apps.py) is a Bolt app of its
own, with its signing secret and token, served at the same URL as the department's
(handlers/ingress.py picks the app by the secret that signed the request). It runs the same
message listeners (handlers/events.py) with the same services, so a mention of its bot user
or a DM to it becomes a turn like any other, addressed to its agent (`InboundMessage.agent_id`,
which wins the routing: bots/routing.py).

Slack sends one message to every app that should hear it: a message mentioning two agents'
bot users reaches both apps (and the department's, if it is mentioned or in the thread).
Every app's listener turns it into the same row: the turn is keyed by its channel and
message ts (models/turns.py, one INSERT … ON CONFLICT DO NOTHING), so one wins and the
others are duplicates; and each computes the same addressed agent and text from the
message alone (`AgentBots`: the first agent bot user mentioned), whichever app wins.

Today one workspace: each agent app's bot user comes from `auth.test` at start-up. With OAuth
the installation store keyed by the agent app's client_id gives the token and bot user id
per workspace (its `Installation` has both), in place of `auth.test`.
"""

from __future__ import annotations

from dataclasses import replace

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.signature import SignatureVerifier

import logs
from bots.roster import Roster
from errors import ConfigError, WorkspaceNotInstalled
from handlers import events
from handlers.agent_bots import AgentBots
from handlers.context import Services
from handlers.ingress import AgentApp, DepartmentApp, QuietRequestVerification
from jobs.slack.agent_apps import AgentAppCredentials, load_agent_apps
from jobs.slack.clients import SlackClients
from settings import Settings, SlackMode, slack_mode


def attach_agent_apps(
    app: DepartmentApp,
    settings: Settings,
    roster: Roster,
    services: Services,
    department: SlackClients,
) -> None:
    """Build each configured agent app beside the department's `app` (nothing when none is
    configured); a bad configuration or a refused token stops start-up with one line.
    `department`: the department app's clients, to learn its bot user in the agents' team."""
    apps = load_agent_apps(
        settings.slack_agent_apps, roster, department_secret=settings.slack_signing_secret
    )
    if not apps:
        return
    if slack_mode(settings) is not SlackMode.HTTP:
        raise ConfigError("SLACK_AGENT_APPS needs HTTP mode: unset SLACK_APP_TOKEN")
    clients = {agent_id: _client(settings, agent_id, own) for agent_id, own in apps.items()}
    found = {agent_id: _whoami(client, agent_id) for agent_id, client in clients.items()}
    for agent_id, (team_id, _user) in found.items():
        if apps[agent_id].team_id not in (None, team_id):
            raise ConfigError(
                f"Setting SLACK_AGENT_APPS: agent app {agent_id!r} is installed in {team_id}, "
                f"not in its team_id {apps[agent_id].team_id}"
            )
    teams = {team_id for team_id, _user in found.values()}
    bots = AgentBots(
        agents={user: roster.get(agent_id) for agent_id, (_team, user) in found.items()},
        department_bots=frozenset(_whoami(department.best_effort(t), None)[1] for t in teams),
    )
    app.use(bots.provide)
    app.agent_apps = tuple(
        _agent_app(agent_id, apps[agent_id], client, services, replace(bots, own=agent_id))
        for agent_id, client in clients.items()
    )


def _client(settings: Settings, agent_id: str, own: AgentAppCredentials) -> WebClient:
    return WebClient(token=own.bot_token.get_secret_value(), base_url=settings.slack_api_url)


def _whoami(client: WebClient, agent_id: str | None) -> tuple[str, str]:
    """The team and bot user id behind a token (auth.test)."""
    try:
        found = client.auth_test()
        return str(found["team_id"]), str(found["user_id"])
    except (SlackApiError, SlackClientError, OSError, WorkspaceNotInstalled) as error:
        whose = f"agent app {agent_id!r} (SLACK_AGENT_APPS)" if agent_id else "SLACK_BOT_TOKEN"
        raise ConfigError(f"Slack refused the bot token of {whose}: {error}") from None


def _agent_app(
    agent_id: str, own: AgentAppCredentials, client: WebClient, services: Services, bots: AgentBots
) -> AgentApp:
    secret = own.signing_secret.get_secret_value()
    bolt = App(
        client=client,
        name=f"agent-{agent_id}",  # not inspect.stack() (handlers/ingress.py: BOLT_APP_NAME)
        signing_secret=secret,
        request_verification_enabled=False,  # ours, as the department app's (ingress.py)
        before_authorize=QuietRequestVerification(secret),
        process_before_response=True,
    )
    bolt.use(logs.bolt_middleware)  # the request's ids on every line, as the department app's
    bolt.use(services.provide)
    bolt.use(bots.provide)
    events.register(bolt)  # mentions, DMs, thread follow-ups: nothing else is for an agent app
    return AgentApp(agent_id, bolt, SignatureVerifier(secret))
