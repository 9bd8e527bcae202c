from __future__ import annotations

from textual.widgets import Input, TextArea

from agent_console.ui.screens.help import HelpScreen
from agent_console.ui.screens.login import LoginScreen
from agent_console.ui.screens.seat import SeatScreen
from agent_console.ui.screens.training import TrainingScreen
from agent_console.ui.screens.expert_queue import ExpertQueueScreen
from agent_console.ui.screens.orders import OrdersScreen
from tests.ui.helpers import SIZE, login, make_app, screen_text, settle


async def test_login_lists_demo_accounts_and_rejects_bad_password(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert "演示模式" in screen_text(app)
        assert "user add" not in screen_text(app)
        table = app.screen.query_one("#demo-accounts")
        from rich.text import Text

        # cells are Text: a DataTable would parse a plain str as markup
        assert all(isinstance(table.get_cell_at((r, c)), Text) for r in range(table.row_count)
                   for c in range(3))
        await pilot.press(*"1001", "tab", *"nope", "enter")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert "工号或密码不正确" in screen_text(app)
        assert app.screen.query_one("#staff-no", Input).value == "1001"  # kept
        password = app.screen.query_one("#password", Input)
        password.value = ""
        password.focus()
        await pilot.press(*"demo", "enter")  # key by key, as an agent types it
        await settle(pilot)
        assert isinstance(app.screen, SeatScreen)


async def test_a_production_database_says_how_to_create_the_first_admin(
        production_settings, clock):
    from agent_console.services.container import open_services

    services = open_services(production_settings, clock)
    command = ("agent-console user add --staff-no 9001 --name 姓名 --role admin --db "
               + production_settings.db_url)
    try:
        app = make_app(services)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            text = screen_text(app)
            assert "演示模式" not in text and "demo" not in text
            assert "尚未创建任何可用账号" in text and command in text
            await login(pilot, "9001", "demo")
            assert isinstance(app.screen, LoginScreen)
            error = str(app.screen.query_one("#login-error").render())
            assert "尚未创建任何可用账号" in error and command in error
            assert app.screen.query_one("#staff-no", Input).value == "9001"
    finally:
        services.close()


async def test_a_database_error_at_login_keeps_the_form(services, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def broken(staff_no, password):
        raise OperationalError("SELECT 1", {}, ConnectionError("server closed the connection"))

    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        monkeypatch.setattr(services.accounts, "authenticate", broken)
        await login(pilot, "1001", "demo")
        assert isinstance(app.screen, LoginScreen)
        assert "数据库连接中断，暂时无法登录，请稍后重试" in screen_text(app)
        assert app.screen.query_one("#staff-no", Input).value == "1001"
        monkeypatch.undo()
        await pilot.press("enter")  # the database is back: the same form logs in
        await settle(pilot)
        assert isinstance(app.screen, SeatScreen)


async def test_double_enter_logs_in_once(services, monkeypatch):
    import threading

    calls = []
    real = services.accounts.authenticate
    gate = threading.Event()

    def slow(staff_no, password):
        calls.append(staff_no)
        gate.wait(5)
        return real(staff_no, password)

    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        monkeypatch.setattr(services.accounts, "authenticate", slow)
        screen = app.screen
        screen.query_one("#staff-no", Input).value = "1001"
        password = screen.query_one("#password", Input)
        password.value = "demo"
        screen.set_focus(password)
        await pilot.press("enter", "enter")
        await pilot.pause(0.05)
        await pilot.press("enter")
        gate.set()
        await settle(pilot)
        assert calls == ["1001"]
        assert isinstance(app.screen, SeatScreen) and len(app.screen_stack) == 2
        assert len(services.accounts.login_events("1001")) == 1


async def test_login_routes_each_role_to_its_screen(services):
    for staff_no, screen_type in (("1001", SeatScreen), ("2001", ExpertQueueScreen),
                                  ("3001", OrdersScreen), ("3002", OrdersScreen),
                                  ("3003", OrdersScreen), ("5001", OrdersScreen),
                                  ("4001", TrainingScreen), ("9001", SeatScreen)):
        app = make_app(services)
        async with app.run_test(size=SIZE) as pilot:
            await login(pilot, staff_no)
            assert isinstance(app.screen, screen_type), staff_no


async def test_screen_switch_keys_only_for_roles_with_several_screens(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "9001")  # the administrator: seat, expert queue and orders
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, OrdersScreen)
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert isinstance(app.screen, ExpertQueueScreen)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "3002")  # callback staff work on the order list only
        assert app.check_action("goto", ("orders",)) is False
        assert app.check_action("goto", ("expert",)) is False
        from textual.widgets._footer import FooterKey

        shown = {k.description for k in app.screen.query(FooterKey)}
        assert "刷新" in shown and "工单列表" not in shown and "专家队列" not in shown
        before = app.screen
        await pilot.press("ctrl+o", "ctrl+e")
        await settle(pilot)
        assert app.screen is before and len(app.screen_stack) == 2


async def test_seat_starts_on_number_and_focus_keys_take_fast_typing(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        assert app.focused.id == "f-number"
        # Keys right after F3/F2 must land in the newly focused field.
        await pilot.press("1", "3", "9", "f3", "a", "b", "f2", "x", "y")
        await settle(pilot)
        assert app.screen.query_one("#f-number", Input).value == "139"
        assert app.screen.query_one("#f-content", TextArea).text == "ab"
        assert app.screen.query_one("#kb-search", Input).value == "xy"


async def test_f1_help_lists_the_one_key_outcomes(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#help-keys")
        cells = " ".join(str(table.get_cell_at((r, c))) for r in range(table.row_count)
                         for c in range(3))
        for label in ("直接答复", "专家座席", "派发工单", "不予受理", "紧急联动", "劝阻警示", "下一通"):
            assert label in cells
        # only the console's own functions, in Chinese: not Textual's English editing keys
        descriptions = [str(table.get_cell_at((r, 1))) for r in range(table.row_count)]
        assert "Move cursor left" not in cells
        assert all(not d.isascii() for d in descriptions), descriptions
        await pilot.press("escape")
        assert isinstance(app.screen, SeatScreen)


async def test_keys_can_be_remapped(services):
    app = make_app(services, keymap={"work_order": "f4"})
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await pilot.press(*"13912345678")
        await pilot.press("f4")
        await settle(pilot)
        # F4 now runs the work-order action: it validates the form (no content yet).
        assert "诉求内容不能为空" in screen_text(app)


async def test_a_login_typed_in_one_burst_lands_in_the_right_fields(services):
    """A terminal delivers fast typing as one burst: 1001 Tab demo Enter, then the caller's
    number, all before the app has handled the first Tab."""
    from textual import events

    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        burst = [*"1001", "tab", *"demo", "enter"]
        for key in burst:
            char = key if len(key) == 1 else ("\t" if key == "tab" else "\r")
            app.post_message(events.Key(key, char))
        await settle(pilot)
        assert app.screen.__class__.__name__ == "SeatScreen"
        for key in [*"13912345678", "tab"]:
            app.post_message(events.Key(key, key if len(key) == 1 else "\t"))
        await settle(pilot)
        assert app.screen.query_one("#f-number").value == "13912345678"
        assert app.focused.id == "f-name"


async def test_editing_keys_in_a_burst_keep_their_order_in_the_content(services):
    """Backspace held to clear the content, then typing at once (one terminal burst): the
    deletions come before the new characters, as typed (abc, Backspace×5, XYZ kept "a")."""
    from textual import events

    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await pilot.press("f3")
        area = app.screen.query_one("#f-content", TextArea)
        area.insert("abc")
        await settle(pilot)
        keys = [("backspace", None)] * 5 + [(c, c) for c in "XYZ"] + [("left", None)] * 2 \
            + [("delete", None), ("孩", "孩")]
        for key, char in keys:
            app.post_message(events.Key(key, char))
        await settle(pilot)
        assert area.text == "X孩Z"
