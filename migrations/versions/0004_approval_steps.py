"""approval steps: the task that waits, the reviewer chain, the card's thread

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 22:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("approvals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("task_id", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("submitted_by", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("on_approval", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("chain", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("step", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("notes", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("thread_ts", sa.String(length=32), nullable=True))
        batch_op.create_index("ix_approvals_subject", ["team_id", "subject_id"], unique=False)
        batch_op.create_index("ix_approvals_status", ["status", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("approvals", schema=None) as batch_op:
        batch_op.drop_index("ix_approvals_status")
        batch_op.drop_index("ix_approvals_subject")
        for column in ("thread_ts", "notes", "step", "chain", "on_approval", "submitted_by"):
            batch_op.drop_column(column)
        batch_op.drop_column("task_id")
