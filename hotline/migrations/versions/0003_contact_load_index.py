"""Routing reads each lawyer's load (active contacts per channel) for every offer: one index on
contact (status, lawyer_id, channel) serves those counts without touching the table, and makes
the single-column status index redundant (status leads the new one).

Revision ID: 0003_contact_load_index
Revises: 0002_audit_append_only
"""
from alembic import op

revision = "0003_contact_load_index"
down_revision = "0002_audit_append_only"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index("ix_contact_status_lawyer_channel", ["status", "lawyer_id", "channel"], unique=False)
        batch_op.drop_index("ix_contact_status")


def downgrade() -> None:
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index("ix_contact_status", ["status"], unique=False)
        batch_op.drop_index("ix_contact_status_lawyer_channel")
