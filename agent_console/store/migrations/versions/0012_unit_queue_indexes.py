"""a unit's queues and a caller's history at millions of orders.

A co-handler row carries a copy of what its order's queues select and sort on (creation time,
status, deadline, supervision level; kept by the same transaction as the order), so a unit's
co-handled orders of a queue are one range of one index, as the orders it leads are. Before, a
liaison's queue read every co-handler row of the city (there was no index on unit_id) and
hash-joined them with every open order. Also: the order of an intake record (the history's
join; it was a full scan) and a caller's open orders.

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

OPEN = "('待派单', '待签收', '办理中', '退回审核', '延期审核', '终止审核')"
OPEN_STATUS_SQL = f"status IN {OPEN}"
SUPERVISED_SQL = f"supervision_level > 0 AND {OPEN_STATUS_SQL}"
CO_OPEN_SQL = f"order_status IN {OPEN}"
CO_SUPERVISED_SQL = f"order_level > 0 AND {CO_OPEN_SQL}"
COPIED = (("order_created_at", sa.DateTime(), "created_at"),
          ("order_status", sa.String(10), "status"),
          ("order_due_at", sa.DateTime(), "due_at"),
          ("order_level", sa.Integer(), "supervision_level"))


def upgrade() -> None:
    for name, type_, _source in COPIED:
        op.add_column("order_co_handlers", sa.Column(name, type_, nullable=True))
    op.execute("UPDATE order_co_handlers SET " + ", ".join(
        f"{name} = (SELECT w.{source} FROM work_orders w WHERE w.id = order_co_handlers.order_id)"
        for name, _type, source in COPIED))
    with op.batch_alter_table("order_co_handlers") as batch:
        for name, type_, _source in COPIED:
            batch.alter_column(name, existing_type=type_, nullable=False)
    op.create_index("ix_co_handler_unit_created", "order_co_handlers",
                    ["unit_id", "order_created_at", "order_id"], unique=False)
    op.create_index("ix_co_handler_unit_status_created", "order_co_handlers",
                    ["unit_id", "order_status", "order_created_at", "order_id"], unique=False)
    op.create_index("ix_co_handler_unit_open_due", "order_co_handlers",
                    ["unit_id", "order_due_at", "order_id"], unique=False,
                    sqlite_where=sa.text(CO_OPEN_SQL), postgresql_where=sa.text(CO_OPEN_SQL))
    op.create_index("ix_co_handler_unit_supervised_due", "order_co_handlers",
                    ["unit_id", "order_due_at", "order_id"], unique=False,
                    sqlite_where=sa.text(CO_SUPERVISED_SQL),
                    postgresql_where=sa.text(CO_SUPERVISED_SQL))
    op.drop_index("ix_order_lead_status", table_name="work_orders")
    op.create_index("ix_order_lead_status_created", "work_orders",
                    ["lead_unit_id", "status", "created_at", "id"], unique=False)
    op.create_index("ix_order_lead_open_due", "work_orders", ["lead_unit_id", "due_at", "id"],
                    unique=False, sqlite_where=sa.text(OPEN_STATUS_SQL),
                    postgresql_where=sa.text(OPEN_STATUS_SQL))
    op.create_index("ix_order_lead_supervised_due", "work_orders",
                    ["lead_unit_id", "due_at", "id"], unique=False,
                    sqlite_where=sa.text(SUPERVISED_SQL), postgresql_where=sa.text(SUPERVISED_SQL))
    op.create_index("ix_order_intake", "work_orders", ["intake_id"], unique=False)
    op.create_index("ix_order_caller_open", "work_orders", ["caller_id", "created_at"],
                    unique=False, sqlite_where=sa.text(OPEN_STATUS_SQL),
                    postgresql_where=sa.text(OPEN_STATUS_SQL))


def downgrade() -> None:
    op.drop_index("ix_order_caller_open", table_name="work_orders")
    op.drop_index("ix_order_intake", table_name="work_orders")
    op.drop_index("ix_order_lead_supervised_due", table_name="work_orders")
    op.drop_index("ix_order_lead_open_due", table_name="work_orders")
    op.drop_index("ix_order_lead_status_created", table_name="work_orders")
    op.create_index("ix_order_lead_status", "work_orders", ["lead_unit_id", "status"], unique=False)
    for index in ("ix_co_handler_unit_supervised_due", "ix_co_handler_unit_open_due",
                  "ix_co_handler_unit_status_created", "ix_co_handler_unit_created"):
        op.drop_index(index, table_name="order_co_handlers")
    with op.batch_alter_table("order_co_handlers") as batch:
        for name, _type, _source in COPIED:
            batch.drop_column(name)
