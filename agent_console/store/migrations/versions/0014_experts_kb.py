"""experts and the units' knowledge base: the duty roster by category and the experts'
presence (Art. 14), how a transfer ended (Art. 15), and the reviewed versions of every
article a unit or an expert changes (Art. 13, 19(4)); expert_duty (by domain) becomes roster
rows over the categories of those domains

Revision ID: 0014
Revises: 0013
"""
import datetime

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "expert_roster",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["operators.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_expert_roster_operator_id", "expert_roster", ["operator_id"])
    op.create_table(
        "expert_presence",
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"]),
        sa.PrimaryKeyConstraint("operator_id"),
    )
    with op.batch_alter_table("expert_transfers") as batch:
        batch.add_column(sa.Column("category_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("seat_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("connection", sa.String(length=12), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("accepted_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("ended_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("outcome", sa.String(length=12), nullable=True))
        batch.add_column(sa.Column("answer_text", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("answer_article_id", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("propose_article", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("note", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("order_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.create_foreign_key("fk_transfer_category", "categories", ["category_id"], ["id"])
        batch.create_foreign_key("fk_transfer_seat", "operators", ["seat_id"], ["id"])
        batch.create_foreign_key("fk_transfer_answer_article", "kb_articles",
                                 ["answer_article_id"], ["id"])
        batch.create_foreign_key("fk_transfer_order", "work_orders", ["order_id"], ["id"])
        batch.create_index("ix_transfer_status_at", ["status", "at"])
    with op.batch_alter_table("kb_articles") as batch:
        batch.add_column(sa.Column("retired_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "kb_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("batch", sa.String(length=40), nullable=True),
        sa.Column("transfer_id", sa.Integer(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["author_id"], ["operators.id"]),
        sa.ForeignKeyConstraint(["reviewer_id"], ["operators.id"]),
        sa.ForeignKeyConstraint(["transfer_id"], ["expert_transfers.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_kb_revision_status", "kb_revisions", ["status", "created_at"])
    op.create_index("ix_kb_revision_article", "kb_revisions", ["article_id", "id"])
    op.create_index("ix_kb_revision_unit", "kb_revisions", ["unit_id", "created_at"])
    _duty_to_roster()
    op.drop_table("expert_duty")


def _duty_to_roster() -> None:
    """Each expert's on-duty domains become one roster row over every category of them."""
    bind = op.get_bind()
    duty = bind.execute(sa.text(
        "SELECT operator_id, domain FROM expert_duty WHERE on_duty")).all()
    if not duty:
        return
    by_domain: dict[str, list[int]] = {}
    for cat_id, domain in bind.execute(sa.text(
            "SELECT id, domain FROM categories WHERE domain IS NOT NULL")).all():
        by_domain.setdefault(domain, []).append(cat_id)
    covered: dict[int, set[int]] = {}
    for operator_id, domain in duty:
        covered.setdefault(operator_id, set()).update(by_domain.get(domain, ()))
    roster = sa.table("expert_roster", sa.column("operator_id"), sa.column("unit_id"),
                      sa.column("categories", sa.JSON()), sa.column("starts_on"),
                      sa.column("note"), sa.column("created_at"))
    now = datetime.datetime.now().replace(microsecond=0)
    rows = []
    for operator_id, cats in sorted(covered.items()):
        unit_id = bind.execute(sa.text("SELECT unit_id FROM operators WHERE id = :i"),
                               {"i": operator_id}).scalar()
        rows.append({"operator_id": operator_id, "unit_id": unit_id,
                     "categories": sorted(cats), "starts_on": now.date(),
                     "note": "由原按领域的专家值班转入", "created_at": now})
    op.bulk_insert(roster, rows)


def downgrade() -> None:
    op.create_table(
        "expert_duty",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=20), nullable=False),
        sa.Column("on_duty", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("operator_id", "domain"),
    )
    op.drop_index("ix_kb_revision_unit", table_name="kb_revisions")
    op.drop_index("ix_kb_revision_article", table_name="kb_revisions")
    op.drop_index("ix_kb_revision_status", table_name="kb_revisions")
    op.drop_table("kb_revisions")
    with op.batch_alter_table("kb_articles") as batch:
        batch.drop_column("revision")
        batch.drop_column("retired_at")
    with op.batch_alter_table("expert_transfers") as batch:
        batch.drop_index("ix_transfer_status_at")
        batch.drop_constraint("fk_transfer_order", type_="foreignkey")
        batch.drop_constraint("fk_transfer_answer_article", type_="foreignkey")
        batch.drop_constraint("fk_transfer_seat", type_="foreignkey")
        batch.drop_constraint("fk_transfer_category", type_="foreignkey")
        for name in ("version", "order_id", "note", "propose_article", "answer_article_id",
                     "answer_text", "outcome", "ended_at", "accepted_at", "connection",
                     "seat_id", "category_id"):
            batch.drop_column(name)
    op.drop_table("expert_presence")
    op.drop_index("ix_expert_roster_operator_id", table_name="expert_roster")
    op.drop_table("expert_roster")
