"""A local stand-in for the Slack Web API, served over real HTTP.

The real `slack_sdk.WebClient(base_url=standin.url)` talks to it, so tests exercise the same
encoding, retry and error paths as production. It is deliberately truthful: it answers with
Slack's shapes and error codes, and refuses whatever Slack would refuse (see
`sandbox.slack_methods` for the few places where it is stricter than Slack).

It can serve several workspaces (`add_team`), each with its own bot token, users, channels and
messages: a call acts in the workspace its token belongs to, so team A's token touching team
B's channel or user is refused as Slack refuses it (`channel_not_found`, `user_not_found`), an
unknown token gets `invalid_auth`, and every recorded call names the team its token was for.
`auth.revoke` revokes the token it is called with, as Slack's does: from then on every call
with that token gets `token_revoked` (`test=true` only says it would).
Set-up and inspection methods take `team=` (default: the first workspace).
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from sandbox.slack_assistant import EXTRA_METHODS
from sandbox.slack_http import ApiServer, BadRequest, Reply, bearer_token, decode_args
from sandbox.slack_limits import RateLimits
from sandbox.slack_methods import METHODS, SlackMethodError, as_granted
from sandbox.slack_oauth import SlackOAuth, SlackOAuthApps
from sandbox.slack_responses import RESPONSE_PATH, ResponseUrls, Shown, show_answer
from sandbox.slack_setup import SETUP_METHODS
from sandbox.slack_socket import SocketModeServer
from sandbox.slack_streams import STREAM_METHODS
from sandbox.slack_views import VIEW_METHODS
from sandbox.slack_workspace import Identity, Message, Workspace

logger = logging.getLogger(__name__)

# A crash test's hook on every Web API call: (method, took_effect). Called before the call
# takes effect and again after (before it is answered); it may block the request's thread,
# so the caller can be killed at that exact point (tests/test_campaign_kills.py).
CallHook = Callable[[str, bool], None]
API_PREFIX = "/api/"
REVOKE_METHOD = "auth.revoke"
WAIT_POLL_INTERVAL_S = 0.02
SHUTDOWN_POLL_INTERVAL_S = 0.02  # how soon stop() takes effect; tests stop a server each


@dataclass(frozen=True)
class RecordedCall:
    """One Web API request as the stand-in saw and answered it."""

    method: str
    args: dict[str, Any]
    token: str | None
    at: float
    status: int
    response: dict[str, Any]
    team_id: str | None = None  # whose bot token it carried (None: none, or not a bot token)


@dataclass(frozen=True)
class Change:
    """One change to what a person would see: a message posted, edited, deleted or shown."""

    version: int
    kind: str  # message | ephemeral | views
    channel: str
    ts: str
    thread_ts: str | None
    user: str | None = None  # whose modals / Home tab changed (kind "views")


_WRITE_METHODS = frozenset(
    {"chat.postMessage", "chat.update", "chat.delete"}
    | {"chat.startStream", "chat.appendStream", "chat.stopStream"}
)
_VIEW_METHODS = frozenset({"views.open", "views.push", "views.update", "views.publish"})


def _change_of(call: RecordedCall) -> Change | None:
    if call.status != 200 or not call.response.get("ok"):
        return None
    if call.method == "chat.postEphemeral":
        channel = str(call.args.get("channel", ""))
        return Change(
            0,
            "ephemeral",
            channel,
            str(call.response.get("message_ts")),
            call.args.get("thread_ts"),
        )
    if call.method == "assistant.threads.setStatus":  # the page shows the status line
        thread_ts = str(call.args.get("thread_ts", ""))
        return Change(0, "message", str(call.args.get("channel_id", "")), thread_ts, thread_ts)
    if call.method in _VIEW_METHODS:
        view = call.response.get("view") or {}
        return Change(0, "views", "", str(view.get("id", "")), None, str(view.get("user", "")))
    if call.method not in _WRITE_METHODS:
        return None
    message = call.response.get("message") or {}
    return Change(
        0,
        "message",
        str(call.response.get("channel")),
        str(call.response.get("ts")),
        message.get("thread_ts"),
    )


@dataclass(frozen=True)
class _Failure:
    status: int
    error: str
    retry_after_s: int


class SlackStandIn:
    """A Slack workspace on 127.0.0.1 answering the Web API methods our app calls."""

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-test-token",
        team_id: str = "T0TEST",
        bot_user_id: str = "U0BOT",
        bot_id: str = "B0BOT",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self._identity = Identity(bot_token, team_id, bot_user_id, bot_id)
        self._workspace = Workspace(self._identity)
        self._teams: dict[str, Workspace] = {team_id: self._workspace}
        self._address = (host, port)
        self._server: ApiServer | None = None
        self._thread: threading.Thread | None = None
        self._calls: list[RecordedCall] = []
        self._failures: dict[str, collections.deque[_Failure]] = {}
        self._lock = threading.Lock()
        self._changed = threading.Condition()
        self._changes: list[Change] = []
        self._socket_mode: tuple[str, SocketModeServer] | None = None
        self._revoked: set[str] = set()  # tokens revoked by `auth.revoke`
        self._response_urls = ResponseUrls()
        # Every admitted call counted per team and method; `limits.limit(...)` enforces.
        self.limits = RateLimits()
        self.call_hook: CallHook | None = None
        self.oauth: SlackOAuth | None = None  # `enable_oauth`: the app is installed by OAuth
        self.oauth_apps = SlackOAuthApps()  # it, and agents' own apps installed by OAuth

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL in slack_sdk's `base_url` form: `http://127.0.0.1:<port>/api/`."""
        if self._server is None:
            raise RuntimeError("SlackStandIn is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{API_PREFIX}"

    def start(self) -> SlackStandIn:
        """Bind (an ephemeral port by default) and serve from a daemon thread."""
        if self._server is not None:
            return self
        self._server = ApiServer(self._address, self._answer)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": SHUTDOWN_POLL_INTERVAL_S},
            name="slack-standin",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server, self._thread = None, None

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- set-up and inspection ---------------------------------------------------------------

    def add_team(
        self,
        team_id: str,
        *,
        bot_token: str,
        bot_user_id: str = "U0BOT",
        bot_id: str = "B0BOT",
        team_name: str = "Sandbox",
    ) -> None:
        """Another workspace that installed the app: its own token, users and channels (the
        bot user's ids may be the same as elsewhere: Slack's ids are per workspace here)."""
        if team_id in self._teams or bot_token in (w.identity.bot_token for w in self.teams):
            raise ValueError(f"team {team_id} or its token is already served")
        identity = Identity(bot_token, team_id, bot_user_id, bot_id, team_name=team_name)
        with self._lock:
            self._teams[team_id] = Workspace(identity)

    @property
    def teams(self) -> list[Workspace]:
        """Every workspace served, the first one first."""
        with self._lock:
            return list(self._teams.values())

    def workspace_of(self, team: str | None) -> Workspace:
        """A workspace's state by team id (None: the first workspace)."""
        if team is None:
            return self._workspace
        with self._lock:
            found = self._teams.get(team)
        if found is None:
            raise ValueError(f"unknown team {team}; call add_team first")
        return found

    def _by_token(self, token: str) -> Workspace | None:
        """The workspace whose bot (the department's, or another: `add_bot`) has `token`."""
        if self.oauth_apps.apps:
            found = self._bot_of(token)
            return found[0] if found is not None else None
        with self._lock:
            return next((w for w in self._teams.values() if w.bot_for(token) is not None), None)

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        team: str | None = None,
        is_im: bool = False,
        user: str | None = None,
        is_private: bool = False,
        is_member: bool = True,
        members: list[str] | None = None,
        topic: str = "",
        bot: str | None = None,
    ) -> None:
        """Create a channel, or with `is_im=True` the bot's DM with `user` (DMs have no name).
        `is_member=False`: the bot is not in it (it must join, or be invited, to post);
        `members`: the people in it, as `conversations.members` lists them; `bot`: the DM is
        with that other bot user (`add_bot`), not the department's."""
        if is_im and not user:
            raise ValueError("a DM (is_im=True) needs the user it is with")
        if bot is not None and not is_im:
            raise ValueError("`bot` is for a DM; put another bot in a channel with add_bot_to")
        self.workspace_of(team).add_channel(
            channel_id,
            name,
            is_im=is_im,
            user=user,
            is_private=is_private,
            topic=topic,
            is_member=is_member,
            members=members,
            bot=bot,
        )

    def add_bot(
        self,
        bot_token: str,
        bot_user_id: str,
        bot_id: str,
        name: str,
        *,
        team: str | None = None,
        scopes: list[str] | None = None,
    ) -> None:
        """Another bot user in a team with its own token (an agent's own Slack app): its
        calls act as it (auth.test, posts, memberships), and `calls` show which token each
        call carried. `scopes`: what its token was granted (listed in X-OAuth-Scopes; a post's
        persona is ignored without chat:write.customize); None: not modelled."""
        workspace = self.workspace_of(team)
        granted = None if scopes is None else frozenset(scopes)
        identity = Identity(
            bot_token, workspace.main.team_id, bot_user_id, bot_id, bot_name=name, scopes=granted
        )
        workspace.add_bot(identity)

    def add_bot_to(self, channel_id: str, bot_user_id: str, *, team: str | None = None) -> None:
        """Invite another bot user (`add_bot`) to a channel."""
        self.workspace_of(team).add_bot_to(channel_id, bot_user_id)

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        team: str | None = None,
        is_admin: bool = False,
        is_guest: bool = False,
        is_bot: bool = False,
        deleted: bool = False,
    ) -> None:
        """Create a workspace member (or a guest, a bot user, a deactivated member) that
        `users.info` and `chat.postEphemeral` will know."""
        self.workspace_of(team).add_user(
            user_id, name, is_admin=is_admin, is_guest=is_guest, is_bot=is_bot, deleted=deleted
        )

    def add_usergroup(
        self, group_id: str, handle: str, members: list[str], *, team: str | None = None
    ) -> None:
        """A user group whose members `usergroups.users.list` returns."""
        self.workspace_of(team).add_usergroup(group_id, handle, members)

    def add_message(
        self,
        channel: str,
        *,
        user: str,
        text: str,
        thread_ts: str | None = None,
        team: str | None = None,
    ) -> str:
        """Seed a message written by a person (e.g. the one an event mentions); returns its ts.

        The app's own posts go through the API; this is for what people wrote, which the app
        may reply to or try (and fail) to edit.
        """
        workspace = self.workspace_of(team)
        if workspace.resolve_channel(channel) is None:
            raise ValueError(f"unknown channel {channel}; call add_channel first")
        ts = workspace.next_ts()
        message: Message = {"type": "message", "user": user, "text": text, "ts": ts}
        message["team"] = workspace.identity.team_id
        if thread_ts:
            message["thread_ts"] = thread_ts
        workspace.store_message(channel, message)
        self._add_change(Change(0, "message", channel, ts, thread_ts))
        return ts

    @property
    def calls(self) -> list[RecordedCall]:
        """Every request answered so far, oldest first (a copy)."""
        return self.calls_to()

    def calls_to(self, method: str | None = None) -> list[RecordedCall]:
        """The requests answered so far for one method (or all), oldest first (a copy)."""
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def messages(
        self, channel: str, thread_ts: str | None = None, *, team: str | None = None
    ) -> list[dict[str, Any]]:
        """Stored messages of a channel, replies included, oldest first.

        With `thread_ts`: only that thread, the parent (when known) followed by its replies.
        """
        messages = self.workspace_of(team).channel_messages(channel)
        if thread_ts is None:
            return messages
        return [m for m in messages if thread_ts in (m["ts"], m.get("thread_ts"))]

    def ephemerals(self, channel: str, *, team: str | None = None) -> list[dict[str, Any]]:
        """Ephemerals sent in a channel: message_ts, user (the recipient), text, blocks."""
        return self.workspace_of(team).ephemerals(channel)

    def fail_next(
        self,
        method: str,
        *,
        times: int = 1,
        status: int = 429,
        error: str = "ratelimited",
        retry_after_s: int = 1,
    ) -> None:
        """Make the next `times` authenticated calls of `method` fail like Slack under load.

        A 429 carries `Retry-After` so retry handlers can be tested against the real header.
        """
        failure = _Failure(status, error, retry_after_s)
        with self._lock:
            self._failures.setdefault(method, collections.deque()).extend([failure] * times)

    def wait_for(self, predicate: Callable[[], bool], timeout_s: float = 10.0) -> bool:
        """Wait until `predicate()` holds; False if it still does not after `timeout_s`.

        Re-checked after every answered call and every few milliseconds, so callers never
        need a blind sleep, whether they wait on the stand-in or on something else.
        """
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(min(remaining, WAIT_POLL_INTERVAL_S))
        return True

    def reset(self) -> None:
        """Forget calls, messages, ephemerals and pending failures; keep channels and users."""
        with self._lock:
            self._calls.clear()
            self._failures.clear()
        self.limits.reset()
        for workspace in self.teams:
            workspace.forget_content()

    # -- answering ---------------------------------------------------------------------------

    def _answer(self, verb: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        parts = urlsplit(path)
        method = parts.path.removeprefix(API_PREFIX) if parts.path.startswith(API_PREFIX) else ""
        args: dict[str, Any] = {}
        token: str | None = None
        try:
            args, form_token = decode_args(parts.query, headers, body)
            token = bearer_token(headers) or form_token
            if parts.path.startswith(RESPONSE_PATH):
                method = "response_url"
                reply = self._answer_response_url(parts.path.removeprefix(RESPONSE_PATH), args)
            elif self.oauth_apps.handles(parts.path, method):
                method = method or parts.path
                self._hook(method, took_effect=False)
                reply = self.oauth_apps.answer(parts.path, headers, args)
            else:
                self._hook(method, took_effect=False)
                reply = self._dispatch(method, args, token)
        except BadRequest as bad:
            reply = Reply(200, {"ok": False, "error": str(bad)})
        known = self._by_token(token) if token else None
        team_id = known.identity.team_id if known is not None else None
        call = RecordedCall(method, args, token, time.time(), reply.status, reply.body, team_id)
        self._record(call)
        self._hook(method, took_effect=True)
        logger.debug("slack stand-in %s %s -> %s", verb, method, reply.status)
        return reply

    def _hook(self, method: str, *, took_effect: bool) -> None:
        hook = self.call_hook
        if hook is not None and method:
            hook(method, took_effect)

    def response_url(self, channel: str, user: str) -> str:
        """A slash command's response_url: answers POSTed there show as Slack shows them."""
        base = self.url.removesuffix(API_PREFIX)
        return f"{base}{RESPONSE_PATH}{self._response_urls.issue(channel, user)}"

    def show_command_answer(self, channel: str, user: str, answer: dict[str, Any]) -> Shown:
        """Show a command's answer (its ack body, or a response_url POST) and tell the page.

        Raises `SlackMethodError` for an answer Slack would refuse.
        """
        shown = show_answer(self._workspace, channel, user, answer)
        self._add_change(Change(0, shown.kind, shown.channel, shown.ts, None))
        return shown

    def _answer_response_url(self, hook_id: str, args: dict[str, Any]) -> Reply:
        """Slack answers 404 for an unknown, expired or used-up response_url."""
        hook = self._response_urls.take(hook_id)
        if hook is None:
            return Reply(404, {"ok": False, "error": "expired_url"})
        try:
            self.show_command_answer(hook.channel, hook.user, args)
        except SlackMethodError as refused:
            return Reply(200, {"ok": False, "error": refused.error})
        return Reply(200, {"ok": True})

    def enable_oauth(
        self,
        client_id: str,
        client_secret: str,
        redirect_url: str,
        *,
        scopes: list[str],
        installer: str,
        token_rotation: bool = False,
        bot_name: str | None = None,
    ) -> SlackOAuth:
        """Install by OAuth v2 (sandbox/slack_oauth.py): the authorize page at
        `authorize_url`, `oauth.v2.access`, and the tokens it issues accepted by every method
        (and from then on only those). `bot_name`: an agent's own app, installed as the bot
        user of that name (`add_bot` in each workspace it installs in); None: the department's."""
        app = SlackOAuth(
            self._identity_in(self._identity.team_id, bot_name),
            client_id,
            client_secret,
            redirect_url,
            frozenset(scopes),
            installer,
            token_rotation=token_rotation,
            bot_name=bot_name,
        )
        self.oauth_apps.apps[client_id] = app
        if bot_name is None:
            self.oauth = app
        return app

    def install_in(self, team_id: str) -> None:
        """The next "Allow" of every OAuth app installs it in this workspace (`add_team`)."""
        for app in self.oauth_apps.apps.values():
            app.identity = self._identity_in(team_id, app.bot_name)

    def _identity_in(self, team_id: str, bot_name: str | None) -> Identity:
        workspace = self.workspace_of(team_id)
        if bot_name is None:
            return workspace.main
        with workspace.lock:
            found = [bot for bot in workspace.bots.values() if bot.bot_name == bot_name]
        if not found:
            raise ValueError(f"no bot {bot_name!r} in {team_id}: add_bot first")
        return found[0]

    @property
    def authorize_url(self) -> str:
        """Where Slack's "Allow" page would be (`settings.authorize_url` derives it)."""
        return self.url.removesuffix(API_PREFIX) + "/oauth/v2/authorize"

    def socket_mode(self, app_token: str) -> SocketModeServer:
        """Accept Socket Mode connections for this app-level token (`xapp-…`); the caller
        closes the returned server."""
        server = SocketModeServer()
        with self._lock:
            self._socket_mode = (app_token, server)
        return server

    def _bot_of(self, token: str) -> tuple[Workspace, Identity] | None:
        """The workspace and bot a token acts as. Installed by OAuth, only the tokens it issued
        work, each as the first workspace's bot; else the bots' configured tokens."""
        if self.oauth_apps.apps:
            bot = self.oauth_apps.bot_of(token)
            return None if bot is None else (self.workspace_of(bot.team_id), bot)
        workspace = self._by_token(token)
        bot = workspace.bot_for(token) if workspace is not None else None
        return None if workspace is None or bot is None else (workspace, bot)

    def _dispatch(self, method: str, args: dict[str, Any], token: str | None) -> Reply:
        if method == "apps.connections.open":
            return self._open_connection(token)
        handler = (
            METHODS.get(method)
            or VIEW_METHODS.get(method)
            or STREAM_METHODS.get(method)
            or EXTRA_METHODS.get(method)
            or SETUP_METHODS.get(method)
        )
        if handler is None and method != REVOKE_METHOD:
            return Reply(404, {"ok": False, "error": "unknown_method"})
        if not token:
            return Reply(200, {"ok": False, "error": "not_authed"})
        if self.revoked(token):
            return Reply(200, {"ok": False, "error": "token_revoked"})
        found = self._bot_of(token)
        if found is None:
            return Reply(200, {"ok": False, "error": "invalid_auth"})
        workspace, bot = found
        failure = self._take_failure(method)
        if failure is not None:
            headers = {"Retry-After": str(failure.retry_after_s)} if failure.status == 429 else {}
            return Reply(failure.status, {"ok": False, "error": failure.error}, headers)
        retry_after = self.limits.admit(workspace.identity.team_id, method)
        if retry_after is not None:
            headers = {"Retry-After": str(retry_after)}
            return Reply(429, {"ok": False, "error": "ratelimited"}, headers)
        if handler is None:  # auth.revoke: the token's own fate, no workspace's state
            return Reply(200, {"ok": True, "revoked": self._revoke(token, args)})
        scopes = self._scopes_of(token, bot)
        # Slack lists a token's scopes on every answer; only modelled ones are listed here.
        granted = {} if scopes is None else {"X-OAuth-Scopes": ",".join(sorted(scopes))}
        try:
            with workspace.lock, workspace.acting_as(bot):
                payload = handler(workspace, as_granted(args, scopes))
                return Reply(200, {"ok": True, **payload}, granted)
        except SlackMethodError as refused:
            body: dict[str, Any] = {"ok": False, "error": refused.error}
            if refused.messages:
                body["errors"] = [m.removeprefix("[ERROR] ") for m in refused.messages]
                body["response_metadata"] = {"messages": refused.messages}
            return Reply(200, body)
        except Exception:
            # A stand-in bug must fail the caller loudly, not hang it on a dropped socket.
            logger.exception("slack stand-in failed answering %s", method)
            return Reply(500, {"ok": False, "error": "fatal_error"})

    def _scopes_of(self, token: str, bot: Identity) -> frozenset[str] | None:
        """What `token` was granted: its OAuth app's scopes, or its bot's (`add_bot`)."""
        app = self.oauth_apps.app_of(token)
        return app.scopes if app is not None else bot.scopes

    def revoked(self, token: str) -> bool:
        """Whether `auth.revoke` revoked this token."""
        with self._lock:
            return token in self._revoked

    def _revoke(self, token: str, args: dict[str, Any]) -> bool:
        """Slack's `test` argument (1 or true) asks whether the token would be revoked."""
        if str(args.get("test", "")).lower() in ("1", "true"):
            return False
        with self._lock:
            self._revoked.add(token)
        return True

    def _open_connection(self, token: str | None) -> Reply:
        """Slack hands out a WebSocket URL only for the app-level token."""
        with self._lock:
            configured = self._socket_mode
        if not token:
            return Reply(200, {"ok": False, "error": "not_authed"})
        if configured is None or token != configured[0]:
            error = (
                "not_allowed_token_type" if self._by_token(token) is not None else "invalid_auth"
            )
            return Reply(200, {"ok": False, "error": error})
        return Reply(200, {"ok": True, "url": configured[1].url})

    def _take_failure(self, method: str) -> _Failure | None:
        with self._lock:
            pending = self._failures.get(method)
            return pending.popleft() if pending else None

    def _record(self, call: RecordedCall) -> None:
        with self._lock:
            self._calls.append(call)
        change = _change_of(call)
        if change is not None:
            self._add_change(change)
        else:
            self._notify()

    def _add_change(self, change: Change) -> None:
        with self._changed:
            self._changes.append(replace(change, version=len(self._changes) + 1))
            self._changed.notify_all()

    @property
    def workspace(self) -> Workspace:
        """The workspace's state, for the sandbox's own page and interaction delivery."""
        return self._workspace

    def note_views_changed(self, user: str) -> None:
        """Tell the page a person's modals or Home tab changed outside a Web API call."""
        self._add_change(Change(0, "views", "", "", None, user))

    @property
    def change_version(self) -> int:
        """The version of the newest change (0 before any)."""
        with self._changed:
            return len(self._changes)

    def changes_since(self, version: int, timeout_s: float) -> list[Change]:
        """Changes to messages after `version`, waiting up to `timeout_s` for the first one.

        The browser sandbox streams these to the page (posts, streamed edits, deletions,
        ephemerals), so the page updates live without polling the whole workspace.
        """
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while len(self._changes) <= version:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                self._changed.wait(remaining)
            return self._changes[version:]

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()
