"""What happened on a phone call, as Twilio and the media streams told it: status changes
(ringing, answered, completed, failed ...), streams starting and stopping with their frame
statistics, the bridge to the lawyer, voice messages and keypad input. One row per event, with
the time it happened (Twilio's timestamp when it sends one) apart from the time it was stored."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from hotline.database import UTCDateTime
from hotline.timeutil import utcnow


class CallEvent(SQLModel, table=True):
    __tablename__ = "call_event"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    call_sid: str = Field(max_length=64, index=True)
    event: str = Field(max_length=32, index=True)  # ringing | answered | completed | failed | stream_started ...
    phase: str = Field(default="", max_length=16)  # intake | bridged | voicemail
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
