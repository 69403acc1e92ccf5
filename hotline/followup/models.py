"""Follow-up tasks (回访): a dissatisfied rating, a case wrapped up as 需回访, or a sampled
closed contact; due within N working days, taken by whoever is on duty, outcome recorded."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from hotline.database import UTCDateTime
from hotline.timeutil import utcnow


class Reason(StrEnum):
    dissatisfied = "dissatisfied"
    wrapup = "wrapup"  # wrap-up code 需回访
    sample = "sample"


REASON_LABELS = {"dissatisfied": "不满意评价", "wrapup": "话后标记需回访", "sample": "办结抽样回访"}
STATUS_LABELS = {"open": "待回访", "claimed": "回访中", "done": "已完成"}


class FollowupTask(SQLModel, table=True):
    __tablename__ = "followup_task"
    __table_args__ = (UniqueConstraint("contact_id", "reason", name="uq_followup_contact_reason"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    case_id: int | None = Field(default=None, foreign_key="case_record.id", index=True)
    lawyer_id: int | None = Field(default=None, foreign_key="staff_user.id")  # who handled the contact
    reason: str = Field(max_length=16)
    score: int | None = None  # the rating that caused it
    status: str = Field(default="open", max_length=10, index=True)  # open | claimed | done
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    assigned_to: int | None = Field(default=None, foreign_key="staff_user.id", index=True)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    method: str = Field(default="", max_length=10)  # call | message
    reached: bool | None = None
    satisfied: bool | None = None
    solved: bool | None = None
    new_case_id: int | None = Field(default=None, foreign_key="case_record.id")
    note: str = Field(default="", max_length=1000)

    @property
    def reason_label(self) -> str:
        return REASON_LABELS.get(self.reason, self.reason)
