"""Every Claude call priced and attributed: to the person's request and, for department work,
to the task and the agent that made it; and what a request has spent against its budget."""

from __future__ import annotations

import logging
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from jobs import workspace
from jobs.claude.client import LlmAttempt
from jobs.runtime import Runtime
from models.records import LlmCall

logger = logging.getLogger(__name__)


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
    )
    try:
        with rt.sessions() as session:
            session.add(call)
            session.commit()
    except SQLAlchemyError:
        # The database went away after the call was paid for: the job fails and runs again,
        # and this call is kept in the log at least, attributed and priced.
        logger.warning(
            "LLM call not recorded (database unavailable): team %s turn %s task %s agent %s "
            "model %s, %d in / %d out tokens, $%s",
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
