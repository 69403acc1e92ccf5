"""Quality inspection (质检): evaluation forms, the sample queue, inspections and disputes."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from hotline.database import UTCDateTime
from hotline.timeutil import utcnow

SAMPLE_REASONS = {"random": "每周随机抽检", "dissatisfied": "不满意评价", "complaint": "投诉"}
INSPECTION_STATUS = {"scored": "已评分", "disputed": "申诉中", "upheld": "维持原评分", "revised": "已改分"}


class QualityForm(SQLModel, table=True):
    """An evaluation form. `sections`: [{"title", "questions": [{"id", "text", "kind": "yesno" |
    "scale", "scale_max", "weight", "critical", "allow_na"}]}]. Inspections keep a copy of the
    form they were scored on, so editing a form never changes a past score."""

    __tablename__ = "quality_form"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)
    active: bool = True
    sections: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    version: int = 1
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class QualitySample(SQLModel, table=True):
    """A contact in the inspection queue, and why it was picked."""

    __tablename__ = "quality_sample"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", unique=True)
    lawyer_id: int | None = Field(default=None, foreign_key="staff_user.id", index=True)
    reason: str = Field(max_length=16)  # random | dissatisfied | complaint
    week: str = Field(max_length=8, index=True)  # ISO week of the contact's answer, local time: 2026-W49
    note: str = Field(default="", max_length=500)
    status: str = Field(default="queued", max_length=10, index=True)  # queued | inspected
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Inspection(SQLModel, table=True):
    __tablename__ = "inspection"

    id: int | None = Field(default=None, primary_key=True)
    sample_id: int = Field(foreign_key="quality_sample.id", unique=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    lawyer_id: int | None = Field(default=None, foreign_key="staff_user.id", index=True)
    form_id: int = Field(foreign_key="quality_form.id")
    form: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))  # the form as scored
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))  # question id -> yes|no|na|n
    score: float
    section_scores: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    critical_failed: bool = False
    passed: bool = False
    comment: str = Field(default="", max_length=2000)
    inspector_id: int = Field(foreign_key="staff_user.id")
    inspected_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    status: str = Field(default="scored", max_length=10, index=True)  # scored | disputed | upheld | revised
    dispute_reason: str = Field(default="", max_length=1000)
    disputed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: int | None = Field(default=None, foreign_key="staff_user.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decision_note: str = Field(default="", max_length=1000)
    final_score: float | None = None  # after a revised decision
