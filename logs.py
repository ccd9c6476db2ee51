"""Logging for every process: one line per record, JSON or text (`LOG_FORMAT`), each carrying
the workspace and the records it is about.

The ids live in a context variable, not in the messages: a job's start (the worker's
`DepartmentWorker.perform_job`, jobs/worker.py) sets the job's arguments by their names
(`team_id`, `turn_id`, `task_id`, `campaign_id`, `approval_id`, …), a Slack request's start (the
Bolt middleware `bolt_middleware`) sets the workspace, person and channel, and code that learns
more adds it with `bind` (the listener that just persisted a turn). Every line logged within
carries them, whoever logs it (our code, RQ, slack_sdk), and no call site passes ids by hand.
Threads a job starts (a lease's heartbeat) inherit nothing: they log their own name.

Secrets never reach a line: the value of every secret setting, and anything shaped like a
Slack or Anthropic token, is replaced by `[redacted]` in messages and tracebacks alike.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from pydantic import SecretStr

if TYPE_CHECKING:
    from settings import Settings

LogFormat = Literal["json", "text"]
REDACTED = "[redacted]"
# Slack's bot, user, app-level, refresh and config tokens; Anthropic's API keys.
TOKEN_SHAPES = re.compile(r"\b(?:xox[a-z]|xapp|xoxe(?:\.xox[a-z])?|sk-ant)-[A-Za-z0-9._\-]+")
MIN_SECRET_CHARS = 6  # shorter "secrets" (test values like "x") would redact ordinary words
# A password in a URL (DATABASE_URL, REDIS_URL): scheme://user:password@host.
URL_PASSWORD = re.compile(r"(?<=://)([^:/@\s]*):[^@/\s]+@")

NO_IDS: Mapping[str, str] = MappingProxyType({})
_ids: ContextVar[Mapping[str, str]] = ContextVar("log_ids", default=NO_IDS)


def current() -> dict[str, str]:
    """The ids every line logged here and now carries."""
    return dict(_ids.get())


def bind(**ids: str | None) -> None:
    """Add ids to the current context (None values are left out)."""
    _ids.set({**_ids.get(), **{k: v for k, v in ids.items() if v is not None}})


def start(**ids: str | None) -> None:
    """Replace the context: the start of a request in a reused thread, where the last
    request's ids must not linger."""
    _ids.set({k: v for k, v in ids.items() if v is not None})


@contextmanager
def scope(**ids: str | None) -> Iterator[None]:
    """The context for the length of a block (a job), restored afterwards."""
    token = _ids.set({k: v for k, v in ids.items() if v is not None})
    try:
        yield
    finally:
        _ids.reset(token)


def bolt_middleware(
    context: Mapping[str, Any], body: Mapping[str, Any], next: Callable[[], object]
) -> object:
    """Bolt middleware: every line logged while a listener handles this request carries the
    workspace, the person, the channel and what kind of request it is."""
    start(
        team_id=context.get("team_id"),
        user_id=context.get("user_id"),
        channel_id=context.get("channel_id"),
        request=_request_kind(body),
    )
    return next()


def _request_kind(body: Mapping[str, Any]) -> str | None:
    """`event:app_mention`, `block_actions:approve`, `command:/campaign`, `view_submission:…`."""
    event = body.get("event")
    if isinstance(event, Mapping):
        return f"event:{event.get('type')}"
    if "command" in body:
        return f"command:{body.get('command')}"
    kind = body.get("type")
    actions = body.get("actions")
    if isinstance(actions, list) and actions and isinstance(actions[0], Mapping):
        return f"{kind}:{actions[0].get('action_id')}"
    view = body.get("view")
    if isinstance(view, Mapping) and view.get("callback_id"):
        return f"{kind}:{view.get('callback_id')}"
    callback_id = body.get("callback_id")
    return f"{kind}:{callback_id}" if callback_id else (str(kind) if kind else None)


class Redactor:
    """Replaces the given secret values and token-shaped strings."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        values = sorted({s for s in secrets if len(s) >= MIN_SECRET_CHARS}, key=len, reverse=True)
        self.secrets = re.compile("|".join(map(re.escape, values))) if values else None

    def __call__(self, line: str) -> str:
        if self.secrets is not None:
            line = self.secrets.sub(REDACTED, line)
        line = URL_PASSWORD.sub(rf"\1:{REDACTED}@", line)
        return TOKEN_SHAPES.sub(REDACTED, line)


class _StampIds(logging.Filter):
    """Copies the context's ids onto the record in the thread that logs it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.log_ids = _ids.get()
        return True


def _utc_time(record: logging.LogRecord) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + (
        f".{int(record.msecs):03d}Z"
    )


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, the context's ids, and
    the traceback if any."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": _utc_time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
            **getattr(record, "log_ids", {}),
        }
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return self.redact(json.dumps(line, default=str))


class TextFormatter(logging.Formatter):
    """The classic line for a terminal, the context's ids at its end (`team_id=T1 turn_id=…`)."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")
        self.converter = time.gmtime
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        ids = getattr(record, "log_ids", {})
        if ids:
            first, newline, rest = text.partition("\n")
            pairs = " ".join(f"{key}={value}" for key, value in ids.items())
            text = f"{first} [{pairs}]{newline}{rest}"
        return self.redact(text)


def configure(
    log_format: LogFormat = "text",
    level: str = "INFO",
    secrets: Iterable[str] = (),
    stream: Any = None,
) -> None:
    """The process's one handler (stderr by default), replacing any other on the root logger."""
    redact = Redactor(secrets)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(_StampIds())
    handler.setFormatter(JsonFormatter(redact) if log_format == "json" else TextFormatter(redact))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def configure_for(settings: Settings) -> None:
    """`configure` as the settings say, redacting the value of every secret setting."""
    secrets = [
        secret
        for name in type(settings).model_fields
        if isinstance(value := getattr(settings, name), SecretStr)
        for secret in _with_parts(value.get_secret_value())
    ]
    configure(settings.log_format, settings.log_level, secrets)


def _with_parts(secret: str) -> list[str]:
    """A secret, and each string inside it when it is JSON (SLACK_AGENT_APPS holds a signing
    secret and a token per agent app)."""
    try:
        parsed = json.loads(secret)
    except ValueError:
        return [secret]
    parts = [secret]
    pending: list[Any] = [parsed]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            parts.append(item)
        elif isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return parts
