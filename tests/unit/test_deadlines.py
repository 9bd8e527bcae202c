from datetime import datetime

import pytest

from agent_console.domain.deadlines import (
    DeadlineRule,
    add_working_days,
    add_working_hours,
    compute_deadlines,
    find_rule,
)
from agent_console.domain.orders import format_order_number, parse_order_number
from agent_console.services.calendar import library_calendar

CAL = library_calendar(range(2025, 2032))
is_workday = CAL.is_workday


def test_statutory_holidays_and_adjusted_workdays():
    assert not is_workday(datetime(2026, 10, 1).date())  # National Day
    assert not is_workday(datetime(2026, 10, 5).date())
    assert is_workday(datetime(2026, 11, 26).date())  # an ordinary Thursday
    assert not is_workday(datetime(2026, 11, 28).date())  # Saturday
    # Beyond the published calendar: weekdays work, weekends rest.
    assert is_workday(datetime(2031, 3, 4).date())
    assert not is_workday(datetime(2031, 3, 8).date())


def test_working_days_skip_the_national_day_holiday():
    created = datetime(2026, 9, 29, 10, 0)  # Tuesday before the holiday
    due = add_working_days(created, 3, CAL)
    assert due.date() > datetime(2026, 10, 7).date()
    assert due.hour == 17 and due.minute == 30


def test_working_hours_roll_over_the_night_and_weekend():
    friday_late = datetime(2026, 11, 27, 17, 0)
    assert add_working_hours(friday_late, 2, CAL) == datetime(2026, 11, 30, 10, 0)
    sunday = datetime(2026, 11, 29, 12, 0)
    assert add_working_hours(sunday, 1, CAL) == datetime(2026, 11, 30, 9, 30)


def test_urgent_rules_run_on_the_clock():
    rule = DeadlineRule("求助", "特急", 0.5, None, 2)
    d = compute_deadlines(datetime(2026, 11, 28, 23, 0), rule, CAL)
    assert d.due_at == datetime(2026, 11, 29, 1, 0)
    assert d.sign_by == datetime(2026, 11, 28, 23, 30)
    assert "2小时内办结" in rule.describe()


def test_find_rule_names_missing_rows():
    with pytest.raises(KeyError):
        find_rule((), "咨询", "一般")


def test_order_numbers():
    day = datetime(2026, 11, 26).date()
    assert format_order_number(day, 1) == "TL20261126000001"
    assert parse_order_number("tl20261126000042") == (day, 42)
    assert parse_order_number("TL20261332000001") is None
    with pytest.raises(ValueError):
        format_order_number(day, 1_000_000)
