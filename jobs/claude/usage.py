"""Every Claude call priced and attributed: to the person's request and, for department work,
to the task and the agent that made it; and what a request has spent against its budget."""

from __future__ import annotations

import itertools
import json
import logging
from datetime import datetime
from decimal import Decimal
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from jobs import workspace
from jobs.claude.client import LlmAttempt
from jobs.runtime import Runtime
from models.base import new_id, utcnow
from models.records import LlmCall

logger = logging.getLogger(__name__)

SPOOL_KEY = "llm_calls:unrecorded"  # call id → the row as JSON, while the database is away
_COLUMNS = (
    "id",
    "created_at",
    "team_id",
    "turn_id",
    "task_id",
    "agent_id",
    "model",
    "status",
    "error",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "cost_usd",
    "latency_ms",
)


def record_call(
    rt: Runtime,
    *,
    team_id: str,
    turn_id: str,
    task_id: str | None,
    agent_id: str,
    attempt: LlmAttempt,
) -> None:
    usage = attempt.usage
    call = LlmCall(
        team_id=team_id,
        turn_id=turn_id,
        task_id=task_id,
        agent_id=agent_id,
        model=attempt.model,
        status="error" if attempt.error else "ok",
        error=attempt.error,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_read_tokens=usage.cache_read_tokens,
        cache_write_tokens=usage.cache_write_tokens,
        cost_usd=rt.prices.cost_usd(attempt.model, usage),
        latency_ms=attempt.latency_ms,
        id=new_id(),  # set now, so a call kept in Redis is recorded once under the same id
        created_at=utcnow(),
    )
    try:
        with rt.sessions() as session:
            session.add(call)
            session.commit()
    except SQLAlchemyError:
        # The database went away after the call was paid for: the job fails and runs again.
        # The call itself is kept in Redis, and the sweeper records it once the database is
        # back (`record_spooled`), so the budgets count it; failing that, the log keeps it.
        kept = _spool(rt.redis, call)
        logger.warning(
            "LLM call %s: team %s turn %s task %s agent %s model %s, %d in / %d out tokens, $%s",
            "kept in Redis until the database is back" if kept else "not recorded",
            team_id,
            turn_id,
            task_id,
            agent_id,
            attempt.model,
            usage.input_tokens,
            usage.output_tokens,
            call.cost_usd,
        )
        raise


def _spool(connection: Redis, call: LlmCall) -> bool:
    """Keep an unrecorded call under its own id (so recording it later is idempotent)."""
    row = {column: getattr(call, column) for column in _COLUMNS}
    try:
        connection.hset(SPOOL_KEY, call.id, json.dumps(row, default=str))
    except RedisError:
        return False
    return True


def record_spooled(sessions: sessionmaker[Session], connection: Redis, limit: int = 500) -> int:
    """Record the calls `_spool` kept (the sweeper calls this); returns how many were added.
    A call already recorded (a concurrent sweeper) is dropped from the spool, not added again,
    and an entry leaves the spool only after its row is committed, so none is lost."""
    entries = dict(itertools.islice(connection.hscan_iter(SPOOL_KEY, count=limit), limit))
    if not entries:
        return 0
    calls = [_unspooled(raw) for raw in entries.values()]
    by_team: dict[str, list[LlmCall]] = {}
    for call in calls:
        by_team.setdefault(call.team_id, []).append(call)
    added = 0
    with sessions() as session:
        for team_id, team_calls in by_team.items():
            ids = [c.id for c in team_calls]
            known = set(
                session.scalars(
                    select(LlmCall.id).where(LlmCall.team_id == team_id, LlmCall.id.in_(ids))
                )
            )
            fresh = [c for c in team_calls if c.id not in known]
            session.add_all(fresh)
            added += len(fresh)
        try:
            session.commit()
        except IntegrityError:  # another sweeper recorded some first: the next pass drops them
            session.rollback()
            return 0
    connection.hdel(SPOOL_KEY, *entries)
    if added:
        logger.info("Recorded %d LLM call(s) kept while the database was away", added)
    return added


def _unspooled(raw: bytes | str) -> LlmCall:
    row: dict[str, Any] = json.loads(raw)
    row["cost_usd"] = Decimal(row["cost_usd"])
    row["created_at"] = datetime.fromisoformat(row["created_at"])
    return LlmCall(**row)


def spent_usd(rt: Runtime, team_id: str, turn_id: str) -> Decimal:
    with rt.sessions() as session:
        total = session.scalar(
            select(func.coalesce(func.sum(LlmCall.cost_usd), 0)).where(
                LlmCall.team_id == team_id, LlmCall.turn_id == turn_id
            )
        )
    return Decimal(str(total or 0))


def within_budget(rt: Runtime, team_id: str, turn_id: str) -> bool:
    budget = workspace.workspace_settings(rt, team_id).request_budget_usd  # the workspace's
    return spent_usd(rt, team_id, turn_id) < budget
