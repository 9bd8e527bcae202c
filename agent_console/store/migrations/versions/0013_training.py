"""training: trainers' scenario sets, their assignment to seat agents, and every practice
attempt with its debrief (the practice calls themselves run over databases of their own)

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "training_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["operators.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "training_set_items",
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(["set_id"], ["training_sets.id"]),
        sa.PrimaryKeyConstraint("set_id", "position"),
    )
    op.create_table(
        "training_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("assigned_by", sa.Integer(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["assigned_by"], ["operators.id"]),
        sa.ForeignKeyConstraint(["set_id"], ["training_sets.id"]),
        sa.ForeignKeyConstraint(["trainee_id"], ["operators.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("set_id", "trainee_id"),
    )
    op.create_table(
        "training_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=True),
        sa.Column("set_name", sa.String(length=60), nullable=True),
        sa.Column("scenario_id", sa.String(length=80), nullable=False),
        sa.Column("scenario_title", sa.String(length=80), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("debrief", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["set_id"], ["training_sets.id"]),
        sa.ForeignKeyConstraint(["trainee_id"], ["operators.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_training_attempt_trainee_ended", "training_attempts",
                    ["trainee_id", "ended_at"], unique=False)
    op.create_index("ix_training_attempt_scenario", "training_attempts", ["scenario_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_training_attempt_scenario", table_name="training_attempts")
    op.drop_index("ix_training_attempt_trainee_ended", table_name="training_attempts")
    op.drop_table("training_attempts")
    op.drop_table("training_assignments")
    op.drop_table("training_set_items")
    op.drop_table("training_sets")
