"""Workers' tokens from the OAuth installations (the `TokenSource` of jobs/slack/clients.py
when SLACK_CLIENT_ID is set): each workspace's own bot token, decrypted on the way out.

With token rotation on, a bot token about to expire is refreshed first with slack_sdk's
`TokenRotator` and saved, under a Redis lock per workspace: two workers that both find it
expiring refresh it once (the second reads what the first saved). The web process refreshes
through this same path and lock: its Bolt `authorize` (handlers/authorize.py) asks an
`InstallationTokens` of its own for the request's token.

Agent apps installed by OAuth (one Slack app per agent) have an `InstallationTokens` each:
their own app's store (its client id) and refresher (its client id and secret), the same path
as the department's; `AgentAppTokens` (jobs/slack/agent_apps.py) falls back to the
department's where an agent's app is not installed.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from redis import Redis
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine

from models.installations import EncryptedInstallationStore, agent_app_store, department_store
from models.token_cipher import redact_tokens_in_logs
from settings import Settings

logger = logging.getLogger(__name__)

REFRESH_BEFORE_S = 120 * 60  # as the app (Bolt's default): two hours of a 12-hour token
REFRESH_LOCK_TIMEOUT_S = 30  # a refresh is one oauth.v2.access call
REFRESH_LOCK_WAIT_S = 15


@dataclass(frozen=True)
class Refresher:
    """What refreshing needs: the app's client id and secret (TokenRotator), Redis for the lock."""

    client_id: str
    client_secret: str
    api_url: str
    redis: Redis

    def rotator(self) -> TokenRotator:
        client = WebClient(base_url=self.api_url)
        return TokenRotator(
            client_id=self.client_id, client_secret=self.client_secret, client=client
        )


@dataclass(frozen=True)
class InstallationTokens:
    """One Slack app's installations (the department's, or an agent app's) as a `TokenSource`:
    `agent_id` is not asked about, since the store is already one app's."""

    store: EncryptedInstallationStore
    refresher: Refresher | None = None

    def bot_token(self, team_id: str, agent_id: str | None = None) -> str | None:
        bot = self.store.find_bot(enterprise_id=None, team_id=team_id)
        return None if bot is None else self._fresh(self.store, bot).bot_token

    def forget(self, team_id: str) -> None:
        """The workspace uninstalled this app: its tokens there, deleted."""
        self.store.delete_all(enterprise_id=None, team_id=team_id)

    def _fresh(self, store: EncryptedInstallationStore, bot: Bot) -> Bot:
        if self.refresher is None or not _expiring(bot):
            return bot
        lock = self.refresher.redis.lock(
            f"slack-token-refresh:{store.client_id}:{bot.team_id}",
            timeout=REFRESH_LOCK_TIMEOUT_S,
            blocking_timeout=REFRESH_LOCK_WAIT_S,
        )
        with lock:  # raises LockError after REFRESH_LOCK_WAIT_S: the job is retried later
            current = store.find_bot(enterprise_id=None, team_id=bot.team_id)
            if current is None or not _expiring(current):
                return current or bot  # another worker refreshed it meanwhile
            refreshed = self.refresher.rotator().perform_bot_token_rotation(
                bot=current, minutes_before_expiration=REFRESH_BEFORE_S // 60
            )
            if refreshed is None:
                return current
            store.save_bot(refreshed)
            logger.info("Refreshed the bot token of workspace %s", bot.team_id)
            return refreshed


def _expiring(bot: Bot) -> bool:
    expires = bot.bot_token_expires_at
    return expires is not None and expires <= time.time() + REFRESH_BEFORE_S


def installation_tokens(settings: Settings, engine: Engine, redis: Redis) -> InstallationTokens:
    """The department app's installations, refreshed with its client id and secret."""
    secret = settings.slack_client_secret
    refresher = None
    if settings.slack_client_id is not None and secret is not None:
        refresher = Refresher(
            settings.slack_client_id, secret.get_secret_value(), settings.slack_api_url, redis
        )
    redact_tokens_in_logs()
    return InstallationTokens(department_store(settings, engine), refresher)


def agent_installation_tokens(
    settings: Settings, engine: Engine, redis: Redis, client_id: str, client_secret: str
) -> InstallationTokens:
    """An agent app's installations (its own client id), refreshed with its own credentials."""
    refresher = Refresher(client_id, client_secret, settings.slack_api_url, redis)
    return InstallationTokens(agent_app_store(settings, engine, client_id), refresher)
