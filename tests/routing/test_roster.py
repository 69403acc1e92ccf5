"""Duty roster evaluation: weekdays, midnight crossing, holidays and 调休, split shifts,
exceptions and appointment slots."""
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from routing.roster import Calendar, Exception_, ShiftRule, next_on_duty, on_duty_users, validate_days

TZ = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


NIGHT = ShiftRule(1, "workdays", time(20, 0), time(8, 0))  # crosses midnight
DAY = ShiftRule(2, "workdays", time(8, 0), time(20, 0))
SPLIT_AM = ShiftRule(3, "12345", time(9, 0), time(12, 0))
SPLIT_PM = ShiftRule(3, "12345", time(14, 0), time(17, 0))
WEEKEND_APPT = ShiftRule(4, "weekends", time(9, 0), time(17, 0), kind="appointment")
ALWAYS = ShiftRule(5, "all", time(0, 0), time(0, 0))
RULES = [NIGHT, DAY, SPLIT_AM, SPLIT_PM, WEEKEND_APPT, ALWAYS]


@pytest.mark.parametrize("when, expected", [
    (at(2026, 11, 23, 10), {2, 3, 5}),  # Monday morning
    (at(2026, 11, 23, 13), {2, 5}),  # split-shift gap
    (at(2026, 11, 23, 23), {1, 5}),  # Monday night
    (at(2026, 11, 24, 3), {1, 5}),  # after midnight, Monday's night shift still on
    (at(2026, 11, 28, 3), {1, 5}),  # Saturday 03:00: Friday's night shift runs over
    (at(2026, 11, 28, 10), {5}),  # Saturday: appointment slot is not walk-in duty
    (at(2026, 11, 29, 23), {5}),  # Sunday night: no workday night shift starts
])
def test_who_is_on_duty(when: datetime, expected: set[int]) -> None:
    assert set(on_duty_users(RULES, [], Calendar(), when, TZ)) == expected


def test_holidays_and_make_up_working_days() -> None:
    calendar = Calendar({date(2026, 10, 1): False, date(2026, 10, 10): True})  # 国庆 and a 调休 Saturday
    assert set(on_duty_users(RULES, [], calendar, at(2026, 10, 1, 10), TZ)) == {5}
    # a 调休 Saturday is a working day for "workdays" shifts; explicit weekdays (12345) stay as written
    assert set(on_duty_users(RULES, [], calendar, at(2026, 10, 10, 10), TZ)) == {2, 5}
    assert set(on_duty_users([WEEKEND_APPT], [], calendar, at(2026, 10, 1, 10), TZ, kind="appointment")) == {4}


def test_exceptions_leave_and_extra_windows() -> None:
    day = date(2026, 11, 23)
    leave = Exception_(2, day, "off")
    partial = Exception_(5, day, "off", time(12, 0), time(13, 0))
    extra = Exception_(4, day, "extra", time(18, 0), time(22, 0))
    exc = [leave, partial, extra]
    assert set(on_duty_users(RULES, exc, Calendar(), at(2026, 11, 23, 10), TZ)) == {3, 5}
    assert set(on_duty_users(RULES, exc, Calendar(), at(2026, 11, 23, 12, 30), TZ)) == set()
    assert 4 in on_duty_users(RULES, exc, Calendar(), at(2026, 11, 23, 21), TZ)


def test_end_of_window_and_next_on_duty() -> None:
    ends = on_duty_users([DAY], [], Calendar(), at(2026, 11, 23, 10), TZ)
    assert ends[2] == at(2026, 11, 23, 20)
    upcoming = next_on_duty([DAY], [], Calendar(), at(2026, 11, 27, 21), TZ)  # Friday night → Monday
    assert upcoming[0][0] == 2 and upcoming[0][1] == at(2026, 11, 30, 8)


def test_days_validation() -> None:
    assert validate_days("135") == "135"
    with pytest.raises(ValueError):
        validate_days("8")
