"""Slack's AI side panel: people talk to the CMO in an assistant thread (Bolt's `Assistant`).

- `assistant_thread_started`: a job greets the person and sets the suggested prompts (the
  sandbox's examples, `bots/examples.toml`); the listener only enqueues.
- A person's message in the thread is a DM turn like any other (persist + enqueue): the CMO
  answers in that thread, or the agent the message names.
- `assistant_thread_context_changed`: the channel the person is viewing. The department does
  not use it (a request names its subject), so it is acknowledged and not stored.

Bolt's `Assistant` takes every person's message in a DM thread (assistant threads are DM
threads), so its `user_message` is the same intake as `handlers.events` for a DM.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, Assistant, BoltContext

from handlers.context import services
from handlers.events import accept_direct_message
from jobs.queue import GREET_ASSISTANT_THREAD, thread_ref

logger = logging.getLogger(__name__)


def register(app: App) -> None:
    assistant = Assistant()
    assistant.thread_started(handle_thread_started)
    assistant.user_message(handle_user_message)
    assistant.thread_context_changed(handle_context_changed)
    app.assistant(assistant)


def handle_thread_started(
    body: dict[str, Any], payload: dict[str, Any], context: BoltContext
) -> None:
    thread = payload.get("assistant_thread") or {}
    channel_id, thread_ts = str(thread.get("channel_id") or ""), str(thread.get("thread_ts") or "")
    team_id = str(context.team_id or body.get("team_id") or "")
    if team_id and channel_id and thread_ts:
        services(context).intake.enqueue(
            GREET_ASSISTANT_THREAD, team_id, thread_ref(channel_id, thread_ts)
        )


def handle_user_message(
    body: dict[str, Any], payload: dict[str, Any], context: BoltContext
) -> None:
    accept_direct_message(body, payload, context, source="message.im")


def handle_context_changed(payload: dict[str, Any]) -> None:
    context = (payload.get("assistant_thread") or {}).get("context") or {}
    logger.debug("Assistant thread now viewing %s", context.get("channel_id"))
