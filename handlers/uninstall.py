"""`app_uninstalled` and `tokens_revoked`: the workspace is marked uninstalled (its data kept
DATA_RETENTION_DAYS, then purged) and a job deletes its tokens, drops its queued jobs and
pauses its campaigns (jobs/workspace_exit.py). Thin: one write, one enqueue.

A revoked user token (we ask for no user scopes, but an installer's may exist) is deleted
here at once; the bot's revocation is an uninstall in all but name.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from rq import Queue
from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import InstallationStore
from sqlalchemy import Engine

from jobs.queue import FORGET_WORKSPACE, try_enqueue
from models import workspaces
from models.base import utcnow
from models.db import make_sessionmaker, write_guard

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Uninstalls:
    engine: Engine
    queue: Queue
    retention_days: int
    store: InstallationStore | None  # the OAuth installations; None with one SLACK_BOT_TOKEN

    def register(self, app: App) -> None:
        app.event("app_uninstalled")(self.handle_app_uninstalled)
        app.event("tokens_revoked")(self.handle_tokens_revoked)

    def handle_app_uninstalled(self, body: dict[str, Any]) -> None:
        self._leave(str(body.get("team_id") or ""))

    def handle_tokens_revoked(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        team_id = str(body.get("team_id") or "")
        tokens = event.get("tokens") or {}
        for user_id in tokens.get("oauth") or []:
            if self.store is not None and team_id:
                self.store.delete_installation(enterprise_id=None, team_id=team_id, user_id=user_id)
        if tokens.get("bot"):
            self._leave(team_id)

    def _leave(self, team_id: str) -> None:
        if not team_id:
            return
        with write_guard(self.engine), make_sessionmaker(self.engine)() as session:
            workspaces.mark_uninstalled(session, team_id, utcnow(), self.retention_days)
        logger.info("Workspace %s uninstalled the app", team_id)
        try_enqueue(self.queue, FORGET_WORKSPACE, team_id, team_id)


@dataclass(frozen=True)
class AgentAppUninstalls:
    """An agent's own app (installed by OAuth) left a workspace: its `app_uninstalled`, or its
    bot's `tokens_revoked`, signed by that app, deletes that app's installation there and
    nothing else: the department and the other agents' apps stay, and the agent speaks
    through the department's app again (jobs/slack/own_voice.py)."""

    store: InstallationStore  # that agent app's installations only

    def register(self, app: App) -> None:
        app.event("app_uninstalled")(self.handle_left)
        app.event("tokens_revoked")(self.handle_tokens_revoked)

    def handle_left(self, body: dict[str, Any]) -> None:
        team_id = str(body.get("team_id") or "")
        if team_id:
            self.store.delete_all(enterprise_id=None, team_id=team_id)
            logger.info("An agent app left workspace %s: its installation deleted", team_id)

    def handle_tokens_revoked(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        if (event.get("tokens") or {}).get("bot"):
            self.handle_left(body)


def reinstalled_with_token(client: WebClient, engine: Engine) -> None:
    """One SLACK_BOT_TOKEN (no OAuth install to clear the mark): an app that starts with a
    token Slack accepts is installed in that token's workspace, whatever an earlier
    `app_uninstalled` said. Asks Slack only when some workspace is marked."""
    with make_sessionmaker(engine)() as session:
        if not workspaces.uninstalled(session):
            return
        team_id = str(client.auth_test()["team_id"])
        if workspaces.is_uninstalled(session, team_id):
            workspaces.mark_installed(session, team_id, utcnow())
            logger.info("Workspace %s is installed again (SLACK_BOT_TOKEN works)", team_id)
