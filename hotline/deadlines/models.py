"""Deadline settings per category (限时办结 in working days) and per-case marks (complex, urgent)."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from hotline.database import UTCDateTime
from hotline.timeutil import utcnow


class CategoryDeadline(SQLModel, table=True):
    """Limits for one category: hand the matter on within `handover_days` working days, answer
    within `answer_days` (`complex_days` when the case is marked complex), and hand an urgent
    matter on within `urgent_hours` clock hours."""

    __tablename__ = "category_deadline"

    category_code: str = Field(primary_key=True, foreign_key="category.code", max_length=40)
    handover_days: int = 1
    answer_days: int = 5
    complex_days: int = 15
    urgent_hours: int = 1
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CaseTiming(SQLModel, table=True):
    """A case marked complex (the longer answer limit) or urgent (the hour limit)."""

    __tablename__ = "case_timing"

    case_id: int = Field(primary_key=True, foreign_key="case_record.id")
    complex: bool = False
    urgent: bool = False
    reason: str = Field(default="", max_length=200)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
