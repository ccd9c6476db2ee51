"""Each app under test served by waitress in its own spawned child process.

Both the real app and the bare Bolt app are served the same way (waitress, 8 threads, one
child process each) so the load generator's 20 threads never share a GIL with the server
and the real/bare ratio compares the apps, not the harness.
"""

from __future__ import annotations

import contextlib
import logging
import math
import multiprocessing
import os
import re
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Literal

from settings import Settings

AppKind = Literal["real", "bare"]
EVENTS_PATH = "/slack/events"
SERVER_THREADS = 8
CHILD_START_TIMEOUT_S = 60.0
CHILD_STOP_TIMEOUT_S = 5.0
HOW_SERVED = (
    f"waitress create_server(SlackRequestHandler(app), threads={SERVER_THREADS}) "
    "in a child process (multiprocessing spawn), one per app"
)


@dataclass(frozen=True)
class ServedApp:
    kind: AppKind
    url: str
    pid: int

    def cpu_s(self) -> float:
        """CPU seconds (user + system, all threads) the server process has used so far.

        Linux only (/proc); NaN elsewhere, and the benchmark then prints no CPU figures.
        """
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return math.nan
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def build_app(kind: AppKind, settings: Settings) -> object:
    """The real app exactly as app.py builds it, or a Bolt app whose listeners only ack."""
    if kind == "real":
        import app as app_module

        return app_module.create_app(settings)
    from slack_bolt import Ack, App

    from handlers.authorize import ANY_TEAM
    from jobs.runtime import slack_clients

    secret = settings.slack_signing_secret
    bare = App(
        client=slack_clients(settings).patient(ANY_TEAM),
        name="bare",
        signing_secret=secret.get_secret_value() if secret else None,
        process_before_response=True,
    )

    @bare.event("app_mention")
    def ack_only() -> None:
        return None

    @bare.event("message")
    def ignore_message() -> None:
        return None

    @bare.action(re.compile(".*"))
    def ack_click(ack: Ack) -> None:
        ack()

    return bare


def _serve(kind: AppKind, settings: Settings, workdir: str, ready: Connection) -> None:
    """Child process body: build the app, report the port, serve until terminated."""
    from waitress.server import create_server

    from handlers.ingress import wsgi_handler

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's; it stops us
    os.chdir(workdir)
    logging.basicConfig(level=logging.WARNING)
    # "Task queue depth is N" on every request: 20 connections > 8 threads, by design here.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    app = build_app(kind, settings)
    handler = wsgi_handler(app)  # type: ignore[arg-type]
    server = create_server(handler, host="127.0.0.1", port=0, threads=SERVER_THREADS)
    ready.send(int(server.effective_port))
    ready.close()
    server.run()


@contextlib.contextmanager
def served(kind: AppKind, settings: Settings, workdir: str) -> Iterator[ServedApp]:
    """Serve one app in a spawned child; always stopped (SIGTERM, then SIGKILL) on exit."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_serve, args=(kind, settings, workdir, send), name=f"bench-{kind}", daemon=True
    )
    child.start()
    send.close()
    try:
        try:
            port = receive.recv() if receive.poll(CHILD_START_TIMEOUT_S) else None
        except EOFError:
            port = None
        if port is None:
            raise RuntimeError(f"the {kind} app did not start (exit code {child.exitcode})")
        assert child.pid is not None
        yield ServedApp(kind, f"http://127.0.0.1:{port}{EVENTS_PATH}", child.pid)
    finally:
        receive.close()
        child.terminate()
        child.join(CHILD_STOP_TIMEOUT_S)
        if child.is_alive():
            child.kill()
            child.join(CHILD_STOP_TIMEOUT_S)
