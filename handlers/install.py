"""The one-click install (Slack OAuth v2, Bolt's OAuth flow): the install page at
/slack/install, Slack's redirect back at /slack/oauth_redirect.

Bolt stores each installation in our encrypted store (models/installations.py), and our
`authorize` (handlers/authorize.py) then hands every request its own workspace's token, read
and refreshed as the workers do it (once, under a per-workspace Redis lock). The bot scopes
are manifest.yml's: one list, which tests/test_manifest.py keeps equal to what the code uses.

Org-wide (Enterprise Grid) installs are refused: the app is installed per workspace, since
every record, token and job is keyed by the workspace's team_id. Such an install stores
nothing and gets a page that says so; a request that comes from one is told the app is not
installed in its workspace. The tokens Slack issued for it are revoked first (`auth.revoke`),
so that no working token of ours is left behind that nothing of ours knows or could revoke
later; best effort: a revoke that fails is logged, and the refusal stands.

An agent's own app installed by OAuth (SLACK_AGENT_APPS with a client id) has the same flow
at /slack/install/<agent id> and /slack/oauth_redirect/<agent id>, with its own client id,
the agent manifest's scopes (bots/agent_manifest.py) and the same encrypted tables; its
requests are authorized the same way, with that agent app's installations.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urljoin

import yaml
from slack_bolt.error import BoltError
from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.callback_options import FailureArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.state_utils import OAuthStateUtils
from sqlalchemy import Engine

from bots.agent_manifest import SCOPES as AGENT_SCOPES
from errors import ConfigError
from handlers.authorize import WorkspaceAuthorize
from jobs.slack.agent_apps import AgentAppCredentials
from jobs.slack.clients import SlackClients
from models.installations import (
    EncryptedInstallationStore,
    agent_app_store,
    department_store,
    state_store,
)
from models.token_cipher import redact_tokens_in_logs
from settings import Settings

MANIFEST_PATH = Path(__file__).resolve().parent.parent / "manifest.yml"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_COOKIE = OAuthStateUtils.default_cookie_name
logger = logging.getLogger(__name__)

# A rotating token (12 h) is refreshed when it has less than this left (Bolt's default).
TOKEN_REFRESH_BEFORE_MIN = 120
# Said (ephemerally, or as an event's answer) to a request from a workspace with no
# installation of ours, an org-wide install's included.
NOT_INSTALLED_MESSAGE = (
    ":warning: The marketing department is not installed in this workspace. It is installed "
    "one workspace at a time (org-wide Enterprise Grid installs are not supported): an admin "
    f"can add it to this workspace from the app's install page ({INSTALL_PATH})."
)
ORG_WIDE_PAGE = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Org-wide install not supported</title></head>
<body><h1>Org-wide install not supported</h1>
<p>The marketing department is installed one workspace at a time; org-wide (Enterprise Grid)
installs are not supported. Nothing was stored.</p>
<p>Remove the org-wide installation in your organization's admin settings, then install the
app into each workspace that wants it: <a href="{INSTALL_PATH}">install per workspace</a>.</p>
</body></html>"""


def bot_scopes(path: Path = MANIFEST_PATH) -> list[str]:
    """The bot scopes the manifest asks for."""
    manifest = yaml.safe_load(path.read_text())
    scopes: list[str] = manifest["oauth_config"]["scopes"]["bot"]
    return scopes


def authorize_url(settings: Settings) -> str:
    """Slack's authorize page beside its Web API (https://slack.com/oauth/v2/authorize), or
    the stand-in's when SLACK_API_URL points there."""
    return urljoin(settings.slack_api_url, "../oauth/v2/authorize")


class OrgWideInstallRefused(BoltError):
    """An Enterprise Grid org-wide install: not stored. A BoltError, since that is what
    Bolt's flow turns into its failure page (ours: `ORG_WIDE_PAGE`)."""


class WorkspaceOAuthFlow(OAuthFlow):
    """Bolt's OAuth flow, refusing org-wide installs before anything is stored."""

    def __init__(self, *, client: WebClient, settings: OAuthSettings) -> None:
        super().__init__(client=client, settings=settings)
        self.default_failure = self.failure_handler
        self.failure_handler = self.refused_or_default

    def store_installation(self, request: BoltRequest, installation: Installation) -> None:
        if installation.is_enterprise_install:
            logger.warning(
                "Refused an org-wide install (enterprise %s): installs are per workspace",
                installation.enterprise_id,
            )
            self.revoke_issued_tokens(installation)
            raise OrgWideInstallRefused("org-wide installs are not supported")
        super().store_installation(request, installation)

    def revoke_issued_tokens(self, installation: Installation) -> None:
        """The tokens Slack issued for an install we refuse stay valid until revoked, and we
        keep none of them: revoke each now (the bot's, and a user's if any). Best effort: a
        failure is logged (never the token) and the refusal goes on."""
        issued = {"bot": installation.bot_token, "user": installation.user_token}
        for kind, token in issued.items():
            if token is None:
                continue
            try:
                self.client.auth_revoke(token=token)
            except (SlackClientError, OSError) as error:
                reason = error.response.get("error") if isinstance(error, SlackApiError) else None
                logger.warning(
                    "Could not revoke the %s token of a refused org-wide install "
                    "(enterprise %s): %s",
                    kind,
                    installation.enterprise_id,
                    reason or type(error).__name__,
                )

    def refused_or_default(self, args: FailureArgs) -> BoltResponse:
        if isinstance(args.error, OrgWideInstallRefused):
            html: dict[str, str | Sequence[str]] = {"Content-Type": "text/html; charset=utf-8"}
            return BoltResponse(status=400, body=ORG_WIDE_PAGE, headers=html)
        return self.default_failure(args)


def oauth_flow(
    settings: Settings, engine: Engine, clients: SlackClients, client: WebClient
) -> WorkspaceOAuthFlow:
    """The install flow; `client` (SLACK_API_URL's) trades the code for a token."""
    return WorkspaceOAuthFlow(client=client, settings=oauth_settings(settings, engine, clients))


def oauth_settings(settings: Settings, engine: Engine, clients: SlackClients) -> OAuthSettings:
    """The department app's install."""
    if settings.slack_client_id is None or settings.slack_client_secret is None:
        raise ConfigError("The OAuth install needs SLACK_CLIENT_ID and SLACK_CLIENT_SECRET")
    return _oauth(
        settings,
        engine,
        (settings.slack_client_id, settings.slack_client_secret.get_secret_value()),
        bot_scopes(),
        (INSTALL_PATH, REDIRECT_PATH),
        department_store(settings, engine),
        WorkspaceAuthorize(clients),
    )


def agent_oauth_flow(
    settings: Settings,
    engine: Engine,
    agent_id: str,
    own: AgentAppCredentials,
    clients: SlackClients,
    client: WebClient,
) -> WorkspaceOAuthFlow:
    """An agent's own app's install: its paths, its client id, an agent app's scopes; org-wide
    installs refused as the department's are. `clients` hold every agent app's installations
    (`AgentAppTokens`): its requests carry its own token, refreshed under the same lock."""
    if own.client_id is None or own.client_secret is None:
        raise ConfigError(f"Agent app {agent_id!r} has no client_id and client_secret")
    oauth = _oauth(
        settings,
        engine,
        (own.client_id, own.client_secret.get_secret_value()),
        list(AGENT_SCOPES),
        (f"{INSTALL_PATH}/{agent_id}", f"{REDIRECT_PATH}/{agent_id}"),
        agent_app_store(settings, engine, own.client_id),
        WorkspaceAuthorize(clients, agent_id),
        cookie=f"{STATE_COOKIE}-{agent_id}",  # two installs under way in one browser
    )
    return WorkspaceOAuthFlow(client=client, settings=oauth)


def _oauth(
    settings: Settings,
    engine: Engine,
    credentials: tuple[str, str],
    scopes: list[str],
    paths: tuple[str, str],
    store: EncryptedInstallationStore,
    authorize: WorkspaceAuthorize,
    cookie: str = STATE_COOKIE,
) -> OAuthSettings:
    redact_tokens_in_logs()
    oauth = OAuthSettings(
        state_cookie_name=cookie,
        client_id=credentials[0],
        client_secret=credentials[1],
        scopes=scopes,
        user_scopes=[],
        install_path=paths[0],
        redirect_uri_path=paths[1],
        authorization_url=authorize_url(settings),
        installation_store=store,
        installation_store_bot_only=True,  # no user tokens: the bot's is the one we use
        token_rotation_expiration_minutes=TOKEN_REFRESH_BEFORE_MIN,
        state_store=state_store(engine),
    )
    # Bolt's own authorize would refresh tokens without the workers' lock (and through a
    # client on slack.com, whatever SLACK_API_URL says): ours reads and refreshes them
    # through the same `InstallationTokens` as the workers (clients.tokens).
    oauth.authorize = authorize
    return oauth
