"""Safety rules (安全预警): the words that signal danger to a citizen (domestic violence, threats,
self-harm, a group of workers owed wages), the guidance the citizen is shown at once and the
priority the contact gets in the queue. Managers edit them (`/admin/safety`, `/api/safety/rules`)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict, Field as PydanticField
from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from hotline.database import UTCDateTime
from hotline.validation import StrictModel
from hotline.timeutil import utcnow


class SafetyRule(SQLModel, table=True):
    __tablename__ = "safety_rule"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)  # e.g. domestic_violence
    label: str = Field(max_length=40)  # 家庭暴力, shown on the console and the wallboard
    # A word is a substring of the citizen's message; "A+B" needs both A and B in the message.
    words: Any = Field(default=None, sa_column=Column(JSON))
    guidance: str = Field(default="", max_length=2000)  # shown to the citizen at once
    priority: int = 5  # the contact's queue priority when the rule fires (higher goes first)
    enabled: bool = True
    version: int = 1
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RuleIn(StrictModel):
    model_config = ConfigDict(extra="forbid")
    code: str = PydanticField(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
    label: str = PydanticField(min_length=1, max_length=40)
    words: list[str] = PydanticField(min_length=1, max_length=200)
    guidance: str = PydanticField(min_length=1, max_length=2000)
    priority: int = PydanticField(default=5, ge=1, le=9)
    enabled: bool = True


class RuleUpdate(StrictModel):
    model_config = ConfigDict(extra="forbid")
    label: str | None = PydanticField(default=None, min_length=1, max_length=40)
    words: list[str] | None = PydanticField(default=None, min_length=1, max_length=200)
    guidance: str | None = PydanticField(default=None, min_length=1, max_length=2000)
    priority: int | None = PydanticField(default=None, ge=1, le=9)
    enabled: bool | None = None
