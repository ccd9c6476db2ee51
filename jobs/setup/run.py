"""Setting up a workspace (issue 20): the department's channels, their topics, the CMO's welcome.

`set_up` is safe to run twice: a channel the app is in is left alone, a topic a person (or an
earlier run) set stays, and the welcome goes through post-once (key `setup-welcome`), so a
second run changes nothing and posts nothing. It returns, and keeps on the workspace's
settings, what it did, line by line: App Home shows it to admins, `python app.py setup`
prints it. A channel it cannot create or join is named with the reason and what to do; the
rest of the set-up goes on. Channel names are the workspace's (`jobs/workspace.py`).
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

from redis.exceptions import RedisError
from slack_sdk.errors import SlackApiError

from bots.examples import load_examples
from bots.topics import ESCALATIONS_TOPIC, channel_topic
from jobs import runtime as runtime_module
from jobs.home.publish import publish_home
from jobs.home.welcome import WELCOME_TITLE, welcome_blocks
from jobs.runtime import Runtime
from jobs.setup.channel_names import department_channel_names
from jobs.slack import channels
from jobs.slack.post_once import Persona, ReplyTarget, post_once
from jobs.workspace import workspace_settings
from models import posts, threads
from models import workspace_settings as stored
from models.base import utcnow

logger = logging.getLogger(__name__)

WELCOME_KEY = "setup-welcome"  # the post-once key of the CMO's welcome (one per workspace)
CREATE_PROBLEMS = {
    "name_taken": "a channel with that name exists but I can't see it (private or archived): "
    "invite me to it, or give the department another name for it",
    "restricted_action": "this workspace lets only some people create channels: ask an admin "
    "to create it, then run the set-up again",
    "invalid_name": "it is not a valid Slack channel name",
    "missing_scope": "the app lacks the channels:manage scope: reinstall it (manifest.yml)",
}
JOIN_PROBLEMS = {
    "is_archived": "it is archived: unarchive it, then run the set-up again",
    "channel_not_found": "it is gone or private: invite me to it, then run the set-up again",
}


@dataclass(frozen=True)
class ChannelDone:
    """One department channel: its default and workspace names, and what the set-up did."""

    default: str
    name: str
    outcome: str  # created | joined | already there | could not …
    channel_id: str | None = None


def department_channels(rt: Runtime) -> list[str]:
    """The default names of the department's channels (`channel_names.department_channel_names`)."""
    settings = rt.settings
    return department_channel_names(
        rt.roster, settings.escalation_channel, settings.campaign_channel
    )


def set_up(rt: Runtime, team_id: str, by: str) -> list[str]:
    """Create or join every department channel, set empty topics, post the CMO's welcome
    once; the report's lines (also saved for App Home)."""
    found = workspace_settings(rt, team_id)
    done = [
        _channel(rt, team_id, default, found.channel(default))
        for default in department_channels(rt)
    ]
    lines = [_channel_line(item) for item in done]
    lines += [_topic(rt, team_id, item) for item in done if item.channel_id]
    lead = rt.roster.front_door.team_channel
    home = next((item for item in done if item.default == lead), None)
    lines.append(_welcome(rt, team_id, home))
    with rt.sessions() as session:
        stored.save(session, team_id, by, setup_report=lines, setup_at=utcnow())
    return lines


def run_setup(team_id: str, user_id: str) -> str:
    """RQ job: set up the workspace an admin asked for, then show them the report on Home."""
    rt = runtime_module.current()
    set_up(rt, team_id, user_id)
    publish_home(team_id, user_id)
    return "set up"


def _channel(rt: Runtime, team_id: str, default: str, name: str) -> ChannelDone:
    channel_id = channels.team_channel_id(rt, team_id, name)
    client = rt.slack_for(team_id)
    try:
        if channel_id is None:
            created = client.conversations_create(name=name)["channel"]
            channel_id = str(created["id"])
            with rt.sessions() as session:
                threads.remember_channel_name(session, team_id, channel_id, name, False)
            outcome = "created"
        else:
            joined = client.conversations_join(channel=channel_id)
            outcome = "already there" if joined.get("warning") else "joined"
    except SlackApiError as error:
        return _refused(default, name, channel_id, str(error.response.get("error")))
    _remember_member(rt, team_id, channel_id)
    return ChannelDone(default, name, outcome, channel_id)


def _refused(default: str, name: str, channel_id: str | None, code: str) -> ChannelDone:
    if code == "method_not_supported_for_channel_type" and channel_id is not None:
        # a private channel listed to the app is one it is in: nothing to join
        return ChannelDone(default, name, "already there", channel_id)
    problems = CREATE_PROBLEMS if channel_id is None else JOIN_PROBLEMS
    why = problems.get("invalid_name" if code.startswith("invalid_name") else code)
    why = why or f"Slack said {code}"
    verb = "create" if channel_id is None else "join"
    logger.warning("Set-up: cannot %s #%s: %s", verb, name, code)
    return ChannelDone(default, name, f"could not {verb} it: {why}")


def _remember_member(rt: Runtime, team_id: str, channel_id: str) -> None:
    """Workers skip their own join before the first post (`channels.ensure_member`)."""
    with contextlib.suppress(RedisError):
        rt.redis.set(channels.member_key(team_id, channel_id), "1", ex=channels.MEMBERSHIP_TTL_S)


def _channel_line(item: ChannelDone) -> str:
    renamed = f" (the department's #{item.default})" if item.name != item.default else ""
    return f"#{item.name}{renamed}: {item.outcome}"


def _topic(rt: Runtime, team_id: str, item: ChannelDone) -> str:
    """Set the channel's topic if it has none; a person's topic stays."""
    assert item.channel_id is not None
    wanted = channel_topic(rt.roster, item.default)
    if wanted is None and item.default == rt.settings.escalation_channel:
        wanted = ESCALATIONS_TOPIC
    if wanted is None:
        return f"#{item.name}: no topic of ours"
    client = rt.slack_for(team_id)
    try:
        info = client.conversations_info(channel=item.channel_id)["channel"]
        current = str((info.get("topic") or {}).get("value") or "")
        if current == wanted:
            return f"#{item.name}: topic already set"
        if current:
            return f"#{item.name}: topic kept (someone set their own)"
        client.conversations_setTopic(channel=item.channel_id, topic=wanted)
    except SlackApiError as error:
        return f"#{item.name}: topic not set (Slack said {error.response.get('error')})"
    return f"#{item.name}: topic set"


def _welcome(rt: Runtime, team_id: str, home: ChannelDone | None) -> str:
    """The CMO's welcome in the CMO's team channel, once per workspace."""
    if home is None or home.channel_id is None:
        return "Welcome not posted: the CMO's channel is not available (see above)"
    with rt.sessions() as session:
        earlier = [p for p in posts.parts_of(session, team_id, WELCOME_KEY) if p.ts]
    if earlier:
        return f"Welcome already posted in #{home.name}"
    cmo = rt.roster.front_door
    post_once(
        rt.slack_for(team_id),
        rt.sessions,
        ReplyTarget(team_id, WELCOME_KEY, home.channel_id, None),
        Persona(cmo.display_name, cmo.icon_emoji),
        WELCOME_TITLE,
        blocks=welcome_blocks(rt.roster, load_examples(), None),
    )
    return f"Welcome posted in #{home.name}"
