"""HTTP plumbing of the Slack stand-in: decoding requests the way Slack's edge does.

Kept apart from `sandbox.slack_api` so the stand-in's public surface reads on its own; nothing
here knows about channels or messages, only about bodies, tokens and replies.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qsl

IDLE_CONNECTION_TIMEOUT_S = 5.0
JSON_STRING_FIELDS = ("blocks", "metadata", "attachments")


@dataclass
class Reply:
    """What the stand-in answers: HTTP status, JSON body and extra headers."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class BadRequest(Exception):
    """The body could not be decoded; answered as a Slack error before any method runs."""


def bearer_token(headers: dict[str, str]) -> str | None:
    """The token of an `Authorization: Bearer` header (header names lower-cased)."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def decode_args(
    query: str, headers: dict[str, str], body: bytes
) -> tuple[dict[str, Any], str | None]:
    """Merge query-string and body arguments; return them with any form `token` field.

    Slack reads a `token` field from forms and query strings only; in a JSON body it must come
    as an Authorization header, so a JSON `token` field is dropped, not honoured.
    """
    args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    form_token = args.pop("token", None)
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if body and content_type == "application/json":
        decoded = _json_object(body)
        decoded.pop("token", None)
        args.update(decoded)
    elif body:
        if content_type not in ("", "application/x-www-form-urlencoded"):
            raise BadRequest("invalid_post_type")
        form = dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
        form_token = form.pop("token", form_token)
        args.update(form)
    for name in JSON_STRING_FIELDS:
        if isinstance(args.get(name), str) and args[name]:
            # Invalid JSON stays a string; the method then answers its *_format error.
            with contextlib.suppress(ValueError):
                args[name] = json.loads(args[name])
    return args, form_token


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        decoded = json.loads(body)
    except ValueError:
        raise BadRequest("invalid_json") from None
    if not isinstance(decoded, dict):
        raise BadRequest("invalid_json")
    return cast(dict[str, Any], decoded)


Answer = Callable[[str, str, dict[str, str], bytes], Reply]


class ApiServer(ThreadingHTTPServer):
    """A threaded server handing every decoded request to one `answer` callable."""

    daemon_threads = True  # an idle keep-alive connection must not hold up stop()
    # The default backlog of 5 drops bursts of concurrent connects, which then wait a full
    # 1 s SYN retransmit: a latency the real Slack would never add.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], answer: Answer) -> None:
        super().__init__(address, _ApiRequestHandler)
        self.answer = answer


class _ApiRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like Slack's edge
    server_version = "SlackStandIn/1.0"
    timeout = IDLE_CONNECTION_TIMEOUT_S

    def do_GET(self) -> None:
        self._respond("GET")

    def do_POST(self) -> None:
        self._respond("POST")

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: the default access log prints query strings, which may hold a token."""

    def _respond(self, verb: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        reply = cast(ApiServer, self.server).answer(verb, self.path, headers, body)
        payload = json.dumps(reply.body).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)
