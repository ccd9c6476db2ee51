"""Where a review goes and whose clock it keeps: the one place that decides, so a
workspace's own ritual settings (channel, time zone) are plugged in here and nowhere else.

Both come from the workspace's ritual settings (`/standup … channel`, `/standup timezone`) over
the defaults of bots/rituals.toml and `WORKSPACE_TIME_ZONE`.
"""

from __future__ import annotations

import functools
import logging
from zoneinfo import ZoneInfo

from bots.reviews import Review, ReviewConfig, check_reviews, load_reviews
from jobs.rituals import workspace
from jobs.runtime import Runtime
from jobs.slack import channels
from models.rituals import Ritual, RitualRun

logger = logging.getLogger(__name__)


@functools.cache
def _loaded() -> ReviewConfig:
    return load_reviews()


def review_config(rt: Runtime) -> ReviewConfig:
    """The reviews' data, read once per process and checked against this runtime's roster
    and authority matrix (a bad file stops the first review with a clear error)."""
    config = _loaded()
    check_reviews(config, rt.roster, rt.authority)
    return config


def channel_name(rt: Runtime, team_id: str, review: Review) -> str:
    """The channel a review posts in, by name: the workspace's choice, else bots/rituals.toml."""
    return workspace.ritual_channel(rt, team_id, Ritual(review))


def workspace_zone(rt: Runtime, team_id: str) -> ZoneInfo:
    """The workspace's time zone: its days and months are the periods the reviews count."""
    with rt.sessions() as session:
        return workspace.of_runtime(rt, session, team_id).calendar.zone


def review_channel(rt: Runtime, run: RitualRun, review: Review) -> str | None:
    """The channel's id, the app in it; None if it cannot post there (missing, or private
    without the app), after asking the person who ran the review, if one did, to invite it."""
    name = channel_name(rt, run.team_id, review)
    channel = channels.team_channel_id(rt, run.team_id, name)
    if channel is not None and channels.ensure_member(rt, run.team_id, channel):
        return channel
    logger.warning("Ritual run %s: cannot post in #%s", run.id, name)
    if run.requested_by and run.channel_id:
        channels.ask_to_invite(rt, run.team_id, name, run.requested_by, (run.channel_id, ""))
    return None
