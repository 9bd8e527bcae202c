"""专家值班 (Ctrl+B) as the centre's supervisor uses it: a placement added through the dialog
and shown, ended with a confirmation, a refused one opened again with everything typed, who
is on duty per category group, and the Art. 14(2) ranking on a simulated history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from textual.widgets import DataTable, Input, Select, SelectionList, Static

from agent_console.domain.enums import Presence
from agent_console.services import expert as expert_rules
from agent_console.services.simulation import Simulator
from agent_console.store.engine import make_session_factory
from agent_console.store.models import ExpertRoster
from agent_console.ui.screens.dialogs import ConfirmDialog
from agent_console.ui.screens.roster import FLAG, RosterDialog, RosterScreen
from tests.conftest import FROZEN_AT
from tests.outage import sqlite_path, unwritable
from tests.services.helpers import category_id, units_also_handle
from tests.ui.helpers import SIZE, login, make_app, said, settle
from tests.ui.test_live_queues_ui import shows_within, wait_listening

NOTE = "[bold]夜班[/bold] [@click=app.quit]支援[/] 𠮷"

@pytest.fixture(autouse=True)
def _units_handle_education(services):
    """The demo experts' units also handle 教育 and 供热 here (the placements below use
    them)."""
    units_also_handle(services, "教育")
    units_also_handle(services, "供热")


def cells(table: DataTable) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def open_roster(pilot, staff_no: str = "3003") -> RosterScreen:
    await login(pilot, staff_no)
    await pilot.press("ctrl+b")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, RosterScreen)
    return screen


async def new_dialog(pilot) -> RosterDialog:
    await pilot.press("n")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, RosterDialog)
    return dialog


async def tick(pilot, dialog: RosterDialog, words: str, path: str) -> None:
    """Filter the categories by ``words`` and tick ``path`` with the space bar."""
    dialog.query_one("#roster-filter", Input).value = words
    await settle(pilot)
    picks = dialog.query_one("#roster-categories", SelectionList)
    shown = [str(picks.get_option_at_index(i).prompt).strip()
             for i in range(picks.option_count)]
    assert path in shown, shown
    picks.focus()
    assert picks.highlighted == 0  # the first one listed: space ticks it at once
    await pilot.press(*["down"] * shown.index(path), "space")
    await settle(pilot)


def error(dialog, field: str) -> str:
    label = dialog.query_one(f"#roster-{field}-error", Static)
    return str(label.render()) if label.has_class("visible") else ""


async def test_a_supervisor_adds_a_placement_sees_it_on_duty_and_ends_it(services,
                                                                        other_console):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_roster(pilot)
        table = screen.query_one("#roster-list", DataTable)
        assert [r[0] for r in cells(table)] == ["2001 李建国", "2002 高志远", "2003 白雪梅"]
        assert cells(table)[1][2:] == ["供热、水电燃气、不动产与住房", "2026-01-01", "长期",
                                       "离线", "演示值班"]

        dialog = await new_dialog(pilot)
        assert dialog.query_one("#roster-starts", Input).value == "2026-11-26"
        assert dialog.query_one("#roster-ends", Input).value == ""
        dialog.query_one("#roster-expert", Select).value = "2003"
        await tick(pilot, dialog, "供暖质量", "供热/供暖质量")
        # the filter changes what is listed, never what is ticked
        await tick(pilot, dialog, "教育", "教育")
        dialog.query_one("#roster-filter", Input).value = ""
        await settle(pilot)
        assert "已选：供热/供暖质量、教育" in str(dialog.query_one("#roster-chosen").render())
        dialog.query_one("#roster-ends", Input).value = "2026-12-31"
        dialog.query_one("#roster-note", Input).value = NOTE
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen, app.screen
        assert "已新增值班：2003 白雪梅，2 个分类" in said(app)

        rows = cells(table)
        assert len(rows) == 4 and table.cursor_row == 3  # the new row, under the cursor
        assert rows[3][:5] == ["2003 白雪梅", "国家税务总局通辽市税务局", "供热/供暖质量、教育",
                               "2026-11-26", "2026-12-31"]
        assert rows[3][6] == NOTE  # literal, never markup
        assert NOTE in str(screen.query_one("#roster-detail").render())
        with make_session_factory(services.engine)() as s:
            stored = s.scalars(select(ExpertRoster).order_by(ExpertRoster.id.desc())).first()
            assert sorted(stored.categories) == sorted(
                [category_id(services, "供热/供暖质量"), category_id(services, "教育")])
            assert stored.note == NOTE and str(stored.ends_on) == "2026-12-31"

        # 在岗专家: each group, and the narrower category the new placement names; the expert
        # going on a break at another console shows without a key press
        await pilot.press("2")
        await settle(pilot)
        await wait_listening(app)
        other_console.expert.set_presence(other_console.accounts.authenticate("2003", "demo"),
                                          Presence.BREAK)
        summary = screen.query_one("#duty-summary", Static)
        await shows_within(pilot, lambda: "小休 1" in str(summary.render()))
        duty = cells(screen.query_one("#duty-list", DataTable))
        heat = next(i for i, r in enumerate(duty) if r[0] == "供热")
        # the group's own expert first, then the one covering a part of it
        assert duty[heat][:7] == ["供热", "0", "2002 高志远", "离线", "0 通", "整类",
                                  "通辽市住房和城乡建设局"]
        assert duty[heat + 1][:6] == ["", "", "2003 白雪梅", "小休", "0 通", "部分：供暖质量"]
        education = next(r for r in duty if r[0] == "教育")
        assert education[2:6] == ["2003 白雪梅", "小休", "0 通", "整类"]
        assert next(r for r in duty if r[0] == "医疗保障")[2] == "无人值班"
        assert [r[0] for r in duty if r[0]] == [
            c.path for c in services.catalog.categories().values() if c.level == 1]

        # ending it: asked first; begun today, so it leaves the roster
        await pilot.press("1")
        await settle(pilot)
        assert table.cursor_row == 3
        await pilot.press("x")
        await settle(pilot)
        confirm = app.screen
        assert isinstance(confirm, ConfirmDialog)
        await pilot.press("n")  # not yet
        await settle(pilot)
        assert len(cells(table)) == 4
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        assert "已结束 2003 白雪梅 的值班" in said(app)
        assert [r[0] for r in cells(table)] == ["2001 李建国", "2002 高志远", "2003 白雪梅"]
        assert services.expert.on_duty(category_id(services, "教育")).experts == ()

        # one that ran since January: kept as history, shown with h
        table.move_cursor(row=0)
        await pilot.press("delete")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert [r[0] for r in cells(table)] == ["2002 高志远", "2003 白雪梅"]
        await pilot.press("h")
        await settle(pilot)
        past = next(r for r in cells(table) if r[0] == "2001 李建国")
        assert past[4:6] == ["2026-11-25", "已结束"]


async def test_a_refused_placement_opens_again_with_what_was_typed(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_roster(pilot, "3001")  # the dispatcher keeps it too
        dialog = await new_dialog(pilot)
        dialog.query_one("#roster-expert", Select).value = "2001"
        await tick(pilot, dialog, "养老", "社会保障/养老保险")
        dialog.query_one("#roster-filter", Input).value = "养老"
        dialog.query_one("#roster-starts", Input).value = "2026-12-01"
        dialog.query_one("#roster-ends", Input).value = "2026-13-01"
        dialog.query_one("#roster-note", Input).value = "节前加班"
        await pilot.press("ctrl+s")
        await settle(pilot)
        # a date that is no date: said in the dialog, which stays
        assert app.screen is dialog
        assert "结束日期格式应为 YYYY-MM-DD" in error(dialog, "ends_on")
        assert app.focused is dialog.query_one("#roster-ends")
        dialog.query_one("#roster-ends", Input).value = "2026-11-30"
        await pilot.press("ctrl+s")
        await settle(pilot)
        # the service refuses an end before the start: the dialog again, everything kept
        again = app.screen
        assert isinstance(again, RosterDialog) and again is not dialog
        assert error(again, "ends_on") == "结束日期不能早于开始日期"
        assert error(again, "categories") == "" and error(again, "starts_on") == ""
        assert app.focused is again.query_one("#roster-ends")  # the field to put right
        assert again.query_one("#roster-expert", Select).value == "2001"
        assert again.query_one("#roster-starts", Input).value == "2026-12-01"
        assert again.query_one("#roster-ends", Input).value == "2026-11-30"
        assert again.query_one("#roster-note", Input).value == "节前加班"
        assert category_id(services, "社会保障/养老保险") in \
            again.query_one("#roster-categories", SelectionList).selected
        # nothing ticked, a control character in the note: each said at its field
        await tick(pilot, again, "养老", "社会保障/养老保险")  # untick
        again.query_one("#roster-ends", Input).value = ""
        again.query_one("#roster-note", Input).value = "节前\u202e加班"
        await pilot.press("ctrl+s")
        await settle(pilot)
        third = app.screen
        assert isinstance(third, RosterDialog)
        assert error(third, "categories") == "请至少选择一个诉求分类"
        assert "控制字符（U+202E）" in error(third, "note")
        assert error(third, "ends_on") == ""
        assert app.focused is third.query_one("#roster-categories")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen and len(cells(screen.query_one("#roster-list"))) == 3


async def test_the_ranking_flags_a_category_on_a_simulated_history(services, clock,
                                                                   monkeypatch):
    Simulator(services, clock, seed=3).run(days=10, calls_per_day=16)
    clock.set(FROZEN_AT)
    monkeypatch.setattr(expert_rules, "ATTENTION_MIN_CALLS", 3)
    ranking = services.expert.attention()
    flagged = [r for r in ranking if r.flagged]
    assert flagged, "the simulated history flags no category"
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_roster(pilot)
        await pilot.press("3")
        await settle(pilot)
        table = screen.query_one("#attention-list", DataTable)
        assert app.focused is table
        rows = cells(table)
        assert [r[1] for r in rows] == [r.category for r in ranking]
        for shown, row in zip(rows, ranking):
            rate = f"{row.direct_rate:.0%}"
            assert shown[2:] == [str(row.calls_7), str(row.calls_30), str(row.answered_30), rate,
                                 FLAG if row.flagged else ""]
        rule = str(screen.query_one("#attention-rule").render())
        assert "前10位、不少于3通" in rule and FLAG in rule
        # Enter on a flagged category: a placement for it, its narrower group ticked
        first = next(i for i, r in enumerate(ranking) if r.flagged)
        table.move_cursor(row=first)
        await pilot.press("enter")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, RosterDialog)
        narrow = "/".join(ranking[first].category.split("/")[:2])
        assert dialog.query_one("#roster-categories", SelectionList).selected == \
            [category_id(services, narrow)]
        assert clock.now() - FROZEN_AT < timedelta(seconds=1)


async def test_an_outage_while_saving_keeps_the_dialog_and_the_console(services, db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("the PostgreSQL outage has its own test, with a server of its own")
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_roster(pilot)
        dialog = await new_dialog(pilot)
        dialog.query_one("#roster-expert", Select).value = "2002"
        await tick(pilot, dialog, "燃气安全", "水电燃气/燃气安全")
        dialog.query_one("#roster-note", Input).value = "燃气专席"
        with unwritable(sqlite_path(db_url)):
            await pilot.press("ctrl+s")
            await settle(pilot)
            again = app.screen
            assert isinstance(again, RosterDialog)
            assert "数据库连接中断：值班未保存" in error(again, "other")
            assert again.query_one("#roster-note", Input).value == "燃气专席"
            assert again.query_one("#roster-categories", SelectionList).selected == \
                [category_id(services, "水电燃气/燃气安全")]
        assert app.is_running
        for _ in range(5):  # the database is back: saved (the pool may need a moment)
            await pilot.press("ctrl+s")
            await settle(pilot, 0.3)
            if app.screen is screen:
                break
        assert app.screen is screen
        assert "燃气专席" in [r[6] for r in cells(screen.query_one("#roster-list", DataTable))]
