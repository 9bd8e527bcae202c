"""The working calendar: which days the centre and the handling units work (Art. 18 deadlines).

A day is a workday by, in this order: the centre's own entry (imported by the hotline centre,
e.g. the State Council's 调休 schedule for a year the library does not know yet), the statutory
calendar (holidays and make-up working days, 调休上班), and otherwise Monday to Friday.

``has_data(year)`` says whether that year's schedule is known (from the library's copy of the
State Council's notice or from the centre); a year without it is still counted, with its
statutory holidays where known and Monday–Friday otherwise, and the console warns about it.
Nothing here does I/O: the services build the calendar and pass it in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from types import MappingProxyType


class DayKind(StrEnum):
    WORK = "上班"   # a make-up working day (调休上班), or a weekday the centre says is worked
    REST = "休息"   # a holiday or a day off


class DaySource(StrEnum):
    STATUTORY = "法定"      # statutory holidays and the State Council's schedule (the library)
    CENTRE = "中心导入"     # entered by the hotline centre (agent-console calendar import)


# How far ahead a missing year is worth a warning: the longest deadline (15 working days) with
# an extension stays well inside it, and the State Council publishes the next year's schedule
# in November, so a warning from early October gives the centre time to import it. (A year
# ahead would warn all year long about the next year, until nobody reads the warning.)
WARN_AHEAD_DAYS = 90


@dataclass(frozen=True)
class CalendarDay:
    day: date
    kind: DayKind
    name: str
    source: DaySource


def _index(days: Iterable[CalendarDay]) -> Mapping[date, CalendarDay]:
    return MappingProxyType({d.day: d for d in days})


@dataclass(frozen=True)
class WorkCalendar:
    """Statutory days, the centre's entries over them, and the years whose schedule is known.

    ``scheduled_years``: years for which the statutory days are the published schedule (the
    State Council's notice, with its 调休上班 days); the statutory days of other years are
    derived from the holiday law alone. A year with any centre entry counts as known too.
    """

    statutory: Mapping[date, CalendarDay] = field(default_factory=lambda: MappingProxyType({}))
    centre: Mapping[date, CalendarDay] = field(default_factory=lambda: MappingProxyType({}))
    scheduled_years: frozenset[int] = frozenset()
    centre_years: frozenset[int] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "statutory", _index(self.statutory.values()))
        object.__setattr__(self, "centre", _index(self.centre.values()))
        object.__setattr__(self, "centre_years", frozenset(d.year for d in self.centre))

    @classmethod
    def build(cls, statutory: Iterable[CalendarDay] = (), centre: Iterable[CalendarDay] = (),
              scheduled_years: Iterable[int] = ()) -> WorkCalendar:
        return cls(_index(statutory), _index(centre), frozenset(scheduled_years))

    @classmethod
    def weekdays_only(cls) -> WorkCalendar:
        """No data at all: Monday to Friday are workdays."""
        return cls()

    # ------------------------------------------------------------------ questions
    def entry(self, day: date) -> CalendarDay | None:
        """The entry that decides ``day`` (the centre's over the statutory one), if any."""
        return self.centre.get(day) or self.statutory.get(day)

    def is_workday(self, day: date) -> bool:
        found = self.entry(day)
        if found is not None:
            return found.kind is DayKind.WORK
        return day.weekday() < 5

    def has_data(self, year: int) -> bool:
        """Whether the year's holiday and 调休 schedule is known (library or centre)."""
        return year in self.scheduled_years or year in self.centre_years

    def days_of(self, year: int) -> tuple[CalendarDay, ...]:
        """The year's holidays and make-up working days as they count, by date."""
        days = {d: e for d, e in self.statutory.items() if d.year == year}
        days.update({d: e for d, e in self.centre.items() if d.year == year})
        return tuple(days[d] for d in sorted(days))

    def years_without_data(self, start: date, days: int = WARN_AHEAD_DAYS) -> tuple[int, ...]:
        """Years touched by ``start`` .. ``start + days`` whose schedule is not known."""
        end = start + timedelta(days=days)
        return tuple(y for y in range(start.year, end.year + 1) if not self.has_data(y))




def missing_data_warning(calendar: WorkCalendar, today: date) -> str | None:
    """The header's short warning when a year within WARN_AHEAD_DAYS has no schedule."""
    missing = calendar.years_without_data(today)
    if not missing:
        return None
    return "、".join(f"{y}年" for y in missing) + "节假日无数据"
