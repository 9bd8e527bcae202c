from __future__ import annotations

from textual.widgets import Input, TextArea

from agent_console.ui.screens.help import HelpScreen
from agent_console.ui.screens.login import LoginScreen
from agent_console.ui.screens.seat import SeatScreen
from agent_console.ui.screens.expert_queue import ExpertQueueScreen
from agent_console.ui.screens.orders import OrdersScreen
from tests.ui.helpers import SIZE, login, make_app, screen_text, settle


async def test_login_lists_demo_accounts_and_rejects_bad_password(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert "演示模式" in screen_text(app)
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


async def test_login_routes_each_role_to_its_screen(services):
    for staff_no, screen_type in (("1001", SeatScreen), ("2001", ExpertQueueScreen),
                                  ("3001", OrdersScreen), ("3002", OrdersScreen),
                                  ("3003", OrdersScreen), ("5001", OrdersScreen),
                                  ("4001", SeatScreen), ("9001", SeatScreen)):
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
