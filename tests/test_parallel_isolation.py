"""Parallel test workers (pytest-xdist) never share a Redis db, nor take one in use elsewhere."""

from __future__ import annotations

import pytest

from tests.conftest import REDIS_DBS, RESERVED_REDIS_DBS, worker_redis_url


def _dbs(base_url: str, workers: int) -> list[int]:
    return [int(worker_redis_url(base_url, index).rsplit("/", 1)[1]) for index in range(workers)]


def test_worker_0_keeps_the_configured_db_and_the_others_skip_the_sandbox_and_bench_dbs() -> None:
    assert _dbs("redis://127.0.0.1:6379/4", 3) == [4, 6, 7]  # 5 is the sandbox's
    assert _dbs("redis://127.0.0.1:6379/13", 4) == [13, 15, 1, 2]  # 14 (bench) and 0 skipped


def test_every_worker_has_a_db_of_its_own_within_0_to_15() -> None:
    free = REDIS_DBS - len(RESERVED_REDIS_DBS | {13})
    dbs = _dbs("redis://127.0.0.1:6379/13", 1 + free)
    assert len(set(dbs)) == len(dbs)
    assert all(0 <= db < REDIS_DBS for db in dbs)
    assert not RESERVED_REDIS_DBS & set(dbs)


def test_more_workers_than_free_dbs_stop_with_a_clear_error() -> None:
    with pytest.raises(pytest.UsageError, match="run fewer"):
        worker_redis_url("redis://127.0.0.1:6379/13", REDIS_DBS)


def test_the_rest_of_the_url_is_kept() -> None:
    url = "redis://:secret@redis.internal:6380/4?socket_timeout=5"
    assert worker_redis_url(url, 1) == "redis://:secret@redis.internal:6380/6?socket_timeout=5"
