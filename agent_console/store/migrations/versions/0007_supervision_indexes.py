"""indexes for supervision: the sign-for deadline scan (status, sign_by) and the notices
list (order events by action and time)

Revision ID: 0007
Revises: 0006
"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_order_status_sign", "work_orders", ["status", "sign_by"], unique=False)
    op.create_index("ix_event_action_at", "order_events", ["action", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_event_action_at", table_name="order_events")
    op.drop_index("ix_order_status_sign", table_name="work_orders")
