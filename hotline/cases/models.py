"""Cases (the matter a citizen brings) and their revision history."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from sqlmodel import Field, SQLModel

from pydantic import Field as PField

from hotline.database import UTCDateTime
from hotline.timeutil import utcnow
from hotline.validation import IsoDateTime, StrictModel


class CaseStatus(StrEnum):
    received = "received"  # 受理
    routed = "routed"  # 分流
    in_progress = "in_progress"  # 办理
    closed = "closed"  # 办结
    followed_up = "followed_up"  # 回访
    referred = "referred"  # 转介


STATUS_LABELS = {
    CaseStatus.received: "受理",
    CaseStatus.routed: "分流",
    CaseStatus.in_progress: "办理",
    CaseStatus.closed: "办结",
    CaseStatus.followed_up: "回访",
    CaseStatus.referred: "转介",
}

# Allowed lifecycle moves. A referral that comes back rejected returns the case to 办理.
TRANSITIONS: dict[str, set[str]] = {
    CaseStatus.received: {CaseStatus.routed, CaseStatus.in_progress, CaseStatus.referred, CaseStatus.closed},
    CaseStatus.routed: {CaseStatus.in_progress, CaseStatus.referred, CaseStatus.closed},
    CaseStatus.in_progress: {CaseStatus.referred, CaseStatus.closed},
    CaseStatus.referred: {CaseStatus.in_progress, CaseStatus.closed},
    CaseStatus.closed: {CaseStatus.followed_up, CaseStatus.in_progress},
    CaseStatus.followed_up: set(),
}

OPEN_STATUSES = {CaseStatus.received, CaseStatus.routed, CaseStatus.in_progress, CaseStatus.referred}


class Case(SQLModel, table=True):
    __tablename__ = "case_record"

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=32, unique=True, index=True)  # 12348-20261122-000123
    citizen_id: int = Field(foreign_key="citizen.id", index=True)
    category_code: str | None = Field(default=None, foreign_key="category.code", max_length=40)
    summary: str = ""
    facts: str = ""
    status: str = Field(default=CaseStatus.received, max_length=16, index=True)
    owner_id: int | None = Field(default=None, foreign_key="staff_user.id", index=True)  # 首问负责
    disposition: str = Field(default="", max_length=60)
    received_at: datetime = Field(sa_type=UTCDateTime, index=True)  # when the matter came in
    deadline_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)  # 限时办结
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)  # when entered
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = 1


class CaseUpdate(StrictModel):
    """Fields a staff member may correct; `reason` is kept with the revision."""

    category_code: str | None = PField(default=None, min_length=1, max_length=32)
    summary: str | None = PField(default=None, max_length=2000)
    facts: str | None = PField(default=None, max_length=20000)
    disposition: str | None = PField(default=None, max_length=2000)
    received_at: IsoDateTime | None = None
    deadline_at: IsoDateTime | None = None
    reason: str = PField(default="", max_length=500)
