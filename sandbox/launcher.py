"""`python app.py` with no Slack credentials (or `--sandbox`): the whole department on this
machine, with a database and a Redis db of its own whatever DATABASE_URL and REDIS_URL say.

Starts, in one process tree: Redis (the running one, or a fresh redis-server), the Slack
stand-in, the scripted Claude (unless ANTHROPIC_API_KEY is set), the real Bolt app, the real
worker command (with its ritual scheduler: the standup runs at its time, or now with
`/standup`), and the page at http://127.0.0.1:PORT/. Ctrl-C stops all of it; the workers
finish the turns they are running first.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import SecretStr
from redis import ConnectionPool, Redis
from rq import Queue, Worker

from bots.examples import load_examples
from bots.ritual_config import load_ritual_config
from bots.roster import Roster, load_roster
from bots.topics import channel_topic
from errors import ConfigError, StartupError
from sandbox.approvers import with_approvers
from sandbox.claude_api import ScriptedClaude
from sandbox.database import fresh_database
from sandbox.scripted_department import department_responder
from sandbox.signing import SlackRequestSender
from sandbox.slack_api import SlackStandIn
from sandbox.web_server import Person, SandboxChannel, Workspace, serve
from settings import Settings, as_environment

if TYPE_CHECKING:
    from slack_bolt import App

REPO = Path(__file__).resolve().parent.parent
TEAM = "T0SANDBOX"
BOT_USER = "U0BOT"
BOT_TOKEN = "xoxb-sandbox"
SANDBOX_DIR = Path(".sandbox")
DATABASE_FILE = "sandbox.db"
PEOPLE = [
    Person("U0MARIA", "maria", "Maria (marketing lead, approves)", is_admin=True),
    Person("U0SAM", "sam", "Sam (colleague, may not approve)"),
]
APPROVERS = [person.id for person in PEOPLE if person.is_admin]
LOCAL_REDIS_PORT = 6379
REDIS_DB = 5  # keeps the sandbox's jobs apart on a Redis that serves other things
WORKER_PROCESSES = 2
WORKER_STOP_S = 30
WORKER_READY_S = 30


def channels(
    roster: Roster, escalations: str = "mkt-escalations", rituals: tuple[str, ...] = ()
) -> list[SandboxChannel]:
    """#general, every team channel of the roster, the escalation channel, the rituals'
    channels (#mkt-standup…), and a DM with the app per person."""
    named = [SandboxChannel("C0GENERAL", "general")]
    names = [c.name for c in roster.channels]
    names += [name for name in dict.fromkeys((escalations, *rituals)) if name not in names]
    named += [
        SandboxChannel(f"C0{name.upper().replace('-', '')}", name, topic=_topic(roster, name))
        for name in names
    ]
    return named + [SandboxChannel(f"D0{p.name.upper()}", "", True, p.id) for p in PEOPLE]


def _topic(roster: Roster, name: str) -> dict[str, str] | None:
    """A team channel starts with the topic the app would set (bots/topics.py)."""
    topic = channel_topic(roster, name)
    return {"value": topic} if topic else None


def slash_commands(manifest: Path) -> frozenset[str]:
    """The commands the app declares in its manifest: the only ones Slack would deliver."""
    loaded = yaml.safe_load(manifest.read_text()) or {}
    declared = (loaded.get("features") or {}).get("slash_commands") or []
    return frozenset(str(entry["command"]) for entry in declared)


def message_shortcuts(manifest: Path) -> list[dict[str, str]]:
    """The app's message shortcuts (name, callback_id): what a message's "⋯" menu offers."""
    loaded = yaml.safe_load(manifest.read_text()) or {}
    declared = (loaded.get("features") or {}).get("shortcuts") or []
    return [
        {"name": str(s["name"]), "callback_id": str(s["callback_id"])}
        for s in declared
        if s.get("type") == "message"
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def redis_url(settings: Settings) -> Iterator[str]:
    """A Redis db of the sandbox's own: db REDIS_DB of the machine's Redis if it answers (and
    REDIS_URL does not name that very db), else a fresh server. Never REDIS_URL itself: the
    sandbox's workers must not meet a real deployment's queue, locks or limits."""
    local = f"redis://127.0.0.1:{LOCAL_REDIS_PORT}/{REDIS_DB}"
    if _pings(local) and not _same_redis_db(settings.redis_url, local):
        yield local
        return
    binary = shutil.which("redis-server")
    if binary is None:
        raise ConfigError(
            "The sandbox needs Redis: none answers on 127.0.0.1:6379 and redis-server is not "
            "installed. Install it (e.g. apt-get install redis-server) or set REDIS_URL."
        )
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while not _pings(url):
            if time.monotonic() > deadline:
                raise ConfigError(f"Started redis-server on port {port}, but it never answered.")
            time.sleep(0.05)
        print(f"Started a private redis-server on port {port} (none was running).")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def _same_redis_db(first: str, second: str) -> bool:
    def where(url: str) -> tuple[object, ...]:
        kwargs = ConnectionPool.from_url(url).connection_kwargs
        host = kwargs.get("host")
        host = "127.0.0.1" if host in ("localhost", "::1") else host
        return (host, kwargs.get("port", 6379), kwargs.get("path"), int(kwargs.get("db") or 0))

    return where(first) == where(second)


def _pings(url: str) -> bool:
    try:
        return bool(Redis.from_url(url, socket_connect_timeout=0.3).ping())
    except Exception:
        return False


def sandbox_settings(
    settings: Settings, slack: SlackStandIn, claude_url: str | None, redis: str
) -> Settings:
    """The real settings with Slack (and, without a key, Claude) pointed at the stand-ins, and
    a database of the sandbox's own: never DATABASE_URL, whose real turns, tasks and reminders
    its sweeper would otherwise pick up and answer into the stand-in."""
    SANDBOX_DIR.mkdir(exist_ok=True)
    path = SANDBOX_DIR / DATABASE_FILE
    path.unlink(missing_ok=True)  # the stand-in's Slack starts empty each time; so does this
    database = f"sqlite:///{path.resolve()}"
    update: dict[str, Any] = {
        "slack_bot_token": SecretStr(BOT_TOKEN),
        "slack_signing_secret": SecretStr(secrets.token_hex(16)),
        "slack_app_token": None,
        "slack_api_url": slack.url,
        "redis_url": redis,
        "database_url": database,
        "stream_update_interval_s": min(settings.stream_update_interval_s, 0.3),
        # A queue of its own: two sandboxes sharing a Redis must never take each other's jobs.
        "queue_name": f"sandbox-{secrets.token_hex(4)}",
        # Named approvers (the sandbox's admins), so cards and refusals name them.
        "approvals_path": with_approvers(settings.approvals_path, APPROVERS, SANDBOX_DIR),
    }
    if claude_url is not None:
        update |= {"anthropic_api_key": SecretStr("sandbox"), "anthropic_base_url": claude_url}
    return settings.model_copy(update=update)


def start(settings: Settings, create_app: Callable[[Settings], App], *, announce: bool) -> int:
    """`run`, saying first (`announce`) which settings would connect a workspace instead, and
    ending a failed start with its one line."""
    if announce:
        print(
            "No Slack credentials, so starting the local sandbox. To connect a workspace set "
            "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (HTTP mode) or SLACK_BOT_TOKEN and "
            "SLACK_APP_TOKEN (Socket Mode), in the environment or in .env; create the app "
            "from manifest.yml. See .env.example for every setting.",
            file=sys.stderr,
        )
    try:
        return run(settings, create_app)
    except StartupError as error:
        print(str(error), file=sys.stderr)
        return 2


def run(settings: Settings, create_app: Callable[[Settings], App]) -> int:
    """Start everything, print the URL, block until Ctrl-C; then stop it all. `create_app`
    is app.py's, handed in by app.py (which imports this module) so the two do not import
    each other."""
    roster = load_roster(settings.roster_path)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.ExitStack() as stack:
        redis = stack.enter_context(redis_url(settings))
        slack = stack.enter_context(
            SlackStandIn(bot_token=BOT_TOKEN, team_id=TEAM, bot_user_id=BOT_USER)
        )
        for person in PEOPLE:
            slack.add_user(person.id, person.name, is_admin=person.is_admin)
        ritual_channels = tuple(
            ritual.channel for ritual in load_ritual_config(settings.rituals_path).rituals.values()
        )
        all_channels = channels(roster, settings.escalation_channel, ritual_channels)
        for channel in all_channels:
            topic = (channel.topic or {}).get("value", "")
            slack.add_channel(
                channel.id, channel.name, is_im=channel.is_im, user=channel.user, topic=topic
            )
        scripted = settings.anthropic_api_key is None
        claude_url = None
        if scripted:
            stub = ScriptedClaude(
                responder=department_responder,
                think_s=settings.sandbox_think_s,
                stream_delay_s=settings.sandbox_stream_delay_s,
            )
            claude_url = stack.enter_context(stub).base_url
        local = sandbox_settings(settings, slack, claude_url, redis)
        fresh_database(SANDBOX_DIR / DATABASE_FILE)
        # The worker command takes the longest to start (it imports the model client too): it
        # starts first, and the page answers while it does (a mention meanwhile waits queued).
        worker = stack.enter_context(_worker(local))
        bolt = _serve_bolt(create_app(local))
        stack.callback(bolt.close)
        secret = local.slack_signing_secret.get_secret_value() if local.slack_signing_secret else ""
        sender = SlackRequestSender(
            f"http://127.0.0.1:{bolt.effective_port}/slack/events",
            secret,
            team_id=TEAM,
            bot_user_id=BOT_USER,
        )
        workspace = Workspace(
            TEAM,
            "Sandbox Co",
            BOT_USER,
            PEOPLE,
            all_channels,
            _agents(roster),
            scripted,
            sender,
            slack,
            slash_commands(REPO / "manifest.yml"),
            examples=[example.model_dump() for example in load_examples().examples],
            shortcuts=message_shortcuts(REPO / "manifest.yml"),
        )
        web = serve(workspace, "127.0.0.1", settings.port)
        stack.callback(web.shutdown)
        page = f"http://127.0.0.1:{web.server_address[1]}/"
        print(f"The page answers at {page}; the workers are starting…", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            _wait_for_workers(local, worker)
            print(f"Sandbox ready: open {page}  (Ctrl-C stops it)")
            if scripted:
                print(
                    "Agents answer with a scripted Claude: set ANTHROPIC_API_KEY for real answers."
                )
            sys.stdout.flush()
            while not stop.is_set() and worker.poll() is None:
                stop.wait(0.5)
        print("Stopping the sandbox…")
    return 0


def _wait_for_workers(settings: Settings, worker: subprocess.Popen[bytes]) -> None:
    """ "Ready" means a worker listens on the queue, so the first mention is answered at once."""
    connection = Redis.from_url(settings.redis_url)
    queue = Queue(settings.queue_name, connection=connection)
    deadline = time.monotonic() + WORKER_READY_S
    while Worker.count(queue=queue) == 0:
        if worker.poll() is not None:
            raise ConfigError("The sandbox's worker process stopped; see the messages above.")
        if time.monotonic() > deadline:
            raise ConfigError(f"No worker was listening after {WORKER_READY_S} s.")
        time.sleep(0.05)


def _agents(roster: Roster) -> list[dict[str, Any]]:
    return [
        {
            "id": a.id,
            "display_name": a.display_name,
            "icon_emoji": a.icon_emoji,
            "layer": a.layer,
            "aliases": list(a.aliases),
            "color": a.color,
        }
        for a in roster.agents
    ]


def _serve_bolt(app: App) -> Any:
    """The real Bolt app on waitress, on a free port. Imported here, as `create_app` imports
    the app: after the worker command has started, so both load side by side."""
    from waitress.server import create_server

    from handlers.ingress import wsgi_handler

    server = create_server(wsgi_handler(app), host="127.0.0.1", port=0, threads=8)
    threading.Thread(target=_run_quietly, args=(server,), daemon=True).start()
    return server


def _run_quietly(server: Any) -> None:
    with contextlib.suppress(OSError, ValueError):  # closing the socket ends the loop
        server.run()


@contextlib.contextmanager
def _worker(settings: Settings) -> Iterator[subprocess.Popen[bytes]]:
    """The README's worker command, as its own process group; stopped warmly on exit."""
    process = subprocess.Popen(
        [sys.executable, "-m", "jobs.worker", "--processes", str(WORKER_PROCESSES)],
        cwd=REPO,
        env=as_environment(settings, os.environ),
        start_new_session=True,
    )
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()  # the supervisor passes it on once: running turns finish
        try:
            process.wait(timeout=WORKER_STOP_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
