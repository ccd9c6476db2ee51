"""The app is in every channel it posts to.

Without `chat:write.public` Slack refuses a post to a channel the app is not in
(`not_in_channel`), and even with it people's replies there never reach the app and the
recovery read that prevents double posts fails. So before the first post to a team or
escalation channel the app joins it (`conversations.join`, public channels only) and
remembers that it did in Redis, not in a process: every worker skips the join afterwards.
A channel it cannot join (private, or missing) gets one message to the requester asking to
invite the app; the work goes on where the request was made, so nothing is lost.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from redis.exceptions import RedisError
from slack_sdk.errors import SlackApiError

from jobs.runtime import Runtime
from jobs.slack.text import md
from jobs.slack.topics import name_the_lead
from models import threads

logger = logging.getLogger(__name__)

MEMBERSHIP_TTL_S = 24 * 3600  # re-check daily: the app may have been removed meanwhile
INVITE_ASKED_TTL_S = 24 * 3600  # one invitation request per channel and day

INVITE_TEXT = (
    "I can't post in #{name}: it doesn't exist, or it is private and I'm not in it. "
    "Invite me there (in #{name}: `/invite @` and pick me) so the department's threads can "
    "go there; until then this work stays in this conversation."
)


def member_key(team_id: str, channel_id: str) -> str:
    """The Redis key that says the app is in the channel (set for a day after a join)."""
    return f"slack:member:{team_id}:{channel_id}"


def team_channel_id(rt: Runtime, team_id: str, name: str) -> str | None:
    """A channel's id by name: cached, else looked up once with conversations.list (which
    lists private channels only when the app is in them)."""
    with rt.sessions() as session:
        cached = threads.cached_channel_id(session, team_id, name)
    if cached is not None:
        return cached
    cursor: str | None = None
    try:
        while True:
            page = rt.slack_for(team_id).conversations_list(
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=200,
                cursor=cursor,
            )
            channels = page.get("channels") or []
            with rt.sessions() as session:  # cache the whole page: other lookups will need it
                for channel in channels:
                    threads.remember_channel_name(
                        session,
                        team_id,
                        channel["id"],
                        channel["name"],
                        bool(channel.get("is_private")),
                    )
            found = next((c["id"] for c in channels if c.get("name") == name), None)
            if found is not None:
                return str(found)
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None
    except SlackApiError as error:
        logger.warning("Cannot list channels: %s", error.response.get("error"))
        return None


def ensure_member(rt: Runtime, team_id: str, channel_id: str) -> bool:
    """Join a channel before posting to it, once (remembered in Redis); False if the app
    cannot join (a private channel it was not invited to, an archived or deleted one)."""
    key = member_key(team_id, channel_id)
    try:
        if rt.redis.exists(key):
            return True
    except RedisError:
        logger.info("Redis unavailable; joining %s again (harmless)", channel_id)
    try:
        joined = rt.slack_for(team_id).conversations_join(channel=channel_id)
    except SlackApiError as error:
        logger.warning("Cannot join %s: %s", channel_id, error.response.get("error"))
        return False
    with contextlib.suppress(RedisError):
        rt.redis.set(key, "1", ex=MEMBERSHIP_TTL_S)
    if joined.get("warning") != "already_in_channel":
        name_the_lead(rt, team_id, channel_id)  # first time in: a channel's topic names its lead
    return True


@contextlib.contextmanager
def posting_to(rt: Runtime, team_id: str, channel_id: str) -> Iterator[None]:
    """Around a post: `not_in_channel` (the app was removed since it joined) forgets the
    membership, so the retry of the job joins again instead of failing until it expires."""
    try:
        yield
    except SlackApiError as error:
        if error.response.get("error") == "not_in_channel":
            with contextlib.suppress(RedisError):
                rt.redis.delete(member_key(team_id, channel_id))
        raise


def ask_to_invite(
    rt: Runtime, team_id: str, name: str, requester: str, where: tuple[str, str]
) -> None:
    """Tell the requester (ephemeral, in their thread) once a day per channel that the app
    must be invited to #name; best effort, the work does not wait for it."""
    try:
        first = rt.redis.set(
            f"slack:invite-asked:{team_id}:{name}", "1", nx=True, ex=INVITE_ASKED_TTL_S
        )
    except RedisError:
        first = True
    if not first or not requester:
        return
    text = md(INVITE_TEXT, name=name)
    try:
        rt.slack_for(team_id).chat_postEphemeral(
            channel=where[0], thread_ts=where[1] or None, user=requester, text=text.text
        )
    except SlackApiError as error:
        logger.warning(
            "Cannot ask %s to invite the app: %s", requester, error.response.get("error")
        )
