"""The seat's hourly paths (issue 9): the article recorded is the one on screen, the own answer,
F8 after a repeat, field errors that follow the fields, long content, the end of a call that
recorded nothing, and a withheld number."""

from __future__ import annotations

from sqlalchemy import select
from textual.widgets import Checkbox, Input, OptionList, TextArea

from agent_console.domain.intake import CONTENT_MAX
from agent_console.store.engine import make_session_factory
from agent_console.store.models import Caller, IntakeRecord
from agent_console.ui.screens.dialogs import AnswerDialog, CallEndDialog, ScriptPickDialog
from tests.ui.helpers import SIZE, login, make_app, screen_text, settle, type_call

HEAT = "小区暖气不热，家里只有十几度"


def records(services) -> list[IntakeRecord]:
    with make_session_factory(services.engine)() as s:
        return s.scalars(select(IntakeRecord).order_by(IntakeRecord.id)).all()


def highlighted_id(app) -> str | None:
    results = app.screen.query_one("#kb-results", OptionList)
    if results.highlighted is None:
        return None
    return results.get_option_at_index(results.highlighted).id


async def test_a_new_search_selects_its_top_hit_and_f5_records_the_article_shown(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await type_call(pilot, "13912345678", HEAT)
        results = app.screen.query_one("#kb-results", OptionList)
        await pilot.press("f2", "down", "down")  # ↓↓ in the search box: the third article
        assert app.focused.id == "kb-search"
        await settle(pilot)
        picked = highlighted_id(app)
        assert results.highlighted == 2
        # a new search: the pane follows it, not the article picked for the old one
        await pilot.press("f2", *"gjjtq")
        await settle(pilot, 0.3)
        top = results.get_option_at_index(0).id
        assert highlighted_id(app) == top != picked
        assert app.screen.selected_article().id == top
        shown = str(app.screen.query_one("#kb-article").render())
        assert app.screen.selected_article().title in shown
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, AnswerDialog)
        await pilot.press("enter")
        await settle(pilot)
        assert records(services)[-1].kb_article_id == top


async def test_esc_clears_the_article_and_f5_records_the_own_answer(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        # an on-topic request, so there is an article to clear (an off-topic one selects
        # nothing in the first place: tests/ui/test_kb_floor_ui.py)
        await type_call(pilot, "13912345678", HEAT)
        assert app.screen.selected_article() is not None
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.selected_article() is None
        assert "自拟答复" in str(app.screen.query_one("#kb-article").render())
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, AnswerDialog)
        assert app.focused.id == "own-answer"
        await pilot.press(*"明天日出时间约为七点二十分")
        await pilot.press("enter")
        await settle(pilot)
        record = records(services)[-1]
        assert record.kb_article_id is None
        assert record.answer_text == "明天日出时间约为七点二十分"


async def test_f8_after_a_repeat_starts_on_reason_6_naming_the_earlier_order(services):
    from tests.ui.helpers import make_order

    agent = services.accounts.authenticate("1001", "demo")
    number = make_order(services, agent)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await type_call(pilot, "13912345678", "科尔沁区小区暖气不热，家里只有十几度，请尽快处理")
        await settle(pilot, 0.8)
        assert "重复诉求提示" in screen_text(app)
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, ScriptPickDialog)
        options = app.screen.query_one("#script-options", OptionList)
        assert options.get_option_at_index(options.highlighted).id == "6"
        script = str(app.screen.query_one("#script-text").render())
        assert number in script and "{" not in script
        await pilot.press("enter")
        await settle(pilot)
        record = records(services)[-1]
        assert record.not_accepted_code == 6 and number in record.answer_text


async def test_a_field_error_goes_once_the_field_is_fixed(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await type_call(pilot, "139", HEAT)
        await pilot.press("f5")
        await settle(pilot)
        error = app.screen.query_one("#e-caller_number")
        assert error.has_class("visible")
        app.screen.query_one("#f-number", Input).value = "13912345678"
        await settle(pilot, 0.1)
        assert not error.has_class("visible")
        assert not app.screen.form.has_errors()


async def test_the_form_takes_as_much_content_as_an_online_submission(services):
    long_text = ("小区供暖温度不达标，" * 600)[:CONTENT_MAX]
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await type_call(pilot, "13912345678", long_text)
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, AnswerDialog)
        await pilot.press("enter")
        await settle(pilot)
        assert len(records(services)[-1].content) == CONTENT_MAX
        await type_call(pilot, "13912345678", long_text + "多")
        await pilot.press("f5")
        await settle(pilot)
        assert app.screen.query_one("#e-content").has_class("visible")
        assert app.screen.query_one("#f-content", TextArea).text == long_text + "多"  # kept


async def test_ctrl_n_records_a_hung_up_or_invalid_call(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        app.screen.query_one("#f-number", Input).value = "13912345678"
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, CallEndDialog)
        await pilot.press("1")
        await settle(pilot)
        await type_call(pilot, "13912345679", "喂喂")
        await pilot.press("ctrl+n")
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        rows = records(services)
        assert [(r.outcome, r.content) for r in rows[-2:]] == [
            ("hung_up", "（来电挂断，未能受理）"), ("invalid", "喂喂")]
        assert app.screen.query_one("#f-number", Input).value == ""


async def test_a_withheld_number_is_recorded_but_cannot_get_a_work_order(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await pilot.press("ctrl+r")  # from the number field: no Tab stop on the tick
        await settle(pilot)
        assert app.screen.query_one("#f-withheld", Checkbox).value is True
        assert app.focused.id == "f-number"
        await type_call(pilot, "", HEAT)
        await pilot.press("f7")
        await settle(pilot)
        assert "派发工单须请诉求人留下联系电话" in str(
            app.screen.query_one("#e-caller_number").render())
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, AnswerDialog)
        await pilot.press("enter")
        await settle(pilot)
        record = records(services)[-1]
        assert record.outcome == "answered"
        with make_session_factory(services.engine)() as s:
            assert s.get(Caller, record.caller_id).phone == ""
        # nothing typed but the tick: Ctrl+N still offers to record the call
        app.screen.query_one("#f-withheld", Checkbox).value = True
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, CallEndDialog)


async def test_an_emergency_called_in_again_is_not_steered_to_not_accepted(services, agent):
    from tests.services.helpers import draft

    fire = "家里着火了，厨房冒烟，我爸被烧伤了"
    services.intake.answer_online(agent, draft(content=fire), services.clock.now(), None,
                                  "已转119处置")
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await type_call(pilot, "13912345678", fire)
        await settle(pilot, 0.8)
        notice = str(app.screen.query_one("#repeat-notice").render())
        assert "重复诉求提示" in notice and "F9" in notice and "F8 不予受理" not in notice
        await pilot.press("f8")
        await settle(pilot)
        options = app.screen.query_one("#script-options", OptionList)
        assert options.get_option_at_index(options.highlighted).id == "1"


async def test_a_withheld_caller_who_leaves_a_number_gets_a_work_order(services):
    from agent_console.ui.screens.dialogs import DispatchDialog

    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await pilot.press("ctrl+r")
        await type_call(pilot, "13912345671", HEAT)  # the number the caller leaves
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(app.screen, DispatchDialog)
