"""When the app first joins a team channel, an empty topic becomes one naming the lead.

The lead is found by the channel's default name: a workspace that renamed the department's
channel (`jobs/workspace.py`) is translated back first, as routing does.

Best effort and polite: a topic a person set is left as it is, and a missing scope
(`channels:write.topic`) or any other refusal is logged, never an error of the work that
brought the app into the channel.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bots.topics import channel_topic
from jobs.runtime import Runtime
from jobs.workspace import workspace_settings

logger = logging.getLogger(__name__)


def name_the_lead(rt: Runtime, team_id: str, channel_id: str) -> bool:
    """Set the channel's topic to its lead if it has none; True when it was set."""
    slack = rt.best_effort_for(team_id)
    try:
        channel = slack.conversations_info(channel=channel_id)["channel"]
        if (channel.get("topic") or {}).get("value"):
            return False  # a person's topic stays
        name = workspace_settings(rt, team_id).default_name(str(channel.get("name") or ""))
        topic = channel_topic(rt.roster, name)
        if topic is None:
            return False
        slack.conversations_setTopic(channel=channel_id, topic=topic)
    except SlackApiError as error:
        logger.info("Topic of %s left as is: %s", channel_id, error.response.get("error"))
        return False
    return True
