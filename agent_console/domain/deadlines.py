"""Deadline arithmetic: working days with China's statutory holidays and make-up workdays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import chinese_calendar

OFFICE_OPEN = time(8, 30)
OFFICE_CLOSE = time(17, 30)


def is_workday(day: date) -> bool:
    """Statutory calendar where published (chinese-calendar); Monday–Friday beyond it."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


@dataclass(frozen=True)
class DeadlineRule:
    request_type: str
    urgency: str
    sign_hours: float
    working_days: int | None
    hours: float | None

    def describe(self) -> str:
        if self.hours is not None:
            limit = f"{_fmt_num(self.hours)}小时内办结"
        else:
            limit = f"{self.working_days}个工作日内办结"
        return f"{_fmt_num(self.sign_hours)}小时内签收，{limit}"


def _fmt_num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def next_office_moment(at: datetime) -> datetime:
    """``at`` itself if it falls in office hours on a workday, else the next opening."""
    day = at.date()
    if is_workday(day) and OFFICE_OPEN <= at.time() < OFFICE_CLOSE:
        return at
    if is_workday(day) and at.time() < OFFICE_OPEN:
        return datetime.combine(day, OFFICE_OPEN)
    day += timedelta(days=1)
    while not is_workday(day):
        day += timedelta(days=1)
    return datetime.combine(day, OFFICE_OPEN)


def add_working_hours(start: datetime, hours: float) -> datetime:
    """Add office hours, skipping nights, weekends and holidays."""
    remaining = timedelta(hours=hours)
    at = next_office_moment(start)
    while True:
        close = datetime.combine(at.date(), OFFICE_CLOSE)
        if at + remaining <= close:
            return at + remaining
        remaining -= close - at
        at = next_office_moment(close)


def add_working_days(start: datetime, days: int) -> datetime:
    """The deadline ``days`` working days after ``start``, at the close of that day."""
    day = start.date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_workday(day):
            counted += 1
    return datetime.combine(day, OFFICE_CLOSE)


@dataclass(frozen=True)
class Deadlines:
    sign_by: datetime
    due_at: datetime


def compute_deadlines(created: datetime, rule: DeadlineRule) -> Deadlines:
    if rule.hours is not None:
        # Urgent orders run on the clock, not on office hours.
        due = created + timedelta(hours=rule.hours)
        sign_by = created + timedelta(hours=rule.sign_hours)
    else:
        due = add_working_days(created, rule.working_days or 0)
        sign_by = add_working_hours(created, rule.sign_hours)
    return Deadlines(sign_by=min(sign_by, due), due_at=due)


def find_rule(rules: tuple[DeadlineRule, ...], request_type: str, urgency: str) -> DeadlineRule:
    for rule in rules:
        if rule.request_type == request_type and rule.urgency == urgency:
            return rule
    raise KeyError(f"时限表中没有“{request_type}/{urgency}”的规定")
