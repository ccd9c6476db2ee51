"""A local stand-in for Slack's Socket Mode: the WebSocket that `apps.connections.open` points
an app to, over which Slack sends envelopes (events, interactions, commands) and the app
acknowledges each by its `envelope_id` (with an optional response payload).

RFC 6455 framing by hand (text, ping/pong, close; client frames masked, ours not), enough for
slack_sdk's own Socket Mode client, which connects without TLS to any port but 443.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import socket
import struct
import threading
import time
import uuid
from typing import Any

logger = logging.getLogger(__name__)

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455's handshake constant
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA
MAX_HEADER_BYTES = 16_384


class SocketModeServer:
    """Accepts the app's connections; `send` an envelope, `wait_for_ack` its answer."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._listener = socket.create_server((host, 0))
        self._host, self._port = self._listener.getsockname()[:2]
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._clients: list[socket.socket] = []
        self._acks: dict[str, dict[str, Any]] = {}
        self._send_lock = threading.Lock()  # our frames and pongs must not interleave
        self._closing = False
        self._thread = threading.Thread(target=self._accept, name="socket-mode", daemon=True)
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
        with self._lock:
            client = self._clients[-1]
        self._send(client, TEXT, json.dumps(envelope).encode())
        return envelope_id

    def wait_for_ack(self, envelope_id: str, timeout_s: float = 10.0) -> dict[str, Any] | None:
        with self._changed:
            self._changed.wait_for(lambda: envelope_id in self._acks, timeout_s)
            return self._acks.get(envelope_id)

    def close(self) -> None:
        with self._lock:
            self._closing = True
            clients = list(self._clients)
        for client in clients:
            with contextlib.suppress(OSError):
                self._send(client, CLOSE, struct.pack("!H", 1000))
                client.close()
        self._listener.close()

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            if not _handshake(client):
                client.close()
                return
            hello = {"type": "hello", "num_connections": 1, "debug_info": {"host": "stand-in"}}
            self._send(client, TEXT, json.dumps(hello).encode())
            with self._changed:
                self._clients.append(client)
                self._changed.notify_all()
            self._read(client)
        except OSError:
            pass
        finally:
            with self._changed:
                if client in self._clients:
                    self._clients.remove(client)
                self._changed.notify_all()

    def _read(self, client: socket.socket) -> None:
        while True:
            opcode, data = _read_frame(client)
            if opcode == CLOSE:
                with contextlib.suppress(OSError):
                    self._send(client, CLOSE, data[:2])
                return
            if opcode == PING:
                self._send(client, PONG, data)
            elif opcode == TEXT:
                self._take(data)

    def _send(self, client: socket.socket, opcode: int, data: bytes) -> None:
        with self._send_lock:
            _send_frame(client, opcode, data)

    def _take(self, data: bytes) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            logger.warning("Socket Mode stand-in got a non-JSON text frame")
            return
        if isinstance(message, dict) and message.get("envelope_id"):
            with self._changed:
                self._acks[str(message["envelope_id"])] = message | {"acked_at": time.time()}
                self._changed.notify_all()


def _handshake(client: socket.socket) -> bool:
    request = b""
    while b"\r\n\r\n" not in request:
        chunk = client.recv(1024)
        if not chunk or len(request) > MAX_HEADER_BYTES:
            return False
        request += chunk
    headers = {}
    for line in request.decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    key = headers.get("sec-websocket-key")
    if not key or headers.get("upgrade", "").lower() != "websocket":
        client.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        return False
    accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
    client.sendall(
        (
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Accept: {accept}\r\n\r\n"
        ).encode()
    )
    return True


def _read_exactly(client: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = client.recv(count - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def _read_frame(client: socket.socket) -> tuple[int, bytes]:
    first, second = _read_exactly(client, 2)
    opcode, masked, length = first & 0x0F, second & 0x80, second & 0x7F
    if length == 126:
        (length,) = struct.unpack("!H", _read_exactly(client, 2))
    elif length == 127:
        (length,) = struct.unpack("!Q", _read_exactly(client, 8))
    mask = _read_exactly(client, 4) if masked else b""
    data = _read_exactly(client, length)
    if mask:
        data = bytes(byte ^ mask[i % 4] for i, byte in enumerate(data))
    return opcode, data


def _send_frame(client: socket.socket, opcode: int, data: bytes) -> None:
    header = bytes([0x80 | opcode])
    if len(data) < 126:
        header += bytes([len(data)])
    elif len(data) < 65_536:
        header += bytes([126]) + struct.pack("!H", len(data))
    else:
        header += bytes([127]) + struct.pack("!Q", len(data))
    client.sendall(header + data)
