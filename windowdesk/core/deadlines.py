"""Time-limited completion (限时办结制): due dates, warnings and "why this date".

A limit of N working days from acceptance day A ends on the N-th working day after A
(A not counted). A special procedure (特别程序: hearing, testing, inspection, expert
review, public notice …) stops the clock: a suspension that starts on day S and ends on
day R leaves the days in (S, R] uncounted, so a suspension begun and ended on the same
day changes nothing. An extension adds working days to the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from windowdesk.core.calendar import DayKind, WorkCalendar
from windowdesk.core.codes import Labelled, set_labels
from windowdesk.i18n import N_, _

DEFAULT_YELLOW_PERCENT = 80


@dataclass(frozen=True)
class Suspension:
    start: date
    end: date | None = None  # None while the special procedure is still running


@dataclass(frozen=True)
class Clock:
    """Everything that decides a case's due date."""

    accepted_on: date
    limit_days: int
    extension_days: int = 0
    suspensions: tuple[Suspension, ...] = ()

    @property
    def total_days(self) -> int:
        return self.limit_days + self.extension_days

    @property
    def running(self) -> bool:
        return not self.suspensions or self.suspensions[-1].end is not None


def nth_counted_day(cal: WorkCalendar, clock: Clock, n: int) -> date | None:
    """The day on which the ``n``-th working day of the clock is used up.

    ``None`` when the clock is stopped before reaching it.
    """
    if n <= 0:
        return clock.accepted_on
    start, used = clock.accepted_on, 0
    for s in clock.suspensions:
        counted = cal.workdays_between(start, s.start) if s.start > start else 0
        if used + counted >= n:
            break
        used += counted
        if s.end is None:
            return None
        start = max(start, s.end)
    return cal.add_workdays(start, n - used)


def due_date(cal: WorkCalendar, clock: Clock) -> date | None:
    """The due date, or ``None`` while a special procedure has stopped the clock."""
    return nth_counted_day(cal, clock, clock.total_days)


def warn_date(
    cal: WorkCalendar, clock: Clock, yellow_percent: int = DEFAULT_YELLOW_PERCENT
) -> date | None:
    """The first day the case shows yellow.

    Yellow starts when ``yellow_percent`` of the limit is used, and never later than one
    working day before the due date. Immediate (zero-day) limits have no warning.
    """
    total = clock.total_days
    due = nth_counted_day(cal, clock, total)
    if total <= 0 or due is None:
        return None
    threshold = -(-yellow_percent * total // 100)  # ceil without floats
    share_day = nth_counted_day(cal, clock, threshold)
    # The last counted working day before the due date (acceptance day for a 1-day limit).
    day_before = nth_counted_day(cal, clock, total - 1)
    return min(d for d in (share_day, day_before) if d is not None)


def workdays_used(cal: WorkCalendar, clock: Clock, on: date) -> int:
    """Working days of the clock used in (accepted_on, on], suspensions excluded."""
    start, used = clock.accepted_on, 0
    for s in clock.suspensions:
        segment_end = min(on, s.start)
        if segment_end > start:
            used += cal.workdays_between(start, segment_end)
        if on <= s.start or s.end is None or on <= s.end:
            return used
        start = max(start, s.end)
    if on > start:
        used += cal.workdays_between(start, on)
    return used


class WarningLevel(Labelled):
    NONE = "none"  # no clock running: not accepted yet, suspended, or finished
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"



set_labels(WarningLevel, {
    WarningLevel.NONE: N_("No clock running"),
    WarningLevel.GREEN: N_("On schedule"),
    WarningLevel.YELLOW: N_("Due soon"),
    WarningLevel.RED: N_("Overdue"),
})


def warning_level(clock_running: bool, due: date | None, warn: date | None, today: date) -> WarningLevel:
    """Green, yellow or red for an open case whose clock is running."""
    if not clock_running or due is None:
        return WarningLevel.NONE
    if today > due:
        return WarningLevel.RED
    if warn is not None and today >= warn:
        return WarningLevel.YELLOW
    return WarningLevel.GREEN


class DayRole(StrEnum):
    COUNTED = "counted"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    SUSPENDED = "suspended"


@dataclass(frozen=True)
class ExplainedDay:
    day: date
    role: DayRole
    number: int | None = None  # the working day's number in the limit, when counted
    note: str = ""  # holiday name, 调休 or the suspension's reason

    def describe(self) -> str:
        if self.role is DayRole.COUNTED:
            text = _("working day {n} of the limit").format(n=self.number)
        elif self.role is DayRole.WEEKEND:
            text = _("weekend, not counted")
        elif self.role is DayRole.HOLIDAY:
            text = _("public holiday, not counted")
        else:
            text = _("special procedure, clock stopped")
        return f"{self.day.isoformat()} {text}" + (f"（{self.note}）" if self.note else "")


@dataclass(frozen=True)
class DueExplanation:
    clock: Clock
    due: date | None
    days: tuple[ExplainedDay, ...]
    warning: str | None  # set when a year without schedule was assumed

    @property
    def counted(self) -> int:
        return sum(1 for d in self.days if d.role is DayRole.COUNTED)

    @property
    def skipped(self) -> int:
        return sum(1 for d in self.days if d.role in (DayRole.WEEKEND, DayRole.HOLIDAY))

    @property
    def suspended(self) -> int:
        return sum(1 for d in self.days if d.role is DayRole.SUSPENDED)

    def summary(self) -> str:
        """One sentence: from what, how many days counted, skipped and suspended, to when."""
        text = _(
            "Accepted on {accepted}; limit {limit} working days plus {extension} extended; "
            "{counted} working days counted, {skipped} weekend and holiday days skipped, "
            "{suspended} days of special procedure not counted"
        ).format(
            accepted=self.clock.accepted_on.isoformat(), limit=self.clock.limit_days,
            extension=self.clock.extension_days, counted=self.counted, skipped=self.skipped,
            suspended=self.suspended,
        )
        if self.due is None:
            text += _("; the clock is stopped.")
        else:
            text += _("; due on {due}.").format(due=self.due.isoformat())
        if self.warning:
            text += " " + self.warning
        return text


def explain(cal: WorkCalendar, clock: Clock, until: date | None = None) -> DueExplanation:
    """Every day from acceptance to the due date (or ``until`` while the clock is stopped)
    with whether it was counted, skipped or suspended, and why."""
    due = due_date(cal, clock)
    last = due if due is not None else (until or clock.accepted_on)
    days: list[ExplainedDay] = []
    counted = 0
    day = clock.accepted_on
    while day < last:
        day += timedelta(days=1)
        if any(s.start < day and (s.end is None or day <= s.end) for s in clock.suspensions):
            days.append(ExplainedDay(day, DayRole.SUSPENDED))
            continue
        kind = cal.kind_of(day)
        if kind is DayKind.HOLIDAY:
            days.append(ExplainedDay(day, DayRole.HOLIDAY, note=cal.holiday_name(day) or ""))
        elif kind is DayKind.WEEKEND:
            days.append(ExplainedDay(day, DayRole.WEEKEND))
        else:
            counted += 1
            note = _("weekend day worked") if kind is DayKind.ADJUSTED_WORKDAY else ""
            days.append(ExplainedDay(day, DayRole.COUNTED, counted, note))
    warning = cal.gap_warning(clock.accepted_on, last)
    return DueExplanation(clock, due, tuple(days), warning)
