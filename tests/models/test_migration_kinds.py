"""Migration 0008 on both databases: rows written by the code before it (contexts as string-key
bags, a `queued` turn) read as typed kinds after it, and going back restores what that code
reads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import command

from models.db import alembic_config, make_engine, make_sessionmaker, upgrade
from models.kinds import (
    ApprovalStepDetails,
    AssignmentDetails,
    ConsultDetails,
    EscalationAnswer,
    EscalationCard,
    EscalationDetails,
    RequestDetails,
)
from models.records import Turn, TurnStatus
from models.work import Task

TEAM = "T1"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
CARD = {
    "level": "Human",
    "category": "Budget",
    "from_name": "CMO",
    "to_name": "the human executive team",
    "urgency": "high",
    "issue": "The launch needs $5k more",
    "attempts_made": "Cut paid social",
    "recommendation": "Approve $5k",
    "impact": "The launch slips a week",
}
# id → (context as the code before 0008 wrote it, status, deliverable)
OLD_TASKS: dict[str, tuple[dict[str, Any], str, str | None]] = {
    "root": ({}, "waiting", None),
    "assign": (
        {"project": "Q4", "requested_in": ["C1", "1.0"], "kind": "task_assignment"},
        "done",
        "A draft",
    ),
    "consult": (
        {"project": "Q4", "requested_in": ["C1", "1.0"], "kind": "consultation"},
        "open",
        None,
    ),
    "step": ({"kind": "approval", "approval_id": "a1"}, "escalated", None),
    "asked": (  # an agent's escalation (the tool's arguments, flat), answered by a person
        {
            "kind": "escalation",
            **CARD,
            "mention": ["U1"],
            "requested_in": ["C1", "1.0"],
            "acknowledged_by": ["U2"],
        },
        "done",
        "Decided by <@U2>: Approved, report back in 30 days.\nThanks.",
    ),
    "budget": ({"kind": "escalation", **CARD}, "escalated", None),  # a stopped request's card
}


def _columns(engine: sa.Engine, table: str) -> set[str]:
    return {column["name"] for column in sa.inspect(engine).get_columns(table)}


def _seed_at_0007(url: str) -> None:
    command.upgrade(alembic_config(url), "0007")
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    tasks = sa.Table("tasks", meta, autoload_with=engine)
    turns = sa.Table("turns", meta, autoload_with=engine)
    stamps = {"team_id": TEAM, "created_at": NOW, "updated_at": NOW}
    with engine.begin() as connection:
        connection.execute(
            turns.insert(),
            [
                {"id": f"turn-{status}", "event_id": f"E{status}", "source": "app_mention"}
                | {"channel_id": "C1", "is_dm": False, "thread_ts": status, "message_ts": status}
                | {"user_id": "U1", "text": "hi", "status": status, "attempts": 0, **stamps}
                for status in ("queued", "answered")
            ],
        )
        connection.execute(
            tasks.insert(),
            [
                {"id": task_id, "created_by": "human", "assigned_to": "cmo", "title": task_id}
                | {"brief": "b", "status": status, "priority": "normal", "depth": 0}
                | {"collaborators": [], "depends_on": [], "requirements": {}, "context": context}
                | {"deliverable": deliverable, "approval_required": False, "turns_used": 0}
                | {"cost_usd": 0, "attempts": 0, **stamps}
                for task_id, (context, status, deliverable) in OLD_TASKS.items()
            ],
        )
    engine.dispose()


def test_old_rows_read_as_typed_kinds_after_the_upgrade(database_url: str) -> None:
    _seed_at_0007(database_url)
    upgrade(database_url)
    engine = make_engine(database_url)
    with make_sessionmaker(engine)() as session:
        details = {task.id: task.details for task in session.scalars(sa.select(Task))}
        statuses = {turn.id: turn.status for turn in session.scalars(sa.select(Turn))}
    card = EscalationCard.model_validate(CARD)
    assert details == {
        "root": RequestDetails(),
        "assign": AssignmentDetails(project="Q4", requested_in=("C1", "1.0")),
        "consult": ConsultDetails(project="Q4", requested_in=("C1", "1.0")),
        "step": ApprovalStepDetails(approval_id="a1"),
        "asked": EscalationDetails(
            card=card,
            requested_in=("C1", "1.0"),
            mention=["U1"],
            acknowledged_by=["U2"],
            answer=EscalationAnswer(
                verdict="decided", by="U2", text="Approved, report back in 30 days.\nThanks."
            ),
        ),
        "budget": EscalationDetails(card=card),
    }
    assert statuses == {"turn-queued": TurnStatus.RECEIVED, "turn-answered": "answered"}
    assert "collaborators" not in _columns(engine, "tasks")
    assert "enqueued_at" not in _columns(engine, "turns")
    engine.dispose()


def test_the_downgrade_gives_back_what_the_code_before_reads(database_url: str) -> None:
    _seed_at_0007(database_url)
    upgrade(database_url)
    command.downgrade(alembic_config(database_url), "0007")
    engine = sa.create_engine(database_url)
    tasks = sa.Table("tasks", sa.MetaData(), autoload_with=engine)
    with engine.connect() as connection:
        rows = connection.execute(sa.select(tasks.c.id, tasks.c.context, tasks.c.collaborators))
        restored = {task_id: (context, collaborators) for task_id, context, collaborators in rows}
    assert restored == {
        task_id: (context | ({"mention": []} if task_id == "budget" else {}), [])
        for task_id, (context, _status, _deliverable) in OLD_TASKS.items()
    }
    assert "enqueued_at" in _columns(engine, "turns")
    assert not next(
        c for c in sa.inspect(engine).get_columns("tasks") if c["name"] == "collaborators"
    )["nullable"]
    engine.dispose()
    upgrade(database_url)  # and up again, from what the downgrade left
