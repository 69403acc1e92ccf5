"""Citizens, contacts (one call or chat session), utterances and satisfaction ratings."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from pydantic import Field as PField

from hotline.database import UTCDateTime
from hotline.timeutil import utcnow
from hotline.validation import StrictModel


class Channel(StrEnum):
    call = "call"
    chat = "chat"
    wechat = "wechat"  # WeChat Official Account messages (hotline.wechat); routed as chats


class ContactStatus(StrEnum):
    open = "open"  # citizen connected, not yet queued (intake)
    queued = "queued"  # waiting for a lawyer
    offered = "offered"  # offered to a lawyer, not yet accepted
    active = "active"  # talking to a lawyer
    wrapup = "wrapup"  # lawyer finishing notes
    ended = "ended"


class Outcome(StrEnum):
    answered = "answered"
    abandoned = "abandoned"  # citizen left before a lawyer answered
    callback = "callback"  # left a message / asked for a callback
    failed = "failed"  # telephony failure
    referred = "referred"
    citizen_left = "citizen_left"  # answered chat whose citizen went away and did not come back


class Speaker(StrEnum):
    citizen = "citizen"
    lawyer = "lawyer"
    system = "system"
    supervisor = "supervisor"  # a manager who joined the chat (督导, docs/supervision.md)


class Citizen(SQLModel, table=True):
    __tablename__ = "citizen"

    id: int | None = Field(default=None, primary_key=True)
    phone: str | None = Field(default=None, max_length=32, index=True)
    chat_token: str | None = Field(default=None, max_length=64, unique=True, index=True)
    name: str = Field(default="", max_length=64)
    id_number: str = Field(default="", max_length=32)
    address: str = Field(default="", max_length=200)
    area: str = Field(default="", max_length=100)  # e.g. 广东省深圳市宝安区
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = 1


class CitizenUpdate(StrictModel):
    """Fields staff may fill in or correct; `reason` is kept with the revision."""

    name: str | None = PField(default=None, max_length=64)
    phone: str | None = PField(default=None, max_length=32)
    id_number: str | None = PField(default=None, max_length=32)
    address: str | None = PField(default=None, max_length=200)
    area: str | None = PField(default=None, max_length=100)
    reason: str = PField(default="", max_length=500)


class Contact(SQLModel, table=True):
    __tablename__ = "contact"
    # routing reads lawyers' loads (active contacts per lawyer and channel) from this index alone
    __table_args__ = (Index("ix_contact_status_lawyer_channel", "status", "lawyer_id", "channel"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=10, index=True)
    citizen_id: int = Field(foreign_key="citizen.id", index=True)
    case_id: int | None = Field(default=None, foreign_key="case_record.id", index=True)
    status: str = Field(default=ContactStatus.open, max_length=16)  # indexed first in ix_contact_status_lawyer_channel
    outcome: str | None = Field(default=None, max_length=16)
    category_code: str | None = Field(default=None, max_length=40)
    lawyer_id: int | None = Field(default=None, foreign_key="staff_user.id", index=True)
    external_id: str | None = Field(default=None, max_length=64, index=True)  # Twilio CallSid
    resume_token_hash: str | None = Field(default=None, max_length=64, unique=True)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    queued_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    queue_wait_s: float | None = None
    disposition: str = Field(default="", max_length=60)  # wrap-up code
    language: str = Field(default="普通话", max_length=16)  # language or dialect for routing (粤语, 闽南语, English…)
    # Chat only: when the citizen's last socket went away (NULL while one is connected). A chat
    # whose citizen stays away past a grace period is ended (contacts.service.sweep_departed_chats).
    citizen_left_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Safety (hotline.safety): the rules the citizen's words fired, comma-separated codes, and the
    # queue priority they gave (higher is offered first; 0 = ordinary).
    safety_flags: str = Field(default="", max_length=200)
    priority: int = 0
    # The citizen's consent to the privacy notice (chat page), and which version of the notice.
    consent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    consent_version: str = Field(default="", max_length=20)


class Utterance(SQLModel, table=True):
    """One final piece of speech or one chat message. Partial ASR results are events only."""

    __tablename__ = "utterance"
    __table_args__ = (UniqueConstraint("contact_id", "client_id", name="uq_utterance_client_id"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    speaker: str = Field(max_length=10)
    author_id: int | None = Field(default=None, foreign_key="staff_user.id")
    text: str  # what the lawyer sees: for recognised speech, the corrected text (asr/correct.py)
    raw_text: str | None = None  # recognised speech: the recogniser's own text, kept for the audit log
    is_final: bool = True
    client_id: str | None = Field(default=None, max_length=64)  # idempotency key from the sender
    source: str = Field(default="chat", max_length=16)  # chat | asr | system
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)  # when said
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)  # when stored
    confidence: float | None = None
    version: int = 1  # > 1 once corrected (e.g. a misrecognised word); earlier text kept as a revision


class SatisfactionRating(SQLModel, table=True):
    __tablename__ = "satisfaction_rating"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", unique=True)
    case_id: int | None = Field(default=None, foreign_key="case_record.id")
    score: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=500)
    channel: str = Field(max_length=10)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
