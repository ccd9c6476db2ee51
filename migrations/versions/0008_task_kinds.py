"""task kinds: typed task contexts; drop columns nothing used; no more `queued` turns

Task.context becomes one model per kind (models/kinds.py), tagged by `kind`: the root task of
a request gets `request` (it had no context), `task_assignment` → `assignment`, `consultation`
→ `consult`, `approval` → `approval_step`, and an escalation's nine card fields move under
`card` (with a person's answer, until now only readable from the deliverable's markup, kept
as data under `answer`). `tasks.collaborators` and `turns.enqueued_at` were never written;
turns in the unused `queued` status become `received` (the sweeper re-enqueues those).

The conversions are written out here, not imported from models/, so this revision keeps
meaning what it means when the models move on.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 03:30:00.000000
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

CARD_FIELDS = (
    "level",
    "category",
    "from_name",
    "to_name",
    "urgency",
    "issue",
    "attempts_made",
    "recommendation",
    "impact",
)
RENAMED = {"task_assignment": "assignment", "consultation": "consult"}
_ANSWER = re.compile(r"(Decided|Sent back with guidance) by <@([UW][A-Z0-9]+)>: (.*)", re.DOTALL)

tasks = sa.table(
    "tasks",
    sa.column("id", sa.String),
    sa.column("status", sa.String),
    sa.column("context", sa.JSON),
    sa.column("deliverable", sa.Text),
)


def context_up(context: dict[str, Any], status: str, deliverable: str | None) -> dict[str, Any]:
    """One row's context in the typed shape (a kind it does not know is left as it is)."""
    kind = context.get("kind")
    if kind is None:
        return {"kind": "request"}
    if kind in RENAMED:
        return {
            "kind": RENAMED[kind],
            "project": str(context.get("project", "")),
            "requested_in": list(context.get("requested_in") or ["", ""]),
        }
    if kind == "approval":
        return {"kind": "approval_step", "approval_id": str(context.get("approval_id", ""))}
    if kind == "escalation":
        return {
            "kind": "escalation",
            "card": {key: str(context.get(key, "")) for key in CARD_FIELDS},
            "requested_in": context.get("requested_in"),
            "mention": list(context.get("mention") or []),
            "acknowledged_by": list(context.get("acknowledged_by") or []),
            "answer": _answer(status, deliverable),
        }
    return context


def _answer(status: str, deliverable: str | None) -> dict[str, str] | None:
    found = _ANSWER.fullmatch(deliverable or "") if status == "done" else None
    if found is None:
        return None
    verb, user, text = found.groups()
    return {"verdict": "decided" if verb == "Decided" else "sent_back", "by": user, "text": text}


def context_down(context: dict[str, Any]) -> dict[str, Any]:
    """One row's context as revision 0007's code reads it."""
    kind = context.get("kind")
    if kind == "request":
        return {}
    if kind in ("assignment", "consult"):
        old = {new: old for old, new in RENAMED.items()}[kind]
        return {"project": context["project"], "requested_in": context["requested_in"], "kind": old}
    if kind == "approval_step":
        return {"kind": "approval", "approval_id": context["approval_id"]}
    if kind == "escalation":
        flat: dict[str, Any] = {"kind": "escalation", **context["card"]}
        flat["mention"] = context.get("mention") or []
        if context.get("requested_in") is not None:
            flat["requested_in"] = context["requested_in"]
        if context.get("acknowledged_by"):
            flat["acknowledged_by"] = context["acknowledged_by"]
        return flat
    return context


def _convert(convert: Callable[[dict[str, Any], str, str | None], dict[str, Any]]) -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(tasks.c.id, tasks.c.status, tasks.c.context, tasks.c.deliverable)
    )
    for task_id, status, context, deliverable in list(rows):
        changed = convert(dict(context or {}), status, deliverable)
        if changed != context:
            connection.execute(tasks.update().where(tasks.c.id == task_id).values(context=changed))


def upgrade() -> None:
    _convert(context_up)
    op.execute("UPDATE turns SET status = 'received' WHERE status = 'queued'")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_column("collaborators")
    with op.batch_alter_table("turns", schema=None) as batch_op:
        batch_op.drop_column("enqueued_at")


def downgrade() -> None:
    with op.batch_alter_table("turns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enqueued_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("collaborators", sa.JSON(), nullable=True))
    collaborators = sa.table("tasks", sa.column("collaborators", sa.JSON))
    op.get_bind().execute(collaborators.update().values(collaborators=[]))
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.alter_column("collaborators", existing_type=sa.JSON(), nullable=False)
    _convert(lambda context, _status, _deliverable: context_down(context))
