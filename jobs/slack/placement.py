"""Where the department's threads and cards go: private work stays with its audience.

Work that starts in a DM or a private channel keeps its assignment threads and escalation
cards in that same conversation (each as a new message there, which starts its own thread),
never in a team channel or the escalation channel, where others would read the brief. Work
from a public channel goes to the assignee's team channel (or the escalation channel), which
the app joins first; if it cannot, the work stays where it was asked. Approval cards always go
in the requester's own thread (`jobs/approvals/submit.py`), so they follow the same rule.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from jobs import workspace
from jobs.runtime import Runtime
from jobs.slack import channels
from models import threads, turns
from models.records import Turn
from models.work import Task

logger = logging.getLogger(__name__)

PRIVATE_ID_PREFIXES = ("D", "G")  # DMs; group DMs and legacy private channels


def is_private(rt: Runtime, team_id: str, channel_id: str) -> bool:
    """Whether only some people can read `channel_id`: known from a DM's id, otherwise asked
    once (conversations.info) and cached on the channel's record. When Slack cannot tell,
    the answer is "private": the safe side."""
    if channel_id.startswith(PRIVATE_ID_PREFIXES):
        return True
    with rt.sessions() as session:
        cached = threads.cached_privacy(session, team_id, channel_id)
    if cached is not None:
        return cached
    try:
        channel = rt.slack_for(team_id).conversations_info(channel=channel_id).get("channel") or {}
    except SlackApiError as error:
        logger.warning("Cannot tell if %s is private: %s", channel_id, error.response.get("error"))
        return True
    private = bool(channel.get("is_private") or channel.get("is_im") or channel.get("is_mpim"))
    with rt.sessions() as session:
        threads.remember_channel_name(
            session, team_id, channel_id, str(channel.get("name") or ""), private
        )
    return private


def origin_turn(rt: Runtime, task: Task) -> Turn | None:
    """The person's request a task serves (who asked, where)."""
    if task.origin_turn_id is None:
        return None
    with rt.sessions() as session:
        return turns.load_turn(session, task.team_id, task.origin_turn_id)


def channel_for(rt: Runtime, task: Task, channel_name: str, origin: tuple[str, str]) -> str:
    """The channel for a task's new thread or card: the origin conversation if it is private;
    else #channel_name, joined first; else (it cannot be joined) the origin, and the
    requester is asked once to invite the app. `channel_name` is the department's default
    name (the roster's, settings'): the workspace may call the channel otherwise."""
    if is_private(rt, task.team_id, origin[0]):
        return origin[0]
    channel_name = workspace.channel_name(rt, task.team_id, channel_name)
    channel = channels.team_channel_id(rt, task.team_id, channel_name)
    if channel is not None and channels.ensure_member(rt, task.team_id, channel):
        return channel
    turn = origin_turn(rt, task)
    if turn is not None:
        channels.ask_to_invite(
            rt, task.team_id, channel_name, turn.user_id, (turn.channel_id, turn.thread_ts)
        )
    return origin[0]
