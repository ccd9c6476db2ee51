"""lease holders: which worker process ("host:pid") holds a turn's or a task's lease

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 23:59:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("turns", "tasks"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("lease_holder", sa.String(length=80), nullable=True))


def downgrade() -> None:
    for table in ("turns", "tasks"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("lease_holder")
