"""queue indexes: (status, created_at) and a partial index of open orders by deadline

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

OPEN_STATUS_SQL = "status IN ('待派单', '待签收', '办理中', '退回审核', '延期审核', '终止审核')"


def upgrade() -> None:
    op.create_index("ix_order_status_created", "work_orders", ["status", "created_at"],
                    unique=False)
    op.create_index("ix_order_open_due", "work_orders", ["due_at"], unique=False,
                    sqlite_where=sa.text(OPEN_STATUS_SQL), postgresql_where=sa.text(OPEN_STATUS_SQL))


def downgrade() -> None:
    op.drop_index("ix_order_open_due", table_name="work_orders")
    op.drop_index("ix_order_status_created", table_name="work_orders")
