"""The state behind the Slack stand-in: one workspace's channels, users and messages.

Held apart from the HTTP server so method handlers can be read (and tested) as plain
functions of a workspace and their arguments. Every read or write happens under `lock`;
handlers run entirely inside it, so a request sees and leaves a consistent workspace.
"""

from __future__ import annotations

import contextlib
import copy
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sandbox.slack_view_store import ViewStore

Message = dict[str, Any]

SANDBOX_DOMAIN = "sandbox.slack.local"


@dataclass(frozen=True)
class Identity:
    """Who the stand-in's one valid token belongs to, as `auth.test` reports it."""

    bot_token: str
    team_id: str
    bot_user_id: str
    bot_id: str
    team_name: str = "Sandbox"
    bot_name: str = "sandbox-bot"
    # The scopes its token was granted (None: not modelled, as if it had every one we use).
    scopes: frozenset[str] | None = None


def ts_key(ts: str) -> tuple[int, int]:
    """Sort key for Slack timestamps ("seconds.micros"); malformed ones sort first."""
    seconds, _, micros = ts.partition(".")
    try:
        return int(seconds), int(micros or 0)
    except ValueError:
        return -1, -1


class Workspace:
    """Channels, users, messages and ephemerals of the single sandbox team.

    Several bots may live in it (one Slack app per agent): the department's (`main`) and
    others added with `add_bot`. A method handler runs `acting_as` the bot whose token called
    it, so `identity` and every channel's `is_member` are that bot's while it runs."""

    def __init__(self, identity: Identity) -> None:
        self.main = identity
        self._acting: Identity | None = None
        self.bots: dict[str, Identity] = {}  # the other bots, by token
        self._bot_channels: dict[str, set[str]] = {}  # another bot's conversations
        self.lock = threading.RLock()
        self.channels: dict[str, dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.usergroups: dict[str, dict[str, Any]] = {}
        self.members: dict[str, list[str]] = {}  # people in each channel (the bot apart)
        self._messages: dict[str, list[Message]] = {}
        self._ephemerals: dict[str, list[Message]] = {}
        self._last_ts_us = 0
        self.views = ViewStore()
        # assistant-pane threads: (channel, thread_ts) → title, suggested prompts (slack_assistant)
        self.assistant: dict[tuple[str, str], dict[str, Any]] = {}
        self.add_user(identity.bot_user_id, identity.bot_name, is_bot=True)

    @property
    def identity(self) -> Identity:
        """The bot a method handler runs for (the department's outside of one)."""
        return self._acting or self.main

    def add_bot(self, identity: Identity) -> None:
        """Another bot user of this team, with its own token (an agent's own app)."""
        with self.lock:
            self.bots[identity.bot_token] = identity
            self._bot_channels.setdefault(identity.bot_user_id, set())
        self.add_user(identity.bot_user_id, identity.bot_name, is_bot=True)

    def bot_for(self, token: str) -> Identity | None:
        """The bot a token belongs to, if any."""
        if token == self.main.bot_token:
            return self.main
        with self.lock:
            return self.bots.get(token)

    def add_bot_to(self, channel_id: str, bot_user_id: str) -> None:
        """Put another bot in a conversation (an invitation)."""
        with self.lock:
            self._bot_channels[bot_user_id].add(channel_id)

    @contextlib.contextmanager
    def acting_as(self, bot: Identity) -> Iterator[None]:
        """Run a handler as `bot`: its identity and its memberships, then put them back."""
        if bot is self.main:
            yield
            return
        with self.lock:
            own = self._bot_channels[bot.bot_user_id]
            department = {cid: channel["is_member"] for cid, channel in self.channels.items()}
            for cid, channel in self.channels.items():
                channel["is_member"] = cid in own
            self._acting = bot
            try:
                yield
            finally:
                self._acting = None
                own.clear()
                own.update(cid for cid, channel in self.channels.items() if channel["is_member"])
                for cid, channel in self.channels.items():
                    channel["is_member"] = department.get(cid, False)

    def next_ts(self) -> str:
        """Return a fresh "%d.%06d" timestamp, strictly above every earlier one.

        Slack's `ts` is a message's identity within a channel, so two posts landing in the
        same microsecond must still get different values.
        """
        with self.lock:
            self._last_ts_us = max(int(time.time() * 1_000_000), self._last_ts_us + 1)
            seconds, micros = divmod(self._last_ts_us, 1_000_000)
            return f"{seconds}.{micros:06d}"

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        is_im: bool,
        user: str | None,
        is_private: bool = False,
        is_member: bool = True,
        members: list[str] | None = None,
        topic: str = "",
        bot: str | None = None,
    ) -> None:
        """Create a conversation shaped like `conversations.info` returns it; `is_member` says
        whether the bot is in it (a DM always has the bot), `members` who else is. `bot`: a
        DM with that other bot (`add_bot`), not with the department's."""
        channel: dict[str, Any] = {
            "id": channel_id,
            "created": int(time.time()),
            "is_channel": not is_im,
            "is_group": False,
            "is_im": is_im,
            "is_mpim": False,
            "is_private": is_private or is_im,
            "is_archived": False,
            "is_member": (is_member or is_im) and bot is None,
            "context_team_id": self.identity.team_id,
        }
        if is_im:
            channel.update(user=user, is_user_deleted=False)
        else:
            channel.update(name=name, name_normalized=name.lower())
            channel["topic"] = {"value": topic, "creator": "", "last_set": 0}
        people = [user] if is_im and user else list(members or [])
        with self.lock:
            self.channels[channel_id] = channel
            self.members[channel_id] = people
            self._messages.setdefault(channel_id, [])
            if bot is not None:
                self._bot_channels[bot].add(channel_id)

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        is_admin: bool = False,
        is_bot: bool = False,
        is_guest: bool = False,
        deleted: bool = False,
    ) -> None:
        """Create a user shaped like `users.info` returns it (`deleted`: deactivated)."""
        user = {
            "id": user_id,
            "team_id": self.identity.team_id,
            "name": name,
            "real_name": name,
            "deleted": deleted,
            "is_admin": is_admin,
            "is_owner": False,
            "is_bot": is_bot,
            "is_restricted": is_guest,  # a multi-channel guest
            "is_app_user": False,
            "profile": {"real_name": name, "display_name": name, "team": self.identity.team_id},
        }
        with self.lock:
            self.users[user_id] = user

    def add_usergroup(self, group_id: str, handle: str, members: list[str]) -> None:
        """A user group (`@handle`) that `usergroups.users.list` will answer for."""
        with self.lock:
            self.usergroups[group_id] = {"id": group_id, "handle": handle, "users": list(members)}

    def knows_user(self, user_id: str) -> bool:
        """A user exists if it was added or is the other side of a registered DM."""
        with self.lock:
            if user_id in self.users:
                return True
            return any(c["is_im"] and c.get("user") == user_id for c in self.channels.values())

    def resolve_channel(self, ref: str, *, allow_names: bool = False) -> str | None:
        """Map a channel id (or, where Slack allows it, `#name` / a DM partner's id) to an id."""
        with self.lock:
            if ref in self.channels:
                return ref
            if not allow_names:
                return None
            name = ref.removeprefix("#")
            for channel in self.channels.values():
                if channel.get("name") == name or (channel["is_im"] and channel["user"] == ref):
                    return str(channel["id"])
            return None

    def store_message(self, channel_id: str, message: Message) -> None:
        """Keep a message (ordered by ts) and, for a reply, update its parent's thread fields."""
        with self.lock:
            messages = self._messages.setdefault(channel_id, [])
            messages.append(message)
            messages.sort(key=lambda m: ts_key(m["ts"]))
            thread_ts = message.get("thread_ts")
            parent = self.find_message(channel_id, thread_ts) if thread_ts else None
            if parent is not None and parent is not message and _is_top_level(parent):
                _attach_reply(parent, message)

    def find_message(self, channel_id: str, ts: str) -> Message | None:
        """The stored message with this ts, or None (live object: callers hold `lock`)."""
        with self.lock:
            for message in self._messages.get(channel_id, []):
                if message["ts"] == ts:
                    return message
            return None

    def thread(self, channel_id: str, root_ts: str) -> list[Message]:
        """The thread's parent (if known) followed by its replies, oldest first (live objects)."""
        with self.lock:
            return [
                m
                for m in self._messages.get(channel_id, [])
                if m["ts"] == root_ts or m.get("thread_ts") == root_ts
            ]

    def remove_message(self, channel_id: str, ts: str) -> bool:
        """Delete a message; a deleted reply leaves its parent's reply_count one lower."""
        with self.lock:
            messages = self._messages.get(channel_id, [])
            for index, message in enumerate(messages):
                if message["ts"] == ts:
                    del messages[index]
                    parent = self.find_message(channel_id, message.get("thread_ts") or "")
                    if parent is not None and parent is not message and parent.get("reply_count"):
                        parent["reply_count"] -= 1
                    return True
            return False

    def channel_messages(self, channel_id: str) -> list[Message]:
        """Deep copies of every stored message of a channel, replies included, oldest first."""
        with self.lock:
            return copy.deepcopy(self._messages.get(channel_id, []))

    def store_ephemeral(self, channel_id: str, ephemeral: Message) -> None:
        """Ephemerals live apart: nobody but their recipient ever sees them in the channel."""
        with self.lock:
            self._ephemerals.setdefault(channel_id, []).append(ephemeral)

    def ephemerals(self, channel_id: str) -> list[Message]:
        """Deep copies of the ephemerals sent in a channel, oldest first."""
        with self.lock:
            return copy.deepcopy(self._ephemerals.get(channel_id, []))

    def forget_content(self) -> None:
        """Drop messages and ephemerals but keep channels, users and the ts clock."""
        with self.lock:
            self._messages = {channel_id: [] for channel_id in self.channels}
            self._ephemerals = {}


def _is_top_level(message: Message) -> bool:
    return message.get("thread_ts") in (None, message["ts"])


def _attach_reply(parent: Message, reply: Message) -> None:
    parent["thread_ts"] = parent["ts"]
    parent["reply_count"] = parent.get("reply_count", 0) + 1
    parent["latest_reply"] = reply["ts"]
    reply_users: list[str] = parent.setdefault("reply_users", [])
    author = reply.get("user")
    if isinstance(author, str) and author not in reply_users:
        reply_users.append(author)
    parent["reply_users_count"] = len(reply_users)
    if "user" in parent:
        reply["parent_user_id"] = parent["user"]
