"""the statistics at a centre's size (issue 14: 1,000,000 orders, 3,000,000 calls).

Measured with ``agent-console bench analytics`` on SQLite and PostgreSQL; each index is there
for a read that was slow without it:

- ix_transfer_intake: a call's transfers. The trend's direct-answer rate and a list of calls
  read the last transfer of each call in a correlated subquery; without an index on
  intake_id each one scanned every transfer (PostgreSQL's 30 s limit cut the trend off, so
  the monthly report could not be written).
- ix_intake_started_cube (in place of ix_intake_started): the calls of a period with every
  column the call figures group and count, so they are read from the index alone; started_at
  then id first, so it still gives the lists their newest-first order.
- ix_event_action_order: the supervise events of the orders raised in a period, by order and
  time, for the level each raise reached (a window over them); before, every supervise event
  of the city was read from the table. ix_event_action_at carries the order too, so the
  orders raised in a period are read from it alone.
- ix_order_open_due now carries what the open orders are counted by (the dashboard's open and
  overdue now) besides the deadline and id the overdue lists sort on: PostgreSQL reads it
  alone. SQLite, without statistics, takes any index on status for ``status IN (…)``: the
  same columns behind status (ix_order_open_status) make that one cover the read too.
- ix_caller_warning_at: the warnings of a period (a scan of all of them before).

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

OPEN_STATUS_SQL = "status IN ('待派单', '待签收', '办理中', '退回审核', '延期审核', '终止审核')"
CALL_CUBE = ["started_at", "id", "outcome", "channel", "region", "category_id", "ended_at",
             "repeat_of_id", "caller_id", "not_accepted_code"]
OPEN_CUBE = ["lead_unit_id", "region", "category_id", "supervision_level"]


def upgrade() -> None:
    op.create_index("ix_transfer_intake", "expert_transfers", ["intake_id", "id"], unique=False)
    op.create_index("ix_intake_started_cube", "intake_records", CALL_CUBE, unique=False)
    op.drop_index("ix_intake_started", table_name="intake_records")
    op.create_index("ix_event_action_order", "order_events", ["action", "order_id", "at", "id"],
                    unique=False)
    op.drop_index("ix_event_action_at", table_name="order_events")
    op.create_index("ix_event_action_at", "order_events", ["action", "at", "order_id"],
                    unique=False)
    op.drop_index("ix_order_open_due", table_name="work_orders")
    op.create_index("ix_order_open_due", "work_orders", ["due_at", "id", *OPEN_CUBE],
                    unique=False, sqlite_where=sa.text(OPEN_STATUS_SQL),
                    postgresql_where=sa.text(OPEN_STATUS_SQL))
    op.create_index("ix_order_open_status", "work_orders", ["status", *OPEN_CUBE, "due_at"],
                    unique=False, sqlite_where=sa.text(OPEN_STATUS_SQL),
                    postgresql_where=sa.text(OPEN_STATUS_SQL))
    op.create_index("ix_caller_warning_at", "caller_warnings", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_caller_warning_at", table_name="caller_warnings")
    op.drop_index("ix_order_open_status", table_name="work_orders")
    op.drop_index("ix_order_open_due", table_name="work_orders")
    op.create_index("ix_order_open_due", "work_orders", ["due_at"], unique=False,
                    sqlite_where=sa.text(OPEN_STATUS_SQL),
                    postgresql_where=sa.text(OPEN_STATUS_SQL))
    op.drop_index("ix_event_action_at", table_name="order_events")
    op.create_index("ix_event_action_at", "order_events", ["action", "at"], unique=False)
    op.drop_index("ix_event_action_order", table_name="order_events")
    op.create_index("ix_intake_started", "intake_records", ["started_at"], unique=False)
    op.drop_index("ix_intake_started_cube", table_name="intake_records")
    op.drop_index("ix_transfer_intake", table_name="expert_transfers")
