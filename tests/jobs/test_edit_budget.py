"""The workspace's chat.update budget is one bucket in Redis, whoever spends it."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from jobs.slack import edit_budget
from jobs.slack.edit_budget import EditBudget
from tests.conftest import REDIS_TEST_URL, TEAM, free_port

TAKE_IN_A_PROCESS = """
import sys
from redis import Redis
from jobs.slack.edit_budget import EditBudget
budget = EditBudget(Redis.from_url(sys.argv[1]), sys.argv[2], per_minute=6)
print(sum(budget.take(final=False) for _ in range(20)))
"""


def test_two_worker_processes_share_one_budget(redis_conn: Redis) -> None:
    """A bucket of one edit, refilled every 12 s: two processes trying 20 edits each at
    once get one between them; another workspace has its own."""
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", TAKE_IN_A_PROCESS, REDIS_TEST_URL, TEAM],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    granted = [int(racer.communicate(timeout=60)[0]) for racer in racers]
    assert sorted(granted) == [0, 1]
    other = EditBudget(Redis.from_url(REDIS_TEST_URL), "T0OTHER", per_minute=6)
    assert other.take(final=False) is True


def test_interim_edits_leave_a_reserve_for_final_edits(redis_conn: Redis) -> None:
    budget = EditBudget(redis_conn, TEAM, per_minute=60)  # bucket of 10, 2 kept for finals
    interim = sum(budget.take(final=False) for _ in range(30))
    assert interim in (8, 9)  # 9 only if the test took over 1.2 s
    started = time.monotonic()
    assert budget.take(final=True) and budget.take(final=True)
    assert time.monotonic() - started < 1  # the reserve: no wait


def test_a_final_edit_waits_for_a_token_and_then_always_goes(
    redis_conn: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    seconds, micros = redis_conn.time()  # every token spent, the reserve too
    key = edit_budget.KEY.format(team_id=TEAM)
    redis_conn.hset(key, mapping={"tokens": 0, "at": seconds + micros / 1e6})
    budget = EditBudget(redis_conn, TEAM, per_minute=600)
    assert budget.take(final=False) is False
    started = time.monotonic()
    assert budget.take(final=True) is True  # a token comes back after 0.12 s
    assert 0.05 < time.monotonic() - started < 2

    slow = EditBudget(redis_conn, TEAM, per_minute=6)  # a bucket of 1, one more per 12 s
    redis_conn.hset(key, mapping={"tokens": 0, "at": seconds + micros / 1e6 + 10})
    monkeypatch.setattr(edit_budget, "FINAL_WAIT_MAX_S", 0.3)
    started = time.monotonic()
    assert slow.take(final=False) is False
    assert slow.take(final=True) is True  # no token for 22 s: it goes anyway
    assert 0.25 < time.monotonic() - started < 2


def test_without_redis_interim_edits_wait_and_final_ones_go() -> None:
    # No retries: redis-py's default retries a refused connection with backoff (~3.5 s a
    # command); the budget's handling of the error it finally raises is the same.
    gone = Redis(port=free_port(), socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0))
    budget = EditBudget(gone, TEAM, per_minute=40)
    assert budget.take(final=False) is False
    assert budget.take(final=True) is True
