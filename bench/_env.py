"""The benchmark's world: Slack and Claude stand-ins, fresh databases, a dedicated Redis db.

Nothing is read from the user's `.env` or environment: the process moves into a temporary
directory, drops every setting variable it inherited, and builds `Settings` explicitly
(the same values as tests/conftest.py `make_settings`, production defaults otherwise).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redis import Redis

from models.db import upgrade
from sandbox.claude_api import Responder, ScriptedClaude
from sandbox.slack_api import SlackStandIn
from settings import Settings, as_environment

REDIS_BENCH_URL = "redis://127.0.0.1:6379/14"  # a db index nothing else uses; flushed twice
SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench-token"
TEAM = "T0BENCH"
BOT_USER = "U0BOT"
HUMAN = "U0HUMAN"
CHANNEL = "C0GENERAL"
SETTING_NAMES = [name.upper() for name in Settings.model_fields] + ["ANTHROPIC_BASE_URL"]
REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class BenchEnv:
    """Running stand-ins plus a scratch directory; `settings_for` makes fresh databases."""

    workdir: Path
    slack: SlackStandIn
    claude: ScriptedClaude
    redis: Redis
    redis_url: str = REDIS_BENCH_URL

    def settings_for(self, db_name: str, **extra: Any) -> Settings:
        """Settings pointing at a freshly migrated SQLite file of its own."""
        url = f"sqlite:///{self.workdir / db_name}"
        upgrade(url)
        return self.settings_at(url, **extra)

    def settings_at(self, url: str, **extra: Any) -> Settings:
        """Settings pointing at the database `url` (already migrated)."""
        values: dict[str, Any] = {
            "slack_bot_token": BOT_TOKEN,
            "slack_signing_secret": SIGNING_SECRET,
            "slack_api_url": self.slack.url,
            "anthropic_api_key": "bench-key",
            "anthropic_base_url": self.claude.base_url,
            "redis_url": self.redis_url,
            "database_url": url,
        }
        values.update(extra)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@contextlib.contextmanager
def bench_env(
    redis_url: str = REDIS_BENCH_URL, responder: Responder | None = None
) -> Iterator[BenchEnv]:
    """Start everything; on exit (also on Ctrl-C) stop it, flush Redis, restore the cwd.
    `redis_url`: another db when other benchmarks may run at the same time; `responder`:
    how the scripted Claude answers (its default voice otherwise)."""
    for name in SETTING_NAMES:
        os.environ.pop(name, None)  # our own process only; children inherit the clean env
    previous_cwd = Path.cwd()
    redis = Redis.from_url(redis_url)
    redis.flushdb()
    slack = SlackStandIn(bot_token=BOT_TOKEN, team_id=TEAM, bot_user_id=BOT_USER)
    slack.add_user(HUMAN, "maria")
    slack.add_channel(CHANNEL, "general")
    with tempfile.TemporaryDirectory(prefix="bench-ack-") as tmp:
        os.chdir(tmp)
        try:
            with slack, ScriptedClaude(responder=responder) as claude:
                yield BenchEnv(Path(tmp), slack, claude, redis, redis_url)
        finally:
            os.chdir(previous_cwd)
            redis.flushdb()
            redis.close()


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment a worker subprocess needs to see exactly these settings."""
    env = as_environment(settings, os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return env


def wait_until(predicate: Callable[[], bool], timeout_s: float, poll_s: float = 0.05) -> bool:
    """Poll a condition every `poll_s`; True if it held within the timeout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(poll_s)
    return bool(predicate())
