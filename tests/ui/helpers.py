from __future__ import annotations

from textual.widgets import Input, TextArea

from agent_console.ui.app import ConsoleApp

SIZE = (160, 45)


def make_app(services, **kwargs) -> ConsoleApp:
    """The console, recording every toast it shows (``said``): a toast leaves the screen after
    its timeout, which a loaded CI machine can pass before the test looks."""
    app = ConsoleApp(services, keymap=kwargs.pop("keymap", {}), **kwargs)
    app.said = []
    shown = app.notify

    def notify(message: str, **options) -> None:
        app.said.append(str(message))
        shown(message, **options)

    app.notify = notify
    return app


def said(app) -> str:
    """Every toast this app has shown, in order."""
    return " ".join(app.said)


async def settle(pilot, delay: float = 0.0) -> None:
    """Let timers, workers and the messages they post all finish (also the workers that a
    result starts in turn, and those an exclusive group cancelled)."""
    from textual.worker import WorkerCancelled, WorkerState

    if delay:
        await pilot.pause(delay)
    for _ in range(50):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:
            pass
        await pilot.pause()
        if not any(w.state in (WorkerState.PENDING, WorkerState.RUNNING)
                   for w in pilot.app.workers):
            break
    await pilot.pause()


async def login(pilot, staff_no: str = "1001", password: str = "demo") -> None:
    """Fill the login form and press Enter. (Typing it key by key is covered once, in
    test_login_and_layout; each Pilot key press costs a frame or more.)"""
    from textual.widgets import Input

    await settle(pilot)
    screen = pilot.app.screen
    screen.query_one("#staff-no", Input).value = staff_no
    password_field = screen.query_one("#password", Input)
    password_field.value = password
    screen.set_focus(password_field)
    await pilot.press("enter")
    await settle(pilot)


def no_blink(app) -> None:
    for widget in app.screen.query(Input):
        widget.cursor_blink = False
    for widget in app.screen.query(TextArea):
        widget.cursor_blink = False


async def type_call(pilot, number: str, content: str) -> None:
    """Fill the caller's number (typing it key by key is covered in test_login_and_layout),
    then F3 and the content (set at once: long CJK text)."""
    number_field = pilot.app.screen.query_one("#f-number", Input)
    number_field.value = number
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


def make_order(services, agent) -> str:
    """A heating complaint in 科尔沁区: the proposal makes 城区集中供热公司 the lead."""
    from tests.conftest import FROZEN_AT
    from tests.services.helpers import HEATING_PATH, category_id, draft

    cat = category_id(services, HEATING_PATH)
    lead = services.dispatch.propose(cat, "科尔沁区", "投诉", "一般", FROZEN_AT).lead
    return services.intake.create_work_order(
        agent, draft(category_id=cat, region="科尔沁区", request_type="投诉"), FROZEN_AT,
        lead.id).order_number
