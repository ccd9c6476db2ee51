"""The stand-in's assistant-pane and channel-topic methods (issue 19), with Slack's errors.

- `assistant.threads.setSuggestedPrompts` / `setTitle`: the pane of an assistant thread in
  a DM with the app (`channel_id` + `thread_ts`); up to four prompts, each a `title` and a
  `message`. What was set is kept per thread for the sandbox page (`Workspace.assistant`).
- `conversations.setTopic`: the app must be in the channel; a topic is at most 250 characters.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from sandbox.slack_methods import Args, MethodHandler, Payload, SlackMethodError, _channel
from sandbox.slack_workspace import Workspace

MAX_PROMPTS = 4
MAX_TOPIC_CHARS = 250


def _invalid(detail: str) -> SlackMethodError:
    return SlackMethodError("invalid_arguments", [f"[ERROR] {detail}"])


def _thread(ws: Workspace, args: Args) -> tuple[str, str]:
    channel_id = _channel(ws, args, "channel_id", member=True)
    thread_ts = args.get("thread_ts")
    if not isinstance(thread_ts, str) or not thread_ts:
        raise _invalid("missing required field: thread_ts")
    return channel_id, thread_ts


def _pane(ws: Workspace, channel_id: str, thread_ts: str) -> dict[str, Any]:
    panes: dict[tuple[str, str], dict[str, Any]] = ws.assistant
    return panes.setdefault(
        (channel_id, thread_ts), {"title": "", "prompts": [], "prompts_title": ""}
    )


def set_suggested_prompts(ws: Workspace, args: Args) -> Payload:
    channel_id, thread_ts = _thread(ws, args)
    prompts = args.get("prompts")
    if not isinstance(prompts, list) or not prompts:
        raise _invalid("missing required field: prompts")
    if len(prompts) > MAX_PROMPTS:
        raise _invalid(f"must provide at most {MAX_PROMPTS} items [json-pointer:/prompts]")
    for index, prompt in enumerate(prompts):
        if not isinstance(prompt, dict) or not prompt.get("title") or not prompt.get("message"):
            raise _invalid(
                f"missing required field: title or message [json-pointer:/prompts/{index}]"
            )
    title = args.get("title")
    pane = _pane(ws, channel_id, thread_ts)
    pane.update(
        prompts=copy.deepcopy(prompts), prompts_title=title if isinstance(title, str) else ""
    )
    return {}


def set_title(ws: Workspace, args: Args) -> Payload:
    channel_id, thread_ts = _thread(ws, args)
    title = args.get("title")
    if not isinstance(title, str) or not title:
        raise _invalid("missing required field: title")
    _pane(ws, channel_id, thread_ts)["title"] = title
    return {}


def set_topic(ws: Workspace, args: Args) -> Payload:
    channel_id = _channel(ws, args, member=True)
    topic = args.get("topic")
    if not isinstance(topic, str):
        raise _invalid("missing required field: topic")
    if len(topic) > MAX_TOPIC_CHARS:
        raise SlackMethodError("too_long")
    channel = ws.channels[channel_id]
    if channel["is_im"]:
        raise SlackMethodError("method_not_supported_for_channel_type")
    channel["topic"] = {
        "value": topic,
        "creator": ws.identity.bot_user_id,
        "last_set": int(time.time()),
    }
    return {"channel": copy.deepcopy(channel)}


EXTRA_METHODS: dict[str, MethodHandler] = {
    "assistant.threads.setSuggestedPrompts": set_suggested_prompts,
    "assistant.threads.setTitle": set_title,
    "conversations.setTopic": set_topic,
}
