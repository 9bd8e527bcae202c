"""The working calendar and the deadlines counted on it: statutory holidays and 调休 from the
``holidays`` library, the centre's entries over them, and Art. 12 orders on the real clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from agent_console.domain.calendar import (
    CalendarDay,
    DayKind,
    DaySource,
    WorkCalendar,
    missing_data_warning,
)
from agent_console.domain.deadlines import (
    add_working_days,
    add_working_hours,
    compute_deadlines,
    find_rule,
)
from agent_console.services.calendar import library_calendar, parse_calendar_csv
from agent_console.services.errors import ServiceError, ValidationFailed
from agent_console.services.reference import load_deadlines

LIBRARY = library_calendar(range(2025, 2029))
FRIDAY_EVENING = datetime(2026, 11, 27, 19, 0)


def centre(*entries: tuple[str, DayKind, str]) -> tuple[CalendarDay, ...]:
    return tuple(CalendarDay(date.fromisoformat(d), k, n, DaySource.CENTRE) for d, k, n in entries)


@pytest.fixture(scope="module")
def rules():
    from agent_console.config import seed_data_dir

    return load_deadlines(seed_data_dir())


# ---------------------------------------------------------------------------- the library
def test_library_has_the_2026_state_council_schedule_with_make_up_days():
    # 国办发明电〔2025〕7号: the 调休上班 days of 2026, and the days off moved onto weekdays
    make_up = [d.day for d in LIBRARY.days_of(2026) if d.kind is DayKind.WORK]
    assert make_up == [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9),
                       date(2026, 9, 20), date(2026, 10, 10)]
    assert LIBRARY.is_workday(date(2026, 2, 14))  # a Saturday, worked
    assert not LIBRARY.is_workday(date(2026, 2, 20))  # a Friday, off (调休)
    assert not LIBRARY.is_workday(date(2026, 10, 1))
    assert LIBRARY.is_workday(date(2026, 11, 26))
    assert all(d.source is DaySource.STATUTORY for d in LIBRARY.days_of(2026))
    assert LIBRARY.has_data(2026) and LIBRARY.has_data(2025)


def test_2027_has_statutory_holidays_but_no_schedule():
    # chinese-calendar raised NotImplementedError here; the library derives the law's days
    assert not LIBRARY.is_workday(date(2027, 2, 8))  # 春节 (a Monday)
    assert not LIBRARY.is_workday(date(2027, 10, 1))
    assert not LIBRARY.has_data(2027)  # but not the State Council's 调休 for 2027
    assert not [d for d in LIBRARY.days_of(2027) if d.kind is DayKind.WORK]
    assert LIBRARY.is_workday(date(2027, 3, 3)) and not LIBRARY.is_workday(date(2027, 3, 6))


def test_a_year_without_any_data_counts_monday_to_friday():
    empty = WorkCalendar.weekdays_only()
    assert not empty.has_data(2031)
    assert empty.is_workday(date(2031, 3, 4)) and not empty.is_workday(date(2031, 3, 8))
    assert empty.days_of(2031) == ()


# ---------------------------------------------------------------------------- centre entries
def test_an_imported_make_up_saturday_is_a_workday():
    cal = library_calendar(range(2027, 2028),
                           centre(("2027-02-20", DayKind.WORK, "春节调休上班")))
    assert cal.is_workday(date(2027, 2, 20)) and cal.has_data(2027)
    # two office hours from Friday 17:00: half an hour on Friday, the rest on the Saturday
    assert add_working_hours(datetime(2027, 2, 19, 17, 0), 2, cal) == datetime(2027, 2, 20, 10, 0)
    assert add_working_hours(datetime(2027, 2, 19, 17, 0), 2, LIBRARY) == \
        datetime(2027, 2, 22, 10, 0)
    assert cal.entry(date(2027, 2, 20)).source is DaySource.CENTRE


def test_an_imported_day_off_on_a_weekday_is_skipped():
    cal = library_calendar(range(2027, 2028), centre(("2027-03-01", DayKind.REST, "中心停休")))
    assert not cal.is_workday(date(2027, 3, 1))
    assert add_working_days(datetime(2027, 2, 26, 10, 0), 1, cal) == datetime(2027, 3, 2, 17, 30)
    assert add_working_days(datetime(2027, 2, 26, 10, 0), 1, LIBRARY) == \
        datetime(2027, 3, 1, 17, 30)


def test_the_centre_overrides_a_statutory_day():
    cal = library_calendar(range(2027, 2028), centre(("2027-02-10", DayKind.WORK, "上班")))
    assert cal.is_workday(date(2027, 2, 10))
    assert [d.source for d in cal.days_of(2027) if d.day == date(2027, 2, 10)] == \
        [DaySource.CENTRE]


# ---------------------------------------------------------------------------- deadlines
def test_friday_night_general_order_waits_for_monday(rules):
    rule = find_rule(rules, "求助", "一般")
    d = compute_deadlines(FRIDAY_EVENING, rule, LIBRARY)
    assert d.sign_by == datetime(2026, 11, 30, 10, 30)  # two office hours from Monday 08:30
    assert d.due_at == datetime(2026, 12, 4, 17, 30)  # 5 working days


def test_friday_night_utility_fault_runs_on_the_clock(rules):
    # Art. 12: a burst main on Friday evening is due to be signed for that evening
    rule = find_rule(rules, "求助", "一般", immediate=True)
    d = compute_deadlines(FRIDAY_EVENING, rule, LIBRARY)
    assert d.sign_by == FRIDAY_EVENING + timedelta(minutes=60)
    assert d.due_at == FRIDAY_EVENING + timedelta(hours=24)
    assert rule.describe() == "60分钟内签收，24小时内办结（全天候计时）"
    urgent = find_rule(rules, "投诉", "紧急", immediate=True)
    assert urgent.describe() == "30分钟内签收，12小时内办结（全天候计时）"
    d = compute_deadlines(FRIDAY_EVENING, urgent, LIBRARY)
    assert (d.sign_by, d.due_at) == (FRIDAY_EVENING + timedelta(minutes=30),
                                     FRIDAY_EVENING + timedelta(hours=12))


def test_immediate_dispatch_is_never_later_than_the_type_on_the_clock(rules):
    # 咨询/特急 is 2 hours on its own; dispatched at once it keeps 2 hours, and signs in 15 min
    rule = find_rule(rules, "咨询", "特急", immediate=True)
    assert rule.describe() == "15分钟内签收，2小时内办结（全天候计时）"
    # the ordinary urgent rows stay on the clock, and keep their text
    plain = find_rule(rules, "咨询", "特急")
    assert plain.describe() == "0.5小时内签收，2小时内办结"
    assert compute_deadlines(FRIDAY_EVENING, plain, LIBRARY).due_at == \
        FRIDAY_EVENING + timedelta(hours=2)


def test_spring_festival_2027(rules):
    created = datetime(2027, 2, 4, 10, 0)  # the Thursday before 除夕
    complaint = find_rule(rules, "投诉", "一般")
    # 2027-02-05 .. 02-10 are statutory days off (除夕, 春节 and the law's 补假)
    assert compute_deadlines(created, complaint, LIBRARY).due_at == datetime(2027, 2, 24, 17, 30)
    assert compute_deadlines(created, complaint, WorkCalendar.weekdays_only()).due_at == \
        datetime(2027, 2, 18, 17, 30)
    # the centre imports the 2027 schedule: two more days off and a make-up Saturday
    imported = library_calendar(range(2027, 2028), centre(
        ("2027-02-11", DayKind.REST, "春节"), ("2027-02-12", DayKind.REST, "春节"),
        ("2027-02-20", DayKind.WORK, "春节调休上班")))
    assert compute_deadlines(created, complaint, imported).due_at == datetime(2027, 2, 25, 17, 30)
    # signing: 2 office hours from Thursday 10:00 are that day
    assert compute_deadlines(created, complaint, imported).sign_by == datetime(2027, 2, 4, 12, 0)
    created_eve = datetime(2027, 2, 4, 17, 0)
    assert compute_deadlines(created_eve, complaint, imported).sign_by == \
        datetime(2027, 2, 15, 10, 0)  # the holiday is not counted
    # a gas leak on 除夕 runs on the clock through the holiday
    leak = find_rule(rules, "求助", "一般", immediate=True)
    eve = datetime(2027, 2, 5, 20, 0)
    assert compute_deadlines(eve, leak, imported).due_at == datetime(2027, 2, 6, 20, 0)


def test_a_missing_immediate_row_is_named(rules):
    with pytest.raises(KeyError, match="立即转派/一般"):
        find_rule(tuple(r for r in rules if not r.immediate), "咨询", "一般", immediate=True)


# ---------------------------------------------------------------------------- the warning
def test_header_warning_names_the_years_ahead_without_a_schedule():
    assert missing_data_warning(LIBRARY, date(2026, 12, 1)) == "2027年节假日无数据"
    with_2027 = library_calendar(range(2026, 2029), centre(("2027-02-20", DayKind.WORK, "调休")))
    assert missing_data_warning(with_2027, date(2026, 12, 1)) is None
    # the next year is said from 90 days before it (WARN_AHEAD_DAYS), not all year long
    assert missing_data_warning(with_2027, date(2027, 6, 1)) is None
    assert missing_data_warning(with_2027, date(2027, 10, 2)) is None
    assert missing_data_warning(with_2027, date(2027, 10, 3)) == "2028年节假日无数据"
    assert missing_data_warning(WorkCalendar.weekdays_only(), date(2027, 11, 1)) == \
        "2027年、2028年节假日无数据"


# ---------------------------------------------------------------------------- the file
def test_calendar_csv_is_parsed_with_a_header_and_normalised():
    days = parse_calendar_csv("日期,类型,名称\n\n２０２７-02-20,上班,春节调休上班\n2027/2/11,休息,春节\n")
    assert [(d.day, d.kind, d.name, d.source) for d in days] == [
        (date(2027, 2, 11), DayKind.REST, "春节", DaySource.CENTRE),
        (date(2027, 2, 20), DayKind.WORK, "春节调休上班", DaySource.CENTRE)]


def test_calendar_csv_names_every_bad_line():
    text = "\n".join([
        "日期,类型,名称",
        "2027-02-30,上班,春节调休上班",      # 2: no such day
        "2027-02-20,加班,春节调休上班",      # 3: unknown kind
        "2027-02-21,上班,春节调休上班",      # 4: fine
        "2027-02-21,休息,春节",              # 5: duplicate of line 4
        "2027-02-22,休息,",                  # 6: empty name
        "2027-02-23,休息,春\x07节",          # 7: control character
        "2027-02-24,休息," + "长" * 41,      # 8: overlong
        "2027-02-25,休息",                   # 9: two columns
        ",休息,春节",                        # 10: empty date
        "1999-02-25,休息,春节",              # 11: out of range
    ])
    with pytest.raises(ValidationFailed) as caught:
        parse_calendar_csv(text)
    errors = caught.value.errors
    assert set(errors) == {f"第{n}行" for n in (2, 3, 5, 6, 7, 8, 9, 10, 11)}
    assert "2027-02-30" in errors["第2行"] and "无效" in errors["第2行"]
    assert "加班" in errors["第3行"] and "上班" in errors["第3行"]
    assert "第4行重复" in errors["第5行"]
    assert "名称为空" in errors["第6行"]
    assert "控制字符" in errors["第7行"] and "U+0007" in errors["第7行"]
    assert "过长" in errors["第8行"]
    assert "三列" in errors["第9行"]
    assert "日期为空" in errors["第10行"]
    assert "年份超出范围" in errors["第11行"]


def test_an_empty_calendar_file_is_refused():
    for text in ("", "\n\n", "日期,类型,名称\n"):
        with pytest.raises(ServiceError, match="没有任何日期"):
            parse_calendar_csv(text)
