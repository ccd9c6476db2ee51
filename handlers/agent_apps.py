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

Where each agent app's bot user comes from: an app configured with a bot token asks
`auth.test` once at start-up (it serves one workspace); an app installed by OAuth
(`client_id`, `client_secret`) has an install page of its own (/slack/install/<agent id>,
back at /slack/oauth_redirect/<agent id>), its installations in the department's encrypted
tables under its client id, and its bot user read from them per request (`BotUsers`), so a
workspace that installs it later is served without a restart. Its `app_uninstalled` and bot
`tokens_revoked` delete that app's installation in that workspace only.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine

import logs
from bots.roster import Roster
from errors import ConfigError, WorkspaceNotInstalled
from handlers import actions, approvals, events
from handlers.agent_bots import BotUsers
from handlers.context import Services
from handlers.ingress import AgentApp, DepartmentApp, QuietRequestVerification
from handlers.install import NOT_INSTALLED_MESSAGE, agent_oauth_flow
from handlers.uninstall import AgentAppUninstalls
from jobs.runtime import with_agent_apps_of
from jobs.slack.agent_apps import AgentAppCredentials, check_installs, load_agent_apps
from jobs.slack.clients import SlackClients
from settings import Settings, SlackMode, slack_mode


def attach_agent_apps(
    app: DepartmentApp,
    settings: Settings,
    roster: Roster,
    services: Services,
    department: SlackClients,
    engine: Engine,
) -> None:
    """Build each configured agent app beside the department's `app` (nothing when none is
    configured); a bad configuration or a refused token stops start-up with one line.
    `department`: the department app's clients, to learn its bot user in the agents' team."""
    apps = load_agent_apps(
        settings.slack_agent_apps, roster, department_secret=settings.slack_signing_secret
    )
    if not apps:
        return
    if slack_mode(settings) is SlackMode.SOCKET:
        raise ConfigError("SLACK_AGENT_APPS needs HTTP mode: unset SLACK_APP_TOKEN")
    check_installs(apps, settings)
    fixed, fixed_department = _single_token_bots(settings, apps, department)
    users = BotUsers(
        roster=roster,
        fixed=fixed,
        fixed_department=fixed_department,
        installed={own.client_id: a for a, own in apps.items() if own.client_id is not None},
        department_client_id=settings.slack_client_id,
        engine=engine,
    )
    app.use(users.provide)
    # Each agent app's requests are authorized with its own installations, as workers use
    # them (refreshed under the same lock): the department's tokens plus every agent app's.
    clients = SlackClients(
        settings.slack_api_url, with_agent_apps_of(settings, roster, department.tokens, engine)
    )
    app.agent_apps = tuple(
        _agent_app(agent_id, own, settings, engine, services, replace(users, own=agent_id), clients)
        for agent_id, own in apps.items()
    )


def _single_token_bots(
    settings: Settings, apps: dict[str, AgentAppCredentials], department: SlackClients
) -> tuple[dict[tuple[str, str], str], dict[str, str]]:
    """The apps configured with one bot token: (team, bot user) → agent from auth.test, and
    the department app's bot user in each of their teams."""
    found = {
        agent_id: _whoami(_client(settings, own.bot_token.get_secret_value()), agent_id)
        for agent_id, own in apps.items()
        if own.bot_token is not None
    }
    for agent_id, (team_id, _user) in found.items():
        if apps[agent_id].team_id not in (None, team_id):
            raise ConfigError(
                f"Setting SLACK_AGENT_APPS: agent app {agent_id!r} is installed in {team_id}, "
                f"not in its team_id {apps[agent_id].team_id}"
            )
    teams = {team for team, _user in found.values()}
    return (
        {(team, user): agent_id for agent_id, (team, user) in found.items()},
        {team: _whoami(department.best_effort(team), None)[1] for team in teams},
    )


def _client(settings: Settings, token: str | None = None) -> WebClient:
    return WebClient(token=token, base_url=settings.slack_api_url)


def _whoami(client: WebClient, agent_id: str | None) -> tuple[str, str]:
    """The team and bot user id behind a token (auth.test)."""
    try:
        found = client.auth_test()
        return str(found["team_id"]), str(found["user_id"])
    except (SlackApiError, SlackClientError, OSError, WorkspaceNotInstalled) as error:
        whose = f"agent app {agent_id!r} (SLACK_AGENT_APPS)" if agent_id else "SLACK_BOT_TOKEN"
        raise ConfigError(f"Slack refused the bot token of {whose}: {error}") from None


def _agent_app(
    agent_id: str,
    own: AgentAppCredentials,
    settings: Settings,
    engine: Engine,
    services: Services,
    users: BotUsers,
    clients: SlackClients,
) -> AgentApp:
    secret = own.signing_secret.get_secret_value()
    if own.bot_token is not None:
        auth: dict[str, Any] = {"client": _client(settings, own.bot_token.get_secret_value())}
    else:
        client = _client(settings)
        auth = {
            "client": client,
            "oauth_flow": agent_oauth_flow(settings, engine, agent_id, own, clients, client),
            "user_facing_authorize_error_message": NOT_INSTALLED_MESSAGE,
        }
    bolt = App(
        **auth,
        name=f"agent-{agent_id}",  # not inspect.stack() (handlers/ingress.py: BOLT_APP_NAME)
        signing_secret=secret,
        request_verification_enabled=False,  # ours, as the department app's (ingress.py)
        before_authorize=QuietRequestVerification(secret),
        process_before_response=True,
    )
    bolt.use(logs.bolt_middleware)  # the request's ids on every line, as the department app's
    bolt.use(services.provide)
    bolt.use(users.provide)
    events.register(bolt)  # mentions, DMs, thread follow-ups
    approvals.register(bolt)  # the cards it posts in its own DMs (jobs/slack/own_voice.py)
    actions.register(bolt)
    if bolt.installation_store is not None:
        AgentAppUninstalls(bolt.installation_store).register(bolt)
    return AgentApp(agent_id, bolt, SignatureVerifier(secret))
