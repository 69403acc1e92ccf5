"""Referrals (hand-offs of a case to another office), their status history, records and
attachments (the mediation record chain), and the provincial hardship standards (art. 34)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

from hotline.database import UTCDateTime
from hotline.timeutil import utcnow

STATUS_LABELS = {
    "submitted": "待受理",
    "more_info": "需补充材料",
    "accepted": "已受理",
    "rejected": "不予受理",
    "withdrawn": "已撤回",
    "registered": "已登记",
    "mediating": "调解中",
    "agreement": "已达成调解协议",
    "failed": "调解不成",
    "followed_up": "已回访",
}
FINAL_STATUSES = {"rejected", "withdrawn", "followed_up"}
# A referral still being worked by the receiving office (the case stays 转介 while one exists).
OPEN_STATUSES = {"submitted", "more_info", "accepted", "registered", "mediating", "agreement", "failed"}

RECORD_LABELS = {
    "application": "申请书",
    "registration": "受理登记表",
    "session": "调解笔录",
    "agreement": "调解协议书",
    "termination": "终止调解记录",
    "follow_up": "回访记录",
    "supplement": "补充材料",
}


class Referral(SQLModel, table=True):
    __tablename__ = "referral"

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=32, unique=True, index=True)  # ZJ-20260110-000007
    case_id: int = Field(foreign_key="case_record.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    type: str = Field(max_length=20, index=True)  # legal_aid | criminal_defence | mediation | ...
    office_id: int = Field(foreign_key="office.id", index=True)
    area: str = Field(default="", max_length=100)  # the area the office was matched for
    category_code: str | None = Field(default=None, max_length=40)
    status: str = Field(default="submitted", max_length=16, index=True)
    urgent: bool = Field(default=False, index=True)
    summary: str = ""
    facts: str = ""
    reason: str = ""  # why it is handed off (required for 司法所 / 信访 / 法院)
    note: str = ""
    parties: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    consent: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    application: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))  # legal-aid application
    assessment: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    hardship_standard_id: int | None = Field(default=None, foreign_key="hardship_standard.id")
    override: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))  # legal-aid staff override
    decision: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))  # the office's last decision
    transcript_excerpt: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    deadlines: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    created_by: int | None = Field(default=None, foreign_key="staff_user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReferralEvent(SQLModel, table=True):
    """Status history of a referral: every status move, override, supplement and notice."""

    __tablename__ = "referral_event"

    id: int | None = Field(default=None, primary_key=True)
    referral_id: int = Field(foreign_key="referral.id", index=True)
    event: str = Field(max_length=30)  # created | decision | override | record | supplement | withdrawn | notice
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str | None = Field(default=None, max_length=16)
    actor: str = Field(max_length=64)
    actor_id: int | None = Field(default=None, foreign_key="staff_user.id")
    reason: str = ""
    code: str = Field(default="", max_length=60)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)  # when it happened
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)  # when entered


class ReferralRecord(SQLModel, table=True):
    """A document of the record chain (申请书, 受理登记表, 调解笔录, 调解协议书, 回访记录 …),
    with at most one attached file."""

    __tablename__ = "referral_record"

    id: int | None = Field(default=None, primary_key=True)
    referral_id: int = Field(foreign_key="referral.id", index=True)
    record_type: str = Field(max_length=20)
    title: str = Field(default="", max_length=200)
    note: str = ""
    generated: bool = False  # written by the hotline (e.g. the 申请书 drafted from the consultation)
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: int | None = Field(default=None, foreign_key="staff_user.id")
    filename: str | None = Field(default=None, max_length=200)
    content_type: str | None = Field(default=None, max_length=100)
    size: int | None = None
    sha256: str | None = Field(default=None, max_length=64)
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))


class HardshipStandard(SQLModel, table=True):
    """One version of a province's economic-hardship standard (法律援助法第三十四条). Rows are
    never changed: a new standard or a correction is a new row."""

    __tablename__ = "hardship_standard"
    __table_args__ = (UniqueConstraint("province", "effective_from", "version", name="uq_hardship_version"),)

    id: int | None = Field(default=None, primary_key=True)
    province: str = Field(max_length=20, index=True)
    effective_from: date
    version: int = 1  # > 1: corrects an earlier row with the same effective date
    monthly_income_per_member: float = Field(sa_column=Column(Numeric(12, 2, asdecimal=False), nullable=False))
    basis: str = Field(default="", max_length=300)  # e.g. 参照当地最低工资标准
    note: str = Field(default="", max_length=500)
    sample: bool = False  # a sample value shipped with the software, to be confirmed by the site
    created_by: str = Field(default="system", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
