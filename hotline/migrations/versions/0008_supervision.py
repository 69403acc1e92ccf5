"""Supervision: policy settings and sweep cursors, deadline limits per category and case timing
marks, follow-up tasks, quality forms/samples/inspections/disputes, live monitoring sessions.

Revision ID: 0008_supervision
Revises: 0003_contact_load_index
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

import hotline.database

revision = "0008_supervision"
down_revision = "0003_contact_load_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('policy_setting',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.Column('updated_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('sweep_cursor',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('category_deadline',
    sa.Column('category_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('handover_days', sa.Integer(), nullable=False),
    sa.Column('answer_days', sa.Integer(), nullable=False),
    sa.Column('complex_days', sa.Integer(), nullable=False),
    sa.Column('urgent_hours', sa.Integer(), nullable=False),
    sa.Column('updated_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['category_code'], ['category.code'], ),
    sa.PrimaryKeyConstraint('category_code')
    )
    op.create_table('case_timing',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('complex', sa.Boolean(), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('updated_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], ),
    sa.PrimaryKeyConstraint('case_id')
    )
    op.create_table('followup_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('lawyer_id', sa.Integer(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('created_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('assigned_to', sa.Integer(), nullable=True),
    sa.Column('claimed_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('method', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('reached', sa.Boolean(), nullable=True),
    sa.Column('satisfied', sa.Boolean(), nullable=True),
    sa.Column('solved', sa.Boolean(), nullable=True),
    sa.Column('new_case_id', sa.Integer(), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.ForeignKeyConstraint(['assigned_to'], ['staff_user.id'], ),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], ),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.ForeignKeyConstraint(['lawyer_id'], ['staff_user.id'], ),
    sa.ForeignKeyConstraint(['new_case_id'], ['case_record.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('contact_id', 'reason', name='uq_followup_contact_reason')
    )
    with op.batch_alter_table('followup_task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_followup_task_assigned_to'), ['assigned_to'], unique=False)
        batch_op.create_index(batch_op.f('ix_followup_task_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_followup_task_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_followup_task_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_followup_task_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('followup_task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_followup_task_status'))
        batch_op.drop_index(batch_op.f('ix_followup_task_due_at'))
        batch_op.drop_index(batch_op.f('ix_followup_task_contact_id'))
        batch_op.drop_index(batch_op.f('ix_followup_task_case_id'))
        batch_op.drop_index(batch_op.f('ix_followup_task_assigned_to'))

    op.drop_table('followup_task')
    op.drop_table('case_timing')
    op.drop_table('category_deadline')
    op.drop_table('sweep_cursor')
    op.drop_table('policy_setting')
