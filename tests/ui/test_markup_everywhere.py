"""Markup in stored text is shown as typed, on every table and list of every screen.

Unit, operator, region and category names, KB article ids, titles and answers, caller names,
numbers, contents and addresses, order reasons and notes, online-submission ids, and the
scripts read from data/ are all written by people or imported from files. Textual parses a
plain ``str`` given to a DataTable cell, a Select / SelectionList / OptionList prompt, a
RadioButton label or a Static as markup: ``[/x]`` then crashes the screen and
``[@click=app.quit]…`` becomes a live action. Each test below builds such data through the
services, drives the screen with Pilot and checks that the console is still running and
that the literal text is what is shown."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.text import Text
from sqlalchemy import select, update
from textual.content import Content
from textual.coordinate import Coordinate
from textual.markup import MarkupError
from textual.widgets import (
    DataTable,
    Input,
    OptionList,
    Select,
    SelectionList,
    Static,
    TextArea,
)
from textual.widgets._select import SelectCurrent, SelectOverlay

from agent_console.config import Settings, seed_data_dir
from agent_console.domain.enums import Presence
from agent_console.domain.workflow import Action
from agent_console.services.container import open_services
from agent_console.store.engine import make_session_factory
from agent_console.store.models import Category, Operator, Region, Unit
from agent_console.ui.screens.dialogs import (
    AnswerDialog,
    DispatchDialog,
    EmergencyDialog,
    ScriptPickDialog,
)
from agent_console.ui.screens.expert_queue import ExpertQueueScreen
from agent_console.ui.screens.help import HelpScreen
from agent_console.ui.screens.order_detail import (
    ActionDialog,
    NoteDialog,
    OrderDetailScreen,
    UnitPicker,
)
from agent_console.ui.screens.orders import OrdersScreen
from agent_console.ui.screens.seat import SeatScreen
from agent_console.ui.screens.supervision import SupervisionScreen
from tests.conftest import FROZEN_AT
from tests.services.helpers import HEATING_PATH, category_id, draft
from tests.ui.helpers import SIZE, login, make_app, screen_text, settle

CLICK = "[@click=app.quit]点我[/]"
# operators
SEAT_NAME = "[/b]坐席"  # 1001: crashed the expert queue (column 转出坐席)
CLICK_SEAT = CLICK  # 1002, added: clicking the name quit the expert console
EXPERT_NAME = "[/i]专家"  # 2002 (供热)
DISPATCHER_NAME = "[bold]派单员[/bold]"  # 3001
SUPERVISOR_NAME = "[/u]督办员"  # 3003
LIAISON_NAME = "[@click=app.quit]联络员[/]"  # 5001
# units, region, category
LEAD_UNIT = "[/b]城区供热"  # heat_city: the heating orders' lead
HOUSING = "[bold]住建局[/bold]"  # zjj: a co-handler candidate
KERQIN_GOV = f"{CLICK}区政府"  # kerqin: a co-handler candidate
REGION = "[/b]开发区"  # 通辽经济技术开发区
CATEGORY_LEAF = "[/b]暖气时冷时热"
CATEGORY_PATH = f"供热/供暖质量/{CATEGORY_LEAF}"
# the knowledge base
ARTICLE_ID = "[/x]"  # crashed the supervisor's stale-articles table
ARTICLE_TITLE = "[bold]供暖温度不达标[/bold]如何投诉"
ARTICLE_ANSWER = f"请拨打[/b]供热热线，{CLICK}"
# callers and what they said
PHONE = "13912345678"
CALLER = "[/b]张三"
CONTENT = f"[bold]小区暖气不热[/bold]，家里只有十几度 {CLICK}"
ADDRESS = "[/i]明仁小区3号楼"
OTHER_PHONE = "13700002222"
OTHER_CONTENT = "[red]单元楼暖气片冰凉[/red]，物业说是管网问题[/x]"
# what the units and the centre wrote on the orders
SIGN_REASON = "[/b]已签收，安排上门"
CONTACT_NOTE = f"[bold]约定次日上门[/bold]{CLICK}"
CONSULT_TEXT = "[/b]协商由供热公司牵头"
# an online submission (Art. 3)
ONLINE_ID = "[/b]WEB-0001"
ONLINE_NAME = "[/i]网友"
ONLINE_CONTENT = f"[bold]网上反映[/bold]暖气不热 {CLICK}"
# data/ scripts (F8, F9, F10)
SCRIPT_MARK = "[/b]"


# ---------------------------------------------------------------------- reading the screen
def shown(value) -> str:
    """What Textual shows for a cell or prompt: a str is parsed as markup, Text/Content not
    (a str that is not valid markup is what crashed the screens)."""
    if isinstance(value, (Text, Content)):
        return value.plain
    try:
        return Content.from_markup(str(value)).plain
    except MarkupError as exc:
        return f"<MarkupError {exc}: {value!r}>"


def rendered(widget) -> str:
    """The lines the widget paints, as text (what the operator sees of it)."""
    return "\n".join(widget.render_line(y).text for y in range(widget.size.height))


def rows(table: DataTable) -> list[list[str]]:
    return [[shown(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def flat(table: DataTable) -> str:
    return "\n".join(" | ".join(r) for r in rows(table))


def prompts(widget: OptionList) -> list[str]:
    return [shown(o.prompt) for o in widget.options]


def notices(app) -> str:
    return " ".join(app.said)


def select_label(select: Select) -> str:
    return str(select.query_one(SelectCurrent).query_one("#label", Static).render())


async def expand(pilot, select: Select) -> SelectOverlay:
    """Open the Select's list so every visible option is rendered."""
    select.expanded = True
    await settle(pilot)
    overlay = select.query_one(SelectOverlay)
    rendered(overlay)
    return overlay


async def collapse(pilot, select: Select) -> None:
    select.expanded = False
    await settle(pilot)


def assert_running(app) -> None:
    assert app.is_running, "the console exited"
    assert app._exception is None, app._exception


# ---------------------------------------------------------------------- the data
@dataclass
class Marked:
    services: object
    clock: object
    dispatched: str  # order number: heating complaint, signed, a contact attempt logged
    awaiting: str  # order number: 待派单, in REGION, renamed category, a consultation
    heating_id: int
    marked_category_id: int


def _unit_id(services, code: str) -> int:
    return services.catalog.unit_by_code(code).id


def _data_dir_with_markup(target: Path) -> Path:
    """A copy of data/ whose F8/F9/F10 scripts carry markup in their titles and names."""
    source = seed_data_dir()
    shutil.copytree(source, target)
    for name in ("not_accepted.json", "warnings.json"):
        items = json.loads((target / name).read_text(encoding="utf-8"))
        for item in items:
            item["title"] = SCRIPT_MARK + item["title"]
        (target / name).write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    em = json.loads((target / "emergency.json").read_text(encoding="utf-8"))
    for service in em["services"]:
        service["name"] = SCRIPT_MARK + service["name"]
    (target / "emergency.json").write_text(json.dumps(em, ensure_ascii=False), encoding="utf-8")
    return target


@pytest.fixture
def marked(services, clock, tmp_path) -> Marked:
    # an imported KB article with an id and a title in markup, out of date (Art. 19(4))
    kb_file = tmp_path / "kb.jsonl"
    kb_file.write_text(json.dumps({
        "id": ARTICLE_ID, "title": ARTICLE_TITLE, "answer": ARTICLE_ANSWER,
        "phrasings": ["[/b]暖气不热怎么投诉"], "keywords": ["供暖", "温度"],
        "owner_unit": "heat_city", "valid_until": "2020-01-01", "domain": "供热",
        "category": HEATING_PATH,
    }, ensure_ascii=False) + "\n", encoding="utf-8")
    services.knowledge.import_file(kb_file)
    services.accounts.add_user("1002", CLICK_SEAT, "seat_agent", "seat-1002-pass")
    # names as stored by an import or an administrator; the catalog caches them, so the
    # console below runs on a fresh services object
    with make_session_factory(services.engine).begin() as s:
        for code, name in (("heat_city", LEAD_UNIT), ("zjj", HOUSING), ("kerqin", KERQIN_GOV)):
            s.execute(update(Unit).where(Unit.code == code).values(name=name))
        for staff_no, name in (("1001", SEAT_NAME), ("2002", EXPERT_NAME),
                               ("3001", DISPATCHER_NAME), ("3003", SUPERVISOR_NAME),
                               ("5001", LIAISON_NAME)):
            s.execute(update(Operator).where(Operator.staff_no == staff_no).values(name=name))
        s.execute(update(Region).where(Region.name == "通辽经济技术开发区").values(name=REGION))
        leaf = s.scalar(select(Category).where(Category.path == "供热/供暖质量/暖气时冷时热"))
        leaf.path, leaf.name = CATEGORY_PATH, CATEGORY_LEAF
    fresh = open_services(Settings(db_url=services.settings.db_url,
                                   data_dir=_data_dir_with_markup(tmp_path / "data"),
                                   cache_dir=tmp_path / "cache", demo=True,
                                   state_dir=tmp_path / "state"), clock)
    try:
        yield _build(fresh, clock)
    finally:
        fresh.close()


def _build(svc, clock) -> Marked:
    agent = svc.accounts.authenticate("1001", "demo")
    click_agent = svc.accounts.authenticate("1002", "seat-1002-pass")
    heating = category_id(svc, HEATING_PATH)
    marked_cat = category_id(svc, CATEGORY_PATH)
    caller = {"caller_number": PHONE, "caller_name": CALLER, "content": CONTENT,
              "address": ADDRESS}
    # two calls for the expert (on duty for 供热): one citing the article, one from the
    # operator named CLICK
    svc.expert.set_presence(svc.accounts.authenticate("2002", "demo"), Presence.AVAILABLE)
    svc.intake.transfer_to_expert(agent, draft(category_id=heating, **caller), FROZEN_AT,
                                  ARTICLE_ID, True)
    svc.intake.transfer_to_expert(click_agent, draft(category_id=heating,
                                                     caller_number=OTHER_PHONE,
                                                     content=OTHER_CONTENT),
                                  FROZEN_AT, None, True)
    # a dispatched heating complaint, signed and contacted by the unit
    lead = _unit_id(svc, "heat_city")
    co = (_unit_id(svc, "zjj"), _unit_id(svc, "kerqin"))
    dispatched = svc.intake.create_work_order(
        agent, draft(category_id=heating, region="科尔沁区", request_type="投诉", **caller),
        FROZEN_AT, lead, co).order_number
    liaison = svc.accounts.authenticate("5001", "demo")
    _, version = svc.orders.status_of(dispatched)
    svc.orders.act(liaison, dispatched, Action.SIGN, version, SIGN_REASON)
    svc.orders.log_contact(liaison, dispatched, "reached", CONTACT_NOTE)
    # one for the dispatch desk, in the renamed region and category, with a consultation
    awaiting = svc.intake.create_work_order(
        agent, draft(category_id=marked_cat, region=REGION, request_type="投诉",
                     caller_number=OTHER_PHONE, content=OTHER_CONTENT, address=ADDRESS),
        FROZEN_AT, lead, to_dispatcher=True).order_number
    dispatcher = svc.accounts.authenticate("3001", "demo")
    svc.orders.record_consultation(dispatcher, awaiting, co, CONSULT_TEXT)
    # an online submission waiting for F12
    svc.online.import_rows([{"channel": "网站", "id": ONLINE_ID, "content": ONLINE_CONTENT,
                             "phone": "13800001111", "name": ONLINE_NAME,
                             "address": ADDRESS}])
    return Marked(svc, clock, dispatched, awaiting, heating, marked_cat)


# ---------------------------------------------------------------------- the seat
async def test_seat_lists_and_dialogs_show_markup_as_typed(marked):
    svc = marked.services
    app = make_app(svc)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "1001")
        screen = app.screen
        assert isinstance(screen, SeatScreen)
        # caller history of a known number
        screen.query_one("#f-number", Input).value = PHONE
        await settle(pilot, 0.4)
        history = str(screen.query_one("#caller-history", Static).render())
        assert CALLER in history and LEAD_UNIT in history and "[bold]小区暖气不热" in history
        # the KB result list and the article
        screen.query_one("#kb-search", Input).value = "供暖温度不达标如何投诉"
        await settle(pilot)
        results = screen.query_one("#kb-results", OptionList)
        ids = [o.id for o in results.options]
        assert ARTICLE_ID in ids
        assert any(ARTICLE_TITLE in p for p in prompts(results))
        results.highlighted = ids.index(ARTICLE_ID)
        await settle(pilot)
        assert ARTICLE_TITLE in rendered(results)
        article = str(screen.query_one("#kb-article", Static).render())
        assert ARTICLE_ANSWER in article and ARTICLE_ID in article
        assert_running(app)
        # the region and category pickers
        region = screen.query_one("#f-region", Select)
        region.value = REGION
        await settle(pilot)
        overlay = await expand(pilot, region)
        assert_running(app)
        assert select_label(region) == REGION
        assert REGION in prompts(overlay)
        await collapse(pilot, region)
        category = screen.query_one("#f-category", Select)
        category.value = marked.marked_category_id
        await settle(pilot)
        overlay = await expand(pilot, category)
        assert_running(app)
        assert select_label(category) == CATEGORY_PATH
        assert CATEGORY_PATH in prompts(overlay)
        await collapse(pilot, category)
        category.value = marked.heating_id
        region.value = "科尔沁区"
        screen.query_one("#f-name", Input).value = CALLER
        screen.query_one("#f-address", Input).value = ADDRESS
        await pilot.press("f3")
        screen.query_one("#f-content", TextArea).insert(CONTENT)
        await settle(pilot)
        results.highlighted = [o.id for o in results.options].index(ARTICLE_ID)
        await settle(pilot)
        assert_running(app)
        # F5: the article read to the caller
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, AnswerDialog)
        text = screen_text(app)
        assert ARTICLE_TITLE in text and ARTICLE_ANSWER in text
        await pilot.press("escape")
        await settle(pilot)
        # F7: the lead unit and the co-handlers
        await pilot.press("f7")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, DispatchDialog)
        assert_running(app)
        lead = dialog.query_one("#lead-unit", Select)
        assert select_label(lead) == LEAD_UNIT
        overlay = await expand(pilot, lead)
        names = prompts(overlay)
        assert {LEAD_UNIT, HOUSING, KERQIN_GOV} <= set(names)
        assert HOUSING in rendered(overlay)
        await collapse(pilot, lead)
        co = dialog.query_one("#co-handlers", SelectionList)
        assert {HOUSING, KERQIN_GOV} <= set(prompts(co))
        assert HOUSING in rendered(co) and KERQIN_GOV in rendered(co)
        assert LEAD_UNIT in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SeatScreen)
        # F8 and F10: the script lists read from data/
        for key in ("f8", "f10"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, ScriptPickDialog)
            options = app.screen.query_one("#script-options", OptionList)
            assert all(SCRIPT_MARK in p for p in prompts(options))
            assert SCRIPT_MARK in rendered(options)
            await pilot.press("escape")
            await settle(pilot)
        # F9: the emergency services
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, EmergencyDialog)
        services_list = app.screen.query_one("#em-services", SelectionList)
        assert all(SCRIPT_MARK in p for p in prompts(services_list))
        assert SCRIPT_MARK in rendered(services_list)
        await pilot.press("escape")
        await settle(pilot)
        # F1: the help screen
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert "直接答复" in flat(app.screen.query_one("#help-keys", DataTable))
        await pilot.press("escape")
        await settle(pilot)
        # F12: an online submission with markup in its id, name and content
        await pilot.press("ctrl+n")
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("f12")
        await settle(pilot)
        assert ONLINE_ID in notices(app)
        assert app.screen.query_one("#f-name", Input).value == ONLINE_NAME
        assert_running(app)


# ---------------------------------------------------------------------- the expert seat
def _click_cell_offset(table: DataTable, row: int, column: int) -> tuple[int, int]:
    region = table._get_cell_region(Coordinate(row, column))
    # into the cell's text, past "1002 ": where a parsed [@click=…] span would start
    return region.x + table.cell_padding + 6, region.y


async def test_expert_queue_shows_operator_names_as_typed_and_clicks_do_nothing(marked):
    app = make_app(marked.services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "2002")
        assert isinstance(app.screen, ExpertQueueScreen)
        assert_running(app)
        table = app.screen.query_one("#transfers", DataTable)
        shown_rows = rows(table)
        assert len(shown_rows) == 2
        operators = {r[5] for r in shown_rows}
        assert operators == {f"1001 {SEAT_NAME}", f"1002 {CLICK_SEAT}"}
        contents = " ".join(r[6] for r in shown_rows)
        assert "[bold]小区暖气不热[/bold]" in contents and "[red]单元楼暖气片冰凉[/red]" in contents
        assert SEAT_NAME in rendered(table) and CLICK_SEAT in rendered(table)
        assert EXPERT_NAME in str(app.screen.query_one("#header", Static).render())
        # the detail of the call that cited the article
        row = next(i for i, r in enumerate(shown_rows) if r[5].startswith("1001"))
        table.move_cursor(row=row)
        await settle(pilot)
        detail = str(app.screen.query_one("#transfer-detail", Static).render())
        assert f"{ARTICLE_ID} {ARTICLE_TITLE}" in detail and SEAT_NAME in detail
        # the name that looks like a link is only text
        row = next(i for i, r in enumerate(shown_rows) if r[5].startswith("1002"))
        await pilot.click("#transfers", offset=_click_cell_offset(table, row, 5))
        await settle(pilot)
        assert_running(app)
        assert isinstance(app.screen, ExpertQueueScreen)


async def test_expert_queue_click_on_a_link_like_name_does_not_quit(marked):
    """Only the CLICK operator's call waiting: the queue renders, a click is harmless."""
    svc = marked.services
    expert = svc.accounts.authenticate("2002", "demo")
    seat = svc.accounts.authenticate("1001", "demo")
    for t in svc.expert.queue(expert):
        if t.from_operator.startswith("1001"):
            svc.expert.take_back(seat, t.id)
    app = make_app(svc)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "2002")
        assert isinstance(app.screen, ExpertQueueScreen)
        table = app.screen.query_one("#transfers", DataTable)
        await pilot.click("#transfers", offset=_click_cell_offset(table, 0, 5))
        await settle(pilot)
        assert_running(app)
        assert rows(table)[0][5] == f"1002 {CLICK_SEAT}"
        assert CLICK_SEAT in rendered(table)


# ---------------------------------------------------------------------- the centre's orders
async def test_centre_order_list_detail_and_dialogs_show_markup_as_typed(marked):
    app = make_app(marked.services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "3001")
        assert isinstance(app.screen, OrdersScreen)
        table = app.screen.query_one("#orders", DataTable)
        by_number = {r[0]: r for r in rows(table)}
        assert by_number[marked.awaiting][2] == LEAD_UNIT
        assert by_number[marked.awaiting][4] == REGION
        assert LEAD_UNIT in rendered(table) and REGION in rendered(table)
        assert_running(app)
        # F1 on the order list
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await settle(pilot)
        # the order for the dispatch desk: detail, timeline, dispatch and consultation dialogs
        await pilot.press("2")  # 待派单
        await settle(pilot)
        assert [r[0] for r in rows(table)] == [marked.awaiting]
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, OrderDetailScreen)
        facts = str(detail.query_one("#order-facts", Static).render())
        assert LEAD_UNIT in facts and REGION in facts and "[red]单元楼暖气片冰凉[/red]" in facts
        events = detail.query_one("#order-events", DataTable)
        timeline = flat(events)
        assert DISPATCHER_NAME in timeline and SEAT_NAME in timeline
        assert CONSULT_TEXT in timeline and HOUSING in timeline and KERQIN_GOV in timeline
        assert DISPATCHER_NAME in rendered(events)
        await pilot.press("d")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)
        assert_running(app)
        assert f"牵头单位（建议：{LEAD_UNIT}）" in screen_text(app)
        lead = dialog.query_one("#act-lead", Select)
        assert select_label(lead) == LEAD_UNIT
        overlay = await expand(pilot, lead)
        assert {LEAD_UNIT, HOUSING, KERQIN_GOV} <= set(prompts(overlay))
        assert LEAD_UNIT in rendered(overlay)
        await collapse(pilot, lead)
        picker = dialog.query_one("#act-co", UnitPicker)
        picked = prompts(picker)
        assert any(p.startswith(HOUSING) for p in picked)
        assert any(p.startswith(KERQIN_GOV) for p in picked)
        assert HOUSING in rendered(picker)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, OrderDetailScreen)
        await pilot.press("n")  # 协商记录
        await settle(pilot)
        assert isinstance(app.screen, NoteDialog)
        units = app.screen.query_one("#note-units", SelectionList)
        assert {LEAD_UNIT, HOUSING, KERQIN_GOV} <= set(prompts(units))
        units.highlighted = prompts(units).index(LEAD_UNIT)
        units.scroll_to_highlight()
        await settle(pilot)
        assert LEAD_UNIT in rendered(units)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, OrdersScreen)
        assert_running(app)


# ---------------------------------------------------------------------- the unit's orders
async def test_unit_order_list_and_timeline_show_markup_as_typed(marked):
    app = make_app(marked.services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "5001")
        assert isinstance(app.screen, OrdersScreen)
        table = app.screen.query_one("#orders", DataTable)
        by_number = {r[0]: r for r in rows(table)}
        assert by_number[marked.dispatched][2] == LEAD_UNIT
        assert LEAD_UNIT in rendered(table)
        detail_text = str(app.screen.query_one("#order-detail", Static).render())
        assert LEAD_UNIT in detail_text
        table.move_cursor(row=list(by_number).index(marked.dispatched))
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, OrderDetailScreen)
        facts = str(detail.query_one("#order-facts", Static).render())
        assert HOUSING in facts and KERQIN_GOV in facts and "[bold]小区暖气不热" in facts
        events = detail.query_one("#order-events", DataTable)
        timeline = flat(events)
        assert LIAISON_NAME in timeline and SIGN_REASON in timeline and CONTACT_NOTE in timeline
        assert CONTACT_NOTE in rendered(events)
        await pilot.press("l")  # 联系记录
        await settle(pilot)
        assert isinstance(app.screen, NoteDialog)
        await pilot.press("escape")
        await settle(pilot)
        assert_running(app)


# ---------------------------------------------------------------------- supervision (Art. 19)
async def test_supervision_ranking_notices_and_stale_articles_show_markup_as_typed(marked):
    marked.clock.advance(hours=3)  # both orders now past the sign-for deadline
    app = make_app(marked.services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "3003")
        await pilot.press("k")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SupervisionScreen)
        assert_running(app)
        stale = screen.query_one("#stale", DataTable)
        stale_rows = rows(stale)
        assert [LEAD_UNIT, ARTICLE_ID, ARTICLE_TITLE, "2020-01-01"] in stale_rows
        assert ARTICLE_ID in rendered(stale) and ARTICLE_TITLE in rendered(stale)
        await pilot.press("u")  # the scan raises notices (not signed for in time, stale KB)
        await settle(pilot)
        assert_running(app)
        ranking = screen.query_one("#ranking", DataTable)
        names = [r[1] for r in rows(ranking)]
        assert LEAD_UNIT in names
        ranking.move_cursor(row=names.index(LEAD_UNIT))
        await settle(pilot)
        assert f"督办通知：{LEAD_UNIT}" in screen_text(app)
        notices_table = screen.query_one("#notices", DataTable)
        actors = {r[5] for r in rows(notices_table)}
        assert f"3003 {SUPERVISOR_NAME}" in actors
        assert SUPERVISOR_NAME in rendered(notices_table)
        assert LEAD_UNIT in rendered(ranking)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, OrdersScreen)
        assert_running(app)


# ---------------------------------------------------------------------- statistics (Art. 22)
async def test_analytics_dashboard_lists_and_filters_show_markup_as_typed(marked):
    from agent_console.ui.screens.analytics import (
        AnalyticsScreen,
        DrillScreen,
        FilterDialog,
    )

    app = make_app(marked.services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "3003")
        await pilot.press("ctrl+y")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AnalyticsScreen)
        assert_running(app)
        await pilot.press("2")  # the ranking: unit names
        await settle(pilot)
        units = screen.query_one("#an-units", DataTable)
        assert LEAD_UNIT in [r[1] for r in rows(units)]
        assert LEAD_UNIT in rendered(units)
        units.move_cursor(row=[r[1] for r in rows(units)].index(LEAD_UNIT))
        await settle(pilot)
        assert LEAD_UNIT in str(screen.query_one("#an-unit-detail", Static).render())
        await pilot.press("3")  # the distribution: region names
        await settle(pilot)
        dist = screen.query_one("#an-dist", DataTable)
        assert any(r[0].strip() == REGION for r in rows(dist))
        assert REGION in rendered(dist)
        assert_running(app)
        # the list behind 新建工单: units, regions, categories, contents as typed
        await pilot.press("1")
        await settle(pilot)
        figures = screen.query_one("#an-figures", DataTable)
        figures.move_cursor(row=figures.get_row_index("orders_created"))
        await pilot.press("enter")
        await settle(pilot)
        drill = app.screen
        assert isinstance(drill, DrillScreen)
        assert_running(app)
        listed = flat(drill.query_one("#drill-list", DataTable))
        assert CONTENT in listed and OTHER_CONTENT in listed and LEAD_UNIT in listed
        assert "[red]单元楼" in rendered(drill.query_one("#drill-list", DataTable))
        detail = str(drill.query_one("#drill-detail", Static).render())
        assert OTHER_CONTENT in detail and CATEGORY_PATH in detail and REGION in detail
        await pilot.press("escape")
        await settle(pilot)
        # 筛选: the region picker, and the chosen region in the line above the tabs
        await pilot.press("f")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FilterDialog)
        region = dialog.query_one("#an-f-region", Select)
        overlay = await expand(pilot, region)
        assert REGION in prompts(overlay)
        await collapse(pilot, region)
        region.value = REGION
        await settle(pilot)
        assert select_label(region) == REGION
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert f"区域 {REGION}" in str(screen.query_one("#an-scope", Static).render())
        assert_running(app)


# ---------------------------------------------------------------------- the seat's outbox (F4)
async def test_outbox_list_shows_markup_as_typed(marked):
    from agent_console.services.seat_outbox import SeatCommand
    from agent_console.ui.screens.outbox import OutboxScreen

    svc = marked.services
    agent = svc.accounts.authenticate("1001", "demo")
    svc.health.failed(ConnectionError("the database is away"))  # kept here, not delivered
    sent = svc.outbox.record(SeatCommand(
        "answer_online", agent, draft(caller_name=CALLER, content=CONTENT, address=ADDRESS),
        FROZEN_AT, {"article_id": None, "own_answer": ARTICLE_ANSWER}))
    assert sent.status == "pending"
    app = make_app(svc)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, OutboxScreen)
        table = app.screen.query_one("#outbox", DataTable)
        (row,) = rows(table)
        # kept here while the database was away; the probe may have delivered it since
        assert row[4] == CONTENT[:29] + "…" and row[5] in ("待提交", "已提交")
        assert CONTENT[:20] in rendered(table)
        assert CONTENT in screen_text(app)  # the detail below the list
        await pilot.click("#outbox", offset=_click_cell_offset(table, 0, 4))
        await settle(pilot)
        assert_running(app)
