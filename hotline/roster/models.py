"""The duty roster and the lawyers it schedules, all in the database: lawyer profiles (skills,
languages, capacities, and the presence columns that `hotline.queue` writes), weekly shifts,
dated exceptions, holidays, and the revision counter every roster write bumps."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, event, update
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, SQLModel

from hotline.database import UTCDateTime
from hotline.timeutil import utcnow


class Presence(StrEnum):
    available = "available"
    busy = "busy"  # derived: at capacity
    wrapup = "wrapup"
    break_ = "break"
    offline = "offline"


PRESENCE_LABELS = {"available": "空闲", "busy": "通话中", "wrapup": "话后整理", "break": "小休", "offline": "离线"}


class LawyerProfile(SQLModel, table=True):
    __tablename__ = "lawyer_profile"

    user_id: int = Field(primary_key=True, foreign_key="staff_user.id")
    skills: list[str] = Field(default_factory=list, sa_column=Column(JSON))  # category codes
    languages: list[str] = Field(default_factory=lambda: ["普通话"], sa_column=Column(JSON))
    chat_capacity: int = 3
    call_capacity: int = 1
    state: str = Field(default=Presence.offline, max_length=10)  # available | wrapup | break | offline
    state_since: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    idle_since: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)  # longest idle goes first
    penalty_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    wrapup_contact_id: int | None = None
    wrapup_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Shift(SQLModel, table=True):
    """A weekly duty pattern: `days` is "workdays", "weekends", "all" or weekday digits (1=Mon … 7=Sun);
    start/end are local times ("HH:MM" or "HH:MM:SS"); end <= start crosses midnight (00:00-00:00 = 24 h).
    kind "appointment" marks appointment-only slots (预约), which take no walk-in contacts."""

    __tablename__ = "shift"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="staff_user.id", index=True)
    days: str = Field(default="workdays", max_length=20)
    start: str = Field(max_length=8)
    end: str = Field(max_length=8)
    kind: str = Field(default="duty", max_length=12)
    valid_from: date | None = None
    valid_to: date | None = None
    note: str = Field(default="", max_length=100)


class RosterException(SQLModel, table=True):
    """A dated change: "off" (leave; whole day if no times) or "extra" (an added duty window)."""

    __tablename__ = "roster_exception"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="staff_user.id", index=True)
    day: date
    kind: str = Field(max_length=8)  # off | extra
    start: str | None = Field(default=None, max_length=8)
    end: str | None = Field(default=None, max_length=8)
    note: str = Field(default="", max_length=100)


class Holiday(SQLModel, table=True):
    """Public holidays (is_workday False) and 调休 make-up working days (is_workday True)."""

    __tablename__ = "holiday"

    day: date = Field(primary_key=True)
    name: str = Field(max_length=40)
    is_workday: bool = False


class RosterRevision(SQLModel, table=True):
    """One row counting roster changes (shifts, exceptions, holidays). Every ORM write to those
    tables bumps it in the same transaction (the session events at the end of this module), so each worker can keep the
    parsed roster in memory and re-read it only when the revision moves."""

    __tablename__ = "roster_revision"

    id: int = Field(default=1, primary_key=True)
    revision: int = 0


# -- every ORM write to the roster bumps the revision (in the same transaction) ----------------------
ROSTER_TABLES = (Shift, RosterException, Holiday)


def _touches_roster(objects: object) -> bool:
    return any(isinstance(obj, ROSTER_TABLES) for obj in objects)  # type: ignore[arg-type]


@event.listens_for(OrmSession, "before_flush")
def _bump_on_flush(session: OrmSession, _context: object, _instances: object) -> None:
    if session.info.get("roster_bumped"):
        return
    if _touches_roster(session.new) or _touches_roster(session.deleted) or _touches_roster(session.dirty):
        bump(session)


@event.listens_for(OrmSession, "do_orm_execute")
def _bump_on_bulk(state) -> None:  # noqa: ANN001
    if (state.is_update or state.is_delete) and not state.session.info.get("roster_bumped"):
        mapper = state.bind_arguments.get("mapper")
        if mapper is not None and mapper.class_ in ROSTER_TABLES:
            bump(state.session)


@event.listens_for(OrmSession, "after_transaction_end")
def _reset(session: OrmSession, transaction) -> None:  # noqa: ANN001
    if transaction.parent is None:
        session.info.pop("roster_bumped", None)


def bump(session: OrmSession) -> None:
    """Mark the roster changed (once per transaction)."""
    session.info["roster_bumped"] = True
    result = session.execute(update(RosterRevision).where(RosterRevision.id == 1)
                             .values(revision=RosterRevision.revision + 1))
    if result.rowcount == 0:
        session.add(RosterRevision(id=1, revision=1))
