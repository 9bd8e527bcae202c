"""Pictures of the order list and the order detail at 80×24 (a common terminal) and 160×45:
the list keeps 办理时限 / 剩余 / 督办, the detail shows the 诉求人 block (Art. 18(1)) with a
confidential caller marked 保密 (Art. 8, 21), and the contact dialog fits with its buttons.
Frozen clock, fixed sizes, theme and data."""

from __future__ import annotations

import pytest

from tests.conftest import FROZEN_AT
from tests.services.helpers import HEATING_PATH, category_id, draft
from tests.ui.helpers import SIZE, login, make_app, no_blink, settle

SMALL = (80, 24)
SIZES = pytest.mark.parametrize("size", [SMALL, SIZE], ids=["80x24", "160x45"])


@pytest.fixture
def db_url(tmp_path):
    """Pictures are the same on every database: taken once, on SQLite."""
    return f"sqlite:///{tmp_path / 'console.sqlite3'}"


def _orders(services) -> None:
    """Two heating complaints led by 城区集中供热公司; the newer caller asked for secrecy."""
    agent = services.accounts.authenticate("1001", "demo")
    cat = category_id(services, HEATING_PATH)
    lead = services.dispatch.propose(cat, "科尔沁区", "投诉", "一般", FROZEN_AT).lead
    for phone, name, address, confidential, content in (
        ("13912345678", "张女士", "科尔沁区明仁小区3号楼2单元501室", False,
         "小区暖气不热，家里只有十几度，老人孩子受不了，已找过物业三次没有解决"),
        ("13811112222", "李先生", "科尔沁区建国路18号院", True, "暖气片漏水，楼下邻居家被淹"),
    ):
        services.intake.create_work_order(
            agent, draft(caller_number=phone, caller_name=name, address=address,
                         confidential=confidential, content=content, category_id=cat,
                         region="科尔沁区", request_type="投诉"), FROZEN_AT, lead.id)


@SIZES
def test_order_list_for_the_centre(snap_compare, services, size):
    _orders(services)

    async def run_before(pilot):
        await login(pilot, "3001")
        no_blink(pilot.app)
        await settle(pilot)

    assert snap_compare(make_app(services), terminal_size=size, run_before=run_before)


@SIZES
def test_order_detail_with_a_confidential_caller_for_the_unit(snap_compare, services, size):
    _orders(services)

    async def run_before(pilot):
        await login(pilot, "5001")
        await pilot.press("enter")  # the newest: the confidential caller
        await settle(pilot)

    assert snap_compare(make_app(services), terminal_size=size, run_before=run_before)


@SIZES
def test_contact_dialog_with_the_number_to_call(snap_compare, services, size):
    _orders(services)

    async def run_before(pilot):
        await login(pilot, "5001")
        await pilot.press("down", "enter")  # the older order
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        no_blink(pilot.app)
        await settle(pilot)

    assert snap_compare(make_app(services), terminal_size=size, run_before=run_before)
