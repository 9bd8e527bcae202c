"""Deadline arithmetic (Art. 18): office hours on the working calendar, or the real clock.

Every function takes the ``WorkCalendar`` it counts on (statutory holidays, 调休上班 days and
the centre's entries); the services load it. Orders of Art. 12 (utility faults, natural
disasters and emergencies, dispatched at once) and 紧急/特急 orders run on the real clock:
nights, weekends and holidays count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from agent_console.domain.calendar import WorkCalendar

OFFICE_OPEN = time(8, 30)
OFFICE_CLOSE = time(17, 30)
ROUND_THE_CLOCK = "全天候计时"


@dataclass(frozen=True)
class DeadlineRule:
    """One row of data/deadlines.json. ``hours`` set: on the real clock; else ``working_days``
    and ``sign_hours`` of office time. ``immediate``: the row for orders dispatched at once
    (Art. 12), of any request type (``request_type`` is then "")."""

    request_type: str
    urgency: str
    sign_hours: float
    working_days: int | None
    hours: float | None
    immediate: bool = False

    def describe(self) -> str:
        if self.immediate:
            minutes = round(self.sign_hours * 60)
            return (f"{minutes}分钟内签收，{_fmt_num(self.hours or 0)}小时内办结"
                    f"（{ROUND_THE_CLOCK}）")
        if self.hours is not None:
            limit = f"{_fmt_num(self.hours)}小时内办结"
        else:
            limit = f"{self.working_days}个工作日内办结"
        return f"{_fmt_num(self.sign_hours)}小时内签收，{limit}"


def _fmt_num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def next_office_moment(at: datetime, calendar: WorkCalendar) -> datetime:
    """``at`` itself if it falls in office hours on a workday, else the next opening."""
    day = at.date()
    if calendar.is_workday(day) and OFFICE_OPEN <= at.time() < OFFICE_CLOSE:
        return at
    if calendar.is_workday(day) and at.time() < OFFICE_OPEN:
        return datetime.combine(day, OFFICE_OPEN)
    day += timedelta(days=1)
    while not calendar.is_workday(day):
        day += timedelta(days=1)
    return datetime.combine(day, OFFICE_OPEN)


def add_working_hours(start: datetime, hours: float, calendar: WorkCalendar) -> datetime:
    """Add office hours, skipping nights, weekends and holidays."""
    remaining = timedelta(hours=hours)
    at = next_office_moment(start, calendar)
    while True:
        close = datetime.combine(at.date(), OFFICE_CLOSE)
        if at + remaining <= close:
            return at + remaining
        remaining -= close - at
        at = next_office_moment(close, calendar)


def add_working_days(start: datetime, days: int, calendar: WorkCalendar) -> datetime:
    """The deadline ``days`` working days after ``start``, at the close of that day."""
    day = start.date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if calendar.is_workday(day):
            counted += 1
    return datetime.combine(day, OFFICE_CLOSE)


@dataclass(frozen=True)
class Deadlines:
    sign_by: datetime
    due_at: datetime


def compute_deadlines(created: datetime, rule: DeadlineRule,
                      calendar: WorkCalendar) -> Deadlines:
    """The rule decides the clock: a row with ``hours`` (紧急, 特急, immediate dispatch) runs
    on the real clock, the others on office hours of ``calendar``."""
    if rule.hours is not None:
        due = created + timedelta(hours=rule.hours)
        sign_by = created + timedelta(hours=rule.sign_hours)
    else:
        due = add_working_days(created, rule.working_days or 0, calendar)
        sign_by = add_working_hours(created, rule.sign_hours, calendar)
    return Deadlines(sign_by=min(sign_by, due), due_at=due)


def find_rule(rules: tuple[DeadlineRule, ...], request_type: str, urgency: str,
              immediate: bool = False) -> DeadlineRule:
    """The row for the order. ``immediate`` (Art. 12, dispatched at once): the immediate row
    of the urgency, on the real clock, never later than the type's own clock row."""
    base = _row(rules, request_type, urgency, False)
    if not immediate:
        return base
    fast = _row(rules, "", urgency, True)
    sign, hours = fast.sign_hours, fast.hours
    if base.hours is not None:  # the type's row is on the clock too: the stricter of the two
        sign, hours = min(sign, base.sign_hours), min(hours or base.hours, base.hours)
    return DeadlineRule(request_type, urgency, sign, None, hours, immediate=True)


def _row(rules, request_type: str, urgency: str, immediate: bool) -> DeadlineRule:
    for rule in rules:
        if rule.immediate == immediate and rule.request_type == request_type \
                and rule.urgency == urgency:
            return rule
    if immediate:
        raise KeyError(f"时限表中没有“立即转派/{urgency}”的规定")
    raise KeyError(f"时限表中没有“{request_type}/{urgency}”的规定")
