"""The message shortcut "Send to the department": on any message, ask an agent to act on it.

Choosing it opens a modal (which agent: the roster as a static select, the CMO first; what to
do: text, required). Its submission becomes a turn of that agent in the message's thread,
with the message as context (its text, author and permalink), exactly like a request typed
there: persisted, enqueued, answered by the worker. Problems are shown in the modal, next to
the field, and change nothing. If the app cannot post in that conversation, the person is
told in the modal: a public channel the app is not in is joined first (as before any post
there), a private channel or a conversation it cannot see gets "invite me" in the modal,
and nothing is started. (Should the app be removed before it answers, the turn's usual
`jobs/slack/unreachable.py` path tells the person in their DM with the app.)
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bots.roster import Roster
from handlers.context import services
from jobs.slack.text import from_slack
from models.turns import InboundMessage

logger = logging.getLogger(__name__)

SEND_TO_DEPARTMENT = "send-to-department"  # the shortcut's callback_id (manifest.yml)
SEND_MODAL = "send-to-department-modal"
AGENT_BLOCK, AGENT_ACTION = "agent", "agent"
WHAT_BLOCK, WHAT_ACTION = "what", "what"
QUOTED_MAX_CHARS = 1500  # of the message, carried in private_metadata (3,000 at most)
WHAT_MAX_CHARS = 2000
NO_WHAT = "Say what the agent should do with this message."
UNKNOWN_AGENT = "Pick one of the department's agents."
CANNOT_POST = (
    "I can't post in that conversation: invite me there (`/invite @Marketing Dept`), or share "
    "the message to a channel I'm in and send it from there."
)


@dataclass(frozen=True)
class SendToDepartment:
    """The shortcut's listeners, holding the roster the modal offers."""

    roster: Roster

    def register(self, app: App) -> None:
        app.shortcut(SEND_TO_DEPARTMENT)(self.open_modal)
        app.view(SEND_MODAL)(self.take_submission)

    def open_modal(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=send_modal(self.roster, body))

    def take_submission(
        self,
        ack: Ack,
        body: dict[str, Any],
        view: dict[str, Any],
        context: BoltContext,
    ) -> None:
        values = view["state"]["values"]
        agent_id = (
            (values.get(AGENT_BLOCK, {}).get(AGENT_ACTION) or {}).get("selected_option") or {}
        ).get("value")
        what = " ".join(
            str((values.get(WHAT_BLOCK, {}).get(WHAT_ACTION) or {}).get("value") or "").split()
        )
        if agent_id not in self.roster.by_id:
            ack(response_action="errors", errors={AGENT_BLOCK: UNKNOWN_AGENT})
            return
        if not what:
            ack(response_action="errors", errors={WHAT_BLOCK: NO_WHAT})
            return
        source = json.loads(view.get("private_metadata") or "{}")
        team_id = str(context.team_id or body.get("team", {}).get("id") or "")
        # Before the ack, within Slack's 3 s: a short timeout and no Retry-After waits.
        quick = services(context).people.client_for(team_id)
        if not _can_post(quick, str(source.get("channel") or "")):
            ack(response_action="errors", errors={WHAT_BLOCK: CANNOT_POST})
            return
        alias = self.roster.get(agent_id).aliases[0]
        text = request_text(alias, what, source, _permalink(quick, source))
        services(context).intake.accept(_inbound(team_id, view, body["user"]["id"], source, text))
        ack()


def send_modal(roster: Roster, body: dict[str, Any]) -> dict[str, Any]:
    """The modal: which agent (the CMO first, selected) and what to do."""
    message = body.get("message") or {}
    source = {
        "channel": body["channel"]["id"],
        "ts": body["message_ts"],
        "thread_ts": message.get("thread_ts") or body["message_ts"],
        "author": message.get("user") or message.get("username") or "",
        "text": from_slack(str(message.get("text") or ""))[:QUOTED_MAX_CHARS],
    }
    options = [_option(agent.id, agent.display_name) for agent in roster.agents]
    front = _option(roster.front_door.id, roster.front_door.display_name)
    return {
        "type": "modal",
        "callback_id": SEND_MODAL,
        "title": {"type": "plain_text", "text": "Send to the department"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps(source),
        "blocks": [
            {
                "type": "input",
                "block_id": AGENT_BLOCK,
                "label": {"type": "plain_text", "text": "Which agent"},
                "element": {
                    "type": "static_select",
                    "action_id": AGENT_ACTION,
                    "options": options,
                    "initial_option": front,
                },
            },
            {
                "type": "input",
                "block_id": WHAT_BLOCK,
                "label": {"type": "plain_text", "text": "What to do"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": WHAT_ACTION,
                    "multiline": True,
                    "max_length": WHAT_MAX_CHARS,
                    "placeholder": {
                        "type": "plain_text",
                        "text": "e.g. turn this into a LinkedIn post",
                    },
                },
            },
            {
                "type": "context",
                "elements": [
                    {"type": "plain_text", "text": "The agent answers in the message's thread."}
                ],
            },
        ],
    }


def request_text(alias: str, what: str, source: dict[str, Any], permalink: str | None) -> str:
    """The turn's text: the agent addressed by name, the instruction, then the message."""
    author = source.get("author") or "someone"
    where = f" ({permalink})" if permalink else ""
    quoted = (
        "\n".join(f"> {line}" for line in str(source.get("text") or "").splitlines())
        or "> (no text)"
    )
    return f"{alias}: {what}\n\nAbout this message from <@{author}>{where}:\n{quoted}"


def _inbound(
    team_id: str, view: dict[str, Any], user: str, source: dict[str, Any], text: str
) -> InboundMessage:
    channel = str(source["channel"])
    return InboundMessage(
        team_id=team_id,
        event_id=f"shortcut-{view['id']}",  # a retried submission is one turn
        source="shortcut",
        channel_id=channel,
        is_dm=channel.startswith("D"),
        thread_ts=str(source["thread_ts"]),
        message_ts=f"{time.time():.6f}",  # when the person asked, after the message itself
        user_id=user,
        text=text,
    )


def _can_post(client: WebClient, channel_id: str) -> bool:
    """Whether the app can answer in the conversation: it is in it, or joins it now (a public
    channel, as before its first post in a team channel; jobs/slack/channels.py)."""
    try:
        channel = client.conversations_info(channel=channel_id)["channel"]
        if channel.get("is_member") or channel.get("is_im"):
            return True
        if channel.get("is_private"):
            return False
        client.conversations_join(channel=channel_id)
    except SlackApiError as error:
        logger.info("Shortcut on %s: %s", channel_id, error.response.get("error"))
        return False
    return True


def _permalink(client: WebClient, source: dict[str, Any]) -> str | None:
    try:
        found = client.chat_getPermalink(channel=source["channel"], message_ts=source["ts"])
    except SlackApiError as error:
        logger.info("No permalink for a shortcut's message: %s", error.response.get("error"))
        return None
    return str(found.get("permalink") or "") or None


def _option(value: str, text: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text[:75]}, "value": value}
