"""outcome idempotency keys: every seat outcome carries the key the local outbox gave it, unique,
so an outcome delivered twice (after an outage or a crash) is recorded once

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain column and a unique index: no table rebuild on SQLite (rows reference this table).
    op.add_column("intake_records", sa.Column("idempotency_key", sa.String(length=64),
                                              nullable=True))
    op.create_index("ux_intake_idempotency_key", "intake_records", ["idempotency_key"],
                    unique=True)


def downgrade() -> None:
    op.drop_index("ux_intake_idempotency_key", table_name="intake_records")
    with op.batch_alter_table("intake_records") as batch:
        batch.drop_column("idempotency_key")
