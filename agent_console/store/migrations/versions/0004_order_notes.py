"""order notes: contact attempts, co-handler parts, consultations

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("result", sa.String(length=12), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("units_consulted", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["operators.id"]),
        sa.ForeignKeyConstraint(["order_id"], ["work_orders.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_note_order_kind", "order_notes", ["order_id", "kind"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_note_order_kind", table_name="order_notes")
    op.drop_table("order_notes")
