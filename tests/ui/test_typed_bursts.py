"""Keys that reach the console together (a fast typist while it is busy, tmux, a scanner) are
applied in the order typed, in the field they were typed in: a field's own editing keys
(Backspace, Ctrl+U, the arrows) no longer run after the characters behind them, nor in the
field the focus has moved on to (Textual issue #6605; ui/widgets/text_entry)."""

from __future__ import annotations

import ast
from pathlib import Path

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding

import agent_console.ui as ui_package
from agent_console.ui.screens.analytics import PeriodDialog
from agent_console.ui.widgets.text_entry import Input, TextArea
from tests.ui.helpers import SIZE, login, make_app, settle
from tests.ui.test_analytics_ui import open_dashboard

CHARS = {"tab": "\t", "enter": "\r", "space": " "}


def burst(app, keys: list[str]) -> None:
    """Every key posted before the app handles the first: one terminal read."""
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else CHARS.get(key)))


def typed(text: str) -> list[str]:
    return list(text)


async def test_the_chosen_period_typed_in_one_burst(services):
    """c, then Ctrl+U 2026-11-01 Tab Ctrl+U 2026-11-20 Enter at once: both dates as typed
    (the end date was left empty: both Ctrl+U ran late, in the end field)."""
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dashboard(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, PeriodDialog)
        burst(app, ["ctrl+u", *typed("2026-11-01"), "tab", "ctrl+u", *typed("2026-11-20")])
        await settle(pilot)
        dialog = app.screen
        assert dialog.query_one("#an-first", Input).value == "2026-11-01"
        assert dialog.query_one("#an-last", Input).value == "2026-11-20"
        burst(app, ["enter"])
        await settle(pilot)
        assert app.screen is screen
        assert screen._period.first.isoformat() == "2026-11-01"
        assert screen._period.last.isoformat() == "2026-11-20"


async def test_a_corrected_number_typed_in_one_burst(services):
    """The caller's number with a slip put right at once (Backspace, ← and a digit): the
    number as corrected, and the name typed after Tab in the name field."""
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        burst(app, [*typed("139123456799"), "backspace", "left", "left", "backspace",
                    *typed("7"), "end", "tab", *typed("王𠮷"), "backspace", *typed("女士")])
        await settle(pilot)
        assert app.screen.query_one("#f-number", Input).value == "13912345779"
        assert app.screen.query_one("#f-name", Input).value == "王女士"


class _Host(App):
    BINDINGS = [Binding("tab", "focus_next", priority=True)]  # as ConsoleApp binds it

    def compose(self) -> ComposeResult:
        yield TextArea(id="area")
        yield Input(id="line")


async def test_a_text_area_and_an_input_keep_the_order_of_a_burst():
    """Every TextArea of the console (the expert's answer, the KB editor's fields) and every
    Input: Backspace, arrows, Home and Ctrl+U land where they were typed."""
    app = _Host()
    async with app.run_test() as pilot:
        area = app.query_one("#area", TextArea)
        area.focus()
        await pilot.pause()
        burst(app, [*typed("abc"), "backspace", *typed("d"), "left", "left", "delete",
                    *typed("供热"), "home", *typed("[bold]")])
        await pilot.pause(0.2)
        assert area.text == "[bold]a供热d"
        burst(app, ["tab", *typed("12345"), "ctrl+u", *typed("6"), "left", *typed("😀")])
        await pilot.pause(0.2)
        assert app.query_one("#line", Input).value == "😀6"
        assert area.text == "[bold]a供热d"  # the keys after Tab went to the Input only


def test_every_screen_takes_its_text_fields_from_text_entry():
    """A screen that imported Textual's own Input or TextArea would type out of order again."""
    root = Path(ui_package.__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        if path.name == "text_entry.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("textual"):
                names = {a.name for a in node.names} & {"Input", "TextArea"}
                if names:
                    offenders.append(f"{path.relative_to(root)}: {sorted(names)}")
            if isinstance(node, ast.Attribute) and node.attr in ("Input", "TextArea") \
                    and isinstance(node.value, ast.Name) and node.value.id == "widgets":
                offenders.append(f"{path.relative_to(root)}: widgets.{node.attr}")
    assert offenders == []
