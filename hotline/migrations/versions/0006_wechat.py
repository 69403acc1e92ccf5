"""The WeChat channel: Official Accounts, citizens' openids, messages received and sent (unique
per account on MsgId or FromUserName:CreateTime), the shared access-token cache, and case
attachments (images, files and voice a citizen sent).

Revision ID: 0006_wechat
Revises: 0005_utterance_raw_text
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import hotline.database


revision = '0006_wechat'
down_revision = '0005_utterance_raw_text'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('wechat_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('app_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('secret', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('aes_key', sqlmodel.sql.sqltypes.AutoString(length=43), nullable=False),
    sa.Column('encrypt_mode', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('wechat_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wechat_account_name'), ['name'], unique=True)

    op.create_table('wechat_identity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('openid', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('subscribed', sa.Boolean(), nullable=False),
    sa.Column('last_inbound_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['wechat_account.id'], ),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'openid', name='uq_wechat_identity_openid')
    )
    with op.batch_alter_table('wechat_identity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wechat_identity_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wechat_identity_citizen_id'), ['citizen_id'], unique=False)

    op.create_table('wechat_token',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('access_token', sqlmodel.sql.sqltypes.AutoString(length=600), nullable=False),
    sa.Column('expires_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('refreshed_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['wechat_account.id'], ),
    sa.PrimaryKeyConstraint('account_id')
    )
    op.create_table('case_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], ),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_attachment_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_attachment_contact_id'), ['contact_id'], unique=False)

    op.create_table('wechat_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('direction', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('dedup_key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('openid', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('msg_type', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('event', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('content', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('media_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('media_format', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('recognition', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('utterance_id', sa.Integer(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('created_at_wechat', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('received_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['wechat_account.id'], ),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.ForeignKeyConstraint(['utterance_id'], ['utterance.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'dedup_key', name='uq_wechat_message_dedup')
    )
    with op.batch_alter_table('wechat_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wechat_message_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wechat_message_contact_id'), ['contact_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('wechat_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wechat_message_contact_id'))
        batch_op.drop_index(batch_op.f('ix_wechat_message_account_id'))

    op.drop_table('wechat_message')
    with op.batch_alter_table('case_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_attachment_contact_id'))
        batch_op.drop_index(batch_op.f('ix_case_attachment_case_id'))

    op.drop_table('case_attachment')
    op.drop_table('wechat_token')
    with op.batch_alter_table('wechat_identity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wechat_identity_citizen_id'))
        batch_op.drop_index(batch_op.f('ix_wechat_identity_account_id'))

    op.drop_table('wechat_identity')
    with op.batch_alter_table('wechat_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wechat_account_name'))

    op.drop_table('wechat_account')
