"""indexes for supervision: the sign-for deadline scan (status, sign_by), the notices list
(order events by action and time) and the 被督办 queue (open supervised orders by deadline);
kb_notices, the unit-level notices for out-of-date knowledge-base articles (Art. 19(4))

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SUPERVISED_SQL = ("supervision_level > 0 AND "
                  "status IN ('待派单', '待签收', '办理中', '退回审核', '延期审核', '终止审核')")


def upgrade() -> None:
    op.create_index("ix_order_status_sign", "work_orders", ["status", "sign_by"], unique=False)
    op.create_table(
        "kb_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("articles", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["actor_id"], ["operators.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_kb_notice_unit_at", "kb_notices", ["unit_id", "at"], unique=False)
    op.create_index("ix_event_action_at", "order_events", ["action", "at"], unique=False)
    op.create_index("ix_order_supervised_due", "work_orders", ["due_at"], unique=False,
                    sqlite_where=sa.text(SUPERVISED_SQL), postgresql_where=sa.text(SUPERVISED_SQL))


def downgrade() -> None:
    op.drop_index("ix_kb_notice_unit_at", table_name="kb_notices")
    op.drop_table("kb_notices")
    op.drop_index("ix_order_supervised_due", table_name="work_orders")
    op.drop_index("ix_event_action_at", table_name="order_events")
    op.drop_index("ix_order_status_sign", table_name="work_orders")
