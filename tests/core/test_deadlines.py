"""Due dates, suspensions, extensions and warnings: the pure rules."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings, strategies as st

from windowdesk.core.calendar import WorkCalendar
from windowdesk.core.deadlines import (
    Clock,
    DayRole,
    Suspension,
    WarningLevel,
    due_date,
    explain,
    warn_date,
    warning_level,
    workdays_used,
)

CAL = WorkCalendar.bundled()


@st.composite
def clocks(draw):
    accepted = draw(st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 6, 30)))
    limit = draw(st.integers(min_value=0, max_value=40))
    extension = draw(st.integers(min_value=0, max_value=10))
    suspensions, cursor = [], accepted
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        start = cursor + timedelta(days=draw(st.integers(min_value=0, max_value=20)))
        end = start + timedelta(days=draw(st.integers(min_value=0, max_value=15)))
        suspensions.append(Suspension(start, end))
        cursor = end
    if suspensions and draw(st.booleans()):
        suspensions[-1] = Suspension(suspensions[-1].start, None)
    return Clock(accepted, limit, extension, tuple(suspensions))


def test_plain_limit_is_the_nth_working_day():
    clock = Clock(date(2026, 9, 24), 3)  # Thu; 25–27 Sep off; 28, 29, 30 work
    assert due_date(CAL, clock) == date(2026, 9, 30)
    assert due_date(CAL, Clock(date(2026, 9, 24), 4)) == date(2026, 10, 8)  # 1–7 Oct off


def test_yellow_never_later_than_one_working_day_before_due():
    clock = Clock(date(2026, 3, 2), 1)
    assert due_date(CAL, clock) == date(2026, 3, 3)
    assert warn_date(CAL, clock) == date(2026, 3, 2)
    clock = Clock(date(2026, 3, 2), 10)  # 80 % = 8th working day 12 March; day before due 13 March
    assert warn_date(CAL, clock) == date(2026, 3, 12)
    assert warn_date(CAL, Clock(date(2026, 3, 2), 0)) is None


def test_warning_levels():
    due, warn = date(2026, 3, 16), date(2026, 3, 12)
    assert warning_level(True, due, warn, date(2026, 3, 11)) is WarningLevel.GREEN
    assert warning_level(True, due, warn, date(2026, 3, 12)) is WarningLevel.YELLOW
    assert warning_level(True, due, warn, date(2026, 3, 16)) is WarningLevel.YELLOW
    assert warning_level(True, due, warn, date(2026, 3, 17)) is WarningLevel.RED
    assert warning_level(False, None, None, date(2026, 3, 17)) is WarningLevel.NONE


def test_open_suspension_stops_the_clock():
    clock = Clock(date(2026, 3, 2), 10, 0, (Suspension(date(2026, 3, 4), None),))
    assert due_date(CAL, clock) is None and warn_date(CAL, clock) is None
    assert workdays_used(CAL, clock, date(2026, 3, 20)) == 2


@settings(max_examples=300)
@given(clocks())
def test_due_date_agrees_with_the_day_by_day_explanation(clock):
    due = due_date(CAL, clock)
    why = explain(CAL, clock, until=min(clock.accepted_on + timedelta(days=200), date(2026, 12, 31)))
    if due is None:
        assert not clock.running
        assert why.counted < clock.total_days or clock.total_days == 0 or why.days == ()
        return
    assert why.due == due
    assert why.counted == clock.total_days
    if clock.total_days:
        assert why.days[-1].day == due and why.days[-1].role is DayRole.COUNTED
    assert workdays_used(CAL, clock, due) == clock.total_days
    warn = warn_date(CAL, clock)
    if clock.total_days:
        assert warn is not None and clock.accepted_on <= warn < due
        previous = CAL.add_workdays(due, -1) if due.year > 2024 or due.month > 1 else None
        if previous is not None and previous >= clock.accepted_on and not clock.suspensions:
            assert warn <= previous
    for day in why.days:
        if day.role is DayRole.SUSPENDED:
            assert any(s.start < day.day <= s.end for s in clock.suspensions)


@given(clocks(), st.integers(min_value=0, max_value=120))
def test_used_days_never_exceed_elapsed_working_days(clock, offset):
    on = clock.accepted_on + timedelta(days=offset)
    if on.year > 2026:
        return
    used = workdays_used(CAL, clock, on)
    assert 0 <= used <= CAL.workdays_between(clock.accepted_on, on)
