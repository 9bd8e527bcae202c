"""Pictures of the review and expert queues (frozen clock, fixed size, theme and data)."""

from __future__ import annotations

import pytest

from agent_console.domain.workflow import Action
from tests.conftest import FROZEN_AT
from tests.services.helpers import HEATING_PATH, category_id, draft
from tests.ui.helpers import SIZE, login, make_app, no_blink, settle


@pytest.fixture
def db_url(tmp_path):
    """Pictures are the same on every database: taken once, on SQLite."""
    return f"sqlite:///{tmp_path / 'console.sqlite3'}"


def _order(services, *steps: tuple[Action, str, str]) -> str:
    """A heating complaint led by 城区集中供热公司, moved on by (action, staff no., reason)."""
    agent = services.accounts.authenticate("1001", "demo")
    cat = category_id(services, HEATING_PATH)
    lead = services.dispatch.propose(cat, "科尔沁区", "投诉", "一般", FROZEN_AT).lead
    number = services.intake.create_work_order(
        agent, draft(category_id=cat, region="科尔沁区", request_type="投诉"), FROZEN_AT,
        lead.id).order_number
    for action, staff_no, reason in steps:
        _, version = services.orders.status_of(number)
        services.orders.act(services.accounts.authenticate(staff_no, "demo"), number, action,
                            version, reason)
    return number


RETURN_REQUESTED = (Action.REQUEST_RETURN, "5001",
                    "该小区由科尔沁区自管供热站供热，不属本公司供热范围（依据：供热特许经营协议附件二）")


def test_expert_call_view_with_an_accepted_transfer(snap_compare, services):
    """The expert's read-only call view (form, history, wait) beside the KB, after a."""
    from agent_console.domain.enums import Presence

    agent = services.accounts.authenticate("1001", "demo")
    services.expert.set_presence(services.accounts.authenticate("2002", "demo"),
                                 Presence.AVAILABLE)
    cat = category_id(services, HEATING_PATH)
    services.intake.answer_online(agent, draft(category_id=cat, content="暖气什么时候开始供"),
                                  FROZEN_AT, None, "供热期为每年10月15日至次年4月15日")
    services.intake.transfer_to_expert(agent, draft(category_id=cat), FROZEN_AT, None, True,
                                       "三方通话")

    async def run_before(pilot):
        await login(pilot, "2002")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)

    assert snap_compare(make_app(services), terminal_size=SIZE, run_before=run_before)


async def _centre_opens_return_review(pilot):
    await login(pilot, "3001")
    await pilot.press("3")  # 退回审核
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


def test_order_in_return_review_for_the_centre(snap_compare, services):
    _order(services, RETURN_REQUESTED)
    assert snap_compare(make_app(services), terminal_size=SIZE,
                        run_before=_centre_opens_return_review)


def test_review_dialog_approve_return(snap_compare, services):
    _order(services, RETURN_REQUESTED)

    async def run_before(pilot):
        await _centre_opens_return_review(pilot)
        await pilot.press("a")
        await settle(pilot)
        no_blink(pilot.app)
        await settle(pilot)

    assert snap_compare(make_app(services), terminal_size=SIZE, run_before=run_before)


def test_liaison_extension_request_dialog(snap_compare, services):
    _order(services, (Action.SIGN, "5001", ""))

    async def run_before(pilot):
        await login(pilot, "5001")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        no_blink(pilot.app)
        await settle(pilot)

    assert snap_compare(make_app(services), terminal_size=SIZE, run_before=run_before)
