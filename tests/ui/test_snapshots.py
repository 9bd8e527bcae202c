"""Pictures of the seat screen (frozen clock, fixed size, default theme, seeded data)."""

from __future__ import annotations

import pytest
from textual.widgets import TextArea

from tests.ui.helpers import SIZE, login, make_app, no_blink, settle


@pytest.fixture
def db_url(tmp_path):
    """Pictures are the same on every database: taken once, on SQLite."""
    return f"sqlite:///{tmp_path / 'console.sqlite3'}"


def test_seat_empty(snap_compare, services):
    async def run_before(pilot):
        await login(pilot)
        no_blink(pilot.app)
        await settle(pilot)

    assert snap_compare(make_app(services), terminal_size=SIZE, run_before=run_before)


def _typing(content: str):
    async def run_before(pilot):
        await login(pilot)
        no_blink(pilot.app)
        await pilot.press(*"13912345678")
        await pilot.press("f3")
        pilot.app.screen.query_one("#f-content", TextArea).insert(content)
        await settle(pilot, 0.8)

    return run_before


def test_seat_with_kb_results(snap_compare, services):
    assert snap_compare(make_app(services), terminal_size=SIZE,
                        run_before=_typing("小区暖气不热，家里只有十几度"))


def test_seat_with_emergency_banner(snap_compare, services):
    assert snap_compare(make_app(services), terminal_size=SIZE,
                        run_before=_typing("邻居家厨房着火了，楼道里全是烟，有老人被困"))


def test_dispatch_dialog(snap_compare, services):
    typing = _typing("小区暖气不热，家里只有十几度")

    async def run_before(pilot):
        await typing(pilot)
        await pilot.press("f7")
        await settle(pilot)

    assert snap_compare(make_app(services), terminal_size=SIZE, run_before=run_before)


def _with_order(services):
    from tests.conftest import FROZEN_AT
    from tests.services.helpers import HEATING_PATH, category_id, draft

    agent = services.accounts.authenticate("1001", "demo")
    cat = category_id(services, HEATING_PATH)
    lead = services.dispatch.propose(cat, "科尔沁区", "投诉", "一般", FROZEN_AT).lead
    services.intake.create_work_order(agent, draft(category_id=cat, region="科尔沁区",
                                                   request_type="投诉"), FROZEN_AT, lead.id)


def test_orders_queue_for_the_centre(snap_compare, services):
    _with_order(services)

    async def run_before(pilot):
        await login(pilot, "3001")
        no_blink(pilot.app)
        await settle(pilot)

    assert snap_compare(make_app(services), terminal_size=SIZE, run_before=run_before)


def test_order_detail_for_the_unit(snap_compare, services):
    _with_order(services)

    async def run_before(pilot):
        await login(pilot, "5001")
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_app(services), terminal_size=SIZE, run_before=run_before)


def test_supervision_screen(snap_compare, services):
    _with_order(services)

    async def run_before(pilot):
        await login(pilot, "3003")
        await pilot.press("k")
        await settle(pilot)

    assert snap_compare(make_app(services), terminal_size=SIZE, run_before=run_before)


def test_login_screen(snap_compare, services):
    async def run_before(pilot):
        await settle(pilot)
        no_blink(pilot.app)

    assert snap_compare(make_app(services), terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare, services):
    async def run_before(pilot):
        await login(pilot)
        await pilot.press("f1")
        await settle(pilot)

    assert snap_compare(make_app(services), terminal_size=SIZE, run_before=run_before)


def test_unit_order_list(snap_compare, services):
    _with_order(services)

    async def run_before(pilot):
        await login(pilot, "5001")
        no_blink(pilot.app)
        await settle(pilot)

    assert snap_compare(make_app(services), terminal_size=SIZE, run_before=run_before)


def test_callback_dialog_asks_for_a_ruling(snap_compare, services):
    from agent_console.domain.workflow import Action

    _with_order(services)
    liaison = services.accounts.authenticate("5001", "demo")
    number = services.records.orders()[0].number
    for action, reason, kw in ((Action.SIGN, "", {}),
                               (Action.COMPLETE, "已上门调节阀门",
                                {"resolution": "已解决", "caller_view": "不满意"})):
        _, version = services.orders.status_of(number)
        services.orders.act(liaison, number, action, version, reason, **kw)

    async def run_before(pilot):
        await login(pilot, "3002")
        await pilot.press("enter")  # the order, from the 待回访 queue
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("down", "down", "enter")  # 不满意: the Art. 20 ruling appears
        no_blink(pilot.app)
        await settle(pilot)

    assert snap_compare(make_app(services), terminal_size=SIZE, run_before=run_before)
