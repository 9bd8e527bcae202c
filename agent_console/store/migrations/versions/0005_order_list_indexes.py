"""indexes for newest-first order lists (all orders and per unit)

Revision ID: 0005
Revises: 0004
"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_order_created", "work_orders", ["created_at"], unique=False)
    op.create_index("ix_order_lead_created", "work_orders", ["lead_unit_id", "created_at"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_order_lead_created", table_name="work_orders")
    op.drop_index("ix_order_created", table_name="work_orders")
