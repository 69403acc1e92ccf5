"""The centre's supervision policy (sampling rates, follow-up due days, whether lawyers see they
are monitored) and the positions of the audit-log sweeps that act on it."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from hotline.database import UTCDateTime
from hotline.timeutil import utcnow


class PolicySetting(SQLModel, table=True):
    __tablename__ = "policy_setting"

    key: str = Field(primary_key=True, max_length=60)
    value: Any = Field(default=None, sa_column=Column(JSON))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SweepCursor(SQLModel, table=True):
    """The last audit sequence number a sweep (follow-up, quality sampling) has acted on."""

    __tablename__ = "sweep_cursor"

    name: str = Field(primary_key=True, max_length=40)
    seq: int = 0
