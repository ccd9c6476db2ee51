"""A PostgreSQL server of a test's own, to stop and start under the running app and workers.

The machine's server (and a parallel test process's) is never touched: a fresh cluster in a
temporary folder, on a free port, listening on 127.0.0.1 only (no Unix socket), trust auth,
durability off (`fsync=off`: a test's data need not survive a power cut). `initdb` refuses
to run as root, so as root the cluster belongs to the `postgres` user and its commands run
as that user. Where the binaries are missing the test is skipped, or failed when `CI` is set.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

COMMAND_TIMEOUT_S = 60  # initdb, start and stop each; a loaded 2-core machine is slow
INITDB_OPTIONS = ("-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
SERVER_OPTIONS = (
    "-c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
)


def postgres_binary(name: str) -> str | None:
    """`initdb`, `pg_ctl`: on the PATH, else in Debian's versioned folder."""
    found = shutil.which(name)
    if found is not None:
        return found
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return versions[-1] if versions else None


@dataclass
class TemporaryPostgres:
    """One cluster: `start`, `stop` (fast: open connections are cut, as in a failover or a
    restart for an upgrade) and `start` again, on the same port and data."""

    data: Path
    port: int
    pg_ctl: str
    user: int | None  # uid to run the server as (None: as ourselves)
    group: int | None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def log(self) -> Path:
        return self.data.parent / "server.log"

    def start(self) -> None:
        self._pg_ctl("-o", f"-p {self.port} {SERVER_OPTIONS}", "-l", str(self.log), "start")

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "stop")

    def answers(self) -> bool:
        engine = create_engine(self.url, connect_args={"connect_timeout": 2})
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except OperationalError:
            return False
        finally:
            engine.dispose()

    def server_log(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def _pg_ctl(self, *args: str) -> None:
        wait = ("-w", "-t", str(COMMAND_TIMEOUT_S))
        self._run([self.pg_ctl, "-D", str(self.data), *wait, *args])

    def _run(self, command: list[str]) -> None:
        done = subprocess.run(
            command,
            user=self.user,
            group=self.group,
            cwd=self.data.parent,
            capture_output=True,
            timeout=COMMAND_TIMEOUT_S + 10,
            check=False,
        )
        if done.returncode != 0:
            output = (done.stdout + done.stderr).decode(errors="replace")
            raise RuntimeError(f"{command[0]} {command[-1]} failed: {output}\n{self.server_log()}")


def _owner() -> tuple[int | None, int | None]:
    """Who runs the cluster: ourselves, or as root the `postgres` user (initdb refuses root)."""
    if os.geteuid() != 0:
        return None, None
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root and no `postgres` user to run a test server as")
    return account.pw_uid, account.pw_gid


def _unavailable(reason: str) -> None:
    ci = os.environ.get("CI")
    if ci is not None and ci.strip().lower() not in ("", "0", "false"):
        pytest.fail(f"{reason}, and CI is set: the PostgreSQL fault test must run.", pytrace=False)
    pytest.skip(reason)


@contextlib.contextmanager
def temporary_postgres(port: int) -> Iterator[TemporaryPostgres]:
    """A started cluster of its own on `port`; stopped and deleted at the end."""
    initdb, pg_ctl = postgres_binary("initdb"), postgres_binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        _unavailable("PostgreSQL's initdb/pg_ctl are not installed")
    assert initdb is not None and pg_ctl is not None
    user, group = _owner()
    root = Path(tempfile.mkdtemp(prefix="pgfault-"))
    if user is not None:
        os.chown(root, user, group or -1)
    server = TemporaryPostgres(root / "data", port, pg_ctl, user, group)
    try:
        server._run([initdb, "-D", str(server.data), *INITDB_OPTIONS])
        server.start()
        yield server
    finally:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            server.stop()
        shutil.rmtree(root, ignore_errors=True)
