"""Time helpers: every stored time is timezone-aware UTC."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime | None) -> datetime | None:
    """Normalise a datetime read back from the database (SQLite drops the zone) to aware UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def local_range(start_day: date, end_day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start of start_day, start of the day after end_day) in local time, as UTC datetimes."""
    begin = datetime.combine(start_day, time(0, 0), tz)
    finish = datetime.combine(end_day + timedelta(days=1), time(0, 0), tz)
    return begin.astimezone(ZoneInfo("UTC")), finish.astimezone(ZoneInfo("UTC"))
