"""The one-click install (Slack OAuth v2, Bolt's OAuth flow): the install page at
/slack/install, Slack's redirect back at /slack/oauth_redirect.

Bolt stores each installation in our encrypted store (models/installations.py), and its
`authorize` then hands every request its own workspace's token, refreshed first when token
rotation is on and it is about to expire. The bot scopes are manifest.yml's: one list, which
tests/test_manifest.py keeps equal to what the code uses.

An agent's own app installed by OAuth (SLACK_AGENT_APPS with a client id) has the same flow
at /slack/install/<agent id> and /slack/oauth_redirect/<agent id>, with its own client id,
the agent manifest's scopes (bots/agent_manifest.py) and the same encrypted tables.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urljoin

import yaml
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.state_utils import OAuthStateUtils
from sqlalchemy import Engine

from bots.agent_manifest import SCOPES as AGENT_SCOPES
from errors import ConfigError
from jobs.slack.agent_apps import AgentAppCredentials
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
# A rotating token (12 h) is refreshed when it has less than this left (Bolt's default).
TOKEN_REFRESH_BEFORE_MIN = 120


def bot_scopes(path: Path = MANIFEST_PATH) -> list[str]:
    """The bot scopes the manifest asks for."""
    manifest = yaml.safe_load(path.read_text())
    scopes: list[str] = manifest["oauth_config"]["scopes"]["bot"]
    return scopes


def authorize_url(settings: Settings) -> str:
    """Slack's authorize page beside its Web API (https://slack.com/oauth/v2/authorize), or
    the stand-in's when SLACK_API_URL points there."""
    return urljoin(settings.slack_api_url, "../oauth/v2/authorize")


def oauth_settings(settings: Settings, engine: Engine) -> OAuthSettings:
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
    )


def agent_oauth(
    settings: Settings, engine: Engine, agent_id: str, own: AgentAppCredentials
) -> OAuthSettings:
    """An agent's own app's install: its paths, its client id, an agent app's scopes."""
    if own.client_id is None or own.client_secret is None:
        raise ConfigError(f"Agent app {agent_id!r} has no client_id and client_secret")
    return _oauth(
        settings,
        engine,
        (own.client_id, own.client_secret.get_secret_value()),
        list(AGENT_SCOPES),
        (f"{INSTALL_PATH}/{agent_id}", f"{REDIRECT_PATH}/{agent_id}"),
        agent_app_store(settings, engine, own.client_id),
        cookie=f"{STATE_COOKIE}-{agent_id}",  # two installs under way in one browser
    )


def _oauth(
    settings: Settings,
    engine: Engine,
    credentials: tuple[str, str],
    scopes: list[str],
    paths: tuple[str, str],
    store: EncryptedInstallationStore,
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
    # Bolt's own authorize would refresh tokens through a client on slack.com, whatever
    # SLACK_API_URL says; this one refreshes where every other call goes.
    oauth.authorize = InstallationStoreAuthorize(
        logger=logging.getLogger("slack_bolt.InstallationStoreAuthorize"),
        client_id=oauth.client_id,
        client_secret=oauth.client_secret,
        token_rotation_expiration_minutes=TOKEN_REFRESH_BEFORE_MIN,
        installation_store=oauth.installation_store,
        bot_only=True,
        client=WebClient(base_url=settings.slack_api_url),
    )
    return oauth
