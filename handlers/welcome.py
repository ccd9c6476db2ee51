"""A person's first visit (App Home opened, or a first DM): record it and ask for the CMO's
welcome. One INSERT … ON CONFLICT DO NOTHING decides "first": a retried event, the other tab
or a later DM finds the row and enqueues nothing (the job posts once besides), unless the
welcome was never posted (its job lost while Redis was away): then the visit asks again.
"""

from __future__ import annotations

from slack_bolt import BoltContext

from handlers.context import services
from jobs.queue import SEND_WELCOME
from models import welcomes
from models.db import write_guard


def greet_newcomer(
    context: BoltContext, team_id: str, user_id: str, channel_id: str, via: str
) -> None:
    """Welcome `user_id` in their DM `channel_id` if this is the first time we see them."""
    if not (team_id and user_id and channel_id.startswith("D")):
        return  # the welcome goes to the person's DM with the app, nowhere else
    intake = services(context).intake
    with write_guard(intake.engine), intake.engine.connect() as connection:
        first = welcomes.record_first_visit(connection, team_id, user_id, channel_id, via)
        if not first:
            first = welcomes.still_unwelcomed(connection, team_id, user_id)
            connection.rollback()
    if first:
        intake.enqueue(SEND_WELCOME, team_id, user_id)
