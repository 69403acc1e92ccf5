"""Working-day arithmetic on the Chinese statutory calendar (chinese-calendar package), across the
2026 Spring Festival (15-23 Feb off; Saturdays 14 and 28 Feb worked) and the 2025 National Day
holiday (1-8 Oct off; Sunday 28 Sep and Saturday 11 Oct worked), and the hotline's own holiday
table for a year the package does not cover."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hotline.deadlines.workdays import WorkCalendar

TZ = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, hh: int = 10) -> datetime:
    return datetime(y, m, d, hh, 0, tzinfo=TZ)


def end_of(y: int, m: int, d: int) -> datetime:
    return datetime.combine(date(y, m, d) + timedelta(days=1), datetime.min.time(), TZ)


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


def test_spring_festival_2026_with_its_make_up_saturdays(cal: WorkCalendar) -> None:
    assert cal.is_workday(date(2026, 2, 14)) and date(2026, 2, 14).isoweekday() == 6  # 调休 Saturday
    assert not any(cal.is_workday(date(2026, 2, d)) for d in range(15, 24))
    assert cal.is_workday(date(2026, 2, 28)) and date(2026, 2, 28).isoweekday() == 6
    received = at(2026, 2, 13)  # Friday before the holiday
    assert cal.due(received, 1, TZ) == end_of(2026, 2, 14)  # the make-up Saturday counts
    assert cal.due(received, 2, TZ) == end_of(2026, 2, 24)  # then nothing until after the holiday
    assert cal.due(received, 5, TZ) == end_of(2026, 2, 27)  # Shandong's 5 working days
    assert cal.due(received, 6, TZ) == end_of(2026, 2, 28)  # the second make-up Saturday
    # received during the holiday: day one is the first working day after it
    assert cal.due(at(2026, 2, 18), 1, TZ) == end_of(2026, 2, 24)
    assert cal.due(at(2026, 2, 18), 15, TZ) == end_of(2026, 3, 13)  # complex: 15 working days (28 Feb worked)
    assert cal.workdays_between(date(2026, 2, 13), date(2026, 2, 28)) == 6


def test_national_day_2025_with_its_make_up_days(cal: WorkCalendar) -> None:
    assert cal.is_workday(date(2025, 9, 28)) and date(2025, 9, 28).isoweekday() == 7  # 调休 Sunday
    assert not any(cal.is_workday(date(2025, 10, d)) for d in range(1, 9))
    assert cal.is_workday(date(2025, 10, 11)) and date(2025, 10, 11).isoweekday() == 6
    received = at(2025, 9, 26, 16)  # Friday afternoon
    assert [cal.due(received, n, TZ) for n in range(1, 7)] == [
        end_of(2025, 9, 28), end_of(2025, 9, 29), end_of(2025, 9, 30), end_of(2025, 10, 9), end_of(2025, 10, 10),
        end_of(2025, 10, 11)]
    assert cal.holiday_name(date(2025, 10, 3)) == "National Day"


def test_deadline_in_the_hotline_zone_whatever_the_input_zone(cal: WorkCalendar) -> None:
    # 2026-02-13 17:00 UTC is already Saturday 01:00 in Beijing: day one is the next working day
    received = datetime(2026, 2, 13, 17, 0, tzinfo=ZoneInfo("UTC"))
    assert cal.due(received, 1, TZ) == end_of(2026, 2, 24)
    assert cal.due(received, 1, TZ).utcoffset() == timedelta(hours=8)
    assert cal.due_in_hours(received, 1) == received + timedelta(hours=1)  # urgent: clock hours


def test_uncovered_year_falls_back_to_weekdays_and_the_table_overrides(cal: WorkCalendar) -> None:
    assert not WorkCalendar.package_covers(2099)
    assert cal.source(date(2099, 1, 1)) == "weekdays"
    assert cal.is_workday(date(2099, 1, 1))  # a Thursday, unknown to the package
    table = WorkCalendar({date(2099, 1, 1): False, date(2099, 1, 3): True})  # admin's holiday rows
    assert not table.is_workday(date(2099, 1, 1)) and table.is_workday(date(2099, 1, 3))
    assert table.source(date(2099, 1, 1)) == "table"
    assert table.due(datetime(2098, 12, 31, 9, tzinfo=TZ), 1, TZ) == end_of(2099, 1, 2)
    assert table.due(datetime(2099, 1, 2, 9, tzinfo=TZ), 1, TZ) == end_of(2099, 1, 3)  # the worked Saturday
    # the table also overrides a covered year (a local change)
    assert not WorkCalendar({date(2026, 2, 14): False}).is_workday(date(2026, 2, 14))
    with pytest.raises(ValueError):
        cal.nth_workday_after(date(2026, 1, 1), -1)
