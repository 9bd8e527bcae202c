"""统计分析 (Ctrl+Y, Art. 22) as the centre's supervisor and a unit's liaison use it, on a
simulated history: the periods, a figure followed to its list and on to an order (the list
as long as the figure says), the ranking, the distribution, the chosen period and filters
(what was typed kept when refused), a report written from the dialog, and an outage that
leaves the screen and what it showed."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from textual.widgets import DataTable, Input, RadioSet, Select, Static

from agent_console.services.analytics import Scope
from agent_console.services.simulation import Simulator
from agent_console.ui.screens.analytics import (
    AnalyticsScreen,
    DrillScreen,
    FilterDialog,
    Filters,
    PeriodDialog,
    ReportDialog,
)
from agent_console.ui.screens.help import HelpScreen
from agent_console.ui.screens.order_detail import OrderDetailScreen
from agent_console.ui.screens.orders import OrdersScreen
from tests.conftest import FROZEN_AT
from tests.ui.helpers import SIZE, login, make_app, make_order, said, settle

CALL_GROUP = "来电受理"


@pytest.fixture
def history(services, clock):
    """Ten days of fifteen calls each, then the morning of the frozen day; and one heating
    complaint made this morning (城区集中供热公司, the demo liaison 5001's unit)."""
    Simulator(services, clock, seed=3).run(days=10, calls_per_day=15)
    clock.set(FROZEN_AT)
    make_order(services, services.accounts.authenticate("1001", "demo"))
    return services


def cells(table: DataTable) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def month(services, viewer, **filters):
    analytics = services.analytics
    return analytics.dashboard(Scope(analytics.period("this_month"), **filters), viewer)


async def open_dashboard(pilot, staff_no: str = "3003") -> AnalyticsScreen:
    await login(pilot, staff_no)
    await pilot.press("ctrl+y")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, AnalyticsScreen)
    return screen


def figure(screen: AnalyticsScreen, key: str) -> list[str]:
    table = screen.query_one("#an-figures", DataTable)
    return [str(c) for c in table.get_row_at(table.get_row_index(key))]


async def follow(pilot, table: DataTable, row: int) -> DrillScreen:
    """Enter on ``row`` of ``table``: the list behind it."""
    table.focus()
    table.move_cursor(row=row)
    await pilot.press("enter")
    await settle(pilot)
    drill = pilot.app.screen
    assert isinstance(drill, DrillScreen), drill
    return drill


def listed(drill: DrillScreen) -> int:
    """The number the list says it has (共 N 件)."""
    found = re.search(r"共 ([\d,]+) 件", text_of(drill, "#drill-count"))
    assert found, text_of(drill, "#drill-count")
    return int(found.group(1).replace(",", ""))


async def back(pilot) -> None:
    await pilot.press("escape")
    await settle(pilot)


async def test_a_supervisor_follows_a_figure_to_its_orders_and_opens_one(history):
    services = history
    supervisor = services.accounts.authenticate("3003", "demo")
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dashboard(pilot)
        assert "今日（11-26）" in text_of(screen, "#an-scope")
        # 今日: this morning's one call and its order, none of the history
        assert figure(screen, "orders_created")[1] == "1"
        assert figure(screen, "calls_total")[1] == "1"

        await pilot.press("m")
        await settle(pilot)
        assert "本月（2026年11月1日至今）" in text_of(screen, "#an-scope")
        expected = month(services, supervisor)
        for key in ("calls_total", "direct_answer_rate", "orders_created", "orders_overdue_now",
                    "on_time_rate", "satisfaction_rate"):
            assert figure(screen, key)[1] == expected.figures[key].text, key
        rate = expected.figures["direct_answer_rate"]
        assert figure(screen, "direct_answer_rate")[2] == f"{rate.numerator}/{rate.denominator}"
        overdue = int(expected.figures["orders_overdue_now"].value)
        assert overdue > 0, "the simulated history has no overdue order"

        # 当前超期 → its orders, as many as the figure says → the first one's detail
        table = screen.query_one("#an-figures", DataTable)
        drill = await follow(pilot, table, table.get_row_index("orders_overdue_now"))
        assert "当前超期 · 当前（不受时间段限制）" in text_of(drill, "#drill-title")
        columns = [str(c.label) for c in drill.query_one("#drill-list", DataTable).columns.values()]
        assert columns[:2] == ["办理时限", "工单号"]  # open now: by their deadline
        assert listed(drill) == overdue
        rows = cells(drill.query_one("#drill-list", DataTable))
        assert len(rows) == overdue
        first = drill.drill.rows[0].number
        assert rows[0][1] == first and all(r.mark == "已超期" for r in drill.drill.rows)
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, OrderDetailScreen) and detail.number == first
        assert first in text_of(detail, "#order-facts")
        await back(pilot)
        assert app.screen is drill
        await back(pilot)
        assert app.screen is screen

        # 新建工单: the period's orders, as many as the figure
        drill = await follow(pilot, table, table.get_row_index("orders_created"))
        assert listed(drill) == int(expected.figures["orders_created"].value)
        await back(pilot)
        # a group's title has nothing behind it: Enter stays here
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen

        # the orders by status: each row's list is that status's orders
        statuses = screen.query_one("#an-statuses", DataTable)
        status, n = expected.by_status[0]
        assert cells(statuses)[0][:2] == [status, str(n)]
        drill = await follow(pilot, statuses, 0)
        assert listed(drill) == n and {r.state for r in drill.drill.rows} == {status}
        await back(pilot)
        assert app.screen is screen
        assert app._exception is None


async def test_the_ranking_and_the_distribution_lead_to_their_lists(history):
    services = history
    supervisor = services.accounts.authenticate("3003", "demo")
    expected = month(services, supervisor)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dashboard(pilot)
        await pilot.press("m", "2")
        await settle(pilot)
        units = screen.query_one("#an-units", DataTable)
        assert app.focused is units
        shown = cells(units)
        assert [r[1] for r in shown] == [u.unit for u in expected.units]
        assert [r[-1] for r in shown] == [f"{u.score:.1f}" for u in expected.units]
        # a unit with overdue orders: Enter lists them, that unit's only
        row, unit = next((i, u) for i, u in enumerate(expected.units)
                         if u.values["orders_overdue_now"][0])
        assert shown[row][7] == str(unit.values["orders_overdue_now"][0])
        drill = await follow(pilot, units, row)
        assert listed(drill) == unit.values["orders_overdue_now"][0]
        assert {r.unit for r in drill.drill.rows} == {unit.unit}
        assert unit.unit in text_of(drill, "#drill-title")
        await back(pilot)

        # 分布: a region's calls
        await pilot.press("3")
        await settle(pilot)
        dist = screen.query_one("#an-dist", DataTable)
        rows = cells(dist)
        region = expected.by_region[0]
        row = next(i for i, r in enumerate(rows) if r[0].strip() == region.name)
        assert rows[row][1:4] == [str(region.values["calls_total"][0]),
                                  f"{region.values['direct_answer_rate'][0] * 100:.1f}%",
                                  str(region.values["orders_created"][0])]
        assert rows[0][0] == "【渠道】" and dist.cursor_row == 1  # on a row, not a title
        drill = await follow(pilot, dist, row)
        assert listed(drill) == region.values["calls_total"][0]
        assert {r.region for r in drill.drill.rows} == {region.name}
        assert {r.kind for r in drill.drill.rows} == {"call"}
        await back(pilot)
        # the tabs without a list (趋势, 口径) offer no Enter in the footer; a number key
        # switches from a tab whose table has the focus to one with no table
        await pilot.press("4")
        await settle(pilot)
        assert app.focused is screen.query_one("#an-hot", DataTable)
        await pilot.press("5")
        await settle(pilot)
        assert screen.query_one("#an-tabs").active == "tab-trend"
        assert screen.check_action("drill", ()) is False
        assert "来电" in text_of(screen, "#an-trend-day-title")
        await pilot.press("6")
        await settle(pilot)
        assert len(cells(screen.query_one("#an-defs", DataTable))) == \
            len(services.analytics.metrics)
        assert app._exception is None


async def test_a_liaison_sees_the_own_unit_only(history, tmp_path, monkeypatch):
    services = history
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    liaison = services.accounts.authenticate("5001", "demo")
    expected = month(services, liaison)
    assert expected.unit_view
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dashboard(pilot, "5001")
        await pilot.press("m")
        await settle(pilot)
        assert liaison.unit_name in text_of(screen, "#an-scope")
        metrics = services.analytics.metrics
        keys = [k for k in screen._figure_keys if k]
        assert keys and not any(metrics[k].group == CALL_GROUP for k in keys)
        table = screen.query_one("#an-figures", DataTable)
        assert f"【{CALL_GROUP}】" not in [r[0] for r in cells(table)]
        assert not screen.query_one("#an-outcomes", DataTable).display  # no calls
        # the ranking: the own unit's line alone, with no place (there is no one to rank)
        assert [r[:2] for r in cells(screen.query_one("#an-units", DataTable))] == \
            [["—", liaison.unit_name]]
        # the own unit's new orders, as many as the figure
        created = int(expected.figures["orders_created"].value)
        assert created >= 1
        drill = await follow(pilot, table, table.get_row_index("orders_created"))
        assert listed(drill) == created
        assert {r.unit for r in drill.drill.rows} == {liaison.unit_name}
        await back(pilot)
        # the distribution has no calls (no channel section, no call columns)
        dist = screen.query_one("#an-dist", DataTable)
        assert [str(c.label) for c in dist.columns.values()][:2] == ["渠道/区域/分类", "工单"]
        assert "【渠道】" not in [r[0] for r in cells(dist)]
        # the report: the unit's name in the file's name; the offered folder is made
        await pilot.press("p")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ReportDialog)
        path = dialog.query_one("#an-r-path", Input)
        assert path.value == str(home / "12345统计报告"
                                 / f"统计报告_{liaison.unit_name}_20261001-20261031.docx")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen and Path(path.value).is_file()
        assert app._exception is None


async def test_a_chosen_period_and_filters(history):
    services = history
    supervisor = services.accounts.authenticate("3003", "demo")
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dashboard(pilot)
        await pilot.press("c")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, PeriodDialog)
        first, last = dialog.query_one("#an-first", Input), dialog.query_one("#an-last", Input)
        assert (first.value, last.value) == ("2026-11-26", "2026-11-26")
        first.value, last.value = "2026-11-31", "2026-11-20"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        assert "开始日期格式应为 YYYY-MM-DD" in text_of(dialog, "#an-first-error")
        assert app.focused is first and last.value == "2026-11-20"  # kept
        first.value = "2026-11-22"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        assert text_of(dialog, "#an-first-error") == ""
        assert "结束日期不能早于开始日期" in text_of(dialog, "#an-last-error")
        assert first.value == "2026-11-22" and last.value == "2026-11-20"
        last.value = "2026-11-24"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert "2026-11-22 至 2026-11-24" in text_of(screen, "#an-scope")
        analytics = services.analytics
        chosen = analytics.dashboard(Scope(analytics.period("custom", "2026-11-22",
                                                             "2026-11-24")), supervisor)
        assert figure(screen, "calls_total")[1] == chosen.figures["calls_total"].text == "45"

        # 筛选: one region; the figures are that region's
        await pilot.press("m", "f")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FilterDialog)
        dialog.query_one("#an-f-region", Select).value = "库伦旗"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert "区域 库伦旗" in text_of(screen, "#an-scope")
        there = month(services, supervisor, region="库伦旗")
        assert figure(screen, "calls_total")[1] == there.figures["calls_total"].text
        assert there.figures["calls_total"].value < month(services, supervisor).figures[
            "calls_total"].value
        # a figure's list keeps the filter
        table = screen.query_one("#an-figures", DataTable)
        drill = await follow(pilot, table, table.get_row_index("calls_total"))
        assert listed(drill) == there.figures["calls_total"].value
        assert {r.region for r in drill.drill.rows} == {"库伦旗"}
        await back(pilot)
        await pilot.press("f")
        await settle(pilot)
        await pilot.click("#clear")
        await settle(pilot)
        assert "筛选：无" in text_of(screen, "#an-scope")
        assert app._exception is None


async def test_the_report_dialog_writes_a_file_and_says_what_went_wrong(history, tmp_path):
    app = make_app(history)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dashboard(pilot)
        await pilot.press("m", "p")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ReportDialog)
        path = dialog.query_one("#an-r-path", Input)
        assert path.value.endswith("统计报告_20261001-20261031.docx")  # last month, Word
        # 本期 as Excel: the default follows the choice
        dialog.query_one("#an-r-period", RadioSet).query("RadioButton")[2].value = True
        dialog.query_one("#an-r-format", RadioSet).query("RadioButton")[1].value = True
        await settle(pilot)
        assert path.value.endswith("统计报告_20261101-20261126.xlsx")
        # a name that is not the format's; a folder that cannot be made: said, all kept
        path.value = str(tmp_path / "报告.docx")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        assert "文件扩展名应为 .xlsx" in text_of(dialog, "#dialog-error")
        blocker = tmp_path / "不是文件夹"
        blocker.write_text("x", encoding="utf-8")
        path.value = str(blocker / "报告.xlsx")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        assert "保存报告的目录不存在" in text_of(dialog, "#dialog-error")
        assert path.value == str(blocker / "报告.xlsx")
        # a folder that does not exist is not made (only the offered one is), as the CLI
        target = tmp_path / "out" / "本月报告.xlsx"
        path.value = str(target)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog and not target.parent.exists()
        assert "保存报告的目录不存在" in text_of(dialog, "#dialog-error")
        # written
        target.parent.mkdir()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert target.is_file() and target.stat().st_size > 0
        assert f"报告已生成：{target}" in said(app)
        # the same file again: asked first, replaced on the second Ctrl+S
        target.write_bytes(b"earlier")
        await pilot.press("p")
        await settle(pilot)
        dialog = app.screen
        dialog.query_one("#an-r-format", RadioSet).query("RadioButton")[1].value = True
        dialog.query_one("#an-r-path", Input).value = str(target)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        assert "文件已存在：本月报告.xlsx。再按 Ctrl+S 覆盖" in text_of(dialog, "#dialog-error")
        assert target.read_bytes() == b"earlier"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen and target.read_bytes() != b"earlier"
        assert app._exception is None


async def test_an_outage_keeps_the_screen_and_what_it_showed(history, monkeypatch):
    app = make_app(history)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dashboard(pilot)
        await pilot.press("m")
        await settle(pilot)
        before = figure(screen, "calls_total")

        def away(*_args, **_kwargs):
            raise OperationalError("SELECT 1", {}, ConnectionError("server closed the connection"))

        monkeypatch.setattr(history.analytics, "dashboard", away)
        await pilot.press("w")
        await settle(pilot)
        assert app.screen is screen and app.is_running
        assert "数据库连接中断" in text_of(screen, "#an-status")
        assert figure(screen, "calls_total") == before  # what was read stays
        monkeypatch.undo()
        await pilot.press("r")
        await settle(pilot)
        assert "数据库连接中断" not in text_of(screen, "#an-status")
        assert "本周" in text_of(screen, "#an-scope")
        # Esc: back to the supervisor's own screen
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, OrdersScreen)


async def test_f1_lists_every_key_and_a_filtered_hot_tab_compares_with_the_filter(history):
    app = make_app(history)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dashboard(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#help-keys", DataTable)
        keys = " ".join(" ".join(str(c) for c in table.get_row_at(i))
                        for i in range(table.row_count))
        for action in ("今日", "本周", "本月", "自定义时间段", "筛选", "生成报告", "刷新",
                       "查看明细", "按日/按小时", "返回"):
            assert action in keys, action
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("m", "4")
        await settle(pilot)
        assert "全中心直接答复率" in text_of(screen, "#an-hot-summary")
        screen._filters = Filters(region="科尔沁区")
        screen.action_refresh()
        await settle(pilot)
        summary = text_of(screen, "#an-hot-summary")
        assert "筛选范围内直接答复率" in summary and "全中心" not in summary
        # a long period's trend is by week, and the tab's line says so
        analytics = history.analytics
        last = analytics.period("this_month").last
        screen._period = analytics.period("custom", last - timedelta(days=199), last)
        await pilot.press("5")
        await settle(pilot)
        assert text_of(screen, "#an-status").startswith("按周与按小时")
        assert text_of(screen, "#an-trend-day-title").startswith("每周")
        assert app._exception is None


async def test_the_chosen_unit_stays_in_view_as_its_detail_changes(history):
    """The trial: ↓ down the 承办单位 tab, the row chosen went behind the line under the table
    when its detail took two lines (the table shrank under its cursor)."""
    services = history
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dashboard(pilot)
        await pilot.press("m", "2")
        await settle(pilot)
        table = screen.query_one("#an-units", DataTable)
        table.focus()
        heights = set()
        for _ in range(table.row_count + 2):
            await pilot.press("down")
            await settle(pilot)
            heights.add(table.size.height)
            top = table.scroll_offset.y
            visible = table.size.height - 1 - (1 if table.show_horizontal_scrollbar else 0)
            assert top <= table.cursor_row < top + visible, (table.cursor_row, top, visible)
        assert len(heights) == 1
