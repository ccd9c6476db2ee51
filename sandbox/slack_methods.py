"""Slack Web API methods as the stand-in answers them: real argument names, shapes, errors.

Each handler takes the workspace and the decoded arguments and returns the success payload
(without `"ok": true`), or raises `SlackMethodError` with Slack's error code. Where Slack is
lenient the stand-in is equally lenient; where Slack's limits are fuzzy it errs on the strict
side so nothing passes here that Slack would refuse.
"""

from __future__ import annotations

import base64
import binascii
import copy
from collections.abc import Callable
from typing import Any

from sandbox import slack_membership as membership
from sandbox.block_kit import MAX_BLOCKS_TEXT_CHARS, blocks_text_length, validate_blocks
from sandbox.slack_workspace import SANDBOX_DOMAIN, Message, Workspace, ts_key

Args = dict[str, Any]
Payload = dict[str, Any]
MethodHandler = Callable[[Workspace, Args], Payload]

# chat.postMessage truncates text past 40,000 characters; the stand-in refuses instead so a
# silently cut message can never pass a test.
MAX_POST_TEXT_CHARS = 40_000
# chat.update documents `msg_too_long` for text above 4,000 characters.
MAX_UPDATE_TEXT_CHARS = 4_000
MAX_MARKDOWN_TEXT_CHARS = 12_000
MAX_REPLIES_PAGE = 1_000


class SlackMethodError(Exception):
    """A Slack error answer: `{"ok": false, "error": code}` plus optional detail messages."""

    def __init__(self, error: str, messages: list[str] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages or []


def _missing(name: str) -> SlackMethodError:
    return SlackMethodError("invalid_arguments", [f"[ERROR] missing required field: {name}"])


def _opt_str(args: Args, name: str) -> str | None:
    value = args.get(name)
    if value is None or isinstance(value, dict | list):
        return None
    return str(value)


def _req_str(args: Args, name: str) -> str:
    value = _opt_str(args, name)
    if value is None or value == "":
        raise _missing(name)
    return value


def flag(value: object) -> bool:
    """Slack reads booleans from JSON true, form "true"/"1" and numbers alike."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


def _channel(
    ws: Workspace,
    args: Args,
    name: str = "channel",
    *,
    allow_names: bool = False,
    member: bool = False,
) -> str:
    """The channel's id; `member=True` where Slack needs the bot in it (post, read)."""
    ref = _opt_str(args, name)
    channel_id = ws.resolve_channel(ref, allow_names=allow_names) if ref else None
    if channel_id is None:
        raise SlackMethodError("channel_not_found")
    try:
        if member:
            membership.check_member(ws, channel_id)
        else:
            membership.check_visible(ws, channel_id)
    except membership.NotVisible as refused:
        raise SlackMethodError(refused.error) from None
    return channel_id


def _blocks(args: Args) -> list[Any] | None:
    if "blocks" not in args or args["blocks"] is None:
        return None
    blocks = args["blocks"]
    if isinstance(blocks, str):  # still a string: it was not valid JSON
        raise SlackMethodError("invalid_blocks_format")
    problems = validate_blocks(blocks)
    if problems:
        raise SlackMethodError("invalid_blocks", [f"[ERROR] {p}" for p in problems])
    if blocks_text_length(blocks) > MAX_BLOCKS_TEXT_CHARS:
        raise SlackMethodError("msg_blocks_too_long")
    return list(blocks)


def _content(args: Args, max_text_chars: int) -> tuple[str | None, list[Any] | None]:
    """Validate text / blocks / markdown_text; return (text, blocks) as they will be stored."""
    text, markdown = _opt_str(args, "text"), _opt_str(args, "markdown_text")
    blocks = _blocks(args)
    if markdown is not None:
        if text is not None or blocks is not None:
            raise SlackMethodError("markdown_text_conflict")
        if len(markdown) > MAX_MARKDOWN_TEXT_CHARS:
            raise SlackMethodError("msg_too_long")
        text = markdown
    if not text and not blocks:
        raise SlackMethodError("no_text")
    if text is not None and len(text) > max_text_chars:
        raise SlackMethodError("msg_too_long")
    return text, blocks


def _metadata(args: Args) -> dict[str, Any] | None:
    if args.get("metadata") in (None, ""):
        return None
    metadata = args["metadata"]
    if not isinstance(metadata, dict):
        raise SlackMethodError("invalid_metadata_format")
    if not metadata:
        return {}
    event_type = metadata.get("event_type")
    if not isinstance(event_type, str) or not event_type:
        raise SlackMethodError("invalid_metadata_schema", ["[ERROR] missing field: event_type"])
    if not isinstance(metadata.get("event_payload"), dict):
        raise SlackMethodError("invalid_metadata_schema", ["[ERROR] invalid event_payload"])
    return {"event_type": event_type, "event_payload": metadata["event_payload"]}


CUSTOMIZE_SCOPE = "chat:write.customize"
PERSONA_ARGS = ("username", "icon_emoji", "icon_url")


def as_granted(args: Args, scopes: frozenset[str] | None) -> Args:
    """The arguments as Slack acts on them for a token with `scopes` (None: not modelled).
    Without chat:write.customize Slack accepts a post's username and icon and ignores them:
    it shows as the app's bot user, and answers ok (the python-slack-sdk and papercups
    threads, and the customize scope's page, which makes the override depend on it)."""
    if scopes is None or CUSTOMIZE_SCOPE in scopes:
        return args
    return {name: value for name, value in args.items() if name not in PERSONA_ARGS}


def _persona(args: Args) -> dict[str, Any]:
    persona: dict[str, Any] = {}
    if username := _opt_str(args, "username"):
        persona.update(username=username, subtype="bot_message")
    if icon_emoji := _opt_str(args, "icon_emoji"):
        persona["icons"] = {"emoji": icon_emoji}  # icon_emoji overrides icon_url
    elif icon_url := _opt_str(args, "icon_url"):
        persona["icons"] = {"image_48": icon_url}
    return persona


def auth_test(ws: Workspace, args: Args) -> Payload:
    """Identify the bot behind the token, as apps do at start-up."""
    me = ws.identity
    return {
        "url": f"https://{SANDBOX_DOMAIN}/",
        "team": me.team_name,
        "user": me.bot_name,
        "team_id": me.team_id,
        "user_id": me.bot_user_id,
        "bot_id": me.bot_id,
        "is_enterprise_install": False,
    }


def chat_post_message(ws: Workspace, args: Args) -> Payload:
    """Post a bot message (optionally a thread reply with a persona and metadata)."""
    channel_id = _channel(ws, args, allow_names=True, member=True)
    text, blocks = _content(args, MAX_POST_TEXT_CHARS)
    metadata = _metadata(args)
    me = ws.identity
    message: Message = {"type": "message", "user": me.bot_user_id, "bot_id": me.bot_id}
    message.update(text=text or "", ts=ws.next_ts(), team=me.team_id, **_persona(args))
    if blocks is not None:
        message["blocks"] = blocks
    if metadata:
        message["metadata"] = metadata
    # An unknown thread_ts is not an error at Slack: the reply is stored but never shown.
    if thread_ts := _opt_str(args, "thread_ts"):
        message["thread_ts"] = thread_ts
        if flag(args.get("reply_broadcast")):
            message["subtype"] = "thread_broadcast"
    ws.store_message(channel_id, message)
    return {"channel": channel_id, "ts": message["ts"], "message": copy.deepcopy(message)}


def _own_message(ws: Workspace, args: Args, *, refusal: str) -> tuple[str, str, Message]:
    """The message `channel` + `ts` point at, if this bot posted it (others' are refused)."""
    channel_id = _channel(ws, args)
    ts = _req_str(args, "ts")
    message = ws.find_message(channel_id, ts)
    if message is None:
        raise SlackMethodError("message_not_found")
    if message.get("bot_id") != ws.identity.bot_id:
        raise SlackMethodError(refusal)
    return channel_id, ts, message


def chat_update(ws: Workspace, args: Args) -> Payload:
    """Edit a bot message in place; its persona (username/icons) stays as posted."""
    channel_id, ts, message = _own_message(ws, args, refusal="cant_update_message")
    text, blocks = _content(args, MAX_UPDATE_TEXT_CHARS)
    metadata = _metadata(args)
    if text is not None:
        message["text"] = text
    if blocks:
        message["blocks"] = blocks
    elif blocks is not None or text is not None:  # [] clears; text without blocks drops them
        message.pop("blocks", None)
    if metadata == {}:
        message.pop("metadata", None)
    elif metadata is not None:
        message["metadata"] = metadata
    message["edited"] = {"user": ws.identity.bot_user_id, "ts": ws.next_ts()}
    return {
        "channel": channel_id,
        "ts": ts,
        "text": message["text"],
        "message": copy.deepcopy(message),
    }


def chat_delete(ws: Workspace, args: Args) -> Payload:
    """Delete a message the bot posted (a bot token cannot delete other people's messages)."""
    channel_id, ts, _message = _own_message(ws, args, refusal="cant_delete_message")
    ws.remove_message(channel_id, ts)
    return {"channel": channel_id, "ts": ts}


def chat_post_ephemeral(ws: Workspace, args: Args) -> Payload:
    """Show a message to one user only; kept apart from the channel's messages."""
    channel_id = _channel(ws, args)
    user = _req_str(args, "user")
    if not ws.knows_user(user):
        raise SlackMethodError("user_not_found")
    channel = ws.channels[channel_id]
    if channel["is_im"] and channel["user"] != user:
        raise SlackMethodError("user_not_in_channel")
    text, blocks = _content(args, MAX_POST_TEXT_CHARS)
    ephemeral: Message = {"message_ts": ws.next_ts(), "user": user, "text": text or ""}
    if blocks is not None:
        ephemeral["blocks"] = blocks
    if thread_ts := _opt_str(args, "thread_ts"):
        ephemeral["thread_ts"] = thread_ts
    ws.store_ephemeral(channel_id, ephemeral)
    return {"message_ts": ephemeral["message_ts"]}


def chat_get_permalink(ws: Workspace, args: Args) -> Payload:
    """Link to a message; replies link into their thread like Slack's permalinks do."""
    channel_id = _channel(ws, args)
    ts = _req_str(args, "message_ts")
    message = ws.find_message(channel_id, ts)
    if message is None:
        raise SlackMethodError("message_not_found")
    permalink = f"https://{SANDBOX_DOMAIN}/archives/{channel_id}/p{ts.replace('.', '')}"
    thread_ts = message.get("thread_ts")
    if thread_ts and thread_ts != ts:
        permalink += f"?thread_ts={thread_ts}&cid={channel_id}"
    return {"channel": channel_id, "permalink": permalink}


def conversations_info(ws: Workspace, args: Args) -> Payload:
    """Describe a channel or DM."""
    channel_id = _channel(ws, args)
    return {"channel": copy.deepcopy(ws.channels[channel_id])}


def conversations_join(ws: Workspace, args: Args) -> Payload:
    """Join a public channel (private ones need an invitation)."""
    channel_id = _channel(ws, args)
    try:
        return membership.join(ws, channel_id)
    except membership.NotVisible as refused:
        raise SlackMethodError(refused.error) from None


def conversations_members(ws: Workspace, args: Args) -> Payload:
    """The people in a conversation, and the bot if it is in it (one page)."""
    channel_id = _channel(ws, args)
    with ws.lock:
        people = list(ws.members.get(channel_id, []))
        if ws.channels[channel_id]["is_member"]:
            people.append(ws.identity.bot_user_id)
    return {"members": people, "response_metadata": {"next_cursor": ""}}


def conversations_list(ws: Workspace, args: Args) -> Payload:
    """List conversations of the requested types (default public channels), paged by id."""
    wanted = set((_opt_str(args, "types") or "public_channel").split(","))
    kinds: dict[str, Callable[[dict[str, Any]], bool]] = {
        "public_channel": lambda c: not c["is_im"] and not c["is_private"],
        "private_channel": lambda c: bool(not c["is_im"] and c["is_private"] and c["is_member"]),
        "im": lambda c: bool(c["is_im"]),
    }
    unknown = wanted - set(kinds) - {"mpim"}
    if unknown:
        raise SlackMethodError("invalid_types")
    matching = [
        copy.deepcopy(channel)
        for _, channel in sorted(ws.channels.items())
        if any(kinds[kind](channel) for kind in wanted if kind in kinds)
    ]
    start = int(base64.b64decode(_opt_str(args, "cursor") or "MA==").decode() or 0)
    limit = _limit(args)
    page = matching[start : start + limit]
    more = start + limit < len(matching)
    cursor = base64.b64encode(str(start + limit).encode()).decode() if more else ""
    return {"channels": page, "response_metadata": {"next_cursor": cursor}}


def conversations_replies(ws: Workspace, args: Args) -> Payload:
    """Page through a thread, parent first; metadata only when asked for."""
    channel_id = _channel(ws, args, member=True)
    ts = _req_str(args, "ts")
    message = ws.find_message(channel_id, ts)
    if message is None:
        raise SlackMethodError("thread_not_found")
    thread = ws.thread(channel_id, message.get("thread_ts") or ts)
    start = _cursor_start(thread, _opt_str(args, "cursor"))
    limit = _limit(args)
    page = copy.deepcopy(thread[start : start + limit])
    if not flag(args.get("include_all_metadata")):
        for item in page:
            item.pop("metadata", None)
    payload: Payload = {"messages": page, "has_more": start + limit < len(thread)}
    if payload["has_more"]:
        next_ts = thread[start + limit]["ts"]
        cursor = base64.b64encode(f"next_ts:{next_ts}".encode()).decode()
        payload["response_metadata"] = {"next_cursor": cursor}
    return payload


def conversations_history(ws: Workspace, args: Args) -> Payload:
    """Top-level messages, newest first; `oldest` bounds the search; metadata when asked for."""
    channel_id = _channel(ws, args, member=True)
    oldest = _opt_str(args, "oldest")
    top = [
        m
        for m in reversed(ws.channel_messages(channel_id))
        if m.get("thread_ts") in (None, m["ts"])
        and (oldest is None or ts_key(m["ts"]) > ts_key(_as_ts(oldest)))
    ]
    cursor = _opt_str(args, "cursor")
    start = 0
    if cursor:
        next_ts = _decode_cursor(cursor)
        start = next((i for i, m in enumerate(top) if ts_key(m["ts"]) <= ts_key(next_ts)), len(top))
    limit = _limit(args)
    page = top[start : start + limit]
    if not flag(args.get("include_all_metadata")):
        for item in page:
            item.pop("metadata", None)
    payload: Payload = {"messages": page, "has_more": start + limit < len(top)}
    if payload["has_more"]:
        cursor = base64.b64encode(f"next_ts:{top[start + limit]['ts']}".encode()).decode()
        payload["response_metadata"] = {"next_cursor": cursor}
    return payload


def _as_ts(value: str) -> str:
    """`oldest` may be given as "1700000000" or "1700000000.000100"."""
    return value if "." in value else f"{value}.000000"


def _limit(args: Args) -> int:
    raw = args.get("limit")
    if raw in (None, ""):
        return MAX_REPLIES_PAGE
    try:
        return min(max(int(str(raw)), 1), MAX_REPLIES_PAGE)
    except ValueError:
        raise SlackMethodError("invalid_limit") from None


def _decode_cursor(cursor: str) -> str:
    try:
        decoded = base64.b64decode(cursor, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise SlackMethodError("invalid_cursor") from None
    prefix, _, next_ts = decoded.partition(":")
    if prefix != "next_ts" or ts_key(next_ts) < (0, 0):
        raise SlackMethodError("invalid_cursor")
    return next_ts


def _cursor_start(thread: list[Message], cursor: str | None) -> int:
    if not cursor:
        return 0
    next_ts = _decode_cursor(cursor)
    return next(
        (i for i, m in enumerate(thread) if ts_key(m["ts"]) >= ts_key(next_ts)), len(thread)
    )


def users_info(ws: Workspace, args: Args) -> Payload:
    """Describe a user (persona routing and admin checks rely on it)."""
    user_id = _req_str(args, "user")
    if user_id not in ws.users:
        raise SlackMethodError("user_not_found")
    return {"user": copy.deepcopy(ws.users[user_id])}


def usergroups_users_list(ws: Workspace, args: Args) -> Payload:
    """Members of a user group (approvers may be configured as groups)."""
    group_id = _req_str(args, "usergroup")
    with ws.lock:
        group = ws.usergroups.get(group_id)
        if group is None:
            raise SlackMethodError("no_such_subteam")
        return {"users": list(group["users"])}


METHODS: dict[str, MethodHandler] = {
    "auth.test": auth_test,
    "chat.postMessage": chat_post_message,
    "chat.update": chat_update,
    "chat.delete": chat_delete,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.getPermalink": chat_get_permalink,
    "conversations.info": conversations_info,
    "conversations.join": conversations_join,
    "conversations.list": conversations_list,
    "conversations.members": conversations_members,
    "conversations.replies": conversations_replies,
    "conversations.history": conversations_history,
    "users.info": users_info,
    "usergroups.users.list": usergroups_users_list,
}
