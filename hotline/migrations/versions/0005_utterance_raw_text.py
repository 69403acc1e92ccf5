"""Recognised speech keeps the recogniser's own text beside the corrected one: `utterance.raw_text`
(NULL for chat messages; docs/asr.md, the correction stage).

Revision ID: 0005_utterance_raw_text
Revises: 0003_contact_load_index
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005_utterance_raw_text"
down_revision = "0003_contact_load_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("utterance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("raw_text", sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("utterance", schema=None) as batch_op:
        batch_op.drop_column("raw_text")
