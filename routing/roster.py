"""Who is on duty: pure evaluation of weekly shifts, dated exceptions and holidays, in the
hotline's local time zone. Handles shifts that cross midnight, split shifts (two rows), 调休
make-up working days and appointment-only slots."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WORKDAY_CODES = {"workdays", "weekends", "all"}


@dataclass(frozen=True)
class ShiftRule:
    user_id: int
    days: str
    start: time
    end: time
    kind: str = "duty"
    valid_from: date | None = None
    valid_to: date | None = None


@dataclass(frozen=True)
class Exception_:
    user_id: int
    day: date
    kind: str  # off | extra
    start: time | None = None
    end: time | None = None


def parse_time(value: str) -> time:
    if value in ("24:00", "24:00:00"):
        return time(0, 0)
    return time.fromisoformat(value)


def validate_days(days: str) -> str:
    days = days.strip()
    if days in WORKDAY_CODES or (days and all(c in "1234567" for c in days)):
        return days
    raise ValueError(f"days must be workdays, weekends, all or weekday digits 1-7, not {days!r}")


class Calendar:
    def __init__(self, holidays: dict[date, bool] | None = None) -> None:
        self.holidays = holidays or {}  # date -> is_workday (True = 调休 working day)

    def is_workday(self, day: date) -> bool:
        if day in self.holidays:
            return self.holidays[day]
        return day.isoweekday() <= 5

    def applies(self, rule: ShiftRule, day: date) -> bool:
        if rule.valid_from and day < rule.valid_from or rule.valid_to and day > rule.valid_to:
            return False
        if rule.days == "all":
            return True
        if rule.days == "workdays":
            return self.is_workday(day)
        if rule.days == "weekends":
            return not self.is_workday(day)
        # explicit weekdays: not on public holidays, but yes on a 调休 working day for its weekday
        return str(day.isoweekday()) in rule.days and self.holidays.get(day, True)


def _window(day: date, start: time, end: time, tz: ZoneInfo) -> tuple[datetime, datetime]:
    begin = datetime.combine(day, start, tz)
    finish = datetime.combine(day, end, tz)
    if finish <= begin:
        finish += timedelta(days=1)  # crosses midnight; 00:00-00:00 is 24 hours
    return begin, finish


def duty_windows(rules: Iterable[ShiftRule], exceptions: Iterable[Exception_], calendar: Calendar, day: date,
                 tz: ZoneInfo, kind: str = "duty") -> list[tuple[int, datetime, datetime]]:
    """(user, start, end) duty windows that start on `day`, after exceptions."""
    exceptions = list(exceptions)
    off_whole = {(e.user_id) for e in exceptions if e.day == day and e.kind == "off" and e.start is None}
    windows = []
    for rule in rules:
        if rule.kind == kind and rule.user_id not in off_whole and calendar.applies(rule, day):
            windows.append((rule.user_id, *_window(day, rule.start, rule.end, tz)))
    for e in exceptions:
        if e.day == day and e.kind == "extra" and e.start is not None and e.end is not None and kind == "duty":
            windows.append((e.user_id, *_window(day, e.start, e.end, tz)))
    return windows


def _off_now(exceptions: Iterable[Exception_], user_id: int, at: datetime, tz: ZoneInfo) -> bool:
    for e in exceptions:
        if e.user_id == user_id and e.kind == "off" and e.start is not None and e.end is not None:
            begin, finish = _window(e.day, e.start, e.end, tz)
            if begin <= at < finish:
                return True
    return False


def on_duty_users(rules: list[ShiftRule], exceptions: list[Exception_], calendar: Calendar, at: datetime,
                  tz: ZoneInfo, kind: str = "duty") -> dict[int, datetime]:
    """Users on duty at `at`, each with the end of their current window."""
    local = at.astimezone(tz)
    result: dict[int, datetime] = {}
    for day in (local.date() - timedelta(days=1), local.date()):
        for user_id, begin, finish in duty_windows(rules, exceptions, calendar, day, tz, kind):
            if begin <= local < finish and not _off_now(exceptions, user_id, local, tz):
                result[user_id] = max(finish, result.get(user_id, finish))
    return result


def next_change(rules: list[ShiftRule], exceptions: list[Exception_], calendar: Calendar, at: datetime,
                tz: ZoneInfo) -> datetime:
    """The earliest moment after `at` when the on-duty set can change: a window (shift, extra
    duty, partial leave) starting or ending, or the next local midnight, whichever is first."""
    local = at.astimezone(tz)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0, 0), tz)
    edges = [midnight]
    for day in (local.date() - timedelta(days=1), local.date(), local.date() + timedelta(days=1)):
        for _, begin, finish in duty_windows(rules, exceptions, calendar, day, tz, "duty"):
            edges += [begin, finish]
        for e in exceptions:
            if e.day == day and e.kind == "off" and e.start is not None and e.end is not None:
                edges += list(_window(e.day, e.start, e.end, tz))
    return min(edge for edge in edges if edge > local)


def next_on_duty(rules: list[ShiftRule], exceptions: list[Exception_], calendar: Calendar, at: datetime,
                 tz: ZoneInfo, horizon_days: int = 14) -> list[tuple[int, datetime, datetime]]:
    """The next duty windows starting after `at` (earliest first), within the horizon."""
    local = at.astimezone(tz)
    upcoming = []
    for offset in range(horizon_days + 1):
        for user_id, begin, finish in duty_windows(rules, exceptions, calendar, local.date() + timedelta(days=offset),
                                                   tz, "duty"):
            if begin > local:
                upcoming.append((user_id, begin, finish))
        if upcoming:
            break
    return sorted(upcoming, key=lambda w: w[1])
