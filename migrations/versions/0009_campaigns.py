"""campaigns: the campaign, its step runs, variables and outcome (issue 17)

Four new tables, nothing existing changes (a campaign step's task is a `campaign_step` kind in
`tasks.context`, which is JSON already). Every table carries team_id.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 04:01:08.660680
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _stamps() -> list[sa.Column[object]]:
    return [
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    ]


def _belongs_to_campaign(table: str) -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("campaign_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f(f"fk_{table}_campaign_id_campaigns")
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("requested_by", sa.String(length=32), nullable=False),
        sa.Column("brief", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("analysis", sa.JSON(), nullable=True),
        sa.Column("decision", sa.JSON(), nullable=True),
        sa.Column("plan", sa.JSON(), nullable=True),
        sa.Column("pattern", sa.String(length=40), nullable=True),
        sa.Column("budget_usd", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("thread_ts", sa.String(length=32), nullable=True),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("advanced_at", UTCDateTime(), nullable=True),
        sa.Column("pass_token", sa.String(length=32), nullable=True),
        sa.Column("pass_expires_at", UTCDateTime(), nullable=True),
        sa.Column("pass_again", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    op.create_index("ix_campaigns_status", "campaigns", ["team_id", "status"])
    op.create_index(op.f("ix_campaigns_team_id"), "campaigns", ["team_id"])

    op.create_table(
        "campaign_steps",
        *_belongs_to_campaign("campaign_steps"),
        sa.Column("step_id", sa.String(length=40), nullable=False),
        sa.Column("phase", sa.String(length=80), nullable=False),
        sa.Column("run", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("task_id", sa.String(length=32), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("next_run_at", UTCDateTime(), nullable=True),
        sa.Column("gate_cleared", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_campaign_steps_task_id_tasks")
        ),
        sa.UniqueConstraint("campaign_id", "step_id", "run", name="uq_campaign_steps_run"),
    )
    op.create_index("ix_campaign_steps_campaign", "campaign_steps", ["team_id", "campaign_id"])
    op.create_index(op.f("ix_campaign_steps_team_id"), "campaign_steps", ["team_id"])

    op.create_table(
        "campaign_variables",
        *_belongs_to_campaign("campaign_variables"),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("set_by", sa.String(length=40), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        *_stamps(),
        sa.UniqueConstraint("campaign_id", "name", name="uq_campaign_variables_name"),
    )
    op.create_index(
        "ix_campaign_variables_campaign", "campaign_variables", ["team_id", "campaign_id"]
    )
    op.create_index(op.f("ix_campaign_variables_team_id"), "campaign_variables", ["team_id"])

    op.create_table(
        "campaign_outcomes",
        *_belongs_to_campaign("campaign_outcomes"),
        sa.Column("pattern", sa.String(length=40), nullable=True),
        sa.Column("estimated_hours", sa.Float(), nullable=False),
        sa.Column("actual_hours", sa.Float(), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("satisfaction", sa.Float(), nullable=False),
        sa.Column("rework_needed", sa.Boolean(), nullable=False),
        sa.Column("key_learning", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=32), nullable=False),
        *_stamps(),
        sa.UniqueConstraint("campaign_id", name="uq_campaign_outcomes_campaign"),
    )
    op.create_index(op.f("ix_campaign_outcomes_team_id"), "campaign_outcomes", ["team_id"])


def downgrade() -> None:
    for table in ("campaign_outcomes", "campaign_variables", "campaign_steps", "campaigns"):
        op.drop_table(table)  # their indexes go with them
