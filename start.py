"""`make run`: one process decides the mode, checks, migrates and starts everything.

With no Slack credential at all, the local sandbox (as `python app.py`). With Slack
credentials: migrate DATABASE_URL, start the worker command (`python -m jobs.worker`, which
checks its own configuration), build the Bolt app (`app.create_app`: data, schema, the token
at auth.test), and serve once a worker listens. A check that fails stops everything with its
one line; Ctrl-C, SIGTERM or the worker command ending stops both. The app is imported once,
in this process; the worker command is the process that loads the model client.

`python app.py --check` and `python -m jobs.worker --check` remain for deploy scripts.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from types import FrameType
from typing import TYPE_CHECKING

import logs
from errors import ConfigError, StartupError
from settings import Settings, SlackMode, settings_and_mode

if TYPE_CHECKING:
    from slack_bolt import App

WORKER_READY_S = 60  # the worker command imports every job and the model client first
WORKER_STOP_S = 30  # running turns finish first
POLL_S = 0.05


def main() -> int:
    decided = settings_and_mode(sys.argv)
    if isinstance(decided, str):
        print(decided, file=sys.stderr)
        return 2
    settings, mode = decided
    logs.configure_for(settings)
    try:
        if mode is SlackMode.SANDBOX:
            # Not `app` yet: the sandbox starts its worker command first, then builds the app
            # (create_app below) while the worker loads, each on its own core.
            from sandbox import launcher

            return launcher.start(settings, create_app, announce="--sandbox" not in sys.argv)
        signal.signal(signal.SIGTERM, _interrupt)
        return run_slack_app(settings)
    except StartupError as error:
        print(str(error), file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C while starting: what had started is stopped already
        return 0


def create_app(settings: Settings) -> App:
    """app.py's, imported when it is first needed."""
    import app

    return app.create_app(settings)


def run_slack_app(settings: Settings) -> int:
    """Migrate, start the workers and check the app side by side, then serve until stopped."""
    from sqlalchemy.exc import SQLAlchemyError

    from models.db import upgrade

    try:
        upgrade(settings.database_url)
    except SQLAlchemyError as error:
        raise ConfigError(f"Cannot migrate DATABASE_URL: {error.__class__.__name__}") from error
    stopping = threading.Event()
    with worker_command(stopping) as worker:
        import app  # while the worker command loads, on the other core

        bolt = app.create_app(settings)
        if not wait_for_worker(settings, worker):
            return _failed(worker)  # it printed why
        threading.Thread(target=_stop_when_gone, args=(worker, stopping), daemon=True).start()
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C, SIGTERM, or the worker gone
            app.serve(bolt, settings)
        if worker.poll() is not None:
            return _failed(worker)
    return 0


def _failed(worker: subprocess.Popen[bytes]) -> int:
    """The worker command's exit status, or 1 if a signal ended it."""
    return worker.returncode if worker.returncode and worker.returncode > 0 else 1


@contextlib.contextmanager
def worker_command(stopping: threading.Event) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m jobs.worker` in a session of its own (a terminal's Ctrl-C reaches only
    us; we pass the stop on once, as SIGTERM, so its running turns finish)."""
    process = subprocess.Popen([sys.executable, "-m", "jobs.worker"], start_new_session=True)
    try:
        yield process
    finally:
        stopping.set()
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        try:
            process.wait(timeout=WORKER_STOP_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        # A supervisor that was killed leaves its RQ workers behind: stop them warmly too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)


def wait_for_worker(settings: Settings, worker: subprocess.Popen[bytes]) -> bool:
    """True once a worker listens on the queue; False if the command ended (its check failed
    and said why on stderr)."""
    from redis.exceptions import RedisError
    from rq import Queue, Worker

    from jobs.runtime import redis_client

    queue = Queue(settings.queue_name, connection=redis_client(settings))
    deadline = time.monotonic() + WORKER_READY_S
    while worker.poll() is None:
        with contextlib.suppress(RedisError):  # the worker says so itself if Redis is away
            if Worker.count(queue=queue) > 0:
                return True
        if time.monotonic() > deadline:
            raise ConfigError(f"No worker was listening after {WORKER_READY_S} s.")
        time.sleep(POLL_S)
    return False


def _stop_when_gone(worker: subprocess.Popen[bytes], stopping: threading.Event) -> None:
    """The app without its workers would take requests nobody answers: stop it too."""
    worker.wait()
    if not stopping.is_set():
        print(f"The worker command stopped (exit {worker.returncode}); stopping.", file=sys.stderr)
        os.kill(os.getpid(), signal.SIGINT)


def _interrupt(_signal: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
