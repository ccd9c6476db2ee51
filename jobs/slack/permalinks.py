"""Links to messages: Slack's permalink for a channel and ts, or None when Slack will not
give one (the message or channel is gone, or the app cannot see it)."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

logger = logging.getLogger(__name__)


def permalink(client: WebClient, where: tuple[str, str] | None) -> str | None:
    """The permalink of the message at (channel, ts); None rather than a failed post, since
    a link is a convenience and its label stands without it."""
    if where is None:
        return None
    channel, ts = where
    try:
        response = client.chat_getPermalink(channel=channel, message_ts=ts)
    except SlackApiError as error:
        logger.info("No permalink for %s/%s: %s", channel, ts, error.response.get("error"))
        return None
    return str(response.get("permalink") or "") or None
