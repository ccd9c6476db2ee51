"""Liveness and readiness for a load balancer or an orchestrator, beside Slack's endpoint.

`/healthz`: the database and Redis answer. `/readyz`: that, and the schema is at the code's
migration head and at least one worker listens on the queue, so a request taken now will be
worked. Each part says only "ok" or "down" (the reason goes to the log): these answers are
public, and an error text may carry a host name or a URL.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Worker
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from errors import DatabaseNotMigrated, DatabaseUnreachable
from models.db import assert_migrated

logger = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
StartResponse = Any  # WSGI's start_response; each server (and Bolt's adapter) types it its own way
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@dataclass(frozen=True)
class Health:
    engine: Engine
    redis: Redis
    queue_name: str

    def live(self) -> dict[str, str]:
        return {"database": self._database(), "redis": self._redis()}

    def ready(self) -> dict[str, str]:
        checks = self.live()
        checks["schema"] = self._schema() if checks["database"] == "ok" else "down"
        checks["workers"] = self._workers() if checks["redis"] == "ok" else "down"
        return checks

    def _database(self) -> str:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            logger.warning("Health: the database does not answer (%s)", type(error).__name__)
            return "down"
        return "ok"

    def _redis(self) -> str:
        try:
            self.redis.ping()
        except RedisError as error:
            logger.warning("Health: Redis does not answer (%s)", type(error).__name__)
            return "down"
        return "ok"

    def _schema(self) -> str:
        try:
            assert_migrated(self.engine)
        except (DatabaseNotMigrated, DatabaseUnreachable, SQLAlchemyError) as error:
            logger.warning("Health: %s", error)
            return "down"
        return "ok"

    def _workers(self) -> str:
        try:
            queue = Queue(self.queue_name, connection=self.redis)
            listening = Worker.count(connection=self.redis, queue=queue)
        except RedisError as error:
            logger.warning("Health: cannot count workers (%s)", type(error).__name__)
            return "down"
        return "ok" if listening > 0 else "down"


def with_health(inner: WsgiApp, health: Health) -> WsgiApp:
    """`inner` (Bolt's WSGI handler) with GET/HEAD /healthz and /readyz answered first."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path not in (HEALTH_PATH, READY_PATH):
            return inner(environ, start_response)
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _answer(start_response, "405 Method Not Allowed", {"error": "use GET"})
        checks = health.live() if path == HEALTH_PATH else health.ready()
        ok = all(state == "ok" for state in checks.values())
        body = {"status": "ok" if ok else "down", "checks": checks}
        return _answer(start_response, "200 OK" if ok else "503 Service Unavailable", body)

    return app


def _answer(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    payload = json.dumps(body).encode()
    start_response(
        status,
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(payload))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [payload]
