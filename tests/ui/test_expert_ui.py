"""Art. 14–15 through the real screens: the seat's F6 with who is on duty, the wait and the
take-back, and the expert ending a call with each of the three outcomes; the seat's record
shows how it ended."""

from __future__ import annotations

from sqlalchemy import select
from textual.widgets import Checkbox, Input, TextArea

from agent_console.domain.enums import Presence, TransferOutcome, TransferStatus
from agent_console.store.engine import make_session_factory
from agent_console.store.models import ExpertPresence, ExpertTransfer, IntakeRecord, WorkOrder
from agent_console.ui.screens.dialogs import ConsentDialog, DispatchDialog
from agent_console.ui.screens.expert_queue import (
    ExpertAnswerDialog,
    ExpertNoteDialog,
    ExpertQueueScreen,
)
from tests.conftest import FROZEN_AT
from tests.services.helpers import HEATING_PATH, category_id, draft
from tests.ui.helpers import SIZE, login, make_app, said, screen_text, settle, type_call

HEAT = "小区暖气不热，家里只有十几度"


def one(services, model, **where):
    with make_session_factory(services.engine)() as s:
        return s.scalars(select(model).filter_by(**where)).one()


def transferred(services, agent, content: str = HEAT):
    d = draft(category_id=category_id(services, HEATING_PATH), content=content)
    return services.intake.transfer_to_expert(agent, d, FROZEN_AT, None, True, "电话转接")


async def seat_transfers(pilot, app) -> ExpertTransfer:
    await login(pilot)
    await type_call(pilot, "13912345678", HEAT)
    await pilot.press("f6")
    await settle(pilot)
    assert isinstance(app.screen, ConsentDialog)
    duty = screen_text(app)
    assert "2002 高志远" in duty and "空闲" in duty and "等待接听 0 通" in duty
    await pilot.press("y")
    await settle(pilot)
    assert "等待专家 2002 高志远接听" in screen_text(app)
    with make_session_factory(app.services.engine)() as s:
        return s.scalars(select(ExpertTransfer)).one()


async def seat_hears(pilot, app) -> None:
    app.screen._check_transfer()  # what the change feed (or the 5 s poll) starts
    await settle(pilot)


async def test_no_expert_logged_in_means_no_consent_dialog(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await type_call(pilot, "13912345678", HEAT)
        await pilot.press("f6")
        await settle(pilot)
        assert not isinstance(app.screen, ConsentDialog)
        assert "没有“供热/供暖质量/供暖温度不达标”的专家座席在岗" in said(app)


async def test_seat_waits_then_sees_the_expert_answer(services, expert):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        transfer = await seat_transfers(pilot, app)
        assert transfer.connection == "专家座席联动" and transfer.expert_id == expert.id
        await pilot.press("f5")  # the call is with the expert: the seat's outcomes wait
        await settle(pilot)
        assert "请等待专家结束，或按 F6 收回" in said(app)
        services.expert.accept(expert, transfer.id)
        await seat_hears(pilot, app)
        assert "专家 2002 高志远 已接听" in screen_text(app)
        await pilot.press("f6")
        await settle(pilot)
        assert "不能收回" in said(app)
        services.expert.answer(expert, transfer.id, "供热期室温不低于18℃，可申请上门测温")
        await seat_hears(pilot, app)
        assert "专家已答复" in screen_text(app)
        assert app.screen.query_one("#f-content", TextArea).text == ""  # ready for the next
        record = one(services, IntakeRecord, id=transfer.intake_id)
        assert record.answer_text.startswith("供热期室温")


async def test_seat_takes_the_call_back_and_answers_it_on_the_same_record(services, expert):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        transfer = await seat_transfers(pilot, app)
        await pilot.press("f6")  # nobody picked it up yet: back to the seat
        await settle(pilot)
        assert "坐席已收回" in screen_text(app)
        assert app.screen.query_one("#f-content", TextArea).text == HEAT  # nothing lost
        await pilot.press("escape")
        await pilot.press("f5")
        await settle(pilot)
        app.screen.query_one("#own-answer", Input).value = "已按供热政策向诉求人解释"
        await pilot.press("enter")
        await settle(pilot)
        record = one(services, IntakeRecord, id=transfer.intake_id)
        assert record.outcome == "answered"
        with make_session_factory(services.engine)() as s:
            assert len(s.scalars(select(IntakeRecord)).all()) == 1
        assert one(services, ExpertTransfer, id=transfer.id).outcome == TransferOutcome.TAKEN_BACK


async def test_handed_back_the_seat_makes_the_order(services, expert):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        transfer = await seat_transfers(pilot, app)
        services.expert.accept(expert, transfer.id)
        services.expert.hand_back(expert, transfer.id, "属于维修类诉求，[bold]请派单[/bold]")
        await seat_hears(pilot, app)
        assert "专家退回坐席：属于维修类诉求，[bold]请派单[/bold]" in screen_text(app)
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(app.screen, DispatchDialog)
        await pilot.press("enter")
        await settle(pilot)
        order = one(services, WorkOrder, intake_id=transfer.intake_id)
        assert order.number in said(app)
        assert one(services, IntakeRecord, id=transfer.intake_id).outcome == "work_order"


async def ok(pilot) -> None:
    """The dialog's 确认 (pressed, not clicked: a toast may lie over it)."""
    pilot.app.screen.query_one("#ok").press()
    await settle(pilot)


async def expert_on(pilot, app) -> ExpertQueueScreen:
    await login(pilot, "2002")
    assert isinstance(app.screen, ExpertQueueScreen)
    await settle(pilot)
    return app.screen


async def test_expert_answers_with_the_article_and_proposes_one(services, agent):
    services.expert.set_presence(services.accounts.authenticate("2002", "demo"),
                                 Presence.AVAILABLE)
    done = transferred(services, agent, "暖气不热，[@click=app.quit]测温找谁 𠮷")
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        screen = await expert_on(pilot, app)
        text = screen_text(app)
        assert "待接听 1 通" in text and "[@click=app.quit]测温找谁 𠮷" in text
        assert "接通方式：电话转接" in text
        await pilot.press("1")
        await settle(pilot)
        assert "请先按 a 接听" in said(app)
        await pilot.press("a")
        await settle(pilot)
        assert one(services, ExpertPresence, operator_id=screen.operator.id).status == "busy"
        await pilot.press("1")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ExpertAnswerDialog)
        dialog.query_one("#expert-answer", TextArea).text = "供热期室温不低于18℃，可申请上门测温"
        dialog.query_one("#propose", Checkbox).value = True
        await ok(pilot)
        row = one(services, ExpertTransfer, id=done.transfer_id)
        assert row.status == TransferStatus.CLOSED and row.outcome == "answered"
        assert row.propose_article
        assert one(services, ExpertPresence, operator_id=screen.operator.id).status == "available"
        assert "知识库建议已交中心审核" in said(app)


async def test_expert_makes_the_work_order_from_the_notes(services, agent):
    services.expert.set_presence(services.accounts.authenticate("2002", "demo"),
                                 Presence.AVAILABLE)
    done = transferred(services, agent)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await expert_on(pilot, app)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert isinstance(app.screen, ExpertNoteDialog)
        app.screen.query_one("#expert-note", TextArea).text = "二次管网失衡，请供热公司上门调试"
        await ok(pilot)
        assert isinstance(app.screen, DispatchDialog)
        await pilot.press("enter")
        await settle(pilot)
        order = one(services, WorkOrder, intake_id=done.intake_id)
        assert order.content == "二次管网失衡，请供热公司上门调试"
        assert one(services, ExpertTransfer, id=done.transfer_id).order_id == order.id


async def test_expert_hands_back_and_takes_a_break(services, agent):
    services.expert.set_presence(services.accounts.authenticate("2002", "demo"),
                                 Presence.AVAILABLE)
    done = transferred(services, agent)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        screen = await expert_on(pilot, app)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("b")  # not while on a call
        await settle(pilot)
        assert "通话中不能小休" in said(app)
        await pilot.press("3")
        await settle(pilot)
        note = app.screen.query_one("#expert-note", TextArea)
        await ok(pilot)  # empty: refused, the dialog stays
        assert isinstance(app.screen, ExpertNoteDialog) and "不能为空" in screen_text(app)
        note.text = "需要派单"
        await ok(pilot)
        seat = services.expert.seat_view(agent, done.transfer_id)
        assert seat.outcome == TransferOutcome.HANDED_BACK and seat.note == "需要派单"
        await pilot.press("b")
        await settle(pilot)
        assert services.expert.presence(screen.operator.id) is Presence.BREAK
        assert "小休" in screen_text(app)
