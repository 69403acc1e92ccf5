"""The audit log: append-only, hash-chained entries."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from hotline.database import UTCDateTime


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(index=True, unique=True)  # 1, 2, 3, ... with no gaps
    occurred_at: datetime = Field(sa_type=UTCDateTime, index=True)  # when it happened
    recorded_at: datetime = Field(sa_type=UTCDateTime)  # when it was entered
    actor: str = Field(max_length=80, index=True)  # "staff:3", "citizen:12", "system", "twilio"
    action: str = Field(max_length=80, index=True)  # dotted: "contact.opened"
    entity: str = Field(default="", max_length=40)
    entity_id: str = Field(default="", max_length=80, index=True)
    case_id: int | None = Field(default=None, index=True)
    contact_id: int | None = Field(default=None, index=True)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    data: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditHead(SQLModel, table=True):
    """One row holding the chain's tip; locked while appending so the chain cannot fork."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    hash: str = Field(default="0" * 64, max_length=64)
