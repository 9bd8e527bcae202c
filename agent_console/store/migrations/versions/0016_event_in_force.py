"""what an order event was judged by when it was written (issue 14).

On-time signature and completion were judged against the order's deadlines as they are now,
and an event counted for the order's lead unit as it is now: a reopen after a callback (Art.
20) or a redispatch moved the deadlines and the lead, so a late completion became an on-time
one and a returned order's events went to the unit that took it over. Each event now keeps
the lead unit it was written under, and a signature or a completion the deadline in force.

Events written before this revision keep NULL in both: they are judged as before (the order's
current lead and deadlines); no history is rewritten from a guess.

Revision ID: 0016
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMNs: a batch copy of millions of events would hold the database for
    # minutes. SQLite takes a REFERENCES on a new NULL column as it is (alembic would copy).
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE order_events ADD COLUMN unit_id INTEGER REFERENCES units (id)")
    else:
        op.add_column("order_events", sa.Column("unit_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_order_events_unit_id_units", "order_events", "units",
                              ["unit_id"], ["id"])
    op.add_column("order_events", sa.Column("deadline", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("order_events", schema=None) as batch_op:
        batch_op.drop_column("deadline")
        batch_op.drop_column("unit_id")
