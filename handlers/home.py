"""The App Home tab: opening it asks a job to publish the person's view (thin listener)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from handlers.context import services
from handlers.welcome import greet_newcomer
from jobs.queue import PUBLISH_HOME


def register(app: App) -> None:
    app.event("app_home_opened")(handle_home_opened)


def handle_home_opened(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    team_id, user = str(body.get("team_id") or ""), str(event.get("user") or "")
    greet_newcomer(context, team_id, user, str(event.get("channel") or ""), str(event.get("tab")))
    if event.get("tab") != "home":
        return  # the Messages tab is the DM with the app
    if team_id and user:  # one job per person: repeated opens replace it
        services(context).intake.enqueue(PUBLISH_HOME, team_id, user)
