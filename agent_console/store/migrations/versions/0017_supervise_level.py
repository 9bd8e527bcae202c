"""the level each supervise event raised its order to (issue 14).

The dashboard's 一级/二级/三级督办 counted a supervise event by its place among its order's
supervise events (the first one level 1, and so on). The overdue scan raises an order to the
level its lateness calls for, so an order first found ten days late goes from 0 to 3 in one
event: that was counted as a first-level supervision. Each supervise event now keeps the
level it reached, written with it.

Events written before this revision are filled in: the level their own reason states
("督办级别 1→2", which the scan and the rules write), else one above the order's previous
supervise event (a supervisor's manual supervision raises by one), up to 3. Other events keep
NULL.

Revision ID: 0017
Revises: 0016
"""
import re

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

MAX_LEVEL = 3
STATED = re.compile(r"督办级别 \d+→(\d+)")
BATCH = 5000


def upgrade() -> None:
    op.add_column("order_events", sa.Column("level", sa.Integer(), nullable=True))
    bind = op.get_bind()
    events = sa.table("order_events", sa.column("id", sa.Integer), sa.column("level", sa.Integer))
    update = sa.update(events).where(events.c.id == sa.bindparam("event_id")) \
        .values(level=sa.bindparam("new_level"))
    rows = bind.execute(sa.text(
        "SELECT id, order_id, reason FROM order_events WHERE action = 'supervise' "
        "ORDER BY order_id, at, id")).all()
    batch: list[dict] = []
    order, level = None, 0
    for event_id, order_id, reason in rows:
        if order_id != order:
            order, level = order_id, 0
        stated = STATED.search(reason or "")
        level = int(stated.group(1)) if stated else min(level + 1, MAX_LEVEL)
        batch.append({"event_id": event_id, "new_level": level})
        if len(batch) == BATCH:
            bind.execute(update, batch)
            batch = []
    if batch:
        bind.execute(update, batch)


def downgrade() -> None:
    with op.batch_alter_table("order_events", schema=None) as batch_op:
        batch_op.drop_column("level")
