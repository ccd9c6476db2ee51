"""campaign approvals: a gate's or a budget's approval names its campaign, and a campaign
held by its budget keeps the raise its card offers (issue 17)

Nullable columns, no data to move: `approvals.campaign_id` routes a decision to the campaign
engine instead of a submitter's task; `campaigns.budget_hold_usd` is set while the budget
holds the campaign (the budget its card offers), `campaigns.budget_approval_id` names that
hold's card; the raise clears both.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 06:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("approvals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("campaign_id", sa.String(length=32), nullable=True))
        batch_op.create_index("ix_approvals_campaign", ["team_id", "campaign_id"])
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("budget_hold_usd", sa.Numeric(precision=12, scale=2), nullable=True)
        )
        batch_op.add_column(sa.Column("budget_approval_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("budget_approval_id")
        batch_op.drop_column("budget_hold_usd")
    with op.batch_alter_table("approvals", schema=None) as batch_op:
        batch_op.drop_index("ix_approvals_campaign")
        batch_op.drop_column("campaign_id")
