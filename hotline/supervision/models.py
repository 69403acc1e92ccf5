"""Live supervision: a manager monitoring a contact (silently, coaching or barged in) and the
whispers sent to the lawyer. Every start, end, whisper and barge is also an audit entry."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from hotline.database import UTCDateTime
from hotline.timeutil import utcnow


class MonitorSession(SQLModel, table=True):
    __tablename__ = "monitor_session"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    manager_id: int = Field(foreign_key="staff_user.id", index=True)
    lawyer_id: int | None = Field(default=None, foreign_key="staff_user.id")
    mode: str = Field(default="monitor", max_length=10)  # monitor | coach | barge
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    participant_sid: str = Field(default="", max_length=64)  # calls: the manager's conference leg


class Whisper(SQLModel, table=True):
    """A note from a monitoring manager that only the contact's lawyer sees (never the citizen,
    never the transcript)."""

    __tablename__ = "whisper"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    manager_id: int = Field(foreign_key="staff_user.id")
    lawyer_id: int | None = Field(default=None, foreign_key="staff_user.id", index=True)
    text: str = Field(max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
