"""`/standup`: the rituals' controls, as one thin listener.

The text is parsed (`handlers/standup_command.py`) before anything happens; what a valid
request does is `RitualControl` (`handlers/standup_actions.py`), found in the Bolt context,
which commits before the ack. Every answer is for the person alone (ephemeral).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from handlers.campaign_actions import Requester
from handlers.context import services
from handlers.standup_command import parse_standup
from jobs.slack.text import from_slack


def register(app: App) -> None:
    app.command("/standup")(handle_standup)


def handle_standup(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    parsed = parse_standup(from_slack(command.get("text") or ""))
    who = Requester(str(command["team_id"]), str(command["user_id"]), str(command["channel_id"]))
    ack(response_type="ephemeral", text=services(context).rituals.answer(who, parsed).text)
