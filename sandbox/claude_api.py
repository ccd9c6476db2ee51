"""A scripted stand-in for Claude that speaks the real Messages API over real HTTP.

Tests and the offline sandbox point the real `anthropic` client at it
(`Anthropic(base_url=stub.base_url, api_key="test")`), so everything between our code and
the wire - retries, SSE parsing, error classes, usage accounting - runs for real. Replies
are scripted (`enqueue`, `script_for`) or, when no script is left, produced by a responder.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, TypeAlias
from urllib.parse import urlsplit

from sandbox import claude_wire as wire
from sandbox.product_turns import agent_of, roster

logger = logging.getLogger(__name__)

MESSAGES_PATH = "/v1/messages"
SHUTDOWN_POLL_S = 0.01  # how long stop() may wait for the serving loop to notice
RECHECK_S = 0.05  # wait_for() re-checks this often even without a new request
HOLD_LAST_S = 10.0  # a TextReply's `hold_last` never set: its stream ends after this
IDLE_CONNECTION_TIMEOUT_S = 60.0  # keep-alive sockets with no request are closed after this


@dataclass(frozen=True)
class TextReply:
    """A normal answer; the chunking and delays shape how it streams."""

    text: str
    chunk_chars: int = 40  # size of each SSE text_delta
    delay_per_chunk_s: float = 0.0  # a slow model, or time for a test to kill a worker mid-stream
    first_byte_delay_s: float = 0.0
    stop_reason: str = "end_turn"
    # The stream waits for this before its last piece (at most HOLD_LAST_S): a test can then
    # prove the earlier pieces reached the client first, whatever the machine's load.
    hold_last: threading.Event | None = dataclasses.field(default=None, compare=False)


@dataclass(frozen=True)
class ToolUseReply:
    """The model calls a tool, optionally after some text."""

    name: str
    input: dict[str, Any]
    text_before: str = ""
    tool_use_id: str | None = None  # a fresh "toolu_..." id when None


@dataclass(frozen=True)
class ErrorReply:
    """An HTTP error answered before any stream starts.

    `error_type` and `message` default to what the API sends for `status` (529
    overloaded_error "Overloaded", 429 rate_limit_error, 500 api_error, ...).
    """

    status: int = 529
    error_type: str | None = None
    message: str | None = None
    retry_after_s: float | None = None  # sends `retry-after` and `retry-after-ms` when set


@dataclass(frozen=True)
class MidStreamError:
    """The stream starts, sends some text, then an SSE `error` event, as on overload.

    Asked without `stream`, the same reply is answered as the HTTP error it would be.
    """

    text_before: str = ""
    error_type: str = "overloaded_error"
    message: str = "Overloaded"


Reply: TypeAlias = TextReply | ToolUseReply | ErrorReply | MidStreamError
Responder: TypeAlias = Callable[[dict[str, Any]], Reply]
Matcher: TypeAlias = Callable[[dict[str, Any]], bool]


@dataclass(frozen=True)
class RecordedRequest:
    """What reached the stand-in and what it answered, for tests to assert on."""

    body: dict[str, Any]  # {} when the body was not JSON
    headers: dict[str, str]  # lower-cased names
    reply: Reply | None  # None when the stand-in rejected the request itself
    usage: dict[str, Any] | None  # the usage answered; None for errors
    at: float  # time.monotonic() on arrival, for ordering and measuring gaps
    status: int
    request_id: str
    client_disconnected: bool = False  # the client hung up before the response was complete


class ScriptedClaude:
    """A real HTTP server on 127.0.0.1 answering POST /v1/messages from a script."""

    def __init__(
        self,
        *,
        responder: Responder | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        min_cache_tokens: int = 1024,
        api_key: str | None = None,
        think_s: float = 0.0,
        stream_delay_s: float | None = None,
    ) -> None:
        self._responder = responder or default_responder
        # A pause before every streamed answer's first byte, as a real model thinks: long
        # enough in the sandbox to see the thread's status ("CMO is thinking…").
        self.think_s = think_s
        # When set, every text reply streams at this pace instead of its own (the sandbox's
        # SANDBOX_STREAM_DELAY_S); scripts that pace a reply for a test keep theirs otherwise.
        self.stream_delay_s = stream_delay_s
        self._address = (host, port)
        self._api_key = api_key
        self._cache = wire.PromptCache(min_cache_tokens)
        self._lock = threading.Lock()
        self._changed = threading.Condition()
        self._queue: deque[Reply] = deque()
        self._scripts: list[tuple[Matcher, deque[Reply]]] = []
        self._records: list[RecordedRequest] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """Where to point `anthropic.Anthropic(base_url=...)`."""
        if self._server is None:
            raise RuntimeError("ScriptedClaude is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> ScriptedClaude:
        """Bind and serve in a daemon thread; returns self for chaining."""
        if self._server is None:
            self._server = _Server(self._address, self)
            self._thread = threading.Thread(
                target=self._server.serve_forever, args=(SHUTDOWN_POLL_S,), daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and cut open connections, so no handler outlives the stand-in."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> ScriptedClaude:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def enqueue(self, *replies: Reply) -> None:
        """Append to the global script, consumed one reply per request in order."""
        with self._lock:
            self._queue.extend(replies)

    def script_for(self, match: Matcher, *replies: Reply) -> None:
        """Give requests that `match` their own script, checked before the global one.

        Lets parallel callers (one per agent role, say) get their own answers whatever order
        their requests arrive in. Calling again with the same matcher extends its script.
        """
        with self._lock:
            for existing, script in self._scripts:
                if existing is match:
                    script.extend(replies)
                    return
            self._scripts.append((match, deque(replies)))

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of every request received so far, oldest first."""
        with self._lock:
            return list(self._records)

    def wait_for(self, predicate: Callable[[], bool], timeout_s: float = 10.0) -> bool:
        """Wait until `predicate()` holds (re-checked on every request); False on timeout."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(min(remaining, RECHECK_S))
        return True

    def reset(self) -> None:
        """Forget scripts, recorded requests and the prompt cache."""
        with self._lock:
            self._queue.clear()
            self._scripts.clear()
            self._records.clear()
        self._cache.clear()

    def _next_reply(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            for match, script in self._scripts:
                if script and match(body):
                    return script.popleft()
            if self._queue:
                return self._queue.popleft()
        try:
            return self._responder(body)
        except Exception:  # a broken responder is a test bug: answer like the API's own 500
            logger.exception("scripted Claude: the responder failed")
            return ErrorReply(status=500)

    def _record(
        self,
        body: dict[str, Any],
        headers: dict[str, str],
        reply: Reply | None,
        usage: dict[str, Any] | None,
        status: int,
        request_id: str,
    ) -> int:
        record = RecordedRequest(body, headers, reply, usage, time.monotonic(), status, request_id)
        with self._lock:
            self._records.append(record)
            index = len(self._records) - 1
        self._notify()
        return index

    def _mark_disconnected(self, index: int) -> None:
        with self._lock:
            if index < len(self._records):
                record = self._records[index]
                self._records[index] = dataclasses.replace(record, client_disconnected=True)
        self._notify()

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()

    def _auth_problem(self, headers: dict[str, str]) -> tuple[int, str] | None:
        key = headers.get("x-api-key")
        bearer = headers.get("authorization", "")
        if key is None and bearer.lower().startswith("bearer "):
            key = bearer[len("bearer ") :].strip()
        if not key:
            return 401, "x-api-key header is required"
        if self._api_key is not None and key != self._api_key:
            return 401, "invalid x-api-key"
        if "anthropic-version" not in headers:
            return 400, "anthropic-version: header is required"
        return None


class _Server(ThreadingHTTPServer):
    """Tracks open connections so `stop()` can cut keep-alive and streaming sockets."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], stub: ScriptedClaude) -> None:
        self.stub = stub
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def close_connections(self) -> None:
        with self.connections_lock:
            for connection in self.connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.exception("scripted Claude: unexpected error serving %s", client_address)


class _Handler(BaseHTTPRequestHandler):
    """One connection: parses Messages requests, answers in JSON or SSE."""

    protocol_version = "HTTP/1.1"  # keep-alive and chunked streams, like the real API
    timeout = IDLE_CONNECTION_TIMEOUT_S
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Without this, Nagle's algorithm holds back small SSE frames for ~40 ms each.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except ConnectionError:  # the client went away between requests
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("scripted Claude: " + format, *args)

    def do_POST(self) -> None:
        stub, request_id = self.server.stub, wire.new_id("req")
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        if urlsplit(self.path).path != MESSAGES_PATH:
            self._send_error(404, "not_found_error", f"{self.path} not found", request_id)
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        body, problem = _parse(raw)
        problem = stub._auth_problem(headers) or problem
        if problem is None:
            self._reply(stub._next_reply(body), body, headers, request_id)
            return
        status, message = problem
        stub._record(body, headers, None, None, status, request_id)
        self._send_error(status, wire.error_type_for(status), message, request_id)

    def _reply(
        self, reply: Reply, body: dict[str, Any], headers: dict[str, str], request_id: str
    ) -> None:
        stub, streaming = self.server.stub, body.get("stream") is True
        if isinstance(reply, ErrorReply) or (isinstance(reply, MidStreamError) and not streaming):
            status, error_type, text, extra = _http_error(reply)
            stub._record(body, headers, reply, None, status, request_id)
            with contextlib.suppress(ConnectionError):
                self._send_error(status, error_type, text, request_id, extra)
            return
        message = wire.message_body(body["model"], *_content(reply), stub._cache.account(body))
        index = stub._record(body, headers, reply, message["usage"], 200, request_id)
        try:
            self._answer(reply, message, request_id, streaming)
        except ConnectionError:  # BrokenPipe / ConnectionReset: the client hung up mid-answer
            self.close_connection = True
            stub._mark_disconnected(index)

    def do_GET(self) -> None:
        self._send_error(404, "not_found_error", f"{self.path} not found", wire.new_id("req"))

    do_PUT = do_PATCH = do_DELETE = do_GET

    def _answer(
        self, reply: _Answerable, message: dict[str, Any], request_id: str, streaming: bool
    ) -> None:
        chunk_chars, delay_per_chunk_s, first_byte_delay_s = _pace(reply)
        if isinstance(self.server, _Server):
            stub = self.server.stub
            first_byte_delay_s += stub.think_s
            if stub.stream_delay_s is not None and isinstance(reply, TextReply):
                delay_per_chunk_s = stub.stream_delay_s
        if not streaming:  # a non-streamed answer takes as long as its stream would have
            deltas = [
                event
                for event in wire.stream_events(message, chunk_chars)
                if event["type"] == "content_block_delta"
            ]
            time.sleep(first_byte_delay_s + len(deltas) * delay_per_chunk_s)
            self._send_json(200, message, request_id)
            return
        error = None  # after an `error` event the stream ends cleanly; the connection lives on
        if isinstance(reply, MidStreamError):
            error = {"type": reply.error_type, "message": reply.message}
        time.sleep(first_byte_delay_s)
        self._start_stream(request_id)
        events = list(wire.stream_events(message, chunk_chars, error))
        last_delta = max(
            (i for i, event in enumerate(events) if event["type"] == "content_block_delta"),
            default=-1,
        )
        for index, event in enumerate(events):
            if index == last_delta and isinstance(reply, TextReply) and reply.hold_last:
                reply.hold_last.wait(HOLD_LAST_S)
            frame = wire.sse_frame(event)  # one chunk per event: the client sees each as it comes
            self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
            if event["type"] == "content_block_delta" and delay_per_chunk_s:
                time.sleep(delay_per_chunk_s)
        self.wfile.write(b"0\r\n\r\n")

    def _start_stream(self, request_id: str) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("request-id", request_id)
        self.end_headers()

    def _send_error(
        self,
        status: int,
        error_type: str,
        message: str,
        request_id: str,
        extra: dict[str, str] | None = None,
    ) -> None:
        self._send_json(status, wire.error_body(error_type, message, request_id), request_id, extra)

    def _send_json(
        self,
        status: int,
        payload: dict[str, Any],
        request_id: str,
        extra: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("request-id", request_id)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


_Answerable: TypeAlias = TextReply | ToolUseReply | MidStreamError


def _parse(raw: bytes) -> tuple[dict[str, Any], tuple[int, str] | None]:
    try:
        body = json.loads(raw or b"null")
    except ValueError:
        return {}, (400, "body: Input should be valid JSON")
    problem = wire.validation_error(body)
    if problem is not None:
        return body if isinstance(body, dict) else {}, (400, problem)
    return body, None


def _http_error(reply: ErrorReply | MidStreamError) -> tuple[int, str, str, dict[str, str]]:
    """(status, error type, message, extra headers) of a reply answered as an HTTP error."""
    if isinstance(reply, MidStreamError):
        return wire.status_for(reply.error_type), reply.error_type, reply.message, {}
    error_type = reply.error_type or wire.error_type_for(reply.status)
    message = reply.message or wire.default_message(error_type)
    return reply.status, error_type, message, wire.retry_after_headers(reply.retry_after_s)


def _content(reply: _Answerable) -> tuple[list[dict[str, Any]], str]:
    """The content blocks and stop reason a reply stands for."""
    text = reply.text if isinstance(reply, TextReply) else reply.text_before
    content: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    if isinstance(reply, ToolUseReply):
        tool_id = reply.tool_use_id or wire.new_id("toolu")
        content.append(
            {"type": "tool_use", "id": tool_id, "name": reply.name, "input": reply.input}
        )
        return content, "tool_use"
    return content, reply.stop_reason if isinstance(reply, TextReply) else "end_turn"


def _pace(reply: _Answerable) -> tuple[int, float, float]:
    """(chunk_chars, delay_per_chunk_s, first_byte_delay_s); only text replies are slowed."""
    if isinstance(reply, TextReply):
        return reply.chunk_chars, reply.delay_per_chunk_s, reply.first_byte_delay_s
    return TextReply("").chunk_chars, 0.0, 0.0


# --- default responder ----------------------------------------------------------------------

_ANGLES = (  # (keyword in the role, what that role would suggest)
    ("copy", "lead with the customer's problem, keep it short and end on one call to action."),
    ("design", "build it around one focal image and a headline readable at thumbnail size."),
    ("seo", "put one primary keyword in the title and answer the search intent early."),
    ("social", "open with a hook, stay under 280 characters and post when our audience is on."),
    ("analy", "define the success metric first, then compare against last month's baseline."),
    ("strateg", "tie it to this quarter's goal, name the audience and agree on one message."),
)
_DEFAULT_ANGLE = "start with who it's for and what we want them to do, then pick one message."


def default_responder(body: dict[str, Any]) -> Reply:
    """A short, plausible, deterministic answer in the voice of the agent the request is for
    (the agent-id line our system prompts end their role block with; no role otherwise).

    Used when no script is left, so the sandbox can be clicked through without writing one.
    """
    role = _role(body)
    angle = next((line for key, line in _ANGLES if key in role.lower()), _DEFAULT_ANGLE)
    topic = _last_user_text(body.get("messages") or [])
    opener = f"{role} here. " if role else ""
    subject = f'On "{topic}"' if topic else "Noted"
    return TextReply(f"{opener}{subject}: my suggestion is to {angle}")


def _role(body: dict[str, Any]) -> str:
    """The agent's display name, found by id, not by reading the prompt's wording."""
    agent_id = agent_of(body)
    agent = roster().by_id.get(agent_id) if agent_id is not None else None
    return agent.display_name if agent else (agent_id or "")


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, list):
            content = " ".join(b.get("text", "") for b in content if b.get("type") == "text")
        text = " ".join(str(content).split())
        return text if len(text) <= 80 else text[:77].rstrip() + "..."
    return ""
