"""Send requests to our app exactly as Slack sends them: Slack's envelopes, signed with v0.

Tests and the benchmark drive the real Bolt app through its HTTP endpoint with this sender,
so signature checks, retry headers and body encodings are the ones production sees. Each
thread keeps one keep-alive connection, which keeps a 500-request benchmark cheap.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import secrets
import string
import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import urlencode, urlsplit

from sandbox.slack_events import app_mention_event, channel_message_event, im_message_event
from sandbox.slack_workspace import SANDBOX_DOMAIN

__all__ = [
    "SentResponse",
    "SlackRequestSender",
    "app_mention_event",
    "channel_message_event",
    "im_message_event",
    "sign",
]

SLACK_USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
DEFAULT_TIMEOUT_S = 10.0
JSON_CONTENT_TYPE = "application/json"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
_ID_ALPHABET = string.ascii_uppercase + string.digits


@dataclass(frozen=True)
class SentResponse:
    """The app's answer to one request; header names are lower-cased."""

    status: int
    headers: dict[str, str]
    body: bytes
    elapsed_s: float

    def json(self) -> Any:
        """The body decoded as JSON (url_verification answers, response_action bodies…)."""
        return json.loads(self.body)


def sign(signing_secret: str, timestamp: int, body: bytes) -> str:
    """Slack's v0 signature: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


def _random_id(prefix: str, length: int = 10) -> str:
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


class SlackRequestSender:
    """Signs and posts Events API, slash-command and interactivity requests to one app URL."""

    def __init__(
        self,
        app_url: str,
        signing_secret: str,
        *,
        team_id: str = "T0TEST",
        api_app_id: str = "A0TEST",
        bot_user_id: str = "U0BOT",
        verification_token: str = "sandbox-verification-token",
        timeout_s: float = DEFAULT_TIMEOUT_S,
        retry_stale_connection: bool = True,
    ) -> None:
        parts = urlsplit(app_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"app_url must be an http(s) URL, got {app_url!r}")
        self._scheme, self._host, self._port = parts.scheme, parts.hostname, parts.port
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.url = app_url  # another app's sender signs for the same endpoint
        self._signing_secret = signing_secret
        self.team_id, self.api_app_id, self.bot_user_id = team_id, api_app_id, bot_user_id
        self._verification_token = verification_token
        self._timeout_s = timeout_s
        self._retry_stale = retry_stale_connection
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: set[http.client.HTTPConnection] = set()
        self.connections_opened = 0
        self.stale_retries = 0

    # -- what Slack sends ----------------------------------------------------------------------

    def send_event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        event_time: int | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        timestamp: int | None = None,
        signature: str | None = None,
        authorizations: list[dict[str, Any]] | None = None,
    ) -> SentResponse:
        """Deliver `event` in an `event_callback` envelope, optionally as Slack's n-th retry."""
        envelope = {
            "token": self._verification_token,
            "team_id": self.team_id,
            "context_team_id": self.team_id,
            "context_enterprise_id": None,
            "api_app_id": self.api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or _random_id("Ev"),
            "event_time": event_time if event_time is not None else int(time.time()),
            "authorizations": authorizations or [self._bot_authorization()],
            "is_ext_shared_channel": False,
            "event_context": self._event_context(event),
        }
        headers: dict[str, str] = {}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        body = json.dumps(envelope).encode()
        return self._send(body, JSON_CONTENT_TYPE, headers, timestamp, signature)

    def send_url_verification(self, challenge: str) -> SentResponse:
        """The handshake Slack sends when the Request URL is saved."""
        body = {"token": self._verification_token, "challenge": challenge}
        body["type"] = "url_verification"
        return self._send(json.dumps(body).encode(), JSON_CONTENT_TYPE)

    def send_command(
        self,
        command: str,
        text: str,
        *,
        user_id: str,
        channel_id: str,
        channel_name: str = "general",
        trigger_id: str | None = None,
        response_url: str | None = None,
        user_name: str | None = None,
        enterprise_id: str | None = None,
    ) -> SentResponse:
        """A slash command, form-encoded with the fields Slack sends; with `enterprise_id`,
        as an org-wide (Enterprise Grid) install's."""
        fields = {
            "token": self._verification_token,
            "team_id": self.team_id,
            "team_domain": "sandbox",
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name or user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false" if enterprise_id is None else "true",
            "response_url": response_url or self._response_url(),
            "trigger_id": trigger_id or self._trigger_id(),
        }
        if enterprise_id is not None:
            fields["enterprise_id"] = enterprise_id
        return self._send(urlencode(fields).encode(), FORM_CONTENT_TYPE)

    def send_interaction(self, payload: dict[str, Any]) -> SentResponse:
        """A button click, modal submission or shortcut: form field `payload=<json>`."""
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self._send(body, FORM_CONTENT_TYPE)

    def raw(
        self,
        body: bytes,
        content_type: str,
        *,
        extra_headers: dict[str, str] | None = None,
        sign: bool = True,
    ) -> SentResponse:
        """Any body, signed now (or unsigned with `sign=False`) — for malformed-input tests."""
        headers = dict(extra_headers or {})
        return self._send(body, content_type, headers, signed=sign)

    # -- connections ---------------------------------------------------------------------------

    def close(self) -> None:
        """Close every keep-alive connection this sender opened, in any thread."""
        with self._lock:
            connections, self._connections = self._connections, set()
        for connection in connections:
            connection.close()

    def __enter__(self) -> SlackRequestSender:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _send(
        self,
        body: bytes,
        content_type: str,
        extra_headers: dict[str, str] | None = None,
        timestamp: int | None = None,
        signature: str | None = None,
        *,
        signed: bool = True,
    ) -> SentResponse:
        headers = {"Content-Type": content_type, "User-Agent": SLACK_USER_AGENT}
        if signed:
            ts = timestamp if timestamp is not None else int(time.time())
            headers["X-Slack-Request-Timestamp"] = str(ts)
            headers["X-Slack-Signature"] = signature or sign(self._signing_secret, ts, body)
        headers.update(extra_headers or {})
        return self._exchange(body, headers)

    def _exchange(self, body: bytes, headers: dict[str, str]) -> SentResponse:
        connection = self._connection()
        started = time.perf_counter()
        try:
            status, response_headers, payload = self._round_trip_once_more_if_stale(
                connection, body, headers
            )
        except BaseException:
            connection.close()  # the next call starts on a fresh socket
            raise
        return SentResponse(status, response_headers, payload, time.perf_counter() - started)

    def _round_trip_once_more_if_stale(
        self, connection: http.client.HTTPConnection, body: bytes, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        reused = connection.sock is not None
        try:
            return self._round_trip(connection, body, headers)
        except (ConnectionResetError, BrokenPipeError):
            # A keep-alive socket the app closed while idle fails before any byte of answer;
            # one retry on a fresh socket is what HTTP clients do. A benchmark that must see
            # every reset turns this off with retry_stale_connection=False.
            if not (reused and self._retry_stale):
                raise
            connection.close()
            with self._lock:
                self.stale_retries += 1
            return self._round_trip(connection, body, headers)

    def _round_trip(
        self, connection: http.client.HTTPConnection, body: bytes, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        if connection.sock is None:
            with self._lock:
                self.connections_opened += 1
                self._connections.add(connection)
        connection.request("POST", self._path, body=body, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, payload

    def _connection(self) -> http.client.HTTPConnection:
        """This thread's keep-alive connection (http.client reconnects it when closed)."""
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is None:
            factory = (
                http.client.HTTPSConnection
                if self._scheme == "https"
                else http.client.HTTPConnection
            )
            connection = factory(self._host, self._port, timeout=self._timeout_s)
            self._local.connection = connection
        return connection

    # -- envelope details ----------------------------------------------------------------------

    def _bot_authorization(self) -> dict[str, Any]:
        return {
            "enterprise_id": None,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "is_bot": True,
            "is_enterprise_install": False,
        }

    def _event_context(self, event: dict[str, Any]) -> str:
        context = {"et": event.get("type"), "tid": self.team_id, "aid": self.api_app_id}
        if "channel" in event:
            context["cid"] = event["channel"]
        encoded = base64.urlsafe_b64encode(json.dumps(context).encode()).decode().rstrip("=")
        return f"4-{encoded}"

    def _response_url(self) -> str:
        hook_id = "".join(secrets.choice(string.digits) for _ in range(13))
        return f"https://hooks.{SANDBOX_DOMAIN}/commands/{self.team_id}/{hook_id}/" + (
            secrets.token_hex(12)
        )

    def _trigger_id(self) -> str:
        digits = "".join(secrets.choice(string.digits) for _ in range(13))
        return f"{digits}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"
