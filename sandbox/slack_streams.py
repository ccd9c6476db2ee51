"""Slack's AI surfaces as the stand-in answers them: the thread status and native streaming.

`assistant.threads.setStatus` shows "<name> is thinking…" under a thread until the app's next
message in that thread, an empty status, or 2 minutes. `chat.startStream` posts a message in
streaming state, `chat.appendStream` adds markdown text or chunks to it, `chat.stopStream`
ends it (with metadata and blocks, like a post). A stream stops taking appends about 5
minutes after it started (`message_not_in_streaming_state`, as Slack answers: undocumented
there, reported in slack_sdk's issue tracker), and a streamed message is never "(edited)".

Chunks are validated as slack_sdk's chunk models describe them (`markdown_text`,
`task_update`, `plan_update`, `blocks`). The stand-in keeps what they showed on the message
as `stream`: the display mode, the plan's title and the tasks by id (the page draws it).
"""

from __future__ import annotations

import copy
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from sandbox.block_kit import validate_blocks
from sandbox.slack_methods import (
    MAX_MARKDOWN_TEXT_CHARS,
    Args,
    MethodHandler,
    Payload,
    SlackMethodError,
    _blocks,
    _channel,
    _metadata,
    _missing,
    _opt_str,
    _persona,
    _req_str,
)
from sandbox.slack_workspace import Message, Workspace, ts_key

STREAM_LIFETIME_S = 300.0  # appends are refused this long after startStream
STATUS_LIFETIME_S = 120.0  # a status clears itself after 2 minutes without a message
MAX_LOADING_MESSAGES = 10
TASK_STATUSES = frozenset({"pending", "in_progress", "complete", "error"})
DISPLAY_MODES = frozenset({"timeline", "plan"})


@dataclass
class Status:
    status: str
    set_ts: str  # the workspace clock when it was set: a later app message clears it
    set_at: float
    username: str | None = None
    icon_emoji: str | None = None
    loading_messages: list[str] = field(default_factory=list)


@dataclass
class StreamState:
    """What the stand-in knows beyond the messages: live streams and thread statuses."""

    lifetime_s: float = STREAM_LIFETIME_S
    status_lifetime_s: float = STATUS_LIFETIME_S
    started: dict[tuple[str, str], float] = field(default_factory=dict)  # live streams
    statuses: dict[tuple[str, str], Status] = field(default_factory=dict)


_STATES: weakref.WeakKeyDictionary[Workspace, StreamState] = weakref.WeakKeyDictionary()


def state_of(ws: Workspace) -> StreamState:
    """The workspace's stream and status state (tests shorten `lifetime_s` to expire one)."""
    with ws.lock:
        return _STATES.setdefault(ws, StreamState())


def _invalid(message: str) -> SlackMethodError:
    return SlackMethodError("invalid_arguments", [f"[ERROR] {message}"])


# -- status ----------------------------------------------------------------------------------


def set_status(ws: Workspace, args: Args) -> Payload:
    """Show (or, with an empty status, clear) the "is thinking…" line under a thread."""
    channel_id = _channel(ws, args, "channel_id", member=True)
    thread_ts = _req_str(args, "thread_ts")
    status = _opt_str(args, "status")
    if status is None:
        raise _missing("status")
    loading = args.get("loading_messages") or []
    if not isinstance(loading, list) or not all(isinstance(m, str) for m in loading):
        raise _invalid("loading_messages must be an array of strings")
    if len(loading) > MAX_LOADING_MESSAGES:
        raise _invalid(f"loading_messages takes at most {MAX_LOADING_MESSAGES} messages")
    statuses = state_of(ws).statuses
    if status == "":
        statuses.pop((channel_id, thread_ts), None)
        return {}
    statuses[(channel_id, thread_ts)] = Status(
        status,
        ws.next_ts(),
        time.monotonic(),
        _opt_str(args, "username"),
        _opt_str(args, "icon_emoji"),
        list(loading),
    )
    return {}


def statuses_in(ws: Workspace, channel_id: str) -> list[dict[str, Any]]:
    """The statuses still shown in a channel's threads, for the page."""
    state = state_of(ws)
    shown: list[dict[str, Any]] = []
    with ws.lock:
        for (channel, thread_ts), status in list(state.statuses.items()):
            if channel != channel_id:
                continue
            if _cleared(ws, state, channel, thread_ts, status):
                del state.statuses[(channel, thread_ts)]
                continue
            shown.append(
                {
                    "thread_ts": thread_ts,
                    "status": status.status,
                    "username": status.username,
                    "icon_emoji": status.icon_emoji,
                    "loading_messages": list(status.loading_messages),
                }
            )
    return shown


def _cleared(ws: Workspace, state: StreamState, channel: str, thread_ts: str, s: Status) -> bool:
    if time.monotonic() - s.set_at > state.status_lifetime_s:
        return True
    return any(
        m.get("bot_id") == ws.identity.bot_id and ts_key(m["ts"]) > ts_key(s.set_ts)
        for m in ws.thread(channel, thread_ts)
    )


# -- chunks ----------------------------------------------------------------------------------


def _chunks(args: Args) -> list[dict[str, Any]]:
    raw = args.get("chunks")
    if raw is None:
        return []
    if not isinstance(raw, list) or not raw:
        raise SlackMethodError("invalid_chunks", ["[ERROR] chunks must be a non-empty array"])
    problems = [p for index, chunk in enumerate(raw) for p in _chunk_problems(index, chunk)]
    if problems:
        raise SlackMethodError("invalid_chunks", [f"[ERROR] {p}" for p in problems])
    return [dict(chunk) for chunk in raw]


def _chunk_problems(index: int, chunk: object) -> list[str]:
    where = f"chunks[{index}]"
    if not isinstance(chunk, dict):
        return [f"{where} must be an object"]
    kind = chunk.get("type")
    required: dict[str, tuple[str, ...]] = {
        "markdown_text": ("text",),
        "plan_update": ("title",),
        "task_update": ("id", "title", "status"),
        "blocks": (),
    }
    if kind not in required:
        return [f"{where}.type must be one of {', '.join(sorted(required))}"]
    problems = [
        f"{where}.{name} is required" for name in required[kind] if not _text(chunk.get(name))
    ]
    if kind == "markdown_text" and len(str(chunk.get("text", ""))) > MAX_MARKDOWN_TEXT_CHARS:
        problems.append(f"{where}.text is longer than {MAX_MARKDOWN_TEXT_CHARS} characters")
    if kind == "task_update":
        problems += _task_problems(where, chunk)
    if kind == "blocks":
        problems += [f"{where}.{p}" for p in validate_blocks(chunk.get("blocks"))]
    return problems


def _task_problems(where: str, chunk: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if chunk.get("status") not in TASK_STATUSES:
        problems.append(f"{where}.status must be one of {', '.join(sorted(TASK_STATUSES))}")
    for name in ("details", "output"):
        if chunk.get(name) is not None and not isinstance(chunk[name], str):
            problems.append(f"{where}.{name} must be a string")
    sources = chunk.get("sources")
    if sources is not None and (
        not isinstance(sources, list)
        or not all(
            isinstance(s, dict) and s.get("type") == "url" and _text(s.get("url")) for s in sources
        )
    ):
        problems.append(f"{where}.sources must be url sources (type, url, text)")
    return problems


def _text(value: object) -> bool:
    return isinstance(value, str) and value != ""


def _markdown(args: Args) -> str | None:
    markdown = _opt_str(args, "markdown_text")
    if markdown is not None and len(markdown) > MAX_MARKDOWN_TEXT_CHARS:
        raise SlackMethodError("msg_too_long")
    return markdown


def _show(message: Message, markdown: str | None, chunks: list[dict[str, Any]]) -> None:
    """Add what an append carries to the message as a reader sees it."""
    if markdown:
        message["text"] = message.get("text", "") + markdown
    view = message.setdefault("stream", {"mode": "timeline", "title": None, "tasks": []})
    for chunk in chunks:
        if chunk["type"] == "markdown_text":
            message["text"] = message.get("text", "") + chunk["text"]
        elif chunk["type"] == "plan_update":
            view["title"] = chunk["title"]
        elif chunk["type"] == "task_update":
            keys: tuple[str, ...] = ("id", "title", "status", "details", "output")
            task: dict[str, Any] = {k: chunk[k] for k in keys if k in chunk}
            tasks: list[dict[str, Any]] = view["tasks"]
            index = next((i for i, t in enumerate(tasks) if t["id"] == task["id"]), None)
            if index is None:
                tasks.append(task)
            else:
                tasks[index] = task
        elif chunk["type"] == "blocks":
            message["blocks"] = list(message.get("blocks") or []) + list(chunk["blocks"])


# -- streams ---------------------------------------------------------------------------------


def start_stream(ws: Workspace, args: Args) -> Payload:
    """Post a message in streaming state as a thread reply (in a channel: for one person)."""
    channel_id = _channel(ws, args, member=True)
    thread_ts = _opt_str(args, "thread_ts")
    if not thread_ts:
        raise _invalid("thread_ts is required")
    mode = _opt_str(args, "task_display_mode")
    if mode is not None and mode not in DISPLAY_MODES:
        raise _invalid("task_display_mode must be timeline or plan")
    _recipient(ws, args, channel_id)
    markdown, chunks = _markdown(args), _chunks(args)
    me = ws.identity
    message: Message = {"type": "message", "user": me.bot_user_id, "bot_id": me.bot_id}
    message.update(text="", ts=ws.next_ts(), team=me.team_id, thread_ts=thread_ts)
    message.update(_persona(args))
    message["stream"] = {"mode": mode or "timeline", "title": None, "tasks": [], "live": True}
    _show(message, markdown, chunks)
    ws.store_message(channel_id, message)
    state_of(ws).started[(channel_id, message["ts"])] = time.monotonic()
    return {"channel": channel_id, "ts": message["ts"]}


def _recipient(ws: Workspace, args: Args, channel_id: str) -> None:
    """Outside a DM a stream is for one person: Slack wants who and which team."""
    user, team = _opt_str(args, "recipient_user_id"), _opt_str(args, "recipient_team_id")
    if ws.channels[channel_id]["is_im"] and user is None and team is None:
        return
    if not user:
        raise SlackMethodError("missing_recipient_user_id")
    if not team:
        raise SlackMethodError("missing_recipient_team_id")
    if not ws.knows_user(user):
        raise SlackMethodError("user_not_found")
    if team != ws.identity.team_id:
        raise SlackMethodError("team_not_found")


def _streaming(ws: Workspace, args: Args) -> tuple[str, str, Message]:
    """The live stream `channel` + `ts` point at, or Slack's error for why it is not one."""
    channel_id = _channel(ws, args)
    ts = _req_str(args, "ts")
    message = ws.find_message(channel_id, ts)
    if message is None:
        raise SlackMethodError("message_not_found")
    if message.get("bot_id") != ws.identity.bot_id:
        raise SlackMethodError("message_not_owned_by_app")
    state = state_of(ws)
    started = state.started.get((channel_id, ts))
    if started is not None and time.monotonic() - started > state.lifetime_s:
        _end(ws, channel_id, message)
        started = None
    if started is None:
        raise SlackMethodError("message_not_in_streaming_state")
    return channel_id, ts, message


def _end(ws: Workspace, channel_id: str, message: Message) -> None:
    state_of(ws).started.pop((channel_id, message["ts"]), None)
    if "stream" in message:
        message["stream"]["live"] = False


def append_stream(ws: Workspace, args: Args) -> Payload:
    """Add markdown text or chunks to a live stream."""
    channel_id, ts, message = _streaming(ws, args)
    markdown, chunks = _markdown(args), _chunks(args)
    if not markdown and not chunks:
        raise SlackMethodError("no_text")
    _show(message, markdown, chunks)
    return {"channel": channel_id, "ts": ts, "message": {"thread_ts": message.get("thread_ts")}}


def stop_stream(ws: Workspace, args: Args) -> Payload:
    """End a stream: last text or chunks, blocks and metadata as on a post; never "edited"."""
    channel_id, ts, message = _streaming(ws, args)
    markdown, chunks, blocks = _markdown(args), _chunks(args), _blocks(args)
    metadata = _metadata(args)
    _show(message, markdown, chunks)
    if blocks is not None:
        message["blocks"] = blocks
    if metadata:
        message["metadata"] = metadata
    _end(ws, channel_id, message)
    return {"channel": channel_id, "ts": ts, "message": copy.deepcopy(message)}


STREAM_METHODS: dict[str, MethodHandler] = {
    "assistant.threads.setStatus": set_status,
    "chat.startStream": start_stream,
    "chat.appendStream": append_stream,
    "chat.stopStream": stop_stream,
}
