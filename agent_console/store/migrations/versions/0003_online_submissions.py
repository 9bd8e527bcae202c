"""online submissions (website, WeChat, e-mail, 蒙速办) waiting for an agent

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "online_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("caller_phone", sa.String(length=24), nullable=False),
        sa.Column("caller_name", sa.String(length=40), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("address", sa.String(length=400), nullable=False),
        sa.Column("region", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("taken_by_id", sa.Integer(), nullable=True),
        sa.Column("taken_at", sa.DateTime(), nullable=True),
        sa.Column("intake_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["intake_id"], ["intake_records.id"]),
        sa.ForeignKeyConstraint(["taken_by_id"], ["operators.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "external_id"),
    )
    op.create_index("ix_submission_status_received", "online_submissions",
                    ["status", "received_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_submission_status_received", table_name="online_submissions")
    op.drop_table("online_submissions")
