"""The centre's calendar in the database: imported all or nothing, replacing the years of the
file, seen by the deadlines every service computes; the header's warning; migration 0010."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from agent_console.domain.calendar import DayKind, DaySource
from agent_console.services.errors import ServiceError, ValidationFailed
from agent_console.store.engine import make_session_factory
from agent_console.store.models import CalendarDayRow
from tests.services.helpers import HEATING_PATH, category_id, draft

SCHEDULE_2027 = "日期,类型,名称\n2027-02-11,休息,春节\n2027-02-12,休息,春节\n2027-02-20,上班,春节调休上班\n"


def centre_rows(services) -> list[tuple[date, str, str]]:
    factory = make_session_factory(services.engine)
    with factory() as s:
        return [(r.day, r.kind, r.name) for r in
                s.scalars(select(CalendarDayRow).order_by(CalendarDayRow.day))]


def write(tmp_path, body: str, name: str = "cal.csv"):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_import_replaces_the_years_of_the_file_and_reloads(services, tmp_path):
    assert not services.calendar.calendar().has_data(2027)
    report = services.calendar.import_file(write(tmp_path, SCHEDULE_2027
                                                 + "2028-01-02,上班,元旦调休上班\n"))
    assert (report.years, report.work_days, report.rest_days, report.replaced) == \
        ((2027, 2028), 2, 2, 0)
    cal = services.calendar.calendar()
    assert cal.has_data(2027) and cal.is_workday(date(2027, 2, 20))
    assert not cal.is_workday(date(2027, 2, 11))
    # a new 2027 file replaces 2027's entries only; 2028's stay
    again = services.calendar.import_text("2027-03-01,休息,中心停休\n")
    assert again.replaced == 3
    assert centre_rows(services) == [(date(2027, 3, 1), "休息", "中心停休"),
                                     (date(2028, 1, 2), "上班", "元旦调休上班")]
    cal = services.calendar.calendar()
    assert not cal.is_workday(date(2027, 3, 1)) and not cal.is_workday(date(2027, 2, 20))


def test_a_bad_line_imports_nothing(services, tmp_path):
    services.calendar.import_text(SCHEDULE_2027)
    before = centre_rows(services)
    bad = write(tmp_path, "2027-05-06,休息,劳动节\n2027-05-07,休假,劳动节\n2027-05-08,上班,调休\n")
    with pytest.raises(ValidationFailed) as caught:
        services.calendar.import_file(bad)
    assert list(caught.value.errors) == ["第2行"]
    assert centre_rows(services) == before  # neither the good lines nor the replacement
    assert services.calendar.calendar().is_workday(date(2027, 2, 20))


def test_unreadable_files_are_refused_in_chinese(services, tmp_path):
    with pytest.raises(ServiceError, match="找不到文件"):
        services.calendar.import_file(tmp_path / "none.csv")
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("2027-02-20,上班,春节调休上班\n".encode("gbk"))
    with pytest.raises(ServiceError, match="UTF-8"):
        services.calendar.import_file(gbk)
    with pytest.raises(ServiceError, match="年份"):
        services.calendar.year(1900)


def test_year_view_marks_the_source(services):
    services.calendar.import_text("2026-12-31,休息,中心调整\n")
    view = services.calendar.year(2026)
    assert view.has_data and view.library_schedule and view.centre_entries == 1
    by_day = {d.day: d for d in view.days}
    assert by_day[date(2026, 2, 14)].kind is DayKind.WORK
    assert by_day[date(2026, 2, 14)].source is DaySource.STATUTORY
    assert by_day[date(2026, 12, 31)].source is DaySource.CENTRE
    assert not services.calendar.year(2027).has_data


def test_header_warning_until_the_year_ahead_is_imported(services):
    assert services.calendar_warning() is None  # nothing loaded yet: no database read here
    services.calendar.calendar()
    # 2026-11-26 .. 2027-11-26 touches 2027, which the library has no schedule for
    assert services.calendar_warning() == "2027年节假日无数据"
    services.calendar.import_text(SCHEDULE_2027)
    assert services.calendar_warning() is None


def test_an_imported_make_up_saturday_moves_the_proposed_deadline(services):
    cat = category_id(services, HEATING_PATH)
    friday = datetime(2027, 2, 19, 17, 0)
    before = services.dispatch.propose(cat, "科尔沁区", "投诉", "一般", friday)
    assert before.sign_by == datetime(2027, 2, 22, 10, 0)
    services.calendar.import_text(SCHEDULE_2027)
    after = services.dispatch.propose(cat, "科尔沁区", "投诉", "一般", friday)
    assert after.sign_by == datetime(2027, 2, 20, 10, 0)  # the Saturday is worked
    immediate = services.dispatch.propose(cat, "科尔沁区", "投诉", "一般", friday,
                                          immediate=True)
    assert (immediate.sign_by, immediate.due_at) == (friday + timedelta(hours=1),
                                                     friday + timedelta(hours=24))
    assert immediate.rule_text == "60分钟内签收，24小时内办结（全天候计时）"


def test_friday_night_orders_general_and_utility(services, clock, agent):
    """A heating order (水电气热, Art. 12) made on Friday evening is due for signing that
    evening; an order that is not dispatched at once waits for Monday."""
    clock.advance(days=1, hours=9, minutes=30)  # Friday 2026-11-27 19:00
    friday = clock.now()
    assert friday == datetime(2026, 11, 27, 19, 0)
    cat = category_id(services, HEATING_PATH)
    lead = services.dispatch.propose(cat, "科尔沁区", "投诉", "一般", friday).lead.id
    utility = services.intake.create_work_order(
        agent, draft(category_id=cat, request_type="投诉", content="小区停暖了，暖气片冰凉"),
        friday, lead)
    view = services.orders.show(utility.order_number)
    assert (view.sign_by, view.due_at) == (friday + timedelta(hours=1),
                                           friday + timedelta(hours=24))
    general = services.intake.create_work_order(
        agent, draft(category_id=cat, request_type="投诉", caller_number="13912345679",
                     content="物业服务态度差，多次投诉无人理会"), friday, lead)
    view = services.orders.show(general.order_number)
    assert view.sign_by == datetime(2026, 11, 30, 10, 30)  # Monday, two office hours
    assert view.due_at == datetime(2026, 12, 11, 17, 30)  # 10 working days
