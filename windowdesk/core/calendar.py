"""The working-day calendar (工作日历).

Time limits are counted in working days (行政许可法 Art. 82): statutory holidays are
excluded and the weekend days worked in exchange (调休) count. Which days those are is
published each year by the State Council, so the calendar is data: one schedule per
year, bundled in ``resources/calendar`` and extendable by an administrator or the
county. A date in a year with no schedule is never guessed silently: it raises
:class:`CalendarGapError`, unless the calendar was explicitly told to assume plain
weekends, in which case every result carries a ``warning`` to show on screen and paper.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum
from pathlib import Path
from typing import Iterable, Mapping

from windowdesk.core.errors import DomainError, ValidationError
from windowdesk.i18n import _
from windowdesk.paths import resources_dir


class CalendarGapError(DomainError):
    """A date falls in a year whose holiday schedule has not been published."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(
            _(
                "No working-day calendar has been published for {year}: deadlines in "
                "{year} cannot be counted. Ask the county or an administrator to add the "
                "{year} holiday schedule."
            ).format(year=year)
        )


class CalendarDataError(ValidationError):
    """A holiday schedule that is malformed or contradicts itself."""


class DayKind(Enum):
    WORKDAY = "workday"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    ADJUSTED_WORKDAY = "adjusted_workday"  # a weekend day worked (调休上班)

    @property
    def is_workday(self) -> bool:
        return self in (DayKind.WORKDAY, DayKind.ADJUSTED_WORKDAY)


class CalendarDate(date):
    """A date computed by the calendar; ``warning`` is set when weekends were assumed."""

    __slots__ = ("warning",)

    warning: str | None


class WorkdayCount(int):
    """A number of working days; ``warning`` is set when weekends were assumed."""

    warning: str | None


@dataclass(frozen=True)
class YearSchedule:
    """One year's published schedule: holidays off and weekend days worked."""

    year: int
    holidays: Mapping[date, str]  # day off -> holiday name
    weekend_workdays: frozenset[date]
    source: str = ""

    @classmethod
    def from_dict(cls, data: Mapping) -> "YearSchedule":
        try:
            year = int(data["year"])
            holidays: dict[date, str] = {}
            for entry in data.get("holidays", []):
                start = date.fromisoformat(entry["from"])
                end = date.fromisoformat(entry.get("to", entry["from"]))
                if end < start:
                    raise CalendarDataError(
                        _("Holiday {name} ends before it starts.").format(name=entry["name"])
                    )
                day = start
                while day <= end:
                    holidays[day] = str(entry["name"])
                    day += timedelta(days=1)
            worked = frozenset(date.fromisoformat(s) for s in data.get("weekend_workdays", []))
        except CalendarDataError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise CalendarDataError(
                _("The holiday schedule is malformed: {detail}").format(detail=exc)
            ) from exc
        schedule = cls(year, holidays, worked, str(data.get("source", "")))
        schedule.validate()
        return schedule

    def validate(self) -> None:
        for day in list(self.holidays) + list(self.weekend_workdays):
            if day.year != self.year:
                raise CalendarDataError(
                    _("{day} does not belong to the {year} schedule.").format(
                        day=day.isoformat(), year=self.year
                    )
                )
        for day in self.weekend_workdays:
            if day.weekday() < 5:
                raise CalendarDataError(
                    _("{day} is listed as a weekend day worked but is not a weekend.").format(
                        day=day.isoformat()
                    )
                )
            if day in self.holidays:
                raise CalendarDataError(
                    _("{day} is listed both as a holiday and as a day worked.").format(
                        day=day.isoformat()
                    )
                )

    def to_dict(self) -> dict:
        runs: list[dict] = []
        for day in sorted(self.holidays):
            name = self.holidays[day]
            last = runs[-1] if runs else None
            if last and last["name"] == name and date.fromisoformat(last["to"]) + timedelta(1) == day:
                last["to"] = day.isoformat()
            else:
                runs.append({"name": name, "from": day.isoformat(), "to": day.isoformat()})
        return {
            "year": self.year,
            "source": self.source,
            "holidays": runs,
            "weekend_workdays": sorted(d.isoformat() for d in self.weekend_workdays),
        }

    def kind_of(self, day: date) -> DayKind:
        if day in self.holidays:
            return DayKind.HOLIDAY
        if day in self.weekend_workdays:
            return DayKind.ADJUSTED_WORKDAY
        return DayKind.WEEKEND if day.weekday() >= 5 else DayKind.WORKDAY

    def workdays(self) -> list[date]:
        day, out = date(self.year, 1, 1), []
        while day.year == self.year:
            if self.kind_of(day).is_workday:
                out.append(day)
            day += timedelta(days=1)
        return out


@dataclass(frozen=True)
class WorkCalendar:
    """Working days over the years whose schedules are known."""

    schedules: Mapping[int, YearSchedule]
    assume_weekends: bool = False
    _ordinals: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _span: tuple[int, int] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        years = sorted(self.schedules)
        # The fast path (bisect over working-day ordinals) covers the longest run of
        # consecutive known years; anything outside it is walked day by day.
        span: tuple[int, int] | None = None
        ordinals: list[int] = []
        if years:
            start = end = years[0]
            for year in years[1:]:
                if year == end + 1:
                    end = year
                else:
                    break
            span = (start, end)
            for year in range(start, end + 1):
                ordinals.extend(d.toordinal() for d in self.schedules[year].workdays())
        object.__setattr__(self, "_ordinals", tuple(ordinals))
        object.__setattr__(self, "_span", span)

    # construction -------------------------------------------------------------

    @classmethod
    def from_schedules(cls, schedules: Iterable[YearSchedule], *, assume_weekends: bool = False):
        return cls({s.year: s for s in schedules}, assume_weekends)

    @classmethod
    def from_dicts(cls, items: Iterable[Mapping], *, assume_weekends: bool = False):
        return cls.from_schedules((YearSchedule.from_dict(d) for d in items), assume_weekends=assume_weekends)

    @classmethod
    def bundled(cls, *, assume_weekends: bool = False) -> "WorkCalendar":
        """The calendar from the schedules bundled in ``resources/calendar``."""
        folder: Path = resources_dir() / "calendar"
        items = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]
        return cls.from_dicts(items, assume_weekends=assume_weekends)

    def with_schedule(self, schedule: YearSchedule) -> "WorkCalendar":
        """A new calendar with ``schedule`` added (or replacing the same year)."""
        merged = dict(self.schedules)
        merged[schedule.year] = schedule
        return WorkCalendar(merged, self.assume_weekends)

    def assuming_weekends(self, assume: bool = True) -> "WorkCalendar":
        return WorkCalendar(self.schedules, assume)

    # queries ------------------------------------------------------------------

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(sorted(self.schedules))

    def covers(self, year: int) -> bool:
        return year in self.schedules

    def missing_years(self, years: Iterable[int]) -> list[int]:
        return [y for y in years if y not in self.schedules]

    def kind_of(self, day: date) -> DayKind:
        schedule = self.schedules.get(day.year)
        if schedule is not None:
            return schedule.kind_of(day)
        if not self.assume_weekends:
            raise CalendarGapError(day.year)
        return DayKind.WEEKEND if day.weekday() >= 5 else DayKind.WORKDAY

    def holiday_name(self, day: date) -> str | None:
        schedule = self.schedules.get(day.year)
        return schedule.holidays.get(day) if schedule else None

    def is_workday(self, d: date) -> bool:
        return self.kind_of(d).is_workday

    def gap_warning(self, first: date, last: date) -> str | None:
        """The warning for a computation touching days from ``first`` to ``last``."""
        lo, hi = min(first, last), max(first, last)
        missing = self.missing_years(range(lo.year, hi.year + 1))
        if not missing:
            return None
        if not self.assume_weekends:
            raise CalendarGapError(missing[0])
        years = "、".join(str(y) for y in missing)
        return _(
            "No holiday schedule for {years}: plain weekends were assumed, so this date may "
            "change when the schedule is published."
        ).format(years=years)

    def _in_span(self, *days: date) -> bool:
        return self._span is not None and all(
            self._span[0] <= d.year <= self._span[1] for d in days
        )

    def add_workdays(self, d: date, n: int) -> CalendarDate:
        """The ``n``-th working day after ``d`` (``d`` itself not counted).

        A negative ``n`` counts backwards; ``n == 0`` returns ``d``.
        """
        result = self._add(d, n)
        out = CalendarDate(result.year, result.month, result.day)
        out.warning = self.gap_warning(d, result)
        return out

    def _add(self, d: date, n: int) -> date:
        if n == 0:
            return d
        ords = self._ordinals
        if self._in_span(d):
            if n > 0:
                idx = bisect_right(ords, d.toordinal()) + n - 1
            else:
                idx = bisect_right(ords, d.toordinal() - 1) + n
            if 0 <= idx < len(ords):
                return date.fromordinal(ords[idx])
        step = timedelta(days=1 if n > 0 else -1)
        remaining, day = abs(n), d
        while remaining:
            day += step
            if self.kind_of(day).is_workday:
                remaining -= 1
        return day

    def workdays_between(self, a: date, b: date) -> WorkdayCount:
        """The number of working days in (a, b]; negative when ``b`` is before ``a``."""
        if b < a:
            inner = self.workdays_between(b, a)
            out = WorkdayCount(-int(inner))
            out.warning = inner.warning
            return out
        warning = self.gap_warning(a, b)
        if self._in_span(a, b):
            ords = self._ordinals
            count = bisect_right(ords, b.toordinal()) - bisect_right(ords, a.toordinal())
        else:
            count, day = 0, a
            while day < b:
                day += timedelta(days=1)
                if self.kind_of(day).is_workday:
                    count += 1
        out = WorkdayCount(count)
        out.warning = warning
        return out

    def workday_count(self, year: int) -> int:
        if year not in self.schedules:
            raise CalendarGapError(year)
        return len(self.schedules[year].workdays())
