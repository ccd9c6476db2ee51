"""How `python app.py` serves, and how it stops without dropping a request.

HTTP (waitress): on SIGTERM or SIGINT the listening socket closes at once (a load balancer's
next connection goes to another replica; Slack retries what it could not deliver), requests
already received run to their answer, and the process exits when none is left, or after
`DRAIN_S` (Slack gives up on an answer after 3 s anyway). Waitress has no such stop of its
own: its `run()` ends on a signal by dropping what is in flight, so `serve_http` runs its loop.

Socket Mode: on SIGTERM or SIGINT the envelopes being handled are finished and acknowledged
over the still-open socket, then the socket closes; an envelope that arrives in between is
handled too. Slack redelivers any envelope left unacknowledged to another connection.
Started while the database is away, it connects only once the database answers (it has no
503 to turn envelopes away with), and a stop meanwhile ends it at once, before any connection.

Each HTTP request starts and ends with an empty log context (logs.py): a waitress thread
serves many requests, and the Bolt middleware sets the ids of the one at hand.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import waitress
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

import logs
from handlers.health import StartResponse, WsgiApp

logger = logging.getLogger(__name__)

DRAIN_S = 10.0  # the longest a stopping app waits for requests in flight
LOOP_TIMEOUT_S = 0.2  # how often the HTTP loop looks at the stop flag
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def with_clean_log_context(inner: WsgiApp) -> WsgiApp:
    """Each request begins and ends with no ids in its thread's log context."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        logs.start()
        try:
            return inner(environ, start_response)
        finally:
            logs.start()

    return app


def serve_http(app: WsgiApp, port: int, threads: int, host: str = "0.0.0.0") -> None:
    """Serve until SIGTERM/SIGINT, then stop accepting, finish what is in flight, return."""
    server = waitress.create_server(
        with_clean_log_context(app), host=host, port=port, threads=threads, ident="marketing-dept"
    )
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()  # the loop sees it within LOOP_TIMEOUT_S

    previous = {sig: signal.signal(sig, stop) for sig in STOP_SIGNALS}
    try:
        _loop_until(server, stopping)
        logger.info("Stopping: no new connections; finishing the requests in flight")
        server.accepting = False
        server.del_channel()
        server.socket.close()
        deadline = time.monotonic() + DRAIN_S
        while _busy(server) and time.monotonic() < deadline:
            server.asyncore.loop(timeout=LOOP_TIMEOUT_S, map=server._map, count=1)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.task_dispatcher.shutdown(timeout=1)
        server.asyncore.close_all(server._map)
    logger.info("Stopped")


def _loop_until(server: Any, stopping: threading.Event) -> None:
    while not stopping.is_set():
        server.asyncore.loop(timeout=LOOP_TIMEOUT_S, map=server._map, count=1)


def _busy(server: Any) -> bool:
    """A connection has a request being received, run or answered."""
    return any(
        channel.requests or channel.request is not None or channel.total_outbufs_len
        for channel in list(server.active_channels.values())
    )


class DrainingSocketModeHandler(SocketModeHandler):
    """Bolt's Socket Mode handler, counting the envelopes it is handling so a stop can wait
    for them before it closes the socket their acknowledgements travel on."""

    def __init__(self, app: App, app_token: str) -> None:
        super().__init__(app, app_token)
        self.in_flight = 0
        self.changed = threading.Condition()

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        with self._counted():
            super().handle(client, req)

    @contextmanager
    def _counted(self) -> Iterator[None]:
        with self.changed:
            self.in_flight += 1
        try:
            yield
        finally:
            with self.changed:
                self.in_flight -= 1
                self.changed.notify_all()

    def serve_until_stopped(self, stopping: threading.Event) -> None:
        """Connect; once `stopping` is set wait for the envelopes in hand (at most DRAIN_S),
        close."""
        try:
            self.connect()  # type: ignore[no-untyped-call]
            while not stopping.wait(LOOP_TIMEOUT_S):
                pass
            logger.info("Stopping: finishing %d envelope(s) in hand", self.in_flight)
            with self.changed:
                self.changed.wait_for(lambda: self.in_flight == 0, timeout=DRAIN_S)
        finally:
            self.close()  # type: ignore[no-untyped-call]
        logger.info("Stopped")


class _StoppedWaiting(BaseException):
    """SIGTERM/SIGINT while Socket Mode waits to connect. A BaseException, as
    KeyboardInterrupt is, so that no `except Exception` it may cross (a database driver's,
    mid-connect) takes it for an error of its own."""


def serve_socket_mode(app: App, app_token: str, until_ready: Callable[[], None]) -> None:
    """`until_ready()` (the database: handlers/database_gate.py), then Socket Mode until
    SIGTERM/SIGINT. A stop while it waits ends it at once, quietly, before any connection:
    a platform stopping a deploy that never got its database must not wait for it. One
    signal scope for both, so no stop between the wait and the connection goes unheard."""
    stopping = threading.Event()
    waiting = True

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal waiting
        stopping.set()
        if waiting:  # raised once: a second signal cannot interrupt the way out
            waiting = False
            raise _StoppedWaiting

    previous = {sig: signal.signal(sig, stop) for sig in STOP_SIGNALS}
    try:
        try:
            until_ready()
            waiting = False
        except _StoppedWaiting:
            logger.info("Stopped before connecting to Slack")
            return
        if not stopping.is_set():
            logger.info("Connecting to Slack in Socket Mode")
            DrainingSocketModeHandler(app, app_token).serve_until_stopped(stopping)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
