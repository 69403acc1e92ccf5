"""Who is on duty, cached per worker: the roster is parsed once per roster revision and the
on-duty answer is reused until the next shift boundary. Every routing decision asks this
question, so it must cost a primary-key read, not a parse of every shift.

Correctness across workers: any ORM write to `shift`, `roster_exception` or `holiday` (adds,
changes, deletes, and bulk UPDATE/DELETE statements) bumps `roster_revision` in the same
transaction (session events in `hotline.roster.models`, registered whenever the tables are);
readers compare that number with their cache. A write made
outside the ORM (raw SQL by hand) is picked up after `MAX_AGE_S` at the latest.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from hotline.roster.models import RosterRevision
from routing import roster

MAX_AGE_S = 30.0


_REVISION = select(RosterRevision.revision).where(RosterRevision.id == 1)


def revision(session: Session) -> int:
    return session.execute(_REVISION).scalar() or 0


@dataclass
class _Entry:
    revision: int
    loaded_at: float
    rules: list[roster.ShiftRule]
    exceptions: list[roster.Exception_]
    calendar: roster.Calendar
    # the last on-duty answer and the interval of time it holds for
    duty: dict[int, datetime] | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None


class RosterCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], _Entry] = {}

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _entry(self, session: Session, loader) -> _Entry:  # noqa: ANN001
        key = (str(session.get_bind().url), "")
        rev = revision(session)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.revision == rev and time.monotonic() - entry.loaded_at < MAX_AGE_S:
                return entry
        rules, exceptions, calendar = loader(session)
        entry = _Entry(rev, time.monotonic(), rules, exceptions, calendar)
        with self._lock:
            self._entries[key] = entry
        return entry

    def on_duty(self, session: Session, now: datetime, tz: ZoneInfo, loader) -> dict[int, datetime]:  # noqa: ANN001
        """Users on duty at `now` with the end of their window; `loader(session)` parses the roster."""
        entry = self._entry(session, loader)
        with self._lock:
            if entry.duty is not None and entry.valid_from <= now < entry.valid_until:
                return dict(entry.duty)
        duty = roster.on_duty_users(entry.rules, entry.exceptions, entry.calendar, now, tz)
        until = roster.next_change(entry.rules, entry.exceptions, entry.calendar, now, tz)
        with self._lock:
            entry.duty, entry.valid_from, entry.valid_until = dict(duty), now, until
        return duty


cache = RosterCache()

