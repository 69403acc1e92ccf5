"""Working days on the Chinese statutory calendar: public holidays and the 调休 make-up working
days (a Saturday or Sunday worked in exchange), from the `chinese-calendar` package for the
years it covers, overridden by the hotline's own holiday table (admins edit it on the roster
page for years the package does not cover yet, or for a local change).

Deadlines count whole working days after the day a matter came in: "within N working days"
ends at midnight (local time) at the end of the Nth working day after the day received; a
matter received on a holiday starts counting on the next working day as day one. Urgent
limits count clock hours.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

MAX_SPAN_DAYS = 3660  # no deadline reaches past ten years of days off


class WorkCalendar:
    def __init__(self, overrides: dict[date, bool] | None = None) -> None:
        self.overrides = overrides or {}  # day -> is_workday (the hotline's holiday table)

    @staticmethod
    def package_covers(year: int) -> bool:
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
        except NotImplementedError:
            return False
        return True

    def source(self, day: date) -> str:
        if day in self.overrides:
            return "table"
        return "package" if self.package_covers(day.year) else "weekdays"

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:  # a year the package does not know yet: Monday to Friday
            return day.isoweekday() <= 5

    def holiday_name(self, day: date) -> str:
        try:
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            return ""
        return str(name or "") if (on_holiday or self.is_workday(day) and day.isoweekday() > 5) else ""

    def nth_workday_after(self, day: date, n: int) -> date:
        """The nth working day after `day` (n = 0: `day` itself)."""
        if n < 0:
            raise ValueError("n must not be negative")
        current, counted = day, 0
        while counted < n:
            current += timedelta(days=1)
            if (current - day).days > MAX_SPAN_DAYS:
                raise ValueError("no working days found")
            if self.is_workday(current):
                counted += 1
        return current

    def workdays_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: how many of a deadline's days have been used by `end`."""
        return sum(1 for i in range(1, (end - start).days + 1) if self.is_workday(start + timedelta(days=i)))

    def due(self, received: datetime, working_days: int, tz: ZoneInfo) -> datetime:
        """The end (local midnight) of the `working_days`th working day after the day received."""
        last = self.nth_workday_after(received.astimezone(tz).date(), working_days)
        return datetime.combine(last + timedelta(days=1), time(0, 0), tz)

    def due_in_hours(self, received: datetime, hours: float) -> datetime:
        return received + timedelta(hours=hours)

    def days(self, start: date, end: date) -> list[dict]:
        """The calendar of [start, end]: each day's working status and where it comes from."""
        out = []
        day = start
        while day <= end:
            out.append({"day": day.isoformat(), "workday": self.is_workday(day), "source": self.source(day),
                        "name": self.holiday_name(day)})
            day += timedelta(days=1)
        return out
