"""The hotline centre and the handling unit move an order through the console."""

from __future__ import annotations

from textual.widgets import DataTable, Input

from agent_console.domain.enums import OrderStatus
from agent_console.ui.screens.order_detail import ActionDialog, OrderDetailScreen
from agent_console.ui.screens.orders import OrdersScreen
from tests.ui.helpers import SIZE, login, make_app, make_order, screen_text, settle, type_call


async def open_first(pilot):
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, OrderDetailScreen)


async def test_liaison_signs_and_completes_then_centre_reopens(services, agent):
    number = make_order(services, agent)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "5001")
        assert isinstance(app.screen, OrdersScreen)
        await open_first(pilot)
        assert "s 签收" in screen_text(app)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, ActionDialog)
        await pilot.press("enter")
        await settle(pilot)
        assert services.orders.show(number).status == OrderStatus.IN_PROGRESS
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("tab", "tab")  # past 办理结果 (已解决) and the caller's view, to the reason
        await pilot.press("enter")  # completing needs a result: refused, dialog stays
        await settle(pilot)
        assert services.orders.show(number).status == OrderStatus.IN_PROGRESS
        app.screen.query_one("#act-reason", Input).value = "已上门处理，室温恢复到20℃"
        await pilot.press("enter")  # the caller's view (Art. 18(3)) is still missing
        await settle(pilot)
        assert "诉求人对办理结果的意见" in str(app.screen.query_one("#dialog-error").render())
        assert services.orders.show(number).status == OrderStatus.IN_PROGRESS
        await pilot.press("shift+tab", "enter", "tab", "enter")  # 满意, then confirm
        await settle(pilot)
        view = services.orders.show(number)
        assert view.status == OrderStatus.COMPLETED
        assert view.events[-1].reason == "办理结果：已解决；诉求人意见：满意；已上门处理，室温恢复到20℃"
        table = app.screen.query_one("#order-events", DataTable)
        assert table.row_count == 3
    centre = make_app(services)
    async with centre.run_test(size=SIZE) as pilot:
        await login(pilot, "3002")  # callback staff open on their own queue, 待回访
        assert "待回访：工单 1 件" in screen_text(centre)
        await open_first(pilot)
        await pilot.press("b")
        await settle(pilot)
        ruling = centre.screen.query_one("#act-ruling")
        assert not ruling.display  # asked only for an unsatisfied caller
        await pilot.press("down", "down", "enter")  # 不满意
        await settle(pilot)
        assert ruling.display
        await pilot.press("tab", "enter")  # 合理合法，退回重办
        await pilot.press("tab")
        centre.screen.query_one("#act-reason", Input).value = "室温仍然偏低"
        await pilot.press("enter")
        await settle(pilot)
        view = services.orders.show(number)
        # Art. 20: reasonable and lawful → back to the unit at once, with a new deadline
        assert view.status == OrderStatus.IN_PROGRESS and view.reopen_count == 1
        assert [e.action for e in view.events][-3:] == ["callback", "reopen", "supervise"]
        assert view.events[-3].reason == "满意度：不满意；裁定：诉求合理合法；室温仍然偏低"


async def test_unsatisfied_callback_needs_a_ruling(services, agent):
    number = make_order(services, agent)
    liaison = services.accounts.authenticate("5001", "demo")
    from agent_console.domain.workflow import Action

    for action, reason, kw in ((Action.SIGN, "", {}),
                               (Action.COMPLETE, "已答复：超出供暖合同约定",
                                {"resolution": "已解决", "caller_view": "不满意"})):
        _, version = services.orders.status_of(number)
        services.orders.act(liaison, number, action, version, reason, **kw)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "3002")
        await open_first(pilot)
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("down", "down", "enter")  # 不满意
        await pilot.press("tab", "tab")  # past the ruling, to the reason
        app.screen.query_one("#act-reason", Input).value = "要求提前供暖"
        await pilot.press("enter")
        await settle(pilot)
        assert "请裁定诉求是否合理合法" in str(app.screen.query_one("#dialog-error").render())
        assert services.orders.show(number).status == OrderStatus.COMPLETED  # nothing written
        assert app.screen.query_one("#act-reason", Input).value == "要求提前供暖"  # kept
        await pilot.press("shift+tab", "down", "enter")  # 不合理或不合法，不予重办
        await pilot.press("tab", "enter")
        await settle(pilot)
        view = services.orders.show(number)
        assert view.status == OrderStatus.CALLED_BACK and view.reopen_count == 0
        assert view.events[-1].reason == "满意度：不满意；裁定：诉求不合理或不合法；要求提前供暖"


async def test_stale_screen_gets_the_fresh_state(services, agent):
    number = make_order(services, agent)
    liaison = services.accounts.authenticate("5001", "demo")
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "5001")
        await open_first(pilot)
        # someone else signs first, while this screen still shows 待签收
        _, version = services.orders.status_of(number)
        from agent_console.domain.workflow import Action

        services.orders.act(liaison, number, Action.SIGN, version)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "已被他人处理" in " ".join(app.said)
        assert app.screen.current.status == OrderStatus.IN_PROGRESS
        assert len(services.orders.show(number).events) == 2  # no duplicate event


async def test_search_and_queues(services, agent):
    number = make_order(services, agent)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "3001")
        await pilot.press("slash")
        app.screen.query_one("#orders-search", Input).value = "暖气"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#orders", DataTable).row_count == 1
        app.screen.query_one("#orders-search", Input).value = "13912345678"
        app.screen.query_one("#orders-search", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#orders", DataTable).row_count == 1
        app.screen.query_one("#orders-search", Input).value = "公积金"
        app.screen.query_one("#orders-search", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#orders", DataTable).row_count == 0
        assert number


async def test_supervision_screen_scans_and_ranks(services, agent, clock):
    from agent_console.ui.screens.supervision import SupervisionScreen

    number = make_order(services, agent)
    clock.advance(days=20)  # a complaint has 10 working days
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "3003")
        assert "超期：工单 1 件" in screen_text(app)  # a supervisor opens on the overdue queue
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, SupervisionScreen)
        await pilot.press("u")
        await settle(pilot)
        assert services.orders.show(number).supervision_level >= 1
        ranking = app.screen.query_one("#ranking", DataTable)
        assert ranking.row_count >= 1
        assert app.screen.query_one("#stale", DataTable).row_count >= 1
        await pilot.press("escape")
        await pilot.press("1")  # 全部
        await settle(pilot)
        assert "全部：工单 1 件" in screen_text(app)


async def test_liaison_logs_a_contact_attempt(services, agent):
    number = make_order(services, agent)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "5001")
        await open_first(pilot)
        await pilot.press("l")
        await settle(pilot)
        from textual.widgets import RadioButton

        app.screen.query(RadioButton)[1].value = True  # 未接通
        app.screen.query_one("#note-text", Input).value = "致电未接，已发短信"
        app.screen.set_focus(app.screen.query_one("#note-text", Input))
        await pilot.press("enter")
        await settle(pilot)
        events = services.orders.show(number).events
        assert events[-1].action == "contact" and events[-1].reason.startswith("未接通")
        assert "联系诉求人" in str(app.screen.query_one("#order-events", DataTable).get_row_at(1))


async def test_unclear_ownership_goes_to_the_dispatch_queue_and_is_dispatched(services, agent):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await type_call(pilot, "13912345678", "小区暖气不热，家里只有十几度")
        await pilot.press("f7")
        await settle(pilot)
        await pilot.click("#to-dispatcher")
        await settle(pilot)
    number = services.records.orders()[0].number
    view = services.orders.show(number)
    assert view.status == OrderStatus.AWAITING_DISPATCH
    assert "交派单员" in view.events[0].reason
    centre = make_app(services)
    async with centre.run_test(size=SIZE) as pilot:
        await login(pilot, "3001")
        await pilot.press("2")  # 待派单
        await settle(pilot)
        assert "待派单：工单 1 件" in screen_text(centre)
        await open_first(pilot)
        await pilot.press("n")  # consultation record first (Art. 16(3))
        await settle(pilot)
        from textual.widgets import SelectionList

        centre.screen.query_one(SelectionList).select(services.catalog.unit_by_code("zjj").id)
        centre.screen.query_one("#note-text", Input).value = "与住建局协商：由供热企业牵头"
        centre.screen.set_focus(centre.screen.query_one("#note-text", Input))
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert centre.screen.query_one("#act-lead").value == view.lead_unit_id  # suggested
        centre.screen.query_one("#act-reason", Input).value = "协商确定"
        centre.screen.set_focus(centre.screen.query_one("#act-reason", Input))
        await pilot.press("enter")
        await settle(pilot)
    view = services.orders.show(number)
    assert view.status == OrderStatus.AWAITING_SIGN
    assert [e.action for e in view.events] == ["create", "consult", "dispatch"]


async def test_supervision_notices_per_unit_and_the_units_supervised_queue(services, agent, clock):
    from agent_console.ui.screens.supervision import SupervisionScreen

    number = make_order(services, agent)
    make_order(services, agent)  # a second order of the same unit
    clock.advance(hours=3)  # both past the sign-for deadline: Art. 19(1)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "3003")
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, SupervisionScreen)
        await pilot.press("u")
        await settle(pilot)
        ranking = app.screen.query_one("#ranking", DataTable)
        heat_row = next(i for i in range(ranking.row_count)
                        if "城区集中供热" in str(ranking.get_row_at(i)[1]))
        ranking.move_cursor(row=heat_row)
        await settle(pilot)
        # two orders not signed for in time, and the unit's out-of-date KB articles
        assert "督办通知：通辽市城区集中供热公司（3 条" in screen_text(app)
        notices = app.screen.query_one("#notices", DataTable)
        reasons = [str(notices.get_row_at(i)[4]) for i in range(notices.row_count)]
        assert sum("仍未签收（第十九条第（一）项）" in r for r in reasons) == 2
        assert sum("第十九条第（四）项" in r for r in reasons) == 1
        await pilot.press("tab")  # to the notices
        kb_row = next(i for i, r in enumerate(reasons) if "第十九条第（四）项" in r)
        notices.move_cursor(row=kb_row)
        await pilot.press("enter")  # a unit-level notice has no order to open
        await settle(pilot)
        assert isinstance(app.screen, SupervisionScreen)
        notices.move_cursor(row=next(i for i, r in enumerate(reasons) if "未签收" in r))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, OrderDetailScreen)
    liaison = make_app(services)
    async with liaison.run_test(size=SIZE) as pilot:
        await login(pilot, "5001")
        await pilot.press("7")  # 被督办
        await settle(pilot)
        assert "被督办：工单 2 件" in screen_text(liaison)
        table = liaison.screen.query_one("#orders", DataTable)
        assert str(table.get_row_at(0)[-1]) == "1 级"
        await pilot.press("1")  # 全部: the column shows on every list
        await settle(pilot)
        assert {str(table.get_row_at(i)[-1]) for i in range(table.row_count)} == {"1 级"}
    assert services.orders.show(number).supervision_level == 1


async def test_a_long_queue_is_read_a_page_at_a_time(services, agent):
    """Every desk's change reads a queue again: it is read 100 orders at a time, and the next
    100 come when the cursor reaches the last row (nothing is out of reach)."""
    from agent_console.ui.screens.orders import PAGE

    numbers = [make_order(services, agent) for _ in range(PAGE + 5)]
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "3001")
        table = app.screen.query_one("#orders", DataTable)
        assert table.row_count == PAGE
        assert f"已显示前 {PAGE} 件（移到末行显示更多）" in screen_text(app)
        table.move_cursor(row=PAGE - 1)
        await settle(pilot)
        assert table.row_count == PAGE + 5 and f"工单 {PAGE + 5} 件" in screen_text(app)
        assert table.cursor_row == PAGE - 1  # still on the order it was on
        shown = {str(table.get_row_at(i)[0]) for i in range(table.row_count)}
        assert shown == set(numbers)
