"""The relevance floor on the seat screen: an off-topic request shows 未找到匹配条目 with the
nearest titles dimmed; a dimmed title is never the answer, never the category, never the unit
F7 proposes."""

from __future__ import annotations

from textual.widgets import OptionList, TextArea

from agent_console.ui.screens.dialogs import AnswerDialog, DispatchDialog
from tests.ui.helpers import SIZE, login, make_app, said, screen_text, settle, type_call

OFF_TOPIC = "请问明天几点天亮"
LAMP = "路灯不亮"


def options(app) -> list:
    results = app.screen.query_one("#kb-results", OptionList)
    return [results.get_option_at_index(i) for i in range(results.option_count)]


def status(app) -> str:
    return str(app.screen.query_one("#kb-status").render())


async def set_content(pilot, text: str) -> None:
    area = pilot.app.screen.query_one("#f-content", TextArea)
    area.text = text
    await settle(pilot, 0.7)


async def test_off_topic_shows_no_match_with_dimmed_nearest_titles(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await type_call(pilot, "13912345678", OFF_TOPIC)
        assert "未找到匹配条目" in status(app)
        assert "匹配 " not in status(app)
        shown = options(app)
        assert shown, "the nearest titles are shown"
        assert any("路灯" in str(o.prompt) for o in shown)  # the old false first hit, dimmed
        assert all(o.disabled for o in shown)
        assert all("dim" in str(o.prompt.style) for o in shown)
        assert app.screen.query_one("#kb-results", OptionList).highlighted is None
        # ↓ in the search box does not pick a dimmed title
        await pilot.press("f2", "down", "down")
        await settle(pilot)
        assert app.screen.selected_article() is None
        # the answer key: the agent's own answer, no article
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, AnswerDialog)
        assert app.screen._article is None
        assert app.focused.id == "own-answer"


async def test_on_topic_request_still_selects_its_article(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await type_call(pilot, "13912345678", LAMP)
        assert "匹配" in status(app) and "未找到" not in status(app)
        article = app.screen.selected_article()
        assert article is not None and "路灯" in article.title
        assert not any(o.disabled for o in options(app))


async def test_f7_proposal_never_comes_from_a_hit_below_the_floor(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        # on topic first: the street-light article decides the category
        await type_call(pilot, "13912345678", LAMP)
        lamp = app.screen.selected_article()
        assert lamp is not None and app.screen.form.draft().category_id == lamp.category_id
        # the request turns out to be something the KB has nothing on
        await set_content(pilot, OFF_TOPIC)
        assert "未找到匹配条目" in status(app)
        assert any(o.id == lamp.id for o in options(app))  # still there, dimmed
        assert app.screen.form.draft().category_id is None  # it went with the article
        await pilot.press("f7")
        await settle(pilot)
        assert not isinstance(app.screen, DispatchDialog)
        assert "派发工单前请选择诉求分类" in said(app) + screen_text(app)
        # the agent picks the category: F7 proposes its unit, still no article with it
        heating = next(c for c in services.catalog.leaf_categories() if "供热" in c.path)
        app.screen.form.set_category(heating.id)
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(app.screen, DispatchDialog)
        proposal = app.screen._proposal
        assert proposal.category_path == heating.path
        lamp_category = services.catalog.categories()[lamp.category_id]
        assert proposal.lead.id != lamp_category.lead_unit_id
