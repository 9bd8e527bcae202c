"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 16:11:40.637375
"""
import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('app_meta',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=400), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('callers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('warning_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('phone')
    )
    op.create_table('order_counters',
    sa.Column('day', sa.String(length=8), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )
    op.create_table('regions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('short', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('towns', sa.JSON(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('region', sa.String(length=40), nullable=True),
    sa.Column('service_area', sa.JSON(), nullable=False),
    sa.Column('domains', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('path', sa.String(length=160), nullable=False),
    sa.Column('domain', sa.String(length=20), nullable=True),
    sa.Column('lead_unit_id', sa.Integer(), nullable=True),
    sa.Column('routing', sa.String(length=10), nullable=True),
    sa.ForeignKeyConstraint(['lead_unit_id'], ['units.id'], ),
    sa.ForeignKeyConstraint(['parent_id'], ['categories.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('parent_id', 'name'),
    sa.UniqueConstraint('path')
    )
    op.create_table('operators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_no', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=300), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('staff_no')
    )
    op.create_table('call_drafts',
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['operator_id'], ['operators.id'], ),
    sa.PrimaryKeyConstraint('operator_id')
    )
    op.create_table('expert_duty',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('domain', sa.String(length=20), nullable=False),
    sa.Column('on_duty', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['operator_id'], ['operators.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('operator_id', 'domain')
    )
    op.create_table('kb_articles',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('phrasings', sa.JSON(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('policy_basis', sa.Text(), nullable=False),
    sa.Column('owner_unit_id', sa.Integer(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('domain', sa.String(length=20), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], ),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('intake_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('caller_id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('request_type', sa.String(length=10), nullable=False),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('region', sa.String(length=40), nullable=True),
    sa.Column('address', sa.String(length=400), nullable=False),
    sa.Column('caller_name', sa.String(length=40), nullable=False),
    sa.Column('confidential', sa.Boolean(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('kb_article_id', sa.String(length=40), nullable=True),
    sa.Column('answer_text', sa.Text(), nullable=False),
    sa.Column('not_accepted_code', sa.Integer(), nullable=True),
    sa.Column('repeat_of_id', sa.Integer(), nullable=True),
    sa.Column('immediate_dispatch', sa.Boolean(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['caller_id'], ['callers.id'], ),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], ),
    sa.ForeignKeyConstraint(['kb_article_id'], ['kb_articles.id'], ),
    sa.ForeignKeyConstraint(['operator_id'], ['operators.id'], ),
    sa.ForeignKeyConstraint(['repeat_of_id'], ['intake_records.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('intake_records', schema=None) as batch_op:
        batch_op.create_index('ix_intake_caller_started', ['caller_id', 'started_at'], unique=False)
        batch_op.create_index('ix_intake_started', ['started_at'], unique=False)

    op.create_table('caller_warnings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('caller_id', sa.Integer(), nullable=False),
    sa.Column('intake_id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.Integer(), nullable=False),
    sa.Column('script', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['caller_id'], ['callers.id'], ),
    sa.ForeignKeyConstraint(['intake_id'], ['intake_records.id'], ),
    sa.ForeignKeyConstraint(['operator_id'], ['operators.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('caller_warnings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_caller_warnings_caller_id'), ['caller_id'], unique=False)

    op.create_table('expert_transfers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('intake_id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=True),
    sa.Column('domain', sa.String(length=20), nullable=False),
    sa.Column('kb_article_id', sa.String(length=40), nullable=True),
    sa.Column('consent', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['expert_id'], ['operators.id'], ),
    sa.ForeignKeyConstraint(['intake_id'], ['intake_records.id'], ),
    sa.ForeignKeyConstraint(['kb_article_id'], ['kb_articles.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('expert_transfers', schema=None) as batch_op:
        batch_op.create_index('ix_transfer_expert_status', ['expert_id', 'status'], unique=False)

    op.create_table('work_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('intake_id', sa.Integer(), nullable=False),
    sa.Column('caller_id', sa.Integer(), nullable=False),
    sa.Column('lead_unit_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('request_type', sa.String(length=10), nullable=False),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('region', sa.String(length=40), nullable=True),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('confidential', sa.Boolean(), nullable=False),
    sa.Column('immediate_dispatch', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('sign_by', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['caller_id'], ['callers.id'], ),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['operators.id'], ),
    sa.ForeignKeyConstraint(['intake_id'], ['intake_records.id'], ),
    sa.ForeignKeyConstraint(['lead_unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.create_index('ix_order_caller', ['caller_id'], unique=False)
        batch_op.create_index('ix_order_lead_status', ['lead_unit_id', 'status'], unique=False)
        batch_op.create_index('ix_order_status_due', ['status', 'due_at'], unique=False)

    op.create_table('emergency_handoffs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('intake_id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('service', sa.String(length=4), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('follow_up_order_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['follow_up_order_id'], ['work_orders.id'], ),
    sa.ForeignKeyConstraint(['intake_id'], ['intake_records.id'], ),
    sa.ForeignKeyConstraint(['operator_id'], ['operators.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('order_co_handlers',
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['work_orders.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('order_id', 'unit_id')
    )
    op.create_table('order_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('from_status', sa.String(length=10), nullable=True),
    sa.Column('to_status', sa.String(length=10), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['operators.id'], ),
    sa.ForeignKeyConstraint(['order_id'], ['work_orders.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.create_index('ix_event_order_at', ['order_id', 'at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.drop_index('ix_event_order_at')

    op.drop_table('order_events')
    op.drop_table('order_co_handlers')
    op.drop_table('emergency_handoffs')
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_order_status_due')
        batch_op.drop_index('ix_order_lead_status')
        batch_op.drop_index('ix_order_caller')

    op.drop_table('work_orders')
    with op.batch_alter_table('expert_transfers', schema=None) as batch_op:
        batch_op.drop_index('ix_transfer_expert_status')

    op.drop_table('expert_transfers')
    with op.batch_alter_table('caller_warnings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_caller_warnings_caller_id'))

    op.drop_table('caller_warnings')
    with op.batch_alter_table('intake_records', schema=None) as batch_op:
        batch_op.drop_index('ix_intake_started')
        batch_op.drop_index('ix_intake_caller_started')

    op.drop_table('intake_records')
    op.drop_table('kb_articles')
    op.drop_table('expert_duty')
    op.drop_table('call_drafts')
    op.drop_table('operators')
    op.drop_table('categories')
    op.drop_table('units')
    op.drop_table('regions')
    op.drop_table('order_counters')
    op.drop_table('callers')
    op.drop_table('app_meta')
