"""The queue's state, all in the database: queue entries, offers and callbacks. A restarted or
second worker picks up exactly where it was."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from hotline.database import UTCDateTime
from hotline.timeutil import utcnow


class QueueEntry(SQLModel, table=True):
    __tablename__ = "queue_entry"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", unique=True)
    channel: str = Field(max_length=10)
    skill: str = Field(max_length=40, index=True)
    language: str = Field(default="普通话", max_length=16)  # a dialect or language the citizen asked for
    status: str = Field(default="waiting", max_length=12, index=True)  # waiting | offered | assigned | gone
    overflow: bool = False  # any on-duty lawyer may take it
    priority: int = 0  # the contact's priority (hotline.safety): higher is offered first
    enqueued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    lawyer_id: int | None = Field(default=None, foreign_key="staff_user.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Offer(SQLModel, table=True):
    __tablename__ = "offer"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    user_id: int = Field(foreign_key="staff_user.id", index=True)
    offered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default="offered", max_length=12, index=True)  # offered|accepted|rejected|timeout|cancelled
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Callback(SQLModel, table=True):
    """A citizen who could not be served now (nobody on duty): call back / answer the message."""

    __tablename__ = "callback"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    status: str = Field(default="open", max_length=10, index=True)  # open | claimed | done
    assigned_to: int | None = Field(default=None, foreign_key="staff_user.id")
    note: str = ""
    phone: str = Field(default="", max_length=32)  # the number the citizen left for the call back
    phone_consent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # consent to keep it
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
