from __future__ import annotations

from textual.widgets import Input, TextArea

from agent_console.ui.app import ConsoleApp

SIZE = (160, 45)


def make_app(services, **kwargs) -> ConsoleApp:
    return ConsoleApp(services, keymap=kwargs.pop("keymap", {}), **kwargs)


async def settle(pilot, delay: float = 0.0) -> None:
    """Let timers, workers and the messages they post all finish."""
    if delay:
        await pilot.pause(delay)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def login(pilot, staff_no: str = "1001", password: str = "demo") -> None:
    await settle(pilot)
    await pilot.press(*staff_no, "tab", *password, "enter")
    await settle(pilot)


def no_blink(app) -> None:
    for widget in app.screen.query(Input):
        widget.cursor_blink = False
    for widget in app.screen.query(TextArea):
        widget.cursor_blink = False


async def type_call(pilot, number: str, content: str) -> None:
    """Type the number key by key, then F3 and the content (set at once: long CJK text)."""
    await pilot.press(*number)
    await pilot.press("f3")
    area = pilot.app.screen.query_one("#f-content", TextArea)
    area.insert(content)
    await settle(pilot, 0.7)


def screen_text(app) -> str:
    """Everything the widgets of the current screen render, as plain text."""
    from textual.widgets import Static

    parts = []
    for widget in app.screen.query(Static):
        try:
            parts.append(str(widget.render()))
        except Exception:  # noqa: BLE001 - a widget that cannot render has nothing to show
            continue
    return "\n".join(parts)
