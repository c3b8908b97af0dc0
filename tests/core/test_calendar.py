"""The working-day calendar against the published schedules and by properties."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings, strategies as st

from windowdesk.core.calendar import (
    CalendarDataError,
    CalendarGapError,
    DayKind,
    WorkCalendar,
    YearSchedule,
)

CAL = WorkCalendar.bundled()


def slow_is_workday(day: date) -> bool:
    """An independent statement of the rule, from domain.md's lists."""
    off = {
        2024: ["01-01", "02-10..02-17", "04-04..04-06", "05-01..05-05", "06-10", "09-15..09-17", "10-01..10-07"],
        2025: ["01-01", "01-28..02-04", "04-04..04-06", "05-01..05-05", "05-31..06-02", "10-01..10-08"],
        2026: ["01-01..01-03", "02-15..02-23", "04-04..04-06", "05-01..05-05", "06-19..06-21", "09-25..09-27", "10-01..10-07"],
    }
    worked = {
        2024: ["02-04", "02-18", "04-07", "04-28", "05-11", "09-14", "09-29", "10-12"],
        2025: ["01-26", "02-08", "04-27", "09-28", "10-11"],
        2026: ["01-04", "02-14", "02-28", "05-09", "09-20", "10-10"],
    }
    md = day.strftime("%m-%d")
    for span in off[day.year]:
        lo, _, hi = span.partition("..")
        if lo <= md <= (hi or lo):
            return False
    if md in worked[day.year]:
        return True
    return day.weekday() < 5


known_days = st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31))


def test_working_days_per_year_match_the_published_totals():
    assert [CAL.workday_count(y) for y in (2024, 2025, 2026)] == [251, 248, 248]


@pytest.mark.parametrize(
    "day,kind",
    [
        (date(2026, 10, 1), DayKind.HOLIDAY),
        (date(2026, 10, 10), DayKind.ADJUSTED_WORKDAY),
        (date(2026, 11, 21), DayKind.WEEKEND),
        (date(2026, 11, 23), DayKind.WORKDAY),
        (date(2025, 2, 8), DayKind.ADJUSTED_WORKDAY),
    ],
)
def test_day_kinds(day, kind):
    assert CAL.kind_of(day) is kind
    assert CAL.is_workday(day) is kind.is_workday


def test_add_workdays_skips_the_national_day_week_and_counts_the_adjusted_saturday():
    # Thursday 2026-09-24 + 1: 25-27 Mid-Autumn off, 28/29/30 work.
    assert CAL.add_workdays(date(2026, 9, 24), 1) == date(2026, 9, 28)
    # Wednesday 2026-09-30 + 1: 1-7 Oct off, Thursday 8th works.
    assert CAL.add_workdays(date(2026, 9, 30), 1) == date(2026, 10, 8)
    # Friday 2026-10-09 + 1 is the worked Saturday 10th.
    assert CAL.add_workdays(date(2026, 10, 9), 1) == date(2026, 10, 10)
    # A limit starting on a holiday still counts from the next working day.
    assert CAL.add_workdays(date(2026, 10, 3), 1) == date(2026, 10, 8)
    assert CAL.add_workdays(date(2026, 11, 23), 0) == date(2026, 11, 23)
    assert CAL.add_workdays(date(2026, 10, 8), -1) == date(2026, 9, 30)


def test_across_a_year_boundary():
    assert CAL.add_workdays(date(2025, 12, 31), 1) == date(2026, 1, 4)  # 1-3 Jan off, Sunday 4th worked
    assert CAL.workdays_between(date(2025, 12, 31), date(2026, 1, 5)) == 2


def test_results_carry_no_warning_inside_known_years():
    assert CAL.add_workdays(date(2026, 3, 2), 20).warning is None
    assert CAL.workdays_between(date(2026, 3, 2), date(2026, 4, 2)).warning is None


def test_a_year_without_schedule_is_refused_with_a_clear_message():
    with pytest.raises(CalendarGapError) as info:
        CAL.add_workdays(date(2026, 12, 20), 20)
    assert info.value.year == 2027
    assert "2027" in str(info.value)
    with pytest.raises(CalendarGapError):
        CAL.is_workday(date(2023, 6, 1))
    with pytest.raises(CalendarGapError):
        CAL.workdays_between(date(2026, 12, 1), date(2027, 1, 15))


def test_assuming_weekends_is_explicit_and_flagged():
    cal = CAL.assuming_weekends()
    result = cal.add_workdays(date(2026, 12, 30), 3)
    assert result == date(2027, 1, 4)  # Thu 31, (Jan 1 Fri), Mon 4 -> 31, 1, 4
    assert result.warning and "2027" in result.warning
    count = cal.workdays_between(date(2026, 12, 30), date(2027, 1, 8))
    assert count == 7 and count.warning
    assert cal.is_workday(date(2027, 1, 1)) is True  # a guess, and said to be one


def test_a_year_can_be_added_and_replaced():
    data = {"year": 2027, "source": "test", "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-01"}],
            "weekend_workdays": []}
    cal = CAL.with_schedule(YearSchedule.from_dict(data))
    assert cal.covers(2027) and not CAL.covers(2027)
    assert cal.add_workdays(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert cal.add_workdays(date(2026, 12, 31), 1).warning is None
    assert YearSchedule.from_dict(data).to_dict()["holidays"] == data["holidays"]


def test_schedule_round_trips_through_its_dict():
    for year in CAL.years:
        schedule = CAL.schedules[year]
        assert YearSchedule.from_dict(schedule.to_dict()) == schedule


@pytest.mark.parametrize(
    "data",
    [
        {"year": 2027, "holidays": [{"name": "x", "from": "2026-05-01"}]},
        {"year": 2027, "weekend_workdays": ["2027-03-03"]},  # a Wednesday
        {"year": 2027, "holidays": [{"name": "x", "from": "2027-01-09"}], "weekend_workdays": ["2027-01-09"]},
        {"year": 2027, "holidays": [{"name": "x", "from": "2027-13-01"}]},
        {"holidays": []},
    ],
)
def test_bad_schedules_are_refused(data):
    with pytest.raises(CalendarDataError):
        YearSchedule.from_dict(data)


@given(known_days)
def test_is_workday_agrees_with_an_independent_statement(day):
    assert CAL.is_workday(day) == slow_is_workday(day)


@settings(max_examples=300)
@given(known_days, st.integers(min_value=-60, max_value=60))
def test_add_workdays_lands_on_the_nth_working_day(day, n):
    try:
        result = CAL.add_workdays(day, n)
    except CalendarGapError:
        return
    if n == 0:
        assert result == day
        return
    assert CAL.is_workday(result)
    if n > 0:  # working days in (day, result]
        assert CAL.workdays_between(day, result) == n
    else:  # working days in [result, day)
        one = timedelta(days=1)
        assert CAL.workdays_between(result - one, day - one) == -n
    # and by walking: exactly |n| working days strictly between ... inclusive of result
    step = timedelta(days=1 if n > 0 else -1)
    walked, cur = 0, day
    while cur != result:
        cur += step
        walked += slow_is_workday(cur) if cur != day else 0
    assert walked == abs(n)


@given(known_days, known_days, known_days)
def test_workdays_between_is_additive(a, b, c):
    assert CAL.workdays_between(a, b) + CAL.workdays_between(b, c) == CAL.workdays_between(a, c)
    assert CAL.workdays_between(a, b) == -CAL.workdays_between(b, a)
