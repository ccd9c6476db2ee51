"""Shared fixtures: real Redis, a real migrated database, the Slack and Claude stand-ins over
HTTP, and the Bolt app served by waitress exactly as in production."""

from __future__ import annotations

import contextlib
import os
import pickle
import shutil
import socket
import sqlite3
import ssl
import subprocess
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit, urlunsplit

import pytest
from redis import Redis
from rq import SimpleWorker
from slack_bolt import App
from sqlalchemy.orm import Session, sessionmaker
from waitress import wasyncore
from waitress.server import create_server

import app as app_module
import logs
from handlers.ingress import wsgi_handler
from jobs import runtime as runtime_module
from jobs.queue import WorkspaceJob, lane_queues
from jobs.runtime import Runtime
from models.db import make_engine, make_sessionmaker, upgrade
from sandbox.claude_api import ScriptedClaude
from sandbox.signing import SlackRequestSender, app_mention_event
from sandbox.slack_api import SlackStandIn
from sandbox.worker_command import WorkerCommand
from settings import Settings
from tests.postgres import POSTGRES_URL, PostgresSchema, require_postgres

if TYPE_CHECKING:
    from tests.two_workspaces import Pair

REDIS_DBS = 16  # a default Redis server's `databases`
# Never taken by a test worker: db 0 is REDIS_URL's default (a developer's own queue), db 5 the
# sandbox's (sandbox/launcher.py), db 14 the benchmarks' (bench/_env.py). Each flushes its db.
RESERVED_REDIS_DBS = frozenset({0, 5, 14})


def xdist_worker_index() -> int:
    """0 in a plain run, n in pytest-xdist's worker `gw<n>`: what tells parallel workers'
    Redis dbs (and anything else they must not share) apart."""
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))


def worker_redis_url(base_url: str, index: int) -> str:
    """The Redis db of xdist worker `index`: the base URL's db for worker 0, then the next
    free dbs upwards (wrapping round, skipping RESERVED_REDIS_DBS), so parallel workers never
    flush each other's data. A run with more workers than free dbs stops with a clear error."""
    parts = urlsplit(base_url)
    base = int(parts.path.strip("/") or 0)
    later = [(base + step) % REDIS_DBS for step in range(1, REDIS_DBS)]
    dbs = [base, *(db for db in later if db not in RESERVED_REDIS_DBS)]
    if index >= len(dbs):
        raise pytest.UsageError(
            f"{index + 1} test workers need {index + 1} Redis dbs, but only {len(dbs)} are free "
            f"from db {base} (reserved: {sorted(RESERVED_REDIS_DBS)}); run fewer (-n)."
        )
    return urlunsplit(parts._replace(path=f"/{dbs[index]}"))


# TEST_REDIS_URL names the base db (default 13); under xdist each worker takes its own.
REDIS_TEST_URL = worker_redis_url(
    os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13"), xdist_worker_index()
)
SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
TEAM = "T0TEST"
BOT_USER = "U0BOT"
HUMAN = "U0HUMAN"
CHANNEL_CONTENT = "C0CONTENT"
CHANNEL_GENERAL = "C0GENERAL"
DM_CHANNEL = "D0HUMAN"
SETTING_NAMES = [name.upper() for name in Settings.model_fields] + ["ANTHROPIC_BASE_URL"]


@pytest.fixture(scope="session", autouse=True)
def _toml_parsed_once() -> Iterator[None]:
    """Each data file (roster, authority, advisor, patterns, prices, …) parsed once per test
    process, not by every runtime and app the tests build (about 0.1 s each): the same text
    gives a fresh copy of the same result, so a loader may change what it gets."""
    parse = tomllib.loads
    parsed: dict[tuple[str, Any], bytes] = {}

    def loads(text: str, /, *, parse_float: Any = float) -> dict[str, Any]:
        key = (text, parse_float)
        if key not in parsed:
            parsed[key] = pickle.dumps(parse(text, parse_float=parse_float))
        result: dict[str, Any] = pickle.loads(parsed[key])
        return result

    tomllib.loads = loads
    yield
    tomllib.loads = parse


@pytest.fixture(scope="session", autouse=True)
def _one_ca_certificate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The Anthropic client reads a whole CA bundle when it is made (0.1 to 0.2 s, once per
    runtime). The tests speak plain HTTP to local stand-ins only, so a bundle of one
    certificate (SSL_CERT_FILE, which the client honours, as do the worker commands started
    from here) serves as well, whatever bundle the machine names."""
    given = os.environ.get("SSL_CERT_FILE")
    bundle = Path(given or ssl.get_default_verify_paths().cafile or "")
    begin, end = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
    text = bundle.read_text(errors="replace") if bundle.is_file() else ""
    if begin not in text or end not in text:
        yield  # no bundle to take one from: the client reads what the machine has
        return
    one = tmp_path_factory.mktemp("ca") / "one.pem"
    one.write_text(text[text.index(begin) : text.index(end) + len(end)] + "\n")
    os.environ["SSL_CERT_FILE"] = str(one)
    yield
    if given is None:
        os.environ.pop("SSL_CERT_FILE", None)
    else:
        os.environ["SSL_CERT_FILE"] = given


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No setting leaks in from the machine or a developer's .env."""
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    logs.start()  # no log ids bound by an earlier test in this process (a job run in-process)
    yield
    runtime_module.install(None)


@pytest.fixture()
def redis_conn() -> Iterator[Redis]:
    connection = Redis.from_url(REDIS_TEST_URL)
    connection.flushdb()
    yield connection
    connection.flushdb()


# The databases the product supports. Every test that uses a database (the `database_kind`
# fixture, through `database_url`, `settings`, `runtime`, `bolt`, …) runs once on each; tests
# that use none run once. `pytest --db sqlite` (or `--db postgresql`) runs one of them.
DATABASES = ("sqlite", "postgresql")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        action="append",
        choices=DATABASES,
        help="run the tests that use a database on this one only (repeatable; default: both)",
    )


def pytest_configure(config: pytest.Config) -> None:
    for kind in DATABASES:
        config.addinivalue_line("markers", f"{kind}: the test's database is {kind}")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize every test whose fixtures reach `database_kind` (or, for a database shared
    by a module, `module_database_kind`) over the chosen databases (`-m postgresql` also
    selects them), unless the test names its database itself."""
    named = {
        name
        for marker in metafunc.definition.iter_markers("parametrize")
        for name in (
            marker.args[0].split(",") if isinstance(marker.args[0], str) else marker.args[0]
        )
    }
    kinds = metafunc.config.getoption("db") or DATABASES
    scopes: tuple[tuple[str, Literal["function", "module"]], ...] = (
        ("database_kind", "function"),
        ("module_database_kind", "module"),
    )
    for fixture, scope in scopes:
        if fixture in metafunc.fixturenames and fixture not in named:
            metafunc.parametrize(
                fixture,
                [pytest.param(kind, marks=getattr(pytest.mark, kind)) for kind in kinds],
                indirect=True,
                scope=scope,
            )


@pytest.fixture()
def database_kind(request: pytest.FixtureRequest) -> str:
    """Which database this test runs on (set by pytest_generate_tests)."""
    return str(request.param)


@pytest.fixture(scope="module")
def module_database_kind(request: pytest.FixtureRequest) -> str:
    """Which database a module-wide database is (set by pytest_generate_tests)."""
    return str(request.param)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head per test process: Alembic runs once (about 0.1 s),
    not before each of the hundreds of tests that need a fresh database."""
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def migrated_postgres() -> Iterator[PostgresSchema]:
    """This process's PostgreSQL schema, migrated to head once (tests/postgres.py)."""
    require_postgres(POSTGRES_URL, os.environ.get("CI"))
    schema = PostgresSchema.create("migrated")
    upgrade(schema.url)
    yield schema
    schema.drop()


@pytest.fixture()
def migrated_database_url(
    database_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> str:
    """A fresh, migrated database of this test's own: on SQLite a copy of the template, on
    PostgreSQL this process's migrated schema with every table emptied."""
    if database_kind == "postgresql":
        schema: PostgresSchema = request.getfixturevalue("migrated_postgres")
        schema.empty_tables()
        return schema.url
    path = tmp_path / "test.db"
    # SQLite's backup API copies a consistent image, even of a file left in WAL mode.
    with (
        contextlib.closing(sqlite3.connect(request.getfixturevalue("migrated_template"))) as source,
        contextlib.closing(sqlite3.connect(path)) as target,
    ):
        source.backup(target)
    return f"sqlite:///{path}"


@pytest.fixture()
def database_url(migrated_database_url: str) -> str:
    """The test's database: fresh and migrated (tests/models/ overrides it with an empty one
    for its migration tests)."""
    return migrated_database_url


@pytest.fixture()
def slack() -> Iterator[SlackStandIn]:
    stand_in = SlackStandIn(bot_token=BOT_TOKEN, team_id=TEAM, bot_user_id=BOT_USER)
    stand_in.add_user(HUMAN, "maria")
    stand_in.add_channel(CHANNEL_CONTENT, "mkt-content")
    stand_in.add_channel(CHANNEL_GENERAL, "general")
    stand_in.add_channel(DM_CHANNEL, "", is_im=True, user=HUMAN)
    with stand_in:
        yield stand_in


@pytest.fixture()
def unpaced_department(monkeypatch: pytest.MonkeyPatch) -> None:
    """The scripted department answers at once instead of streaming at a demo's pace (about
    0.4 s a reply): for tests that read what was said, not how the stream was edited."""
    monkeypatch.setattr("sandbox.scripted_department.DELAY_PER_CHUNK_S", 0.0)


@pytest.fixture()
def claude() -> Iterator[ScriptedClaude]:
    with ScriptedClaude() as stub:
        yield stub


def make_settings(
    slack: SlackStandIn, claude: ScriptedClaude, database_url: str, **extra: Any
) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": slack.url,
        "anthropic_api_key": "test-key",
        "anthropic_base_url": claude.base_url,
        "redis_url": REDIS_TEST_URL,
        "database_url": database_url,
        "stream_update_interval_s": 0.05,
        "campaign_progress_edit_every_s": 0.05,  # a catch-up edit sleeps out this window
        "llm_max_retries": 2,
        "enqueue_grace_s": 0.0,
        # The scripted Claude streams at once, so a flow's final edits spent the default
        # budget (40 a minute) and waited seconds for tokens. The budget has its own tests
        # (tests/jobs/test_edit_budget.py, test_slack_out.py), which size it themselves.
        "slack_chat_update_per_minute": 600,
        # The flows assert on edit-based streaming (placeholder or status, then edits);
        # native streaming has its own tests (tests/test_native_streaming.py), which turn it on.
        "slack_native_streaming": False,
        "show_work_plans": False,  # tests/test_plan_view.py shows them
    }
    values.update(extra)
    return Settings(**values)


@pytest.fixture()
def settings(
    slack: SlackStandIn, claude: ScriptedClaude, database_url: str, redis_conn: Redis
) -> Settings:
    return make_settings(slack, claude, database_url)


@pytest.fixture()
def runtime(settings: Settings) -> Runtime:
    rt = runtime_module.build_runtime(settings)
    runtime_module.install(rt)
    return rt


@pytest.fixture()
def sessions(runtime: Runtime) -> sessionmaker[Session]:
    return runtime.sessions


@dataclass
class ServedApp:
    app: App
    url: str
    sender: SlackRequestSender


SERVER_STOP_TIMEOUT_S = 5.0


@dataclass
class TestServer:
    """A waitress server serving from a daemon thread, as the tests' app is served."""

    __test__ = False  # not a test class, where a test module imports it
    server: Any
    thread: threading.Thread
    stopping: threading.Event

    @property
    def effective_port(self) -> int:
        return int(self.server.effective_port)

    def close(self) -> None:
        """Stop the way waitress stops itself, inside its loop's thread: every connection and
        the listening socket closed there, so the loop ends with nothing left to select on.
        (Closed from this thread instead, a connection still open, such as a request whose
        body never came, failed the loop's select with EBADF and left its socket unclosed.)
        Then the request threads are let go."""
        self.stopping.set()
        try:
            self.server.trigger.pull_trigger(lambda: wasyncore.close_all(self.server._map))
        except OSError:
            # The trigger's pipe is gone (its loop ended, or its descriptor number was closed
            # by a stale close elsewhere in this process): close the sockets from here (the
            # loop, if it still runs, then ends on EBADF: `_run_until_stopped`).
            with contextlib.suppress(OSError):
                wasyncore.close_all(self.server._map)
        self.thread.join(SERVER_STOP_TIMEOUT_S)
        self.server.task_dispatcher.shutdown(timeout=SERVER_STOP_TIMEOUT_S)


def serve_app(app: App) -> tuple[TestServer, str]:
    server, base = serve_wsgi(wsgi_handler(app))
    return server, f"{base}/slack/events"


def serve_wsgi(wsgi: Any) -> tuple[TestServer, str]:
    """A WSGI app served by waitress on a free port; the server (to close) and its base URL."""
    server = create_server(wsgi, host="127.0.0.1", port=0, threads=8)
    stopping = threading.Event()
    thread = threading.Thread(target=_run_until_stopped, args=(server, stopping), daemon=True)
    thread.start()
    return TestServer(server, thread, stopping), f"http://127.0.0.1:{server.effective_port}"


def _run_until_stopped(server: Any, stopping: threading.Event) -> None:
    """The server's loop; one whose sockets `TestServer.close` had to close from its own
    thread ends on their EBADF, which is that stop, not an error. Any other is raised."""
    try:
        server.run()
    except (OSError, ValueError):
        if not stopping.is_set():
            raise


@pytest.fixture()
def bolt(settings: Settings, runtime: Runtime) -> Iterator[ServedApp]:
    app = app_module.create_app(settings)
    server, url = serve_app(app)
    sender = SlackRequestSender(url, SIGNING_SECRET, team_id=TEAM)
    yield ServedApp(app, url, sender)
    sender.close()
    server.close()


def mention(
    sender: SlackRequestSender, slack: SlackStandIn, channel: str, text: str, *, user: str = HUMAN
) -> str:
    """A person @-mentions the app in `channel`: the message is stored in the Slack stand-in
    (where the app's replies thread under it) and its signed event sent, answered 200.
    Returns the message's ts, the thread the department answers in."""
    text = f"<@{BOT_USER}> {text}"
    asked = slack.add_message(channel, user=user, text=text)
    event = app_mention_event(user=user, channel=channel, text=text, ts=asked)
    assert sender.send_event(event).status == 200
    return asked


@contextlib.contextmanager
def app_with(
    slack: SlackStandIn, claude: ScriptedClaude, database_url: str, **extra: Any
) -> Iterator[tuple[Runtime, SlackRequestSender]]:
    """The app served and its runtime installed on settings of the test's own (`extra` over
    make_settings'), for a test of a setting the `bolt` fixture leaves at its default."""
    settings = make_settings(slack, claude, database_url, **extra)
    rt = runtime_module.build_runtime(settings)
    runtime_module.install(rt)
    server, url = serve_app(app_module.create_app(settings))
    try:
        with SlackRequestSender(url, SIGNING_SECRET, team_id=TEAM) as sender:
            yield rt, sender
    finally:
        server.close()


def empty_queues(rt: Runtime) -> None:
    """Drop what waits in every lane (a test that runs the jobs by hand)."""
    rt.redis.delete(*(queue.key for queue in lane_queues(rt.redis, rt.settings.queue_name)))


class BurstWorker(SimpleWorker):
    """RQ's SimpleWorker without its command listener. A worker subscribes to a Redis channel
    for commands (stop a job, shut down) that only a long-running worker is sent; stopping
    that listener's thread at the end of a burst cost 0.2 to 1 s each time."""

    def subscribe(self) -> None:
        return None

    def unsubscribe(self) -> None:
        return None


def work(rt: Runtime) -> None:
    """Run every queued job in this process (RQ's SimpleWorker, burst mode)."""
    queues = lane_queues(rt.redis, rt.settings.queue_name)
    worker = BurstWorker(queues, connection=rt.redis, job_class=WorkspaceJob)
    worker.work(burst=True, logging_level="WARNING")


def db_sessions(url: str) -> sessionmaker[Session]:
    return make_sessionmaker(make_engine(url))


@pytest.fixture()
def workers(tmp_path: Path) -> Iterator[list[WorkerCommand]]:
    """Worker commands a test started; killed at its end if still running."""
    started: list[WorkerCommand] = []
    yield started
    for worker in started:
        if worker.running():
            worker.kill()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(
    predicate: Callable[[], bool], timeout_s: float = 20.0, interval_s: float = 0.05
) -> bool:
    """Poll a condition (no blind sleeps); True if it came true within the timeout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval_s)
    return predicate()


@contextlib.contextmanager
def temporary_redis(port: int) -> Iterator[subprocess.Popen[bytes]]:
    """A throwaway redis-server on `port` (to take Redis away and bring it back)."""
    server = shutil.which("redis-server")
    assert server, "redis-server must be installed (scripts/ensure-redis installs it)"
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_until(lambda: _pings(port), 10), "temporary redis did not start"
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


def _pings(port: int) -> bool:
    try:
        return bool(Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.2).ping())
    except Exception:
        return False


@pytest.fixture()
def pair(
    slack: SlackStandIn, claude: ScriptedClaude, database_url: str, redis_conn: Redis
) -> Iterator[Pair]:
    """Workspaces A and B in one app and one worker (tests/two_workspaces.py): the isolation
    tests' fixture."""
    from tests.two_workspaces import two_workspaces  # it imports this module

    with two_workspaces(slack, claude, database_url) as both:
        yield both
