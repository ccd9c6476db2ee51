"""The App Home tab: opening it asks a job to publish the person's view (thin listener)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from handlers.intake import Intake


def register(app: App, intake: Intake) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab") != "home":
            return  # the Messages tab is the DM with the app
        team_id, user = str(body.get("team_id") or ""), str(event.get("user") or "")
        if team_id and user:  # one job per person: repeated opens replace it
            intake.enqueue(
                "jobs.home.publish.publish_home", team_id, user, job_id=f"home-{team_id}-{user}"
            )
