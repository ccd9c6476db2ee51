"""ritual runs: one row per ritual held in a workspace on a local date (issue 18)

One new table; its unique key is what makes a standup happen exactly once per workspace and
day however many schedulers run.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 06:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ritual_runs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("ritual", sa.String(length=16), nullable=False),
        sa.Column("run_key", sa.String(length=40), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=32), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("thread_ts", sa.String(length=32), nullable=True),
        sa.Column("scheduled_for", UTCDateTime(), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ritual_runs")),
        sa.UniqueConstraint("team_id", "ritual", "run_key", name="uq_ritual_runs_key"),
    )
    op.create_index("ix_ritual_runs_date", "ritual_runs", ["team_id", "ritual", "local_date"])
    op.create_index(op.f("ix_ritual_runs_team_id"), "ritual_runs", ["team_id"])


def downgrade() -> None:
    op.drop_table("ritual_runs")  # its indexes go with it
