"""Supervision: policy settings and sweep cursors, deadline limits per category and case timing
marks, follow-up tasks, quality forms/samples/inspections/disputes, live monitoring sessions.

Revision ID: 0008_supervision
Revises: 0007_login_throttle
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

import hotline.database

revision = "0008_supervision"
down_revision = "0007_login_throttle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('policy_setting',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.Column('updated_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('quality_form',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sections', sa.JSON(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
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

    op.create_table('monitor_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=False),
    sa.Column('lawyer_id', sa.Integer(), nullable=True),
    sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('started_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('participant_sid', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.ForeignKeyConstraint(['lawyer_id'], ['staff_user.id'], ),
    sa.ForeignKeyConstraint(['manager_id'], ['staff_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('monitor_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitor_session_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_monitor_session_ended_at'), ['ended_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_monitor_session_manager_id'), ['manager_id'], unique=False)

    op.create_table('quality_sample',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('lawyer_id', sa.Integer(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('week', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('created_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.ForeignKeyConstraint(['lawyer_id'], ['staff_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('contact_id')
    )
    with op.batch_alter_table('quality_sample', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quality_sample_lawyer_id'), ['lawyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quality_sample_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_quality_sample_week'), ['week'], unique=False)

    op.create_table('whisper',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=False),
    sa.Column('lawyer_id', sa.Integer(), nullable=True),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.ForeignKeyConstraint(['lawyer_id'], ['staff_user.id'], ),
    sa.ForeignKeyConstraint(['manager_id'], ['staff_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('whisper', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_whisper_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_whisper_lawyer_id'), ['lawyer_id'], unique=False)

    op.create_table('inspection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('lawyer_id', sa.Integer(), nullable=True),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('form', sa.JSON(), nullable=True),
    sa.Column('answers', sa.JSON(), nullable=True),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('section_scores', sa.JSON(), nullable=True),
    sa.Column('critical_failed', sa.Boolean(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('inspector_id', sa.Integer(), nullable=False),
    sa.Column('inspected_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('dispute_reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('disputed_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('final_score', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.ForeignKeyConstraint(['decided_by'], ['staff_user.id'], ),
    sa.ForeignKeyConstraint(['form_id'], ['quality_form.id'], ),
    sa.ForeignKeyConstraint(['inspector_id'], ['staff_user.id'], ),
    sa.ForeignKeyConstraint(['lawyer_id'], ['staff_user.id'], ),
    sa.ForeignKeyConstraint(['sample_id'], ['quality_sample.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sample_id')
    )
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_inspected_at'), ['inspected_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_lawyer_id'), ['lawyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_status'))
        batch_op.drop_index(batch_op.f('ix_inspection_lawyer_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_inspected_at'))
        batch_op.drop_index(batch_op.f('ix_inspection_contact_id'))

    op.drop_table('inspection')
    with op.batch_alter_table('whisper', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_whisper_lawyer_id'))
        batch_op.drop_index(batch_op.f('ix_whisper_contact_id'))

    op.drop_table('whisper')
    with op.batch_alter_table('quality_sample', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quality_sample_week'))
        batch_op.drop_index(batch_op.f('ix_quality_sample_status'))
        batch_op.drop_index(batch_op.f('ix_quality_sample_lawyer_id'))

    op.drop_table('quality_sample')
    with op.batch_alter_table('monitor_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monitor_session_manager_id'))
        batch_op.drop_index(batch_op.f('ix_monitor_session_ended_at'))
        batch_op.drop_index(batch_op.f('ix_monitor_session_contact_id'))

    op.drop_table('monitor_session')
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
    op.drop_table('quality_form')
    op.drop_table('policy_setting')
