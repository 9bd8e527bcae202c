"""The centre's review queues driven by keys through the real console.

The unit's liaison (5001, 城区集中供热公司) *requests* from the order detail; the centre's
dispatcher (3001) opens the queue, the order and *decides* (Art. 17, 18(4), 18(6)). Then the
seat's online intake queue (F12, Art. 3) and the expert seat's queue (Art. 14–15)."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select
from textual.widgets import DataTable, Input, Select, TextArea

from agent_console.domain.enums import OrderStatus, TransferStatus
from agent_console.domain.workflow import Action
from agent_console.store.engine import make_session_factory
from agent_console.store.models import ExpertTransfer, IntakeRecord, OnlineSubmission, WorkOrder
from agent_console.ui.screens.dialogs import CallEndDialog, DispatchDialog
from agent_console.ui.screens.expert_queue import ExpertQueueScreen
from agent_console.ui.screens.order_detail import ActionDialog, NoteDialog, OrderDetailScreen
from agent_console.ui.screens.orders import OrdersScreen
from tests.conftest import FROZEN_AT
from tests.services.helpers import HEATING_PATH, category_id, draft
from tests.ui.helpers import SIZE, login, make_app, make_order, screen_text, settle

LIAISON, CENTRE = "5001", "3001"
UNIT = "通辽市城区集中供热公司"
DATE = "%Y-%m-%d %H:%M"
RETURN_REASON = "该小区由科尔沁区自管供热站供热，不属本公司供热范围（依据：供热特许经营协议附件二）"


# ---------------------------------------------------------------------- helpers
def notices(app) -> str:
    return " ".join(app.said)


def timeline(app) -> list[str]:
    """The order detail's event rows, each as its cells joined by '|'."""
    table = app.screen.query_one("#order-events", DataTable)
    return ["|".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]


def dialog_error(app) -> str:
    return str(app.screen.query_one("#dialog-error").render())


def all_rows(services, model):
    with make_session_factory(services.engine)() as s:
        return s.scalars(select(model)).all()


async def open_first(pilot) -> None:
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, OrderDetailScreen)


async def queue(pilot, key: str) -> str:
    """Switch the orders list to queue ``key`` and return what the screen shows."""
    assert isinstance(pilot.app.screen, OrdersScreen)
    await pilot.press(key)
    await settle(pilot)
    return screen_text(pilot.app)


async def decide(pilot, key: str, reason: str) -> None:
    """Open the action dialog with ``key``, fill the reason, confirm with Enter."""
    await pilot.press(key)
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, ActionDialog)
    field = dialog.query_one("#act-reason", Input)
    field.value = reason
    dialog.set_focus(field)
    await pilot.press("enter")
    await settle(pilot)


async def sign(pilot) -> None:
    await pilot.press("s")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def log_contact(pilot, result_downs: int, note: str) -> None:
    """'l' in the order detail: pick the result by keys (↓ from 已联系上), type a note."""
    await pilot.press("l")
    await settle(pilot)
    assert isinstance(pilot.app.screen, NoteDialog)
    await pilot.press("shift+tab")  # from the note to the result buttons
    await pilot.press(*["down"] * result_downs, "enter")
    await pilot.press("tab")
    pilot.app.screen.query_one("#note-text", Input).value = note
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, OrderDetailScreen)


async def type_into(pilot, selector: str, text: str) -> None:
    """Clear a dialog field and type ``text`` key by key."""
    pilot.app.screen.set_focus(pilot.app.screen.query_one(selector, Input))
    await pilot.press("ctrl+u", *text)


# ---------------------------------------------------------------------- return (Art. 17)
async def test_return_approved_then_redispatched_to_another_unit(services, agent):
    number = make_order(services, agent)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, LIAISON)
        await open_first(pilot)
        assert "t 申请退回" in screen_text(app)
        await decide(pilot, "t", RETURN_REASON)
        view = services.orders.show(number)
        assert view.status == OrderStatus.RETURN_REVIEW
        last = view.events[-1]
        assert (last.action, last.from_status, last.to_status, last.reason) == \
            ("request_return", "待签收", "退回审核", RETURN_REASON)
        text = screen_text(app)
        assert f"{number}  退回审核" in text and "当前状态下您没有可执行的操作" in text
        assert RETURN_REASON in timeline(app)[-1]
        await pilot.press("escape")
        await settle(pilot)
        assert f"审核中：工单 1 件（{UNIT}）" in await queue(pilot, "4")

    centre = make_app(services)
    async with centre.run_test(size=SIZE) as pilot:
        await login(pilot, CENTRE)
        assert "退回审核：工单 1 件" in await queue(pilot, "3")
        await open_first(pilot)
        text = screen_text(centre)
        assert "a 同意退回" in text and "j 驳回退回" in text
        assert RETURN_REASON in timeline(centre)[-1]  # the unit's reason and basis
        await decide(pilot, "a", "经核实属科尔沁区自管站，同意退回，重新派单")
        view = services.orders.show(number)
        assert view.status == OrderStatus.AWAITING_DISPATCH
        assert (view.events[-1].action, view.events[-1].to_status) == ("approve_return", "待派单")
        assert "d 派单" in screen_text(centre)

        # redispatch through the dialog: open the unit list, type to find, pick, confirm
        await pilot.press("d")
        await settle(pilot)
        dialog = centre.screen
        assert isinstance(dialog, ActionDialog)
        lead = dialog.query_one("#act-lead", Select)
        assert lead.value == view.lead_unit_id  # the current lead is preselected
        await pilot.press("enter", *"科尔沁区", "enter")
        await settle(pilot)
        kerqin = services.catalog.unit_by_code("kerqin").id
        assert lead.value == kerqin
        await pilot.press("tab", "enter")
        await settle(pilot)
        view = services.orders.show(number)
        assert view.status == OrderStatus.AWAITING_SIGN
        assert view.lead_unit == "科尔沁区人民政府"
        assert [e.action for e in view.events] == \
            ["create", "request_return", "approve_return", "dispatch"]
        assert "牵头：科尔沁区人民政府" in screen_text(centre)
        await pilot.press("escape")
        await settle(pilot)
        assert "退回审核：工单 0 件" in screen_text(centre)

    again = make_app(services)
    async with again.run_test(size=SIZE) as pilot:
        await login(pilot, LIAISON)  # the order has left the heating company's list
        assert f"全部：工单 0 件（{UNIT}）" in screen_text(again)


async def test_return_rejected_goes_back_to_the_unit_with_the_reason(services, agent):
    number = make_order(services, agent)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, LIAISON)
        await open_first(pilot)
        await sign(pilot)
        await decide(pilot, "t", RETURN_REASON)
        assert services.orders.show(number).status == OrderStatus.RETURN_REVIEW

    # typed key by key below; Pilot.press drops full-width punctuation (it sends "，" as a
    # key without a character), so this reason has none
    reject = "经核实该楼属贵公司管网请继续办理"
    centre = make_app(services)
    async with centre.run_test(size=SIZE) as pilot:
        await login(pilot, CENTRE)
        await queue(pilot, "3")
        await open_first(pilot)
        await pilot.press("j")
        await settle(pilot)
        assert isinstance(centre.screen, ActionDialog)
        await pilot.press(*reject)
        assert centre.screen.query_one("#act-reason", Input).value == reject
        await pilot.press("enter")
        await settle(pilot)
        view = services.orders.show(number)
        assert view.status == OrderStatus.IN_PROGRESS
        last = view.events[-1]
        assert (last.action, last.from_status, last.to_status, last.reason) == \
            ("reject_return", "退回审核", "办理中", reject)
        # Art. 17: a rejected return is the centre's ruling, not the unit refusing the order;
        # Art. 19(1) is raised only if the unit asks to return it again (test_supervision)
        assert view.supervision_level == 0
        text = screen_text(centre)
        assert f"{number}  办理中" in text and "a 同意退回" not in text
        await pilot.press("escape")
        await settle(pilot)
        assert "退回审核：工单 0 件" in screen_text(centre)

    unit = make_app(services)
    async with unit.run_test(size=SIZE) as pilot:
        await login(pilot, LIAISON)
        assert f"办理中：工单 1 件（{UNIT}）" in await queue(pilot, "3")
        await open_first(pilot)
        rows = timeline(unit)
        assert "驳回退回" in rows[-1] and reject in rows[-1]
        assert not any("督办" in row for row in rows)  # a rejection alone is no supervision
        assert "t 申请退回" in screen_text(unit)  # may ask again (that would be 19(1))


# ---------------------------------------------------------------------- extension (Art. 18(4))
async def test_extension_approved_moves_the_due_date(services, agent):
    number = make_order(services, agent)
    due = services.orders.show(number).due_at
    wanted = due + timedelta(days=7)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, LIAISON)
        await open_first(pilot)
        await sign(pilot)
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)
        assert app.focused.id == "act-due"
        # a date before the current deadline: refused in the dialog, nothing typed is lost
        early = (due - timedelta(days=1)).strftime(DATE)
        await pilot.press(*early, "tab")
        dialog.query_one("#act-reason", Input).value = "需更换入户管道，材料到货需一周"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog
        assert "延期后的时限须晚于当前办理时限" in dialog_error(app)
        assert dialog.query_one("#act-due", Input).value == early
        assert dialog.query_one("#act-reason", Input).value == "需更换入户管道，材料到货需一周"
        assert services.orders.show(number).status == OrderStatus.IN_PROGRESS
        await type_into(pilot, "#act-due", wanted.strftime(DATE))
        await pilot.press("enter")  # Enter in the date field confirms the whole dialog
        await settle(pilot)
        view = services.orders.show(number)
        assert view.status == OrderStatus.EXTENSION_REVIEW
        assert view.requested_due_at == wanted and view.due_at == due  # not moved yet
        assert (view.events[-1].action, view.events[-1].reason) == \
            ("request_extension", "需更换入户管道，材料到货需一周")
        assert f"申请延期至：{wanted:%Y-%m-%d %H:%M}" in screen_text(app)

    centre = make_app(services)
    async with centre.run_test(size=SIZE) as pilot:
        await login(pilot, CENTRE)
        assert "延期审核：工单 1 件" in await queue(pilot, "4")
        await open_first(pilot)
        text = screen_text(centre)
        assert f"申请延期至：{wanted:%Y-%m-%d %H:%M}" in text
        assert "a 同意延期" in text and "j 驳回延期" in text
        await decide(pilot, "a", "理由充分，同意延期一周")
        view = services.orders.show(number)
        assert view.status == OrderStatus.IN_PROGRESS
        assert view.due_at == wanted and view.requested_due_at is None
        last = view.events[-1]
        assert (last.action, last.from_status, last.to_status, last.reason) == \
            ("approve_extension", "延期审核", "办理中", "理由充分，同意延期一周")
        text = screen_text(centre)
        assert f"办结时限：{wanted:%Y-%m-%d %H:%M}" in text and "申请延期至" not in text
        await pilot.press("escape")
        await settle(pilot)
        assert "延期审核：工单 0 件" in screen_text(centre)


async def test_extension_rejected_keeps_the_due_date(services, agent):
    number = make_order(services, agent)
    due = services.orders.show(number).due_at
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, LIAISON)
        await open_first(pilot)
        await sign(pilot)
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        await pilot.press(*"2026/12/20", "tab")
        dialog.query_one("#act-reason", Input).value = "诉求人家中无人，暂无法入户"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog and "延期时限格式应为 YYYY-MM-DD HH:MM" in dialog_error(app)
        await type_into(pilot, "#act-due", "2026-12-20 17:30")
        await pilot.press("enter")
        await settle(pilot)
        assert services.orders.show(number).status == OrderStatus.EXTENSION_REVIEW

    centre = make_app(services)
    async with centre.run_test(size=SIZE) as pilot:
        await login(pilot, CENTRE)
        await queue(pilot, "4")
        await open_first(pilot)
        await decide(pilot, "j", "可预约入户时间，不予延期")
        view = services.orders.show(number)
        assert view.status == OrderStatus.IN_PROGRESS
        assert view.due_at == due and view.requested_due_at is None
        assert (view.events[-1].action, view.events[-1].reason) == \
            ("reject_extension", "可预约入户时间，不予延期")
        text = screen_text(centre)
        assert f"办结时限：{due:%Y-%m-%d %H:%M}" in text and "申请延期至" not in text
        assert "驳回延期" in timeline(centre)[-1]


# ---------------------------------------------------------------------- termination (Art. 18(6))
async def ask_termination(pilot, reason: str, evidence: str) -> None:
    """'x' in the order detail: the reason and the evidence note (证明材料说明), Enter."""
    await pilot.press("x")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, ActionDialog)
    dialog.query_one("#act-evidence", Input).value = evidence
    field = dialog.query_one("#act-reason", Input)
    field.value = reason
    dialog.set_focus(field)
    await pilot.press("enter")
    await settle(pilot)


async def test_termination_needs_spaced_failed_contacts_and_evidence_then_centre_approves(
        services, agent, clock):
    number = make_order(services, agent)
    reason = "两次致电均未接通，上门无人，无法核实诉求"
    evidence = "上午9:30、下午14:40两次致电未接通，通话记录截图已留存"
    liaison = services.accounts.authenticate(LIAISON, "demo")

    async def log_contact(pilot, result_downs: int, note: str) -> None:
        """The attempt through the service (the contact dialog has its own tests), then r."""
        result = ("reached", "no_answer", "refused")[result_downs]
        services.orders.log_contact(liaison, number, result, note)
        await pilot.press("r")
        await settle(pilot)

    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, LIAISON)
        await open_first(pilot)
        await sign(pilot)
        await log_contact(pilot, 0, "已联系上，约定次日上门")  # reached: not evidence
        await log_contact(pilot, 1, "第一次回访电话未接")
        await ask_termination(pilot, reason, evidence)
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)  # refused: the dialog stays
        message = dialog_error(app)
        assert "至少2次" in message and "目前1次" in message and "第十八条第（六）项" in message
        assert dialog.query_one("#act-reason", Input).value == reason  # kept
        assert dialog.query_one("#act-evidence", Input).value == evidence
        view = services.orders.show(number)
        assert view.status == OrderStatus.IN_PROGRESS
        assert [e.action for e in view.events][-1] == "contact"
        await pilot.press("escape")
        await settle(pilot)
        clock.advance(minutes=1)
        await log_contact(pilot, 2, "诉求人拒绝提供门牌号")  # 诉求人拒不配合, a minute later
        await ask_termination(pilot, reason, evidence)
        assert isinstance(app.screen, ActionDialog)  # two calls a minute apart count once
        assert "相隔至少4小时" in dialog_error(app) and "只算1次" in dialog_error(app)
        await pilot.press("escape")
        await settle(pilot)
        clock.advance(hours=5)
        await log_contact(pilot, 1, "下午再次致电未接")
        assert sum("联系诉求人" in row for row in timeline(app)) == 4
        await ask_termination(pilot, reason, "")
        assert isinstance(app.screen, ActionDialog)  # the evidence note is required
        assert "证明材料说明不能为空" in dialog_error(app)
        app.screen.query_one("#act-evidence", Input).value = evidence
        app.screen.set_focus(app.screen.query_one("#act-reason", Input))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, OrderDetailScreen)
        view = services.orders.show(number)
        assert view.status == OrderStatus.TERMINATION_REVIEW
        assert (view.events[-1].action, view.events[-1].reason) == \
            ("request_termination", f"{reason}；证明材料：{evidence}")

    centre = make_app(services)
    async with centre.run_test(size=SIZE) as pilot:
        await login(pilot, CENTRE)
        assert "终止审核：工单 1 件" in await queue(pilot, "5")
        await open_first(pilot)
        assert "a 同意终止" in screen_text(centre)
        assert sum("联系诉求人" in row for row in timeline(centre)) == 4  # the attempts
        await pilot.press("a")
        await settle(pilot)
        assert f"承办单位的证明材料说明：{evidence}" in screen_text(centre)  # shown to review
        await pilot.press("escape")
        await settle(pilot)
        await decide(pilot, "a", "联系记录完整，同意终止办理")
        view = services.orders.show(number)
        assert view.status == OrderStatus.TERMINATED
        last = view.events[-1]
        assert (last.action, last.from_status, last.to_status) == \
            ("approve_termination", "终止审核", "已终止")
        assert f"{number}  已终止" in screen_text(centre)
        await pilot.press("escape")
        await settle(pilot)
        assert "终止审核：工单 0 件" in screen_text(centre)


# ---------------------------------------------------------------------- bad input in a review
async def test_review_dialog_refuses_bad_reasons_and_stores_odd_text_verbatim(services, agent):
    number = make_order(services, agent)
    liaison = services.accounts.authenticate(LIAISON, "demo")
    _, version = services.orders.status_of(number)
    services.orders.act(liaison, number, Action.REQUEST_RETURN, version, RETURN_REASON)
    before = services.orders.show(number)
    odd = "[bold]x[/bold] [@click=app.quit] 𠮷野家供热站😡 请继续办理"
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, CENTRE)
        await queue(pilot, "3")
        await open_first(pilot)
        await pilot.press("a")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)
        for bad, message in (("", "理由不能为空"), ("   ", "理由不能为空"),
                             ("同意\x07退回", "控制字符"), ("长" * 1001, "理由过长")):
            field = dialog.query_one("#act-reason", Input)
            field.value = bad
            dialog.set_focus(field)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is dialog, bad
            assert message in dialog_error(app), bad
            assert field.value == bad  # what was typed stays
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, OrderDetailScreen)
        assert services.orders.show(number) == before  # nothing changed at all

        await decide(pilot, "j", odd)
        assert app.is_running  # the [@click=…] in the reason did not become an action
        view = services.orders.show(number)
        assert view.status == OrderStatus.IN_PROGRESS
        assert (view.events[-1].action, view.events[-1].reason) == ("reject_return", odd)
        table = app.screen.query_one("#order-events", DataTable)
        assert table.get_row_at(table.row_count - 1)[-1].plain == odd  # shown as typed
        assert f"已驳回退回：{number}" in notices(app)
        await pilot.press("r")  # a reload reads it back from the database the same way
        await settle(pilot)
        assert table.get_row_at(table.row_count - 1)[-1].plain == odd
        assert app.is_running


# ---------------------------------------------------------------------- online intake (F12)
def import_submission(services, tmp_path, **fields) -> None:
    row = {"channel": "蒙速办", "id": "msb-2026-118", "content": "小区暖气不热，家里只有十几度，已经三天了",
           "phone": "13800001111", "name": "李四", "address": "科尔沁区和平路8号",
           "region": "科尔沁区", "received_at": "2026-11-26T08:15:00"}
    row.update(fields)
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(row, ensure_ascii=False), encoding="utf-8")
    assert services.online.import_file(path).added == 1


async def test_f12_submission_becomes_a_work_order_the_unit_receives(services, tmp_path):
    import_submission(services, tmp_path)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await pilot.press("f12")
        await settle(pilot, 0.8)
        form = app.screen.form.draft()
        assert (form.channel, form.region, form.caller_name) == ("蒙速办", "科尔沁区", "李四")
        assert form.category_id is not None  # suggested from the content, as for a call
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(app.screen, DispatchDialog)
        await pilot.press("enter")
        await settle(pilot)
        (order,) = all_rows(services, WorkOrder)
        (record,) = all_rows(services, IntakeRecord)
        (sub,) = all_rows(services, OnlineSubmission)
        assert record.channel == "蒙速办" and record.outcome == "work_order"
        assert (sub.status, sub.intake_id) == ("processed", record.id)
        assert order.intake_id == record.id
        assert services.catalog.units()[order.lead_unit_id].name == UNIT
        assert services.online.pending_count() == 0
        assert f"{order.number} 已派发至 {UNIT}" in notices(app)
        assert app.screen.query_one("#f-content", TextArea).text == ""  # ready for the next

    unit = make_app(services)
    async with unit.run_test(size=SIZE) as pilot:
        await login(pilot, LIAISON)
        assert f"待签收：工单 1 件（{UNIT}）" in await queue(pilot, "2")
        await open_first(pilot)
        text = screen_text(unit)
        assert order.number in text and "已经三天了" in text


async def test_f12_waits_for_the_open_call_and_ctrl_n_puts_the_submission_back(
        services, tmp_path):
    import_submission(services, tmp_path)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await pilot.press(*"139")  # a phone call is being taken
        await pilot.press("f12")
        await settle(pilot)
        assert "请先结束当前受理" in notices(app)
        assert app.screen.query_one("#f-number", Input).value == "139"  # kept
        assert services.online.pending_count() == 1
        await pilot.press("ctrl+n")
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("f12")
        await settle(pilot, 0.5)
        assert app.screen.form.draft().caller_number == "13800001111"
        assert services.online.pending_count() == 0  # taken by this seat
        await pilot.press("ctrl+n")  # the agent abandons it
        await settle(pilot)
        assert isinstance(app.screen, CallEndDialog)
        await pilot.press("3")
        await settle(pilot)
        assert "网上来件已退回队列" in notices(app)
        assert services.online.pending_count() == 1
        assert app.screen.form.draft().is_blank
        await pilot.press("f12")  # and it can be taken again
        await settle(pilot, 0.5)
        assert app.screen.form.draft().submission_id == all_rows(services, OnlineSubmission)[0].id
        assert all_rows(services, IntakeRecord) == []


# ---------------------------------------------------------------------- expert queue
async def test_expert_queue_refreshes_closes_and_shows_done_transfers(services, agent, clock):
    from agent_console.domain.enums import Presence

    cat = category_id(services, HEATING_PATH)
    services.expert.set_presence(services.accounts.authenticate("2002", "demo"),
                                 Presence.AVAILABLE)
    services.intake.transfer_to_expert(agent, draft(category_id=cat), FROZEN_AT, None, True)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "2002")
        assert isinstance(app.screen, ExpertQueueScreen)
        table = app.screen.query_one("#transfers", DataTable)
        assert "待接听 1 通，共 1 通" in screen_text(app)
        # a second, confidential call arrives while the expert watches: no key needed
        clock.advance(minutes=1)  # within the presence's TTL (no heartbeat on a frozen clock)
        second = services.intake.transfer_to_expert(
            agent, draft(category_id=cat, caller_number="13700002222", confidential=True,
                         content="单元楼暖气片冰凉，物业说是管网问题"), clock.now(), None, True)
        await settle(pilot, 3.3)
        assert "待接听 2 通，共 2 通" in screen_text(app)
        newest = [str(c) for c in table.get_row_at(0)]
        assert newest[4] == "137****2222"  # confidential caller masked
        assert "暖气片冰凉" in newest[6]
        services.expert.take_back(agent, second.transfer_id)  # the seat took it back
        await settle(pilot, 3.3)
        rows = {t.id: t.status for t in all_rows(services, ExpertTransfer)}
        assert sorted(rows.values()) == sorted([TransferStatus.CLOSED, TransferStatus.WAITING])
        assert table.row_count == 1 and "待接听 1 通，共 1 通" in screen_text(app)
        await pilot.press("h")
        await settle(pilot)
        assert table.row_count == 2
        statuses = [str(table.get_row_at(i)[2]) for i in range(2)]
        assert statuses.count("坐席已收回") == 1
        closed_row = statuses.index("坐席已收回")
        steps = closed_row - table.cursor_row
        await pilot.press(*["down" if steps > 0 else "up"] * abs(steps))
        assert table.cursor_row == closed_row
        await pilot.press("a")  # a finished call cannot be accepted again
        await settle(pilot)
        assert "这通来电已接听或已结束" in notices(app)
        assert str(table.get_row_at(closed_row)[2]) == "坐席已收回"
        await pilot.press("h")
        await settle(pilot)
        assert table.row_count == 1
