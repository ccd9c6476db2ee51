"""A local stand-in for Slack's Socket Mode: the WebSocket that `apps.connections.open` points
an app to, over which Slack sends envelopes (events, interactions, commands) and the app
acknowledges each by its `envelope_id` (with an optional response payload).

The protocol (handshake, framing, ping/pong, closing) is the `websockets` library's threaded
server; this module only speaks Slack's envelopes over it. slack_sdk's own Socket Mode client
(what Bolt's `SocketModeHandler` uses) connects without TLS to any port but 443.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode
from websockets.sync.server import ServerConnection, serve

logger = logging.getLogger(__name__)

CLOSE_TIMEOUT_S = 2.0  # closing waits this long for the client's closing frame, at most


class SocketModeServer:
    """Accepts the app's connections; `send` an envelope, `wait_for_ack` its answer."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._server = serve(self._serve, host, 0, close_timeout=CLOSE_TIMEOUT_S, logger=logger)
        self._host, self._port = self._server.socket.getsockname()[:2]
        self._changed = threading.Condition()
        self._clients: list[ServerConnection] = []
        self._acks: dict[str, dict[str, Any]] = {}
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="socket-mode", daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        return f"ws://{self._host}:{self._port}/link/?ticket={uuid.uuid4()}"

    def wait_connected(self, timeout_s: float = 10.0) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: bool(self._clients), timeout_s)

    def send(self, kind: str, payload: dict[str, Any], *, retry_attempt: int = 0) -> str:
        """Deliver one envelope (events_api, interactive, slash_commands) to the app."""
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": retry_attempt,
            "retry_reason": "timeout" if retry_attempt else "",
        }
        with self._changed:
            client = self._clients[-1]  # Slack uses the newest of an app's connections
        client.send(json.dumps(envelope))  # the library serialises concurrent sends
        return envelope_id

    def wait_for_ack(self, envelope_id: str, timeout_s: float = 10.0) -> dict[str, Any] | None:
        with self._changed:
            self._changed.wait_for(lambda: envelope_id in self._acks, timeout_s)
            return self._acks.get(envelope_id)

    def close(self) -> None:
        """Stop listening and close every connection with a normal closing frame, so the
        client ends its session instead of reconnecting."""
        self._server.shutdown(code=CloseCode.NORMAL_CLOSURE)
        self._thread.join(timeout=CLOSE_TIMEOUT_S)

    def _serve(self, connection: ServerConnection) -> None:
        """One app connection: Slack's hello, then every text message read as an ack."""
        hello = {"type": "hello", "num_connections": 1, "debug_info": {"host": "stand-in"}}
        try:
            connection.send(json.dumps(hello))
            with self._changed:
                self._clients.append(connection)
                self._changed.notify_all()
            for message in connection:  # ends when the connection closes
                self._take(message)
        except ConnectionClosed:
            pass  # the app went away without a closing handshake: as good as closed
        finally:
            with self._changed:
                if connection in self._clients:
                    self._clients.remove(connection)
                self._changed.notify_all()

    def _take(self, data: str | bytes) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            logger.warning("Socket Mode stand-in got a message that is not JSON")
            return
        if isinstance(message, dict) and message.get("envelope_id"):
            with self._changed:
                self._acks[str(message["envelope_id"])] = message | {"acked_at": time.time()}
                self._changed.notify_all()
