"""A team channel's topic names its lead, set when the app first joins it (issue 19)."""

from __future__ import annotations

from slack_sdk import WebClient

from jobs.runtime import Runtime
from jobs.slack import channels
from models import workspace_settings
from sandbox.slack_api import SlackStandIn
from tests.conftest import BOT_TOKEN, CHANNEL_CONTENT, TEAM


def _topic(slack: SlackStandIn, channel: str) -> str:
    info = WebClient(token=BOT_TOKEN, base_url=slack.url).conversations_info(channel=channel)
    return str(info["channel"]["topic"]["value"])


def test_joining_a_team_channel_with_no_topic_names_its_lead(
    runtime: Runtime, slack: SlackStandIn
) -> None:
    slack.add_channel(CHANNEL_CONTENT, "mkt-content", is_member=False)
    assert channels.ensure_member(runtime, TEAM, CHANNEL_CONTENT)
    assert _topic(slack, CHANNEL_CONTENT) == (
        "Content team · lead: Content Manager · ask @Marketing Dept content manager: …"
    )


def test_a_persons_topic_a_channel_nobody_leads_and_a_missing_scope_are_left_alone(
    runtime: Runtime, slack: SlackStandIn
) -> None:
    slack.add_channel(CHANNEL_CONTENT, "mkt-content", is_member=False, topic="Launch week!")
    slack.add_channel("C0RANDOM", "random", is_member=False)
    slack.add_channel("C0SOCIAL", "mkt-social", is_member=False)
    slack.fail_next("conversations.setTopic", status=200, error="missing_scope")
    assert channels.ensure_member(runtime, TEAM, CHANNEL_CONTENT)
    assert channels.ensure_member(runtime, TEAM, "C0RANDOM")
    assert channels.ensure_member(runtime, TEAM, "C0SOCIAL")  # the refusal is no error
    assert _topic(slack, CHANNEL_CONTENT) == "Launch week!"
    assert _topic(slack, "C0RANDOM") == "" and _topic(slack, "C0SOCIAL") == ""
    [refused] = slack.calls_to("conversations.setTopic")
    assert refused.args["channel"] == "C0SOCIAL" and refused.response["error"] == "missing_scope"


def test_a_channel_the_workspace_renamed_still_names_its_lead(
    runtime: Runtime, slack: SlackStandIn
) -> None:
    """Workers join a renamed team channel on their own (placement): its lead is found by the
    department's default name, as routing finds it."""
    slack.add_channel(CHANNEL_CONTENT, "content-team", is_member=False)
    with runtime.sessions() as session:
        workspace_settings.rename_channel(session, TEAM, "U0ADMIN", "mkt-content", "content-team")
    assert channels.ensure_member(runtime, TEAM, CHANNEL_CONTENT)
    assert _topic(slack, CHANNEL_CONTENT).startswith("Content team · lead: Content Manager")
