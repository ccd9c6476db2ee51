"""When the thread a turn answers in cannot be reached any more (the app was removed from a
private channel, the channel was deleted or archived): stop retrying, tell the person.

Slack answers such a channel with an error that no retry will change, so the turn fails at
once instead of going back to the sweeper every few seconds forever. The person who asked
hears about it in their DM with the app, if that still works (best effort).
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from jobs.slack.text import Mrkdwn, Text, as_mrkdwn, md

logger = logging.getLogger(__name__)

UNREACHABLE_ERRORS = frozenset(
    {"channel_not_found", "not_in_channel", "is_archived", "channel_is_archived"}
)
UNREACHABLE_TEXT = (
    "I couldn't answer your message in <#{channel}>: I can no longer post there (I was "
    "removed from the channel, or it was archived). Invite me back, or ask me here."
)


def is_unreachable(error: SlackApiError) -> bool:
    """Slack's answer means the channel is gone for the app, not a passing failure."""
    return str(error.response.get("error")) in UNREACHABLE_ERRORS


def notice(channel_id: str) -> Mrkdwn:
    """What the person is told when the channel they asked in is gone for the app."""
    return md(UNREACHABLE_TEXT, channel=channel_id)


def tell_requester(client: WebClient, user_id: str, text: Text) -> bool:
    """DM the person who asked; False if they cannot be reached either (logged, not raised)."""
    try:
        client.chat_postMessage(channel=user_id, text=as_mrkdwn(text).text)
    except SlackApiError as error:
        problem = error.response.get("error")
        logger.warning("Could not tell %s in a DM: %s", user_id, problem)
        return False
    return True
