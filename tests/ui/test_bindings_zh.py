"""No English key description reaches a footer or help panel (Textual's own widgets bring
“esc Dismiss menu”, “Submit”, “Cursor up” …; agent_console.ui.bindings_zh localises them)."""

from __future__ import annotations

import re

import pytest
from textual.dom import DOMNode
from textual.widgets import Select

from agent_console.ui.bindings_zh import localise_bindings
from tests.ui.helpers import SIZE, login, make_app, settle

ENGLISH = re.compile(r"[A-Za-z]{2,}")


def english(descriptions) -> list[str]:
    return sorted({d for d in descriptions if d and ENGLISH.search(d)})


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_textual_and_console_class_has_chinese_key_descriptions():
    localise_bindings()
    found = {}
    for cls in set(_subclasses(DOMNode)):
        if not cls.__module__.startswith(("textual.", "agent_console.")) or \
                cls.__module__.startswith(("textual.demo", "textual._markup_playground")):
            continue
        bindings = [b for bs in cls._merged_bindings.key_to_bindings.values() for b in bs]
        bad = english([b.description for b in bindings] + [b.tooltip for b in bindings])
        if bad:
            found[f"{cls.__module__}.{cls.__name__}"] = bad
    assert found == {}


def _active(app) -> list[str]:
    return [a.binding.description for a in app.screen.active_bindings.values()]


async def _walk_focus(pilot) -> list[str]:
    """Focus every focusable widget of the current screen in turn; what its keys say."""
    app = pilot.app
    seen = list(_active(app))
    for widget in list(app.screen.query("*")):
        if widget.focusable and widget.display:
            widget.focus()
            await pilot.pause()
            seen += _active(app)
    return seen


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # words on screen: one database
async def test_no_english_key_description_on_any_screen_or_open_menu(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        seen = await _walk_focus(pilot)  # the login screen
        await login(pilot)
        seen += await _walk_focus(pilot)  # the seat: inputs, text area, lists, selects
        selects = list(app.screen.query(Select))
        for select in selects:  # an open Select's overlay: the “esc Dismiss menu” of issue 9
            select.focus()
            await pilot.pause()
            select.expanded = True
            await pilot.pause()
            seen += _active(app)
            assert "关闭菜单" in _active(app)
            select.expanded = False
            await pilot.pause()
        await pilot.press("f1")  # the help screen's own table
        await settle(pilot)
        seen += await _walk_focus(pilot)
        await pilot.press("escape")
        await pilot.press("ctrl+o")
        await settle(pilot)
        seen += await _walk_focus(pilot)
    assert seen and english(seen) == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_no_english_key_description_on_the_analytics_screens(services):
    """统计分析 (Ctrl+Y), the list behind a figure, its dialogs and their open menus."""
    from agent_console.ui.screens.analytics import DrillScreen

    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "3003")
        await pilot.press("ctrl+y")
        await settle(pilot)
        seen = []
        for tab in "123456":
            await pilot.press(tab)
            await settle(pilot)
            seen += await _walk_focus(pilot)
        await pilot.press("1")
        await settle(pilot)
        for key in ("c", "f", "p"):  # the period, the filters, the report
            await pilot.press(key)
            await settle(pilot)
            seen += await _walk_focus(pilot)
            for select in list(app.screen.query(Select)):
                select.focus()
                await pilot.press("enter")
                await pilot.pause()
                seen += _active(app)
                assert "关闭菜单" in _active(app)
                select.expanded = False
                await pilot.pause()
            await pilot.press("escape")
            await settle(pilot)
        table = app.screen.query_one("#an-figures")
        table.focus()
        table.move_cursor(row=table.get_row_index("orders_created"))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DrillScreen)
        seen += await _walk_focus(pilot)
        await pilot.press("f1")
        await settle(pilot)
        seen += await _walk_focus(pilot)
    assert seen and english(seen) == []
