"""A model call paid for while the database was away is kept in Redis and recorded by the
sweeper once the database answers (jobs/claude/usage.py), so budgets and costs count it."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from freezegun import freeze_time
from sqlalchemy import inspect, select
from sqlalchemy.exc import OperationalError

from jobs.claude.client import LlmAttempt
from jobs.claude.pricing import Usage
from jobs.claude.usage import SPOOL_KEY, record_call, record_spooled, spent_usd
from jobs.runtime import Runtime
from jobs.sweeper import sweep
from models.records import LlmCall
from tests.conftest import TEAM, db_sessions, free_port

PAID_AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def _away(rt: Runtime) -> Runtime:
    return dataclasses.replace(
        rt, sessions=db_sessions(f"postgresql+psycopg://app@127.0.0.1:{free_port()}/gone")
    )


def _paid_while_away(rt: Runtime, team_id: str, turn_id: str) -> Decimal:
    """One call the database could not record; its price."""
    model = rt.settings.model_for("sonnet")
    attempt = LlmAttempt(
        model=model, usage=Usage(input_tokens=1200, output_tokens=300), latency_ms=900
    )
    away = _away(rt)  # connected to before the clock is frozen (psycopg's C types)
    with pytest.raises(OperationalError):
        away.sessions().connection()
    with freeze_time(PAID_AT), pytest.raises(OperationalError):
        record_call(
            away,
            team_id=team_id,
            turn_id=turn_id,
            task_id="task-1",
            agent_id="copywriter",
            attempt=attempt,
        )
    return rt.prices.cost_usd(model, attempt.usage)


def _calls(rt: Runtime, team_id: str) -> list[LlmCall]:
    with rt.sessions() as session:
        found = list(session.scalars(select(LlmCall).where(LlmCall.team_id == team_id)))
        session.expunge_all()
    return found


def test_the_sweeper_records_a_call_kept_while_the_database_was_away_once(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    cost = _paid_while_away(runtime, TEAM, "turn-1")
    assert "LLM call kept in Redis until the database is back: team " in caplog.text
    assert runtime.redis.hlen(SPOOL_KEY) == 1
    assert spent_usd(runtime, TEAM, "turn-1") == 0

    sweep(runtime.sessions, runtime.redis, runtime.settings.queue_name, grace_s=60)
    sweep(runtime.sessions, runtime.redis, runtime.settings.queue_name, grace_s=60)

    [call] = _calls(runtime, TEAM)
    assert (call.turn_id, call.task_id, call.agent_id, call.status) == (
        "turn-1",
        "task-1",
        "copywriter",
        "ok",
    )
    assert (call.input_tokens, call.output_tokens, call.latency_ms) == (1200, 300, 900)
    assert call.cost_usd == cost > 0
    assert call.created_at == PAID_AT  # when it was paid for, not when it was recorded
    assert spent_usd(runtime, TEAM, "turn-1") == cost
    assert runtime.redis.hlen(SPOOL_KEY) == 0


def test_a_kept_call_another_sweeper_recorded_first_is_not_added_again(
    runtime: Runtime,
) -> None:
    _paid_while_away(runtime, TEAM, "turn-1")
    _paid_while_away(runtime, "T0OTHER", "turn-1")
    kept = list(runtime.redis.hscan_iter(SPOOL_KEY))
    assert record_spooled(runtime.sessions, runtime.redis) == 2
    for call_id, raw in kept:
        runtime.redis.hset(SPOOL_KEY, call_id, raw)  # as a second sweeper would still see them

    assert record_spooled(runtime.sessions, runtime.redis) == 0
    assert [c.team_id for c in _calls(runtime, TEAM)] == [TEAM]
    assert [c.team_id for c in _calls(runtime, "T0OTHER")] == ["T0OTHER"]
    assert runtime.redis.hlen(SPOOL_KEY) == 0


def test_a_kept_call_stays_kept_while_the_database_is_still_away(runtime: Runtime) -> None:
    _paid_while_away(runtime, TEAM, "turn-1")
    with pytest.raises(OperationalError):
        record_spooled(_away(runtime).sessions, runtime.redis)
    assert runtime.redis.hlen(SPOOL_KEY) == 1


def test_every_column_of_a_call_is_kept(runtime: Runtime) -> None:
    _paid_while_away(runtime, TEAM, "turn-1")
    [raw] = runtime.redis.hvals(SPOOL_KEY)
    columns = {c.key for c in inspect(LlmCall).columns}
    assert set(json.loads(raw)) == columns
