"""Which token a Slack call carries: the installing workspace's, and with one Slack app per
agent, that agent's own.

A worker serves every workspace that installed the department, so it never holds "the"
client: each job asks `SlackClients` for the workspace it works for. Where the token comes
from is a `TokenSource`: the environment's single bot token (one workspace, the default), or
the OAuth installations kept in the database. A workspace with no token (it uninstalled)
raises `WorkspaceNotInstalled`, which a job takes as "nothing to do here any more".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from errors import WorkspaceNotInstalled

SLACK_RATE_LIMIT_RETRIES = 5
SLACK_SERVER_ERROR_RETRIES = 2
BEST_EFFORT_TIMEOUT_S = 30


class TokenSource(Protocol):
    def bot_token(self, team_id: str, agent_id: str | None = None) -> str | None:
        """The bot token for this workspace; with `agent_id`, that agent's own app's token
        where the agent has one installed there (else the department app's). None: the
        workspace has no installation."""
        ...


@dataclass(frozen=True)
class EnvToken:
    """One workspace, one token from the environment (SLACK_BOT_TOKEN): every team gets it."""

    token: str | None

    def bot_token(self, team_id: str, agent_id: str | None = None) -> str | None:
        return self.token


@dataclass(frozen=True)
class SlackClients:
    """Builds a client per call (cheap: a WebClient holds no connection), so a token that
    was rotated or revoked a moment ago is never used from a stale cache."""

    base_url: str
    tokens: TokenSource

    def patient(self, team_id: str, agent_id: str | None = None) -> WebClient:
        """Waits out 429s (Retry-After) and retries transient failures: for posts that must
        land."""
        return WebClient(
            token=self._token(team_id, agent_id),
            base_url=self.base_url,
            retry_handlers=[
                ConnectionErrorRetryHandler(max_retry_count=2),
                RateLimitErrorRetryHandler(max_retry_count=SLACK_RATE_LIMIT_RETRIES),
                ServerErrorRetryHandler(max_retry_count=SLACK_SERVER_ERROR_RETRIES),
            ],
        )

    def best_effort(
        self, team_id: str, agent_id: str | None = None, *, timeout_s: int = BEST_EFFORT_TIMEOUT_S
    ) -> WebClient:
        """For reads we can do without: a 429 is not waited out, nobody waits a minute."""
        return WebClient(
            token=self._token(team_id, agent_id),
            base_url=self.base_url,
            timeout=timeout_s,
            retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1)],
        )

    def _token(self, team_id: str, agent_id: str | None) -> str:
        token = self.tokens.bot_token(team_id, agent_id)
        if token is None:
            raise WorkspaceNotInstalled(team_id)
        return token
