"""private origins: whether a channel is private, cached with its name

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 00:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel_info", schema=None) as batch_op:
        batch_op.add_column(sa.Column("is_private", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channel_info", schema=None) as batch_op:
        batch_op.drop_column("is_private")
