"""work-order workflow fields: supervision level, reopen count, pending extension, satisfaction

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("work_orders") as batch:
        batch.add_column(sa.Column("supervision_level", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("reopen_count", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("requested_due_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("satisfaction", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("work_orders") as batch:
        batch.drop_column("satisfaction")
        batch.drop_column("requested_due_at")
        batch.drop_column("reopen_count")
        batch.drop_column("supervision_level")
