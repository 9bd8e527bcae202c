"""accounts: the failed-login counter and lockout on operators; login_events, the record of
every log-in attempt and lockout

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: a batch rebuild of operators would break the rows that reference it.
    op.add_column("operators", sa.Column("failed_logins", sa.Integer(),
                                         server_default=sa.text("0"), nullable=False))
    op.add_column("operators", sa.Column("locked_until", sa.DateTime(), nullable=True))
    op.create_table(
        "login_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("staff_no", sa.String(length=16), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_login_event_staff_at", "login_events", ["staff_no", "at"], unique=False)
    op.create_index("ix_login_event_at", "login_events", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_login_event_at", table_name="login_events")
    op.drop_index("ix_login_event_staff_at", table_name="login_events")
    op.drop_table("login_events")
    with op.batch_alter_table("operators") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("failed_logins")
