"""Art. 18(1): the handling unit reaches the caller. The order detail shows the 诉求人 block
(电话, 姓名, the address typed at intake, 区域) to the units on the order and the centre's
desks, marks a confidential caller (Art. 8, 21) 保密 in red, and the contact, callback and
dispatch dialogs say whom to call. Another unit, or a seat, sees none of it. Everything stays
usable at 80×24 as at 160×45: the list keeps 办理时限 / 剩余 / 督办 and every order dialog
keeps its confirm button on the screen."""

from __future__ import annotations

import pytest
from rich.text import Text
from sqlalchemy import create_engine, select, update
from textual.widgets import Button, DataTable, RadioSet, Static

from agent_console.domain.enums import OrderStatus
from agent_console.domain.workflow import Action
from agent_console.services.errors import PermissionDenied
from agent_console.store.models import Caller, WorkOrder
from agent_console.ui.screens.order_detail import (
    ActionDialog,
    NoteDialog,
    OrderDetailScreen,
)
from agent_console.ui.screens.orders import OrdersScreen
from tests.conftest import FROZEN_AT
from tests.services.helpers import HEATING_PATH, category_id, draft
from tests.ui.helpers import SIZE, login, make_app, settle

PHONE = "13900000000"
NAME = "张女士"
ADDRESS = "科尔沁区明仁小区3号楼2单元501室"
REGION = "科尔沁区"
WARNING = "诉求人要求保密：不得向他人泄露诉求人信息（第八条、第二十一条）"
HEATING = "通辽市城区集中供热公司"
MINGREN = "科尔沁区明仁街道"
SMALL = (80, 24)


# ---------------------------------------------------------------------- helpers
def unit_id(services, name: str) -> int:
    return next(u.id for u in services.catalog.units().values() if u.name == name)


def heating_order(services, *, confidential: bool = False, to_dispatcher: bool = False,
                  name: str = NAME, address: str = ADDRESS) -> str:
    """A heating complaint in 科尔沁区 led by 城区集中供热公司, as the seat took it down."""
    agent = services.accounts.authenticate("1001", "demo")
    cat = category_id(services, HEATING_PATH)
    lead = services.dispatch.propose(cat, REGION, "投诉", "一般", FROZEN_AT).lead
    return services.intake.create_work_order(
        agent, draft(caller_number=PHONE, caller_name=name, address=address, region=REGION,
                     category_id=cat, request_type="投诉", confidential=confidential),
        FROZEN_AT, lead.id, to_dispatcher=to_dispatcher).order_number


def act(services, staff_no: str, password: str, number: str, action: Action, reason: str = "",
        **kw) -> None:
    _, version = services.orders.status_of(number)
    services.orders.act(services.accounts.authenticate(staff_no, password), number, action,
                        version, reason, **kw)


def mingren_liaison(services):
    return services.accounts.add_user("5101", "高峰", "unit_liaison", "mingren-2026",
                                      "kq_mingren")


def facts(app) -> Text:
    return app.screen.query_one("#order-facts", Static).render()


def dial(app) -> Text:
    return app.screen.query_one("#dial", Static).render()


def styled(text: Text, word: str) -> str:
    """The style of the first span that covers ``word`` in ``text``."""
    at = text.plain.index(word)
    return " ".join(str(s.style) for s in text.spans if s.start <= at < s.end)


async def open_detail(pilot) -> OrderDetailScreen:
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, OrderDetailScreen)
    return pilot.app.screen


async def press(pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


def on_screen(app, widget) -> bool:
    """The widget is painted whole inside the terminal (not cut off, not scrolled away)."""
    region = widget.region
    width, height = app.size
    return bool(region) and region.x >= 0 and region.y >= 0 \
        and region.right <= width and region.bottom <= height


# ---------------------------------------------------------------------- the handling unit
@pytest.mark.parametrize("size", [SIZE, SMALL], ids=["160x45", "80x24"])
async def test_the_lead_unit_sees_phone_name_and_the_address_typed_at_intake(services, size):
    number = heating_order(services)
    app = make_app(services)
    async with app.run_test(size=size) as pilot:
        await login(pilot, "5001")
        assert isinstance(app.screen, OrdersScreen)
        await open_detail(pilot)
        shown = facts(app).plain
        assert f"电话：{PHONE}" in shown and f"姓名：{NAME}" in shown
        assert f"地址：{ADDRESS}" in shown and f"区域：{REGION}" in shown
        assert "保密" not in shown
        # 联系记录 says whom to call and starts on the result, not on the note
        await press(pilot, "l")
        assert isinstance(app.screen, NoteDialog)
        assert dial(app).plain == f"拨打 {PHONE}（{NAME}）"
        assert isinstance(app.focused, RadioSet) and app.focused.id == "note-result"
        await press(pilot, "down", "enter")  # 未接通
        await press(pilot, "tab")
        assert app.focused.id == "note-text"
        app.focused.value = "致电未接，已发短信"
        await press(pilot, "enter")
        assert isinstance(app.screen, OrderDetailScreen)
    last = services.orders.show(number).events[-1]
    assert last.action == "contact" and last.reason.startswith("未接通")


async def test_a_confidential_caller_is_marked_in_red_everywhere_the_number_shows(services):
    number = heating_order(services, confidential=True)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "5001")
        await open_detail(pilot)
        text = facts(app)
        # the unit still gets the full number: it must call (Art. 18(1)), and not pass it on
        assert f"电话：{PHONE}" in text.plain and WARNING in text.plain
        assert "red" in styled(text, "保密") and "red" in styled(text, WARNING)
        await press(pilot, "l")
        line = dial(app)
        assert line.plain.startswith(f"拨打 {PHONE}（{NAME}）") and WARNING in line.plain
        assert "red" in styled(line, "保密")
    assert services.orders.show(number).status == OrderStatus.AWAITING_SIGN


async def test_the_callback_desk_sees_the_number_to_call(services):
    number = heating_order(services)
    act(services, "5001", "demo", number, Action.SIGN)
    act(services, "5001", "demo", number, Action.COMPLETE, "已上门调节阀门",
        resolution="已解决", caller_view="满意")
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "3002")  # opens on 待回访
        await open_detail(pilot)
        assert f"电话：{PHONE}" in facts(app).plain
        await press(pilot, "b")
        assert isinstance(app.screen, ActionDialog)
        assert dial(app).plain == f"拨打 {PHONE}（{NAME}）"


async def test_the_dispatch_desk_sees_the_number_in_the_dispatch_dialog(services):
    heating_order(services, to_dispatcher=True, confidential=True)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "3001")
        await press(pilot, "2")  # 待派单
        await open_detail(pilot)
        assert f"地址：{ADDRESS}" in facts(app).plain
        await press(pilot, "d")
        assert isinstance(app.screen, ActionDialog)
        line = dial(app)
        assert line.plain.startswith(f"拨打 {PHONE}（{NAME}）") and WARNING in line.plain


async def test_a_co_handler_sees_the_caller_too(services):
    number = heating_order(services, to_dispatcher=True)
    act(services, "3001", "demo", number, Action.DISPATCH, "协商确定",
        lead_unit_id=unit_id(services, HEATING), co_handler_ids=(unit_id(services, MINGREN),))
    mingren_liaison(services)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "5101", "mingren-2026")
        await open_detail(pilot)
        shown = facts(app).plain
        assert f"电话：{PHONE}" in shown and f"地址：{ADDRESS}" in shown
        await press(pilot, "l")
        assert dial(app).plain == f"拨打 {PHONE}（{NAME}）"


async def test_another_unit_cannot_open_the_order_or_see_the_caller(services):
    number = heating_order(services)
    other = mingren_liaison(services)
    with pytest.raises(PermissionDenied):
        services.orders.show(number, viewer=other)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "5101", "mingren-2026")
        assert app.screen.query_one("#orders", DataTable).row_count == 0
        # even pushed straight at it, the detail refuses and shows nothing of the caller
        app.push_screen(OrderDetailScreen(app.services, app.screen.operator, number))
        await settle(pilot)
        assert app.screen.current is None
        assert PHONE not in facts(app).plain and ADDRESS not in facts(app).plain
        assert any("不属于您的单位" in str(n.message) for n in app._notifications)


def test_a_seat_and_a_viewer_without_a_desk_get_no_caller(services):
    number = heating_order(services)
    seat = services.accounts.authenticate("1001", "demo")
    assert services.orders.show(number, viewer=seat).caller is None
    assert services.orders.show(number).caller is None  # scripts name no viewer
    supervisor = services.accounts.authenticate("3003", "demo")
    caller = services.orders.show(number, viewer=supervisor).caller
    assert (caller.phone, caller.name, caller.address, caller.region) == \
        (PHONE, NAME, ADDRESS, REGION)


async def test_a_withheld_number_says_so(services, settings):
    number = heating_order(services)
    engine = create_engine(settings.db_url)
    with engine.begin() as conn:  # as intake stores a withheld number (no digits)
        caller_id = conn.scalar(select(WorkOrder.caller_id).where(WorkOrder.number == number))
        conn.execute(update(Caller).where(Caller.id == caller_id).values(phone=""))
    engine.dispose()
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "5001")
        await open_detail(pilot)
        assert "电话：未显示号码" in facts(app).plain
        await press(pilot, "l")
        assert dial(app).plain == f"未显示号码，无法回拨（{NAME}）"


async def test_caller_name_and_address_with_markup_are_shown_as_typed(services):
    name, address = "[/b]张三", "[@click=app.quit]明仁小区[/]3号楼"
    heating_order(services, name=name, address=address, confidential=True)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "5001")
        await open_detail(pilot)
        shown = facts(app).plain
        assert f"姓名：{name}" in shown and f"地址：{address}" in shown
        await press(pilot, "l")
        assert f"（{name}）" in dial(app).plain
        assert app.is_running


# ---------------------------------------------------------------------- 80×24 and 160×45
@pytest.mark.parametrize("size", [SMALL, SIZE], ids=["80x24", "160x45"])
async def test_the_list_keeps_deadline_time_left_and_supervision(services, size):
    heating_order(services)
    app = make_app(services)
    async with app.run_test(size=size) as pilot:
        await login(pilot, "3001")
        table = app.screen.query_one("#orders", DataTable)
        labels = [c.label.plain for c in table.columns.values()]
        assert {"工单号", "状态", "牵头单位", "办理时限", "剩余", "督办"} <= set(labels)
        assert sum(c.get_render_width(table) for c in table.columns.values()) \
            <= table.size.width
        # every queue is in reach on the bar
        bar = app.screen.query_one("#orders-queues", Static).render().plain
        assert "8" in bar and "被督办" in bar
        assert bar.rstrip().endswith("被督办")
        if size == SIZE:
            assert "诉求内容" in labels and "创建时间" in labels


async def _dialog_fits(pilot, key: str) -> None:
    app = pilot.app
    await press(pilot, key)
    dialog = app.screen
    assert isinstance(dialog, (ActionDialog, NoteDialog)), key
    container = dialog.query_one(".dialog")
    assert on_screen(app, container), key
    assert on_screen(app, dialog.query_one("#ok", Button)), key
    assert on_screen(app, dialog.query_one("#cancel", Button)), key
    await press(pilot, "escape")
    assert isinstance(app.screen, OrderDetailScreen)


# a layout test: the same on every database, run once (on SQLite)
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("size", [SMALL, SIZE], ids=["80x24", "160x45"])
async def test_every_order_dialog_keeps_its_buttons_on_screen(services, size):
    dispatch_me = heating_order(services, to_dispatcher=True, confidential=True)
    review_me = heating_order(services)
    act(services, "5001", "demo", review_me, Action.SIGN)
    act(services, "5001", "demo", review_me, Action.REQUEST_EXTENSION, "需更换主管道",
        new_due_at=FROZEN_AT.replace(day=30))
    app = make_app(services)
    async with app.run_test(size=size) as pilot:
        await login(pilot, "3001")
        await press(pilot, "2")  # 待派单
        await open_detail(pilot)
        assert app.screen.number == dispatch_me
        for key in ("d", "n"):  # dispatch, consultation
            await _dialog_fits(pilot, key)
        await press(pilot, "escape")
        await press(pilot, "4")  # 延期审核
        await open_detail(pilot)
        for key in ("a", "j"):
            await _dialog_fits(pilot, key)
    # the unit: the contact note (the most fields: the caller, result, note) and the others
    heating_order(services, confidential=True)
    app = make_app(services)
    async with app.run_test(size=size) as pilot:
        await login(pilot, "5001")
        await press(pilot, "2")  # 待签收
        await open_detail(pilot)
        for key in ("s", "t", "l"):
            await _dialog_fits(pilot, key)
        await press(pilot, "s", "enter")  # sign it
        assert app.screen.current.status == OrderStatus.IN_PROGRESS
        for key in ("c", "e", "x", "l"):
            await _dialog_fits(pilot, key)
    # the callback desk (回访, 重办) and the supervisor (督办)
    act(services, "3001", "demo", review_me, Action.APPROVE_EXTENSION, "同意")
    act(services, "5001", "demo", review_me, Action.COMPLETE, "已更换主管道",
        resolution="已解决", caller_view="满意")
    for staff_no, queue, keys in (("3002", None, ("b", "o")), ("3003", "1", ("u",))):
        app = make_app(services)
        async with app.run_test(size=size) as pilot:
            await login(pilot, staff_no)  # 回访员 open on 待回访
            if queue:
                await press(pilot, queue)  # 全部: the newest order, awaiting sign
            await open_detail(pilot)
            for key in keys:
                await _dialog_fits(pilot, key)


async def test_at_80x24_the_complete_dialog_scrolls_and_confirms(services):
    number = heating_order(services, confidential=True)
    act(services, "5001", "demo", number, Action.SIGN)
    app = make_app(services)
    async with app.run_test(size=SMALL) as pilot:
        await login(pilot, "5001")
        await open_detail(pilot)
        await press(pilot, "c")
        dialog = app.screen
        # result (已解决), the caller's view, then the reason, all by keys
        await press(pilot, "tab", "enter")  # 满意
        await press(pilot, "tab")
        assert app.focused.id == "act-reason"
        assert on_screen(app, app.focused)
        app.focused.value = "已上门处理，室温恢复到20℃"
        await press(pilot, "enter")
        assert not dialog.is_attached
    assert services.orders.show(number).status == OrderStatus.COMPLETED
