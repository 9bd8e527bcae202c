"""Live queues in the real console: what another console commits shows up on this one's
queue within 2 s, without a key press (NOTIFY on PostgreSQL, the file's change counter on
SQLite) — the dispatcher's list, a unit's 待签收, the expert seat's transfers."""

from __future__ import annotations

import time

import pytest
from textual.widgets import DataTable

from agent_console.domain.workflow import Action
from agent_console.ui.screens.expert_queue import ExpertQueueScreen
from agent_console.ui.screens.orders import OrdersScreen
from tests.conftest import FROZEN_AT
from tests.services.helpers import HEATING_PATH, category_id, draft
from tests.ui.helpers import SIZE, login, make_app, make_order, screen_text, settle

WITHIN = 2.0


@pytest.fixture
def other(other_console):
    return other_console


async def shows_within(pilot, condition, seconds: float = WITHIN) -> float:
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if condition():
            return time.monotonic() - start
        await pilot.pause(0.05)
    raise AssertionError(f"not on screen within {seconds} s:\n{screen_text(pilot.app)}")


def numbers(app) -> list[str]:
    table = app.screen.query_one("#orders", DataTable)
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def wait_listening(app) -> None:
    feed = app.services.feeds[0]
    assert feed.listening.wait(5)


async def test_dispatcher_sees_another_seat_s_order_and_a_unit_s_sign(services, other):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "3001")
        assert isinstance(app.screen, OrdersScreen)
        await wait_listening(app)
        before = numbers(app)
        seat = other.accounts.authenticate("1001", "demo")
        number = make_order(other, seat)
        await shows_within(pilot, lambda: number in numbers(app))
        assert len(numbers(app)) == len(before) + 1
        # the cursor stays on the order it was on while the list grows under it
        table = app.screen.query_one("#orders", DataTable)
        table.move_cursor(row=numbers(app).index(number))
        # the unit signs on its own console: the status changes here, the cursor stays
        liaison = other.accounts.authenticate("5001", "demo")
        _, version = other.orders.status_of(number)
        other.orders.act(liaison, number, Action.SIGN, version)

        def signed() -> bool:
            row = table.get_row_at(numbers(app).index(number))
            return str(row[1]) == "办理中"

        await shows_within(pilot, signed)
        assert numbers(app)[table.cursor_row] == number


async def test_unit_queue_hears_its_own_orders(services, other):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "5001")
        await pilot.press("2")  # 待签收
        await settle(pilot)
        await wait_listening(app)
        assert "待签收：工单 0 件" in screen_text(app)
        seat = other.accounts.authenticate("1001", "demo")
        number = make_order(other, seat)  # heating in 科尔沁区: 5001's unit leads
        await shows_within(pilot, lambda: numbers(app) == [number])
        assert "待签收：工单 1 件" in screen_text(app)


async def test_expert_queue_hears_a_transfer_from_another_console(services, other):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "2002")  # 供热; logging in makes the expert available
        assert isinstance(app.screen, ExpertQueueScreen)
        await wait_listening(app)
        assert "待接听 0 通" in screen_text(app)
        seat = other.accounts.authenticate("1001", "demo")
        other.intake.transfer_to_expert(
            seat, draft(category_id=category_id(other, HEATING_PATH)), FROZEN_AT, None, True)
        await shows_within(pilot, lambda: "待接听 1 通，共 1 通" in screen_text(app))


async def test_a_screen_switched_away_reads_again_when_it_comes_back(services, other):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "9001")  # admin: seat, expert queue and orders
        await pilot.press("ctrl+o")
        await settle(pilot)
        await wait_listening(app)
        orders = app.screen
        assert isinstance(orders, OrdersScreen)
        await pilot.press("ctrl+t")
        await settle(pilot)
        seat = other.accounts.authenticate("1001", "demo")
        number = make_order(other, seat)
        await shows_within(pilot, lambda: orders.live.stale)
        await pilot.press("ctrl+o")
        await shows_within(pilot, lambda: number in numbers(app))
