"""Failed sign-ins per account and per address (hotline.auth.throttle).

Revision ID: 0007_login_throttle
Revises: 0007_audit_hmac
"""
import sqlalchemy as sa
from alembic import op

import sqlmodel

import hotline.database

revision = "0007_login_throttle"
down_revision = "0007_audit_hmac"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", hotline.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("locked_until", hotline.database.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("login_throttle")
