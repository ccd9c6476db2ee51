"""tasks.finished_at: when a task became done, failed or cancelled (issue 18, the metrics)

Average task time is measured from a task's creation to this moment. Tasks that finished
before this revision take their last change, which was their finishing transition.

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-01 06:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None

FINISHED = ("done", "failed", "cancelled")


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("finished_at", UTCDateTime(), nullable=True))
    tasks = sa.table(
        "tasks", sa.column("status"), sa.column("updated_at"), sa.column("finished_at")
    )
    op.execute(
        tasks.update().where(tasks.c.status.in_(FINISHED)).values(finished_at=tasks.c.updated_at)
    )


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("finished_at")
