"""The citizen's side (issue 19): safety rules and the contact's safety flags and queue priority,
the citizen's consent on the contact, and the phone number (with consent) on a callback.

Revision ID: 0009_citizen
Revises: 0008_supervision
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

import hotline.database

revision = "0009_citizen"
down_revision = "0008_supervision"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "safety_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("words", sa.JSON(), nullable=True),
        sa.Column("guidance", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", hotline.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("safety_flags", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("consent_at", hotline.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("consent_version", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False,
                                      server_default=""))
    with op.batch_alter_table("queue_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("callback", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("phone_consent_at", hotline.database.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("callback", schema=None) as batch_op:
        batch_op.drop_column("phone_consent_at")
        batch_op.drop_column("phone")
    with op.batch_alter_table("queue_entry", schema=None) as batch_op:
        batch_op.drop_column("priority")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_column("consent_version")
        batch_op.drop_column("consent_at")
        batch_op.drop_column("priority")
        batch_op.drop_column("safety_flags")
    op.drop_table("safety_rule")
