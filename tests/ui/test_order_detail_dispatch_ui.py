"""Dispatching from the order detail with a lead and co-handling units (Art. 16), the notes a
unit writes on an order (contact attempts, a co-handler's part, consultations) and the time
left on the order — through the real console, by keys.

The order is a heating complaint in 科尔沁区 the seat handed to the dispatch queue: dispatch
proposes 城区集中供热公司 to lead, 住房和城乡建设局 and 科尔沁区人民政府 to co-handle."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import DataTable, Input, Select, Static

from agent_console.domain.enums import OrderStatus
from agent_console.domain.workflow import Action
from agent_console.services.orders import StaleOrder
from agent_console.ui.screens.order_detail import (
    ActionDialog,
    NoteDialog,
    OrderDetailScreen,
    UnitPicker,
)
from agent_console.ui.screens.orders import OrdersScreen
from tests.conftest import FROZEN_AT
from tests.services.helpers import HEATING_PATH, category_id, draft
from tests.ui.helpers import SIZE, login, make_app, screen_text, settle

CENTRE, LEAD_LIAISON = "3001", "5001"
HEATING = "通辽市城区集中供热公司"
HOUSING = "通辽市住房和城乡建设局"
KERQIN = "科尔沁区人民政府"
MINGREN = "科尔沁区明仁街道"
PART = "明仁街道已入户测温18℃，已督促物业排查楼内管网"


# ---------------------------------------------------------------------- helpers
def unit_id(services, name: str) -> int:
    return next(u.id for u in services.catalog.units().values() if u.name == name)


def awaiting_dispatch(services, agent) -> str:
    """What the seat's F7 “权属不清，交派单员” makes: 待派单 with the suggested lead."""
    cat = category_id(services, HEATING_PATH)
    lead = services.dispatch.propose(cat, "科尔沁区", "投诉", "一般", FROZEN_AT).lead
    return services.intake.create_work_order(
        agent, draft(category_id=cat, region="科尔沁区", request_type="投诉"), FROZEN_AT,
        lead.id, to_dispatcher=True).order_number


def dispatched(services, agent, co: tuple[str, ...]) -> str:
    """Dispatched by the centre with ``co`` co-handling, then signed by the lead unit."""
    number = awaiting_dispatch(services, agent)
    centre = services.accounts.authenticate(CENTRE, "demo")
    act(services, centre, number, Action.DISPATCH, "协商确定",
        lead_unit_id=unit_id(services, HEATING),
        co_handler_ids=tuple(unit_id(services, n) for n in co))
    act(services, services.accounts.authenticate(LEAD_LIAISON, "demo"), number, Action.SIGN)
    return number


def act(services, who, number, action, reason="", **kw):
    _, version = services.orders.status_of(number)
    return services.orders.act(who, number, action, version, reason, **kw)


def mingren_liaison(services):
    """A liaison of 明仁街道 (the demo data has liaisons only for the heating company)."""
    return services.accounts.add_user("5101", "高峰", "unit_liaison", "mingren-2026",
                                      "kq_mingren")


def notices(app) -> str:
    return " ".join(app.said)


def dialog_error(app) -> str:
    error = app.screen.query_one("#dialog-error", Static)
    return str(error.render()) if error.has_class("visible") else ""


def co_names(services, picker: UnitPicker) -> set[str]:
    units = services.catalog.units()
    return {units[u].name for u in picker.selected}


async def open_first(pilot) -> None:
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, OrderDetailScreen)


async def open_dispatch_dialog(pilot) -> ActionDialog:
    """The centre opens the dispatch queue, the order and 'd'."""
    await login(pilot, CENTRE)
    assert isinstance(pilot.app.screen, OrdersScreen)
    await pilot.press("2")  # 待派单
    await settle(pilot)
    await open_first(pilot)
    await pilot.press("d")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, ActionDialog)
    return dialog


def set_reason(dialog, text: str) -> None:
    dialog.query_one("#act-reason", Input).value = text


async def find_and_toggle(pilot, name_part: str) -> None:
    """In the co-handler list: type part of a name to jump to it, Space to (un)tick."""
    assert isinstance(pilot.app.focused, UnitPicker)
    await pilot.press(*name_part, "space")
    await settle(pilot)


async def write_note(pilot, key: str, text: str) -> NoteDialog:
    await pilot.press(key)
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, NoteDialog)
    dialog.query_one("#note-text", Input).value = text
    return dialog


# ---------------------------------------------------------------------- dispatch (Art. 16)
async def test_centre_dispatches_with_lead_and_two_co_handlers_then_a_co_handler_adds_its_part(
        services, agent):
    number = awaiting_dispatch(services, agent)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dispatch_dialog(pilot)
        picker = dialog.query_one("#act-co", UnitPicker)
        # the suggested lead is preselected; dispatch's candidates are listed first, marked
        # 建议, but not ticked (every ticked unit owes its part before the order is completed)
        assert dialog.query_one("#act-lead", Select).value == unit_id(services, HEATING)
        assert co_names(services, picker) == set()
        top = [str(picker.get_option_at_index(i).prompt) for i in range(2)]
        assert all("建议" in p for p in top) and any(HOUSING in p for p in top)
        assert picker.option_count == len(services.catalog.units())  # any unit can co-handle
        await pilot.press("tab")  # lead → co-handler list
        await find_and_toggle(pilot, "住房和城乡")  # tick the housing bureau
        await find_and_toggle(pilot, "明仁")  # tick the street office
        assert co_names(services, picker) == {HOUSING, MINGREN}
        assert f"已选配合单位：{HOUSING}、{MINGREN}" in screen_text(app)
        await pilot.press("tab")  # → reason
        assert app.focused is dialog.query_one("#act-reason", Input)
        set_reason(dialog, "协商确定：供热公司牵头，明仁街道配合入户")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, OrderDetailScreen)
        view = services.orders.show(number)
        assert view.status == OrderStatus.AWAITING_SIGN
        assert view.lead_unit == HEATING
        assert set(view.co_handlers) == {HOUSING, MINGREN}
        event = view.events[-1]
        assert (event.action, event.from_status, event.to_status) == ("dispatch", "待派单", "待签收")
        assert event.reason.startswith(f"牵头：{HEATING}；配合：")
        assert HOUSING in event.reason and MINGREN in event.reason
        assert event.reason.endswith("；协商确定：供热公司牵头，明仁街道配合入户")
        text = screen_text(app)
        assert f"牵头：{HEATING}  配合：" in text and MINGREN in text  # the detail shows them
        assert f"已派单：{number}" in notices(app)

    act(services, services.accounts.authenticate(LEAD_LIAISON, "demo"), number, Action.SIGN)
    mingren_liaison(services)
    street = make_app(services)
    async with street.run_test(size=SIZE) as pilot:
        await login(pilot, "5101", "mingren-2026")  # the co-handled order is in its list
        await open_first(pilot)
        dialog = await write_note(pilot, "p", PART)  # 'p' is open to a co-handler
        dialog.set_focus(dialog.query_one("#note-text", Input))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(street.screen, OrderDetailScreen)
        last = services.orders.show(number).events[-1]
        assert (last.action, last.reason) == ("part", PART)
        table = street.screen.query_one("#order-events", DataTable)
        assert table.get_row_at(table.row_count - 1)[-1].plain == PART


async def test_a_lead_ticked_as_co_handler_is_refused_and_the_dialog_keeps_everything(
        services, agent):
    number = awaiting_dispatch(services, agent)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dispatch_dialog(pilot)
        set_reason(dialog, "协商确定")
        await pilot.press("tab")
        await find_and_toggle(pilot, "住房和城乡")
        await find_and_toggle(pilot, "城区集中供热")  # the lead itself
        picker = dialog.query_one("#act-co", UnitPicker)
        assert co_names(services, picker) == {HOUSING, HEATING}
        assert "已是牵头单位，不能同时作为配合单位" in dialog_error(app)  # said at once
        await pilot.press("enter")  # Enter in the list confirms: refused
        await settle(pilot)
        assert app.screen is dialog
        assert f"“{HEATING}”已是牵头单位，不能同时作为配合单位" in dialog_error(app)
        assert co_names(services, picker) == {HOUSING, HEATING}  # nothing lost
        assert dialog.query_one("#act-reason", Input).value == "协商确定"
        assert dialog.query_one("#act-lead", Select).value == unit_id(services, HEATING)
        view = services.orders.show(number)
        assert view.status == OrderStatus.AWAITING_DISPATCH and view.version == 1
        await pilot.press("space")  # the highlight is still on it: untick
        await settle(pilot)
        assert dialog_error(app) == ""
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, OrderDetailScreen)
    view = services.orders.show(number)
    assert view.status == OrderStatus.AWAITING_SIGN
    assert set(view.co_handlers) == {HOUSING}
    assert view.events[-1].reason.endswith("；协商确定")


async def test_making_a_ticked_co_handler_the_lead_unticks_it_and_says_so(services, agent):
    number = awaiting_dispatch(services, agent)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dispatch_dialog(pilot)
        await pilot.press("tab")
        await find_and_toggle(pilot, "住房和城乡")
        await find_and_toggle(pilot, "科尔沁区人民")
        await pilot.press("shift+tab")
        await pilot.press("enter", *KERQIN, "enter")  # the lead Select: type to find, pick
        await settle(pilot)
        assert dialog.query_one("#act-lead", Select).value == unit_id(services, KERQIN)
        picker = dialog.query_one("#act-co", UnitPicker)
        assert co_names(services, picker) == {HOUSING}
        assert f"“{KERQIN}”已改为牵头单位，已从配合单位中取消勾选" in screen_text(app)
        assert dialog_error(app) == ""
        await pilot.click("#ok")
        await settle(pilot)
        assert isinstance(app.screen, OrderDetailScreen)
    view = services.orders.show(number)
    assert (view.lead_unit, view.co_handlers) == (KERQIN, (HOUSING,))


# ---------------------------------------------------------------------- notes
async def test_a_refused_part_keeps_the_typed_text_and_can_be_sent_again(services, agent):
    number = dispatched(services, agent, co=(MINGREN,))
    mingren_liaison(services)
    lead = services.accounts.authenticate(LEAD_LIAISON, "demo")
    centre = services.accounts.authenticate(CENTRE, "demo")
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "5101", "mingren-2026")
        await open_first(pilot)
        detail = app.screen
        dialog = await write_note(pilot, "p", "")
        field = dialog.query_one("#note-text", Input)
        for bad, message in (("", "内容不能为空"), ("长" * 2001, "内容过长")):
            field.value = bad
            dialog.set_focus(field)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is dialog and message in dialog_error(app)
            assert field.value == bad

        # while the street types, the lead unit asks for an extension: the service refuses
        field.value = PART
        act(services, lead, number, Action.REQUEST_EXTENSION, "需协调管网维修",
            new_due_at=services.orders.show(number).due_at.replace(year=2027))
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog  # refused: the dialog stays …
        assert "工单处于“延期审核”状态，不能登记配合意见" in dialog_error(app)
        assert field.value == PART  # … with the part as typed
        assert detail.current.status == OrderStatus.EXTENSION_REVIEW  # shown as it is now
        assert [e.action for e in services.orders.show(number).events].count("part") == 0

        act(services, centre, number, Action.REJECT_EXTENSION, "时限内可以办结")
        await pilot.press("enter")  # the same text, once the order is back in 办理中
        await settle(pilot)
        assert app.screen is detail
        last = services.orders.show(number).events[-1]
        assert (last.action, last.reason) == ("part", PART)
        assert "已登记" in notices(app)


async def test_a_refused_consultation_keeps_the_units_and_the_text(services, agent):
    number = awaiting_dispatch(services, agent)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, CENTRE)
        await pilot.press("2")
        await settle(pilot)
        await open_first(pilot)
        dialog = await write_note(pilot, "n", "与住建局协商：由供热企业牵头")
        units = dialog.query_one("#note-units")
        units.select(unit_id(services, HOUSING))
        # another dispatcher dispatches the order first
        act(services, services.accounts.authenticate(CENTRE, "demo"), number, Action.DISPATCH,
            lead_unit_id=unit_id(services, HEATING))
        dialog.set_focus(dialog.query_one("#note-text", Input))
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog
        assert "工单处于“待签收”状态，不能登记协商" in dialog_error(app)
        assert dialog.query_one("#note-text", Input).value == "与住建局协商：由供热企业牵头"
        assert units.selected == [unit_id(services, HOUSING)]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, OrderDetailScreen)
        assert "待签收" in screen_text(app)  # the detail behind was brought up to date
        assert "d 派单" not in screen_text(app)


async def test_a_stale_order_in_a_note_closes_the_dialog_with_the_fresh_state(
        services, agent, monkeypatch):
    number = dispatched(services, agent, co=())
    lead = services.accounts.authenticate(LEAD_LIAISON, "demo")
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, LEAD_LIAISON)
        await open_first(pilot)
        dialog = await write_note(pilot, "l", "致电未接")
        act(services, lead, number, Action.REQUEST_RETURN, "不属本公司供热范围")

        def stale(*_args, **_kw):
            raise StaleOrder(services.orders.show(number))

        monkeypatch.setattr(services.orders, "execute", stale)
        dialog.set_focus(dialog.query_one("#note-text", Input))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, OrderDetailScreen)
        assert "已被他人处理" in notices(app)
        assert app.screen.current.status == OrderStatus.RETURN_REVIEW
        assert f"{number}  退回审核" in screen_text(app)


# ---------------------------------------------------------------------- time left (Art. 18)
async def test_the_detail_shows_the_time_left_in_the_list_colours(services, agent, clock):
    number = dispatched(services, agent, co=())
    due = services.orders.show(number).due_at
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, LEAD_LIAISON)
        await open_first(pilot)
        facts = app.screen.query_one("#order-facts", Static)

        def shown(words: str) -> str:
            text = facts.content
            assert f"办结时限：{due:%Y-%m-%d %H:%M}（{words}）" in text.plain
            start = text.plain.index(words)
            return " ".join(str(s.style) for s in text.spans
                            if s.start <= start and s.end >= start + len(words))

        # a heating fault runs on the real clock (Art. 12): a day or more left, then 8 hours
        left = due - clock.now()
        assert left.days >= 1
        assert shown(f"剩 {left.days} 天 {left.seconds // 3600} 小时") == "green"
        clock.advance(seconds=(left - timedelta(hours=8)).total_seconds())
        await pilot.press("r")
        await settle(pilot)
        assert shown("剩 8 小时") == "yellow"
        clock.advance(days=20)
        await pilot.press("r")
        await settle(pilot)
        assert shown("超期 19 天 16 小时") == "bold red"


async def test_a_co_handler_is_not_offered_the_lead_units_actions(services, agent):
    """签收/退回/延期/终止/办结 belong to the lead unit (Art. 16(2), 17, 18)."""
    number = dispatched(services, agent, co=(MINGREN,))
    mingren_liaison(services)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "5101", "mingren-2026")
        await open_first(pilot)
        hint = str(app.screen.query_one("#order-actions", Static).render())
        for label in ("办结", "申请退回", "申请延期", "申请终止"):
            assert label not in hint
        for key in ("c", "t", "e", "x"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, OrderDetailScreen)  # no dialog opens
        await pilot.press("p")  # its own part is offered
        await settle(pilot)
        assert isinstance(app.screen, NoteDialog)
    assert services.orders.show(number).status == OrderStatus.IN_PROGRESS
    lead = make_app(services)
    async with lead.run_test(size=SIZE) as pilot:
        await login(pilot, LEAD_LIAISON)
        await open_first(pilot)
        hint = str(lead.screen.query_one("#order-actions", Static).render())
        assert "c 办结" in hint and "e 申请延期" in hint
