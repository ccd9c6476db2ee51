"""department work

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 19:56:30.579954
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "autonomy_overrides",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("level", sa.String(length=2), nullable=False),
        sa.Column("set_by", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_autonomy_overrides")),
        sa.UniqueConstraint("team_id", "action", name="uq_autonomy_overrides_action"),
    )
    with op.batch_alter_table("autonomy_overrides", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_autonomy_overrides_team_id"), ["team_id"], unique=False
        )

    op.create_table(
        "tasks",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("origin_turn_id", sa.String(length=32), nullable=True),
        sa.Column("parent_task_id", sa.String(length=32), nullable=True),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("assigned_to", sa.String(length=40), nullable=False),
        sa.Column("collaborators", sa.JSON(), nullable=False),
        sa.Column("title", sa.String(length=150), nullable=False),
        sa.Column("brief", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("depends_on", sa.JSON(), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("requirements", sa.JSON(), nullable=False),
        sa.Column("deliverable", sa.Text(), nullable=True),
        sa.Column("approval_required", sa.Boolean(), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("turns_used", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Numeric(precision=14, scale=8), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("thread_ts", sa.String(length=32), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_token", sa.String(length=32), nullable=True),
        sa.Column("lease_expires_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_task_id"], ["tasks.id"], name=op.f("fk_tasks_parent_task_id_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index("ix_tasks_parent", ["team_id", "parent_task_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tasks_team_id"), ["team_id"], unique=False)

    op.create_table(
        "agent_messages",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("task_id", sa.String(length=32), nullable=True),
        sa.Column("from_agent", sa.String(length=40), nullable=False),
        sa.Column("to_agents", sa.JSON(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("requires_response", sa.Boolean(), nullable=False),
        sa.Column("respond_by", UTCDateTime(), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_agent_messages_task_id_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_messages")),
    )
    with op.batch_alter_table("agent_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agent_messages_task_id"), ["task_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agent_messages_team_id"), ["team_id"], unique=False)

    op.create_table(
        "decisions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("task_id", sa.String(length=32), nullable=True),
        sa.Column("decision_maker", sa.String(length=40), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("context", sa.Text(), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("reasoning", sa.Text(), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("approval_chain", sa.JSON(), nullable=False),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_decisions_task_id_tasks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decisions_task_id"), ["task_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_decisions_team_id"), ["team_id"], unique=False)

    with op.batch_alter_table("llm_calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("task_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("llm_calls", schema=None) as batch_op:
        batch_op.drop_column("task_id")

    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decisions_team_id"))
        batch_op.drop_index(batch_op.f("ix_decisions_task_id"))

    op.drop_table("decisions")
    with op.batch_alter_table("agent_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_messages_team_id"))
        batch_op.drop_index(batch_op.f("ix_agent_messages_task_id"))

    op.drop_table("agent_messages")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tasks_team_id"))
        batch_op.drop_index("ix_tasks_parent")

    op.drop_table("tasks")
    with op.batch_alter_table("autonomy_overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_autonomy_overrides_team_id"))

    op.drop_table("autonomy_overrides")
