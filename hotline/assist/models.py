"""Suggestions shown to the duty lawyer and the knowledge-base backlog."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from hotline.database import UTCDateTime
from hotline.timeutil import utcnow

RATING_REASONS = ["不准确", "已过时", "不相关", "不完整", "引用错误"]


class Suggestion(SQLModel, table=True):
    __tablename__ = "suggestion"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    utterance_id: int | None = Field(default=None, foreign_key="utterance.id")
    batch: int = 0  # which refresh of the contact's suggestions this row belongs to
    query: str = ""
    kind: str = Field(max_length=10)  # article | faq
    ref_id: str = Field(max_length=200)
    title: str = Field(default="", max_length=200)  # law + article number, or FAQ question
    rank: int
    score: float
    confident: bool = True
    shown_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    clicked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    copied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    rating: str | None = Field(default=None, max_length=12)  # helpful | unhelpful
    rating_reason: str = Field(default="", max_length=20)
    rated_by: int | None = Field(default=None, foreign_key="staff_user.id")


class BacklogItem(SQLModel, table=True):
    """A question the knowledge base could not answer confidently (or all answers were unhelpful)."""

    __tablename__ = "kb_backlog"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    question: str
    reason: str = Field(max_length=20)  # no_confident_match | all_unhelpful
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    resolved_faq_id: str | None = Field(default=None, max_length=60)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class KbFaq(SQLModel, table=True):
    """FAQ entries written in the hotline (published into the index without downtime)."""

    __tablename__ = "kb_faq"

    id: int | None = Field(default=None, primary_key=True)
    faq_id: str = Field(max_length=60, unique=True)  # "hotline-faq-12"
    question: str
    answer: str
    statutes: str = ""  # article ids, one per line
    author_id: int | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    published: bool = True
