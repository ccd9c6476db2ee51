"""ritual settings: what a workspace changed of its rituals' defaults, and its calendar

Two new tables (issue 18): one row per workspace and ritual (on/off, local time, days,
channel; NULL = the default of bots/rituals.toml), one per workspace (time zone, holidays).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 06:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ritual_settings",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("ritual", sa.String(length=16), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=True),
        sa.Column("local_time", sa.String(length=5), nullable=True),
        sa.Column("days", sa.String(length=27), nullable=True),
        sa.Column("channel", sa.String(length=80), nullable=True),
        sa.Column("updated_by", sa.String(length=32), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ritual_settings")),
        sa.UniqueConstraint("team_id", "ritual", name="uq_ritual_settings_ritual"),
    )
    op.create_index(op.f("ix_ritual_settings_team_id"), "ritual_settings", ["team_id"])
    op.create_table(
        "workspace_calendars",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.Column("holidays", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(length=32), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspace_calendars")),
        sa.UniqueConstraint("team_id", name="uq_workspace_calendars_team_id"),
    )
    op.create_index(op.f("ix_workspace_calendars_team_id"), "workspace_calendars", ["team_id"])


def downgrade() -> None:
    op.drop_table("workspace_calendars")  # their indexes go with them
    op.drop_table("ritual_settings")
