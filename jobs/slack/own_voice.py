"""Who an agent's reply is posted as: its own Slack app's bot user where it has one and is
in the conversation, else the department's app under the agent's persona.

An agent app (jobs/slack/agent_apps.py) posts with its own token and sends no persona
override: its bot user already carries the agent's name and icon. It can only post where
its bot user is: its own DMs, channels it was invited to, and public channels it joins here
(conversations.join, as the department app does before a first post: jobs/slack/channels.py).
Anywhere else (the person's DM with the department app, a private channel it is not in) the
department app answers for it under the persona, as in single-app mode, so a reply is never
lost to a membership. What was found is remembered in Redis per workspace, agent and
conversation (a DM's for a day, a channel's for minutes: an invitation or a removal is
noticed soon, and a refused post forgets at once).

A person's DM with an agent's own app is the one place the department's app cannot post
(`conversation_voice`): whatever the department says in it (the approval and escalation
cards of a request asked there, another agent's reply or review) goes out with that agent
app's token. What that agent says shows as its bot user, with no override; anyone else's
words and the department's cards keep the persona they would have in single-app mode (the
other agent's name and icon), which the agent manifest's chat:write.customize allows, so
the person sees who said what. An agent app installed before its manifest asked that scope
still posts, as its bot user, and the operator is told once to reinstall it
(jobs/slack/persona.py `post_message`). Its app serves the cards' buttons too
(handlers/agent_apps.py).
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, replace

from redis.exceptions import RedisError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from jobs.runtime import Runtime
from jobs.slack.agent_apps import agents_with_own_apps, has_own_app
from jobs.slack.post_once import Persona, ReplyTarget, ReplyWriter

logger = logging.getLogger(__name__)

DM_TTL_S = 24 * 3600  # whose DM it is never changes
IN_CHANNEL_TTL_S = 10 * 60  # it may be removed from a channel: `forget` on not_in_channel too
NOT_IN_CHANNEL_TTL_S = 10 * 60  # it may be invited


@dataclass(frozen=True)
class Voice:
    """The clients an agent's reply goes out with, and how it shows."""

    client: WebClient  # posts and final edits (waits out 429s)
    interim: WebClient  # interim edits and the thread's status (best effort)
    persona: Persona


def voice_of(
    rt: Runtime, team_id: str, agent_id: str | None, persona: Persona, channel_id: str
) -> Voice:
    """The agent's own app where it can speak in `channel_id`, else whoever can post there
    for the department (`conversation_voice`)."""
    if agent_id is not None and has_own_app(rt.slack_clients.tokens, team_id, agent_id):
        own = rt.best_effort_for(team_id, agent_id)
        if _present(rt, own, team_id, agent_id, channel_id):
            client = rt.slack_for(team_id, agent_id)
            return Voice(client, own, replace(persona, as_itself=True, via_app=agent_id))
    return conversation_voice(rt, team_id, channel_id, persona)


def conversation_voice(rt: Runtime, team_id: str, channel_id: str, persona: Persona) -> Voice:
    """Who can post in `channel_id` for the department: in a person's DM with an agent's own
    app, that app (found by asking each agent app of this workspace, remembered a day),
    under `persona` unless it is that agent's own (its bot user already is it); anywhere
    else the department's app, under `persona`."""
    if channel_id.startswith("D"):
        tokens = rt.slack_clients.tokens
        for agent_id in agents_with_own_apps(tokens):
            if _remembered(rt, team_id, agent_id, channel_id) is False:
                continue  # the common case, a DM with the department: no Slack, no database
            if not has_own_app(tokens, team_id, agent_id):
                continue
            own = rt.best_effort_for(team_id, agent_id)
            if _present(rt, own, team_id, agent_id, channel_id):
                client = rt.slack_for(team_id, agent_id)
                return Voice(client, own, _through_app(rt, agent_id, persona))
    return Voice(rt.slack_for(team_id), rt.best_effort_for(team_id), persona)


def _through_app(rt: Runtime, agent_id: str, persona: Persona) -> Persona:
    """`persona` as posted with `agent_id`'s own app: no override for that agent's own
    words, another agent's name and icon for anyone else's (chat:write.customize)."""
    owner = rt.roster.by_id.get(agent_id)
    itself = owner is not None and (persona.username, persona.icon_emoji) == (
        owner.display_name,
        owner.icon_emoji,
    )
    return replace(persona, as_itself=itself, via_app=agent_id)


def one_post_writer(
    rt: Runtime, target: ReplyTarget, agent_id: str, persona: Persona
) -> ReplyWriter:
    """A writer for one finished message (no throttle) in the agent's voice: a brief it
    hands out, the notice on its own reply (which must be edited with the token that posted
    it)."""
    voice = voice_of(rt, target.team_id, agent_id, persona, target.channel_id)
    return ReplyWriter(
        voice.client,
        rt.sessions,
        target,
        voice.persona,
        min_interval_s=0,
        interim_client=voice.interim,
    )


def forget(rt: Runtime, team_id: str, channel_id: str) -> None:
    """A post to `channel_id` was refused (an agent's bot user was removed): ask again next
    time, for every agent, instead of trusting what was remembered."""
    keys = [_key(team_id, agent_id, channel_id) for agent_id in rt.roster.by_id]
    with contextlib.suppress(RedisError):
        rt.redis.delete(*keys)


def _key(team_id: str, agent_id: str, channel_id: str) -> str:
    return f"slack:agent-member:{team_id}:{agent_id}:{channel_id}"


def _remembered(rt: Runtime, team_id: str, agent_id: str, channel_id: str) -> bool | None:
    """What was found about the agent's bot user in `channel_id` (None: nothing, or Redis away)."""
    try:
        known = rt.redis.get(_key(team_id, agent_id, channel_id))
    except RedisError:
        return None
    return None if known is None else bool(known == b"1")


def _present(rt: Runtime, client: WebClient, team_id: str, agent_id: str, channel_id: str) -> bool:
    known = _remembered(rt, team_id, agent_id, channel_id)
    if known is not None:
        return known
    key = _key(team_id, agent_id, channel_id)
    try:
        present = _in_or_joined(client, channel_id)
    except (SlackClientError, OSError) as error:  # not remembered: try again next time
        logger.info("Agent %s: membership of %s unknown (%s)", agent_id, channel_id, error)
        return False
    if channel_id.startswith("D"):
        ttl = DM_TTL_S
    else:
        ttl = IN_CHANNEL_TTL_S if present else NOT_IN_CHANNEL_TTL_S
    with contextlib.suppress(RedisError):
        rt.redis.set(key, "1" if present else "0", ex=ttl)
    return present


def _in_or_joined(client: WebClient, channel_id: str) -> bool:
    """In it (a DM with this bot, a channel it is a member of), or joined now (public)."""
    try:
        channel = client.conversations_info(channel=channel_id).get("channel") or {}
        if channel.get("is_im") or channel.get("is_member"):
            return True
        if channel.get("is_private"):
            return False
        client.conversations_join(channel=channel_id)
    except SlackApiError as error:  # channel_not_found: another bot's DM, a private channel
        logger.info("Not in %s with its own app: %s", channel_id, error.response.get("error"))
        return False
    return True
