"""F9 as a checklist (Art. 12) and the proposals from the text and the address, on the seat."""

from __future__ import annotations

from sqlalchemy import select
from textual.widgets import Input, Select, SelectionList

from agent_console.store.engine import make_session_factory
from agent_console.store.models import EmergencyHandoff, WorkOrder
from agent_console.ui.screens.dialogs import DispatchDialog, EmergencyDialog
from tests.ui.helpers import SIZE, login, make_app, screen_text, settle, type_call


def value(app, selector: str):
    return app.screen.query_one(selector, Select).value


async def test_a_fire_with_an_injured_person_goes_to_119_and_120_and_the_fire_brigade(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await type_call(pilot, "13912345678", "家里着火了，厨房冒烟，我爸被烧伤了")
        banner = screen_text(app)
        assert "119 消防救援" in banner and "120 医疗急救" in banner
        assert (value(app, "#f-type"), value(app, "#f-urgency")) == ("求助", "特急")
        await pilot.press("f9")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, EmergencyDialog)
        assert set(dialog.query_one("#em-services", SelectionList).selected) == {"119", "120"}
        plan = str(dialog.query_one("#em-plan").render())
        assert "通辽市消防救援支队" in plan and "特急" in plan and "全天候计时" in plan
        assert app.focused.id == "ok"  # the confirm button is in view and Enter presses it
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, EmergencyDialog)
    with make_session_factory(services.engine)() as s:
        services_ = [h.service for h in s.scalars(select(EmergencyHandoff).order_by(EmergencyHandoff.id))]
        order = s.scalar(select(WorkOrder))
        lead = services.catalog.units()[order.lead_unit_id]
    assert services_ == ["119", "120"]
    assert lead.name == "通辽市消防救援支队" and order.urgency == "特急"
    assert (order.sign_by - order.created_at).total_seconds() == 15 * 60


async def test_an_indoor_gas_leak_advises_119_and_the_gas_company(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await type_call(pilot, "13912345678", "家里燃气泄漏了，满屋子煤气味")
        banner = screen_text(app)
        assert "119" in banner and "燃气公司" in banner and "不要" in banner
        await pilot.press("f9")
        await settle(pilot)
        dialog = app.screen
        assert set(dialog.query_one("#em-services", SelectionList).selected) == {"119"}
        assert "燃气公司" in str(dialog.query_one("#em-advice").render())
        assert "燃气公司" in str(dialog.query_one("#em-plan").render())
        # the agent adds 110 and leaves it out again: the scripts follow the ticks
        dialog.query_one("#em-services", SelectionList).select("110")
        await settle(pilot)
        assert "110" in str(dialog.query_one("#em-script").render())


async def test_type_and_region_are_proposed_and_what_the_agent_picks_stays(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        app.screen.query_one("#f-address", Input).value = "明仁小区8号楼2单元"
        await type_call(pilot, "13912345678", "我要投诉小区物业乱收费，多次反映没人管")
        assert value(app, "#f-type") == "投诉"
        assert value(app, "#f-region") == "科尔沁区"
        said = str(app.screen.query_one("#f-proposals").render())
        assert "明仁小区" in said and "科尔沁区" in said
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(app.screen, DispatchDialog)
        deadline = str(app.screen.query_one("#dispatch-info").render())
        await pilot.press("escape")
        await settle(pilot)
        assert "10个工作日内办结" in deadline
        # the agent says it is a 咨询: more text does not change it back; the deadline follows
        app.screen.query_one("#f-type", Select).value = "咨询"
        await settle(pilot)
        app.screen.query_one("#f-content").insert("，投诉")
        await settle(pilot, 0.3)
        assert value(app, "#f-type") == "咨询"
        await pilot.press("f7")
        await settle(pilot)
        assert "3个工作日内办结" in str(app.screen.query_one("#dispatch-info").render())
