"""The browser sandbox's web server: the page, a small JSON API and a live change stream.

What a person types is stored in the Slack stand-in as their message and delivered to the Bolt
app as signed Events API requests, exactly as Slack would send them (an `app_mention` plus a
`message.channels` copy for a mention in a channel, `message.im` in a DM). Everything the
agents post comes back through the stand-in, so the page shows only what Slack would show.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox import slack_interactions as interactions
from sandbox import web_assistant
from sandbox.signing import (
    SlackRequestSender,
    app_mention_event,
    channel_message_event,
    im_message_event,
)
from sandbox.slack_api import Change, SlackStandIn
from sandbox.slack_commands import deliver_command, split_command
from sandbox.slack_events import app_home_opened_event
from sandbox.slack_streams import statuses_in
from sandbox.web_guard import refusal

logger = logging.getLogger(__name__)

WEB_DIR = Path(__file__).with_name("web")
STREAM_WAIT_S = 15.0  # an SSE comment keeps idle connections open at least this often
MAX_TEXT_CHARS = 40_000
STATIC_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    real_name: str
    is_admin: bool = False  # workspace admins may approve drafts (bots/approvals.toml)


@dataclass(frozen=True)
class SandboxChannel:
    id: str
    name: str
    is_im: bool = False
    user: str | None = None
    topic: dict[str, str] | None = None  # as conversations.info has it: {"value": …}


@dataclass
class Workspace:
    """What the page needs to know to draw the workspace, fixed when the sandbox starts."""

    team_id: str
    name: str
    bot_user_id: str
    people: list[Person]
    channels: list[SandboxChannel]
    agents: list[dict[str, Any]]
    scripted: bool
    sender: SlackRequestSender
    slack: SlackStandIn
    commands: frozenset[str] = frozenset()  # the app's slash commands (manifest.yml)
    examples: list[dict[str, Any]] = field(default_factory=list)  # bots/examples.toml
    shortcuts: list[dict[str, str]] = field(default_factory=list)  # message shortcuts (manifest)
    _event_lock: threading.Lock = field(default_factory=threading.Lock)

    def channel(self, channel_id: str) -> SandboxChannel | None:
        return next((c for c in self.channels if c.id == channel_id), None)

    def bootstrap(self) -> dict[str, Any]:
        return {
            "workspace": {"team_id": self.team_id, "name": self.name},
            "bot": {"user_id": self.bot_user_id, "name": "Marketing Dept"},
            "people": [vars(p) for p in self.people],
            "agents": self.agents,
            "channels": [vars(c) for c in self.channels],
            "scripted": self.scripted,
            "examples": self.examples,
            "shortcuts": self.shortcuts,
        }

    def send(self, user: str, channel_id: str, text: str, thread_ts: str | None) -> dict[str, Any]:
        """A person posts: store it in Slack, then deliver the events Slack would send."""
        channel = self.channel(channel_id)
        problem = _send_problem(self, user, channel, text)
        if problem or channel is None:
            return {"ok": False, "error": problem or "channel_not_found"}
        with self._event_lock:  # keep one person's messages in order, as Slack does
            ts = self.slack.add_message(channel_id, user=user, text=text, thread_ts=thread_ts)
            for event in self._events_for(user, channel, text, ts, thread_ts):
                response = self.sender.send_event(event)
                if response.status != HTTPStatus.OK:
                    logger.warning("App answered %s to a sandbox event", response.status)
                    return {"ok": False, "error": f"the app answered HTTP {response.status}"}
        return {"ok": True, "ts": ts}

    def command(self, user: str, channel_id: str, typed: str) -> dict[str, Any]:
        """A person typed `/command text`: Slack posts it to the app (never to the channel)."""
        channel = self.channel(channel_id)
        problem = _send_problem(self, user, channel, typed)
        parsed = split_command(typed)
        if problem or channel is None or parsed is None:
            return {"ok": False, "error": problem or "not_a_command"}
        command, text = parsed
        if command not in self.commands:
            return {"ok": False, "error": f"{command} is not a valid command"}
        return deliver_command(
            self.slack, self.sender, user=user, channel=channel.id, command=command, text=text
        )

    def open_home(self, user: str, tab: str = "home") -> dict[str, Any]:
        """The person opened the App Home tab (or the Messages tab, the DM): Slack tells the
        app with `app_home_opened`."""
        dm = next((c for c in self.channels if c.is_im and c.user == user), None)
        if dm is None:
            return {"ok": False, "error": "user_not_found"}
        tab = tab if tab in ("home", "messages") else "home"
        response = self.sender.send_event(app_home_opened_event(user=user, channel=dm.id, tab=tab))
        if response.status != HTTPStatus.OK:
            return {"ok": False, "error": f"the app answered HTTP {response.status}"}
        return {"ok": True}

    def act(self, user: str, request: dict[str, Any]) -> dict[str, Any]:
        """A click in a message, a modal or the Home tab, delivered as `block_actions`."""
        if not any(person.id == user for person in self.people):
            return {"ok": False, "error": "user_not_found"}
        action = request.get("action")
        if not isinstance(action, dict) or not action.get("action_id"):
            return {"ok": False, "error": "invalid_action"}
        view_id = request.get("view_id")
        if view_id is not None and self.slack.workspace.views.owner(str(view_id)) != user:
            return {"ok": False, "error": "view_not_found"}
        payload = interactions.block_actions(
            self.slack,
            user=user,
            action=action,
            channel=request.get("channel"),
            message_ts=request.get("message_ts"),
            view_id=str(view_id) if view_id is not None else None,
        )
        response = self.sender.send_interaction(payload)
        if response.status != HTTPStatus.OK:
            return {"ok": False, "error": f"the app answered HTTP {response.status}"}
        return {"ok": True}

    def submit(self, user: str, view_id: str, values: dict[str, Any]) -> dict[str, Any]:
        """A modal's Submit, delivered as `view_submission`; the app's answer is applied."""
        view = self.slack.workspace.views.views.get(view_id)
        if view is None or view.get("user") != user:
            return {"ok": False, "error": "view_not_found"}
        payload = interactions.view_submission(self.slack, user=user, view=view, values=values)
        response = self.sender.send_interaction(payload)
        if response.status != HTTPStatus.OK:
            return {"ok": False, "error": f"the app answered HTTP {response.status}"}
        return interactions.apply_submission_answer(self.slack, user, view_id, response.body)

    def close(self, user: str, view_id: str) -> dict[str, Any]:
        view = self.slack.workspace.views.views.get(view_id)
        if view is None or not self.slack.workspace.views.close(user, view_id):
            return {"ok": False, "error": "view_not_found"}
        if view.get("notify_on_close"):
            self.sender.send_interaction(interactions.view_closed(self.slack, user=user, view=view))
        self.slack.note_views_changed(user)
        return {"ok": True}

    def close_all(self, user: str) -> dict[str, Any]:
        """The person's page went away (a reload, a closed tab): their modals close, as Slack
        closes a client's views, so none comes back over a page that cannot reach it."""
        if not any(person.id == user for person in self.people):
            return {"ok": False, "error": "user_not_found"}
        closed = self.slack.workspace.views.close_all(user)
        for view in closed:
            if view.get("notify_on_close"):
                payload = interactions.view_closed(self.slack, user=user, view=view, cleared=True)
                self.sender.send_interaction(payload)
        if closed:
            self.slack.note_views_changed(user)
        return {"ok": True, "closed": len(closed)}

    def _events_for(
        self, user: str, channel: SandboxChannel, text: str, ts: str, thread_ts: str | None
    ) -> list[dict[str, Any]]:
        common = {"user": user, "channel": channel.id, "text": text, "ts": ts}
        if channel.is_im:
            return [im_message_event(**common, thread_ts=thread_ts, team=self.team_id)]
        events = []
        if f"<@{self.bot_user_id}>" in text:
            events.append(app_mention_event(**common, thread_ts=thread_ts, team=self.team_id))
        events.append(channel_message_event(**common, thread_ts=thread_ts, team=self.team_id))
        return events


def _sse(change: Change) -> bytes:
    if change.kind == "views":
        return f"event: views\ndata: {json.dumps({'user': change.user})}\n\n".encode()
    data = {"channel": change.channel, "ts": change.ts, "thread_ts": change.thread_ts}
    return f"event: changed\ndata: {json.dumps(data)}\n\n".encode()


def _send_problem(
    workspace: Workspace, user: str, channel: SandboxChannel | None, text: str
) -> str | None:
    if channel is None:
        return "channel_not_found"
    if not any(person.id == user for person in workspace.people):
        return "user_not_found"
    if channel.is_im and channel.user != user:
        return "not_your_dm"
    if not text.strip():
        return "no_text"
    if len(text) > MAX_TEXT_CHARS:
        return "msg_too_long"
    return None


class SandboxHandler(BaseHTTPRequestHandler):
    workspace: Workspace  # set on the subclass made by `serve`
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("sandbox web: " + format, *args)

    def do_GET(self) -> None:
        if self._refused(changes_state=False):
            return
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        routes: dict[str, Callable[[dict[str, str]], None]] = {
            "/api/bootstrap": lambda q: self._json(self.workspace.bootstrap()),
            "/api/messages": self._messages,
            "/api/thread": self._thread,
            "/api/ephemerals": self._ephemerals,
            "/api/stream": self._stream,
            "/api/statuses": lambda q: self._json(
                {"statuses": statuses_in(self.workspace.slack.workspace, q.get("channel", ""))}
            ),
            "/api/assistant": lambda q: self._json(
                web_assistant.assistant_state(self.workspace, q.get("user", ""))
            ),
            "/api/views": lambda q: self._json(
                self.workspace.slack.workspace.views.for_user(q.get("user", ""))
            ),
        }
        route = routes.get(parts.path)
        if route is not None:
            route(query)
        else:
            self._static(parts.path)

    def do_POST(self) -> None:
        if self._refused(changes_state=True):
            return
        workspace = self.workspace
        routes: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "/api/send": lambda b: workspace.send(
                str(b.get("user", "")),
                str(b.get("channel", "")),
                str(b.get("text", "")),
                b.get("thread_ts") or None,
            ),
            "/api/command": lambda b: workspace.command(
                str(b.get("user", "")), str(b.get("channel", "")), str(b.get("text", ""))
            ),
            "/api/action": lambda b: workspace.act(str(b.get("user", "")), b),
            "/api/home": lambda b: workspace.open_home(
                str(b.get("user", "")), str(b.get("tab") or "home")
            ),
            "/api/assistant": lambda b: web_assistant.open_assistant(
                workspace, str(b.get("user", "")), b.get("viewing") or None
            ),
            "/api/shortcut": lambda b: web_assistant.message_action(
                workspace,
                str(b.get("user", "")),
                str(b.get("channel", "")),
                str(b.get("message_ts", "")),
                str(b.get("callback_id", "")),
            ),
            "/api/submit": lambda b: workspace.submit(
                str(b.get("user", "")), str(b.get("view_id", "")), dict(b.get("values") or {})
            ),
            "/api/close": lambda b: workspace.close(
                str(b.get("user", "")), str(b.get("view_id", ""))
            ),
            "/api/close_all": lambda b: workspace.close_all(str(b.get("user", ""))),
        }
        route = routes.get(urlsplit(self.path).path)
        if route is None:
            self._json({"ok": False, "error": "not_found"}, HTTPStatus.NOT_FOUND)
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            result = route(body if isinstance(body, dict) else {})
        except (ValueError, TypeError):
            result = {"ok": False, "error": "invalid_json"}
        ok = result.get("ok") or "errors" in result  # validation errors are an answer, not a fault
        self._json(result, HTTPStatus.OK if ok else HTTPStatus.BAD_REQUEST)

    def _refused(self, changes_state: bool) -> bool:
        """Refuse (with a 4xx naming why) what does not come from the page itself."""
        address: Any = self.server.server_address  # (host, port) of an AF_INET server
        refused = refusal(self.headers, str(address[0]), int(address[1]), changes_state)
        if refused is None:
            return False
        logger.warning("Sandbox page refused a request: %s", refused.error)
        self.close_connection = True  # the unread body must not be taken for the next request
        self._json({"ok": False, "error": refused.error}, refused.status)
        return True

    def _messages(self, query: dict[str, str]) -> None:
        messages = self.workspace.slack.messages(query.get("channel", ""))
        top = [m for m in messages if m.get("thread_ts") in (None, m["ts"])]
        self._json({"messages": top})

    def _thread(self, query: dict[str, str]) -> None:
        ts = query.get("ts", "")
        self._json({"messages": self.workspace.slack.messages(query.get("channel", ""), ts)})

    def _ephemerals(self, query: dict[str, str]) -> None:
        user = query.get("user")
        shown = [
            e
            for e in self.workspace.slack.ephemerals(query.get("channel", ""))
            if e.get("user") == user
        ]
        self._json({"messages": shown})

    def _stream(self, _query: dict[str, str]) -> None:
        """Server-sent events: one `changed` event per posted, edited or deleted message."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        version = self.workspace.slack.change_version
        try:
            while True:
                changes = self.workspace.slack.changes_since(version, STREAM_WAIT_S)
                if not changes:
                    self.wfile.write(b": keep-alive\n\n")
                for change in changes:
                    self.wfile.write(_sse(change))
                    version = change.version
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return

    def _static(self, path: str) -> None:
        name = "index.html" if path in ("", "/") else path.lstrip("/")
        target = (WEB_DIR / name).resolve()
        if not re.fullmatch(r"[a-z_]+\.(html|js|css)", name) or not target.is_file():
            self._json({"ok": False, "error": "not_found"}, HTTPStatus.NOT_FOUND)
            return
        body = target.read_bytes()
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", STATIC_TYPES[target.suffix] + "; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, payload: dict[str, Any], status: HTTPStatus = HTTPStatus.OK) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve(workspace: Workspace, host: str, port: int) -> ThreadingHTTPServer:
    """Start the page's server in a daemon thread; returns it (its port, and to shut it down)."""
    handler = type("BoundSandboxHandler", (SandboxHandler,), {"workspace": workspace})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="sandbox-web", daemon=True).start()
    return server
