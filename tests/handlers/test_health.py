"""/healthz and /readyz over real HTTP (waitress), against a real database and Redis: ok when
they answer, 503 naming the part that does not, and nothing more than ok/down per part."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from redis import Redis
from rq import Queue, Worker

from handlers.health import Health, with_health
from jobs.queue import lane_queues
from models.db import make_engine, upgrade
from tests.conftest import REDIS_TEST_URL, TestServer, serve_wsgi

QUEUE = "health-test"


def _not_slack(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"slack"]


@pytest.fixture()
def serve() -> Iterator[Any]:
    servers: list[TestServer] = []

    def start(health: Health) -> str:
        server, base = serve_wsgi(with_health(_not_slack, health))
        servers.append(server)
        return base

    yield start
    for server in servers:
        server.close()


def _get(url: str, method: str = "GET") -> tuple[int, Any]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture()
def redis() -> Iterator[Redis]:
    client = Redis.from_url(REDIS_TEST_URL)
    client.flushdb()
    yield client
    client.flushdb()


def test_healthy_and_ready_once_migrated_with_a_worker_listening(
    tmp_path: Any, redis: Redis, serve: Any
) -> None:
    url = f"sqlite:///{tmp_path / 'health.db'}"
    upgrade(url)
    base = serve(Health(make_engine(url), redis, QUEUE))

    assert _get(base + "/healthz") == (
        200,
        {"status": "ok", "checks": {"database": "ok", "redis": "ok"}},
    )
    status, body = _get(base + "/readyz")
    assert (status, body["checks"]["workers"]) == (503, "down")  # nobody listens yet

    old = Worker([Queue(QUEUE, connection=redis)], connection=redis)  # knows no lanes
    old.register_birth()  # type: ignore[no-untyped-call]
    status, body = _get(base + "/readyz")
    old.register_death()  # type: ignore[no-untyped-call]
    assert (status, body["checks"]["workers"]) == (503, "down")  # clicks would wait forever

    worker = Worker(lane_queues(redis, QUEUE), connection=redis)
    worker.register_birth()  # type: ignore[no-untyped-call]
    try:
        assert _get(base + "/readyz") == (
            200,
            {
                "status": "ok",
                "checks": {"database": "ok", "redis": "ok", "schema": "ok", "workers": "ok"},
            },
        )
    finally:
        worker.register_death()  # type: ignore[no-untyped-call]
    with pytest.raises(urllib.error.HTTPError) as passed:  # any other path is Slack's
        urllib.request.urlopen(base + "/slack/events", timeout=10)
    assert (passed.value.code, passed.value.read()) == (404, b"slack")


def test_a_part_that_does_not_answer_is_named_and_nothing_else_is_said(
    tmp_path: Any, redis: Redis, serve: Any
) -> None:
    unmigrated = f"sqlite:///{tmp_path / 'empty.db'}"
    dead_redis = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    base = serve(Health(make_engine(unmigrated), dead_redis, QUEUE))

    status, body = _get(base + "/healthz")
    assert (status, body) == (
        503,
        {"status": "down", "checks": {"database": "ok", "redis": "down"}},
    )
    status, body = _get(base + "/readyz")
    assert status == 503
    assert body["checks"] == {
        "database": "ok",
        "redis": "down",
        "schema": "down",
        "workers": "down",
    }
    assert "127.0.0.1" not in json.dumps(body)  # no address, no error text

    status, body = _get(base + "/healthz", method="POST")
    assert (status, body) == (405, {"error": "use GET"})
