"""workspace_settings: a workspace's own channel names, approvers, budgets, set-up report

One row per workspace (issue 20), keyed by team_id; only what the workspace changed is
stored (an absent key or NULL = the deployment's default).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 13:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workspace_settings",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("approvers", sa.JSON(), nullable=False),
        sa.Column("campaign_budget_usd", sa.Numeric(12, 2), nullable=True),
        sa.Column("request_budget_usd", sa.Numeric(12, 4), nullable=True),
        sa.Column("setup_report", sa.JSON(), nullable=False),
        sa.Column("setup_at", UTCDateTime(), nullable=True),
        sa.Column("updated_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_workspace_settings")),
    )


def downgrade() -> None:
    op.drop_table("workspace_settings")
