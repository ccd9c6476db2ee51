"""approvals.changes: what a later version changed, in its reviser's words (issue 19)

The card of version 2 and later shows it. Earlier rows have none (the empty string).

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-01 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("approvals") as batch:
        batch.add_column(sa.Column("changes", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("approvals") as batch:
        batch.drop_column("changes")
