"""Each one-key outcome through the real screen: what the agent sees and what is stored."""

from __future__ import annotations

from sqlalchemy import select
from textual.widgets import Input, OptionList, TextArea

from agent_console.store.engine import make_session_factory
from agent_console.store.models import (
    CallerWarning,
    EmergencyHandoff,
    IntakeRecord,
    WorkOrder,
)
from agent_console.ui.screens.dialogs import (
    AnswerDialog,
    DispatchDialog,
    EmergencyDialog,
    ScriptPickDialog,
)
from tests.conftest import FROZEN_AT
from tests.services.helpers import draft
from tests.ui.helpers import SIZE, login, make_app, screen_text, settle, type_call

HEAT = "小区暖气不热，家里只有十几度"


def all_rows(services, model):
    with make_session_factory(services.engine)() as s:
        return s.scalars(select(model)).all()


def form_is_reset(app) -> bool:
    return (app.screen.query_one("#f-number", Input).value == ""
            and app.screen.query_one("#f-content", TextArea).text == ""
            and app.focused.id == "f-number")


async def test_typing_content_ranks_a_heating_article_and_suggests_category(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await type_call(pilot, "13912345678", HEAT)
        article = app.screen.selected_article()
        assert article is not None and article.domain == "供热"
        assert "答复口径" in screen_text(app)
        assert app.screen.form.draft().category_id == article.category_id
        assert "须立即转派" in screen_text(app)  # Art. 12 utility notice


async def test_f7_creates_a_work_order_to_a_heating_unit(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await type_call(pilot, "13912345678", HEAT)
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(app.screen, DispatchDialog)
        assert "建议牵头" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        (order,) = all_rows(services, WorkOrder)
        assert order.number == "TL20261126000001"
        lead = services.catalog.units()[order.lead_unit_id]
        assert "供热" in lead.domains
        assert "TL20261126000001" in screen_text(app)
        assert form_is_reset(app)


async def test_f7_with_bad_form_shows_errors_and_keeps_input(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await pilot.press(*"12")
        await pilot.press("f3")
        app.screen.query_one("#f-content", TextArea).insert("[@click=app.quit]暖气\x07不热")
        await settle(pilot, 0.7)
        await pilot.press("f7")
        await settle(pilot)
        text = screen_text(app)
        assert "来电号码无效" in text and "控制字符" in text
        assert app.screen.query_one("#f-number", Input).value == "12"
        assert "[@click=app.quit]" in app.screen.query_one("#f-content", TextArea).text
        assert app.is_running  # the markup in caller text did not become an action
        assert all_rows(services, IntakeRecord) == []


async def test_f5_answer_online_records_the_selected_article(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await type_call(pilot, "13912345678", HEAT)
        chosen = app.screen.selected_article().id
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, AnswerDialog)
        await pilot.press("enter")
        await settle(pilot)
        (record,) = all_rows(services, IntakeRecord)
        assert record.outcome == "answered" and record.kb_article_id == chosen
        assert "已直接答复" in screen_text(app)
        assert form_is_reset(app)


async def test_f8_not_accepted_shows_script_and_records_reason(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await type_call(pilot, "13912345678", "我的劳动争议已经申请仲裁了，想让热线督促")
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, ScriptPickDialog)
        await pilot.press("down")
        await settle(pilot)
        script = services.reference.not_accepted_reason(2).script
        assert script[:20] in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        (record,) = all_rows(services, IntakeRecord)
        assert record.outcome == "not_accepted" and record.not_accepted_code == 2


async def test_f9_emergency_banner_and_handoff(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await type_call(pilot, "13912345678", "邻居家厨房着火了，楼道里全是烟")
        banner = app.screen.query_one("#triage-banner")
        assert banner.has_class("emergency") and "119" in str(banner.render())
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, EmergencyDialog)
        await pilot.press("enter")
        await settle(pilot)
        (handoff,) = all_rows(services, EmergencyHandoff)
        assert handoff.service == "119" and "着火" in handoff.summary
        (record,) = all_rows(services, IntakeRecord)
        assert record.outcome == "emergency"


async def test_f10_warning_is_recorded_and_flags_next_call(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await type_call(pilot, "13912345678", "打电话来一直骂人，不说具体诉求")
        await pilot.press("f10")
        await settle(pilot)
        options = app.screen.query_one(OptionList)
        options.highlighted = 3
        await pilot.press("enter")
        await settle(pilot)
        (warning,) = all_rows(services, CallerWarning)
        assert warning.code == 4
        await pilot.press(*"13912345678")
        await settle(pilot, 0.5)
        assert "已被劝阻警示 1 次" in screen_text(app)


async def test_known_caller_history_and_repeat_notice(services, agent):
    first = services.intake.answer_online(agent, draft(content=HEAT), FROZEN_AT, None, "解释测温")
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await type_call(pilot, "13912345678", "我家小区暖气不热，屋里只有十几度")
        await settle(pilot, 0.8)
        text = screen_text(app)
        assert "历史诉求 1 条" in text
        assert "重复诉求提示" in text and f"#{first.intake_id}" in text


async def test_draft_is_restored_after_restart(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await type_call(pilot, "13912345678", "𠮷野家门口的路灯坏了😡 [bold]三天[/bold]")
        await pilot.press("tab")
        await settle(pilot, 0.7)
    again = make_app(services)
    async with again.run_test(size=SIZE) as pilot:
        await login(pilot)
        await settle(pilot, 0.3)
        assert again.screen.query_one("#f-number", Input).value == "13912345678"
        assert again.screen.query_one("#f-content", TextArea).text == \
            "𠮷野家门口的路灯坏了😡 [bold]三天[/bold]"
        assert "草稿" in " ".join(str(n.message) + str(n.title) for n in again._notifications)


async def test_ctrl_n_confirms_before_discarding(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await type_call(pilot, "13912345678", HEAT)
        await pilot.press("ctrl+n")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.query_one("#f-content", TextArea).text == HEAT
        await pilot.press("ctrl+n")
        await settle(pilot)
        await pilot.press("3")  # discard: typed by mistake, nothing recorded
        await settle(pilot)
        assert form_is_reset(app)
        assert services.intake.load_draft(services.accounts.authenticate("1001", "demo")) is None


async def test_every_form_field_reports_bad_input_and_keeps_it(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        form = app.screen
        form.query_one("#f-number", Input).value = "139-abc"
        form.query_one("#f-name", Input).value = "张三😀"
        form.query_one("#f-address", Input).value = "建国路" * 80
        form.query_one("#f-content", TextArea).load_text("暖")
        await settle(pilot, 0.6)
        await pilot.press("f5")
        await settle(pilot)
        text = screen_text(app)
        assert "来电号码只能包含" in text
        assert "姓名不能包含表情符号" in text
        assert "地址过长" in text
        assert "诉求内容过短" in text
        assert form.query_one("#f-name", Input).value == "张三😀"
        assert form.query_one("#f-address", Input).value == "建国路" * 80
        assert app.focused.id == "f-number"  # the first bad field takes the focus
        assert all_rows(services, IntakeRecord) == []


async def test_f12_takes_an_online_submission_into_the_form(services, tmp_path):
    import json as _json

    path = tmp_path / "in.jsonl"
    path.write_text(_json.dumps({"channel": "微信", "id": "wx-9", "content": "小区暖气不热，家里只有十几度",
                                 "phone": "13800001111"}, ensure_ascii=False), encoding="utf-8")
    services.online.import_file(path)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await pilot.press("f12")
        await settle(pilot, 0.8)
        form = app.screen.form.draft()
        assert form.channel == "微信" and form.caller_number == "13800001111"
        assert form.submission_id is not None
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        (record,) = all_rows(services, IntakeRecord)
        assert record.channel == "微信"
        assert services.online.pending_count() == 0
        await pilot.press("f12")
        await settle(pilot)
        assert "队列为空" in " ".join(app.said)


async def test_notifications_never_parse_markup(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        app.screen.notify("[@click=app.quit]点我[/] [bold]x[/bold]")
        await settle(pilot)
        assert app.is_running
        assert all(not n.markup for n in app._notifications)
