"""Which token a Slack request's listeners use: the token of the workspace it came from.

With SLACK_BOT_TOKEN alone (one workspace) Bolt's own single-team authorization does it. A
deployment serving several workspaces from a `TokenSource` authorizes each request with that
workspace's token instead, so a click in workspace B is answered with B's token, never A's.

The OAuth install (handlers/install.py) authorizes with the same `WorkspaceAuthorize`, over
the workers' `InstallationTokens`: a rotating token about to expire is refreshed under the
same per-workspace Redis lock, so the web process and the workers never both refresh it
(Bolt's own `InstallationStoreAuthorize` would refresh without a lock). An org-wide
(Enterprise Grid) install is not supported: its requests find no installation.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_bolt.context import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackTokenRotationError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from errors import WorkspaceNotInstalled
from jobs.slack.clients import (
    SLACK_RATE_LIMIT_RETRIES,
    SLACK_SERVER_ERROR_RETRIES,
    EnvToken,
    SlackClients,
)

logger = logging.getLogger(__name__)

ANY_TEAM = ""  # Bolt's client in single-workspace mode: SLACK_BOT_TOKEN serves every team
AUTH_TIMEOUT_S = 2  # auth.test inside the 3 s Slack gives a request


def bolt_auth(clients: SlackClients) -> dict[str, Any]:
    """`App(...)` keyword arguments: the client Bolt copies for each request, and for several
    workspaces the `authorize` that gives each request its workspace's token."""
    if isinstance(clients.tokens, EnvToken):
        return {"client": clients.patient(ANY_TEAM)}
    template = WebClient(
        base_url=clients.base_url,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=SLACK_RATE_LIMIT_RETRIES),
            ServerErrorRetryHandler(max_retry_count=SLACK_SERVER_ERROR_RETRIES),
        ],
    )
    return {"client": template, "authorize": workspace_authorize(clients)}


class WorkspaceAuthorize(Authorize):
    """Bolt's `authorize`: the request's workspace's token, and the bot's ids from auth.test
    (Bolt drops the app's own events by them). None for a workspace with no installation, or
    an org-wide install: Bolt then answers that the app is not installed there (the app's
    `user_facing_authorize_error_message`), and nothing is persisted.

    A refresh that waits too long for another process's lock raises (redis' LockError):
    Bolt answers 500 and Slack delivers the request again."""

    def __init__(self, clients: SlackClients, agent_id: str | None = None) -> None:
        self.clients = clients
        self.agent_id = agent_id  # an agent's own app: its token in the workspace

    def __call__(
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **actor: Any,
    ) -> AuthorizeResult | None:
        if context.is_enterprise_install:
            logger.warning("Refused a request from an org-wide install (%s)", enterprise_id)
            return None
        if not team_id:
            return None
        try:
            client = self.clients.best_effort(team_id, self.agent_id, timeout_s=AUTH_TIMEOUT_S)
            return AuthorizeResult.from_auth_test_response(
                auth_test_response=client.auth_test(), bot_token=client.token
            )
        except (WorkspaceNotInstalled, SlackApiError):
            return None
        except SlackTokenRotationError as error:  # the refresh token was refused
            logger.error("Workspace %s: its token could not be refreshed (%s)", team_id, error)
            return None


def workspace_authorize(clients: SlackClients) -> WorkspaceAuthorize:
    """The `authorize` for `clients`' workspaces (see `WorkspaceAuthorize`)."""
    return WorkspaceAuthorize(clients)
