"""Which token a Slack request's listeners use: the token of the workspace it came from.

With SLACK_BOT_TOKEN alone (one workspace) Bolt's own single-team authorization does it. A
deployment serving several workspaces from a `TokenSource` authorizes each request with that
workspace's token instead, so a click in workspace B is answered with B's token, never A's. (The
OAuth install flow replaces this with Bolt's installation store, which reads the same tokens.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
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


def workspace_authorize(clients: SlackClients) -> Callable[..., AuthorizeResult | None]:
    """Bolt's `authorize`: the request's workspace's token, and the bot's ids from auth.test
    (Bolt drops the app's own events by them). None for a workspace with no installation:
    Bolt then answers that the app is not installed there, and nothing is persisted."""

    def authorize(team_id: str | None) -> AuthorizeResult | None:
        if not team_id:
            return None
        try:
            client = clients.best_effort(team_id, timeout_s=AUTH_TIMEOUT_S)
            return AuthorizeResult.from_auth_test_response(
                auth_test_response=client.auth_test(), bot_token=client.token
            )
        except (WorkspaceNotInstalled, SlackApiError):
            return None

    return authorize
