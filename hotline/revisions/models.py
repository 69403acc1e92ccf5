"""Earlier versions of corrected records (cases, citizens, utterances). Nothing entered is lost."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from hotline.database import UTCDateTime
from hotline.timeutil import utcnow


class Revision(SQLModel, table=True):
    __tablename__ = "revision"
    __table_args__ = (Index("ix_revision_entity", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=30)  # case | citizen | utterance
    entity_id: int
    version: int  # the version this snapshot was
    snapshot: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    changed_by: str = Field(max_length=80)
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    reason: str = ""
