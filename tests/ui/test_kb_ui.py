"""The units' knowledge base through the real console (Art. 13, 19(4)): the heating company's
liaison (5001) writes an article, the centre's supervisor (3003) sends it back with a reason,
the liaison reads the reason, fixes the article and sends it again, the supervisor publishes
it, and a seat (1001) finds it by searching. Also batches, retiring, withdrawing, the version
history, the live queues, markup shown as typed, and the screens at 80×24."""

from __future__ import annotations

import csv
import time

from textual.widgets import DataTable, Input, OptionList, Select, Static, TextArea

from agent_console.domain.enums import RevisionStatus
from agent_console.ui.screens.help import HelpScreen
from agent_console.ui.screens.kb_maintain import (
    ArticleDialog,
    BatchDialog,
    BatchReportDialog,
    KbMaintainScreen,
)
from agent_console.ui.screens.kb_review import HistoryDialog, KbReviewScreen, ReasonDialog
from agent_console.ui.screens.seat import SeatScreen
from tests.services.helpers import HEATING_PATH
from tests.ui.helpers import SIZE, login, make_app, said, screen_text, settle

SMALL = (80, 24)
TITLE = "蒙速办缴纳供热费的办理流程"
FIRST_TITLE = "供热费缴纳渠道"
ANSWER = ("自2026年供热期起，城区居民可以通过蒙速办App首页的“供热缴费”栏目缴纳供热费："
          "选择供热公司、输入热用户编号、核对面积和金额后支付，电子票据即时发送。")
REASON = "标题应写明“蒙速办”，便于坐席检索"
MARKUP = "[bold]供热[/bold][@click=app.quit]退出[/] 通知"


# ---------------------------------------------------------------------- helpers
async def open_kb(pilot, staff_no: str):
    await login(pilot, staff_no)
    await pilot.press("ctrl+k")
    await settle(pilot)
    return pilot.app.screen


def rows(app, selector: str) -> list[list[str]]:
    table = app.screen.query_one(selector, DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def column(app, selector: str, label: str) -> list[str]:
    table = app.screen.query_one(selector, DataTable)
    keys = [key for key, col in table.columns.items() if str(col.label) == label]
    assert keys, f"no column {label} in {selector}"
    return [str(table.get_cell(row, keys[0])) for row in table.rows]


def rendered(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def fill(dialog: ArticleDialog, **values: str) -> None:
    for field, value in values.items():
        widget = dialog.query_one(f"#kbe-{field}")
        if isinstance(widget, TextArea):
            widget.load_text(value)
        else:
            widget.value = value


def revisions(services):
    reviewer = services.accounts.authenticate("3003", "demo")
    return services.kb_review.pending(reviewer)


async def shows_within(pilot, condition, seconds: float = 4.0) -> None:
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"not on screen within {seconds} s:\n{screen_text(pilot.app)}")


# ---------------------------------------------------------------------- the whole cycle
async def test_an_article_rejected_fixed_and_published_is_found_at_a_seat(services, clock):
    # the liaison writes a new article; a refused save keeps everything typed
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_kb(pilot, "5001")
        assert isinstance(screen, KbMaintainScreen)
        assert "KB-UC-005" in column(app, "#kbm-articles", "编号")
        await pilot.press("n")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ArticleDialog)
        assert dialog.query_one("#kbe-domain", Input).value == "供热"  # the unit's domain
        fill(dialog, title=FIRST_TITLE, phrasings="暖气费能在手机上交吗\n蒙速办怎么交暖气费",
             answer="蒙速办可以交。", keywords="蒙速办，缴费、供热费", valid_until="2027-04-30")
        dialog.query_one("#kbe-category", Select).value = HEATING_PATH
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog  # refused: still open
        assert "答复口径过短" in rendered(app, "#e-answer")
        assert dialog.query_one("#e-answer").has_class("visible")
        assert not dialog.query_one("#e-title").has_class("visible")
        assert app.focused is dialog.query_one("#kbe-answer")
        assert dialog.query_one("#kbe-title", Input).value == FIRST_TITLE
        assert dialog.query_one("#kbe-keywords", Input).value == "蒙速办，缴费、供热费"
        assert not revisions(services)
        fill(dialog, answer=ANSWER)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, KbMaintainScreen)
        assert f"已提交中心审核：{FIRST_TITLE}" in said(app)
        await pilot.press("2")
        await settle(pilot)
        assert rows(app, "#kbm-mine")[0][1:5] == ["KB-HEAT_CITY-001", FIRST_TITLE, "新增", "待审核"]

    # the supervisor reads the change and sends it back with a reason
    clock.advance(minutes=20)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_kb(pilot, "3003")
        assert isinstance(screen, KbReviewScreen)
        assert rows(app, "#kbr-pending")[0][:4] == ["单位维护", "通辽市城区集中供热公司",
                                                    FIRST_TITLE, "新增"]
        diff = rendered(app, "#kbr-detail")
        assert "【标题】" in diff and FIRST_TITLE in diff and "【答复口径】" in diff
        assert "蒙速办\n缴费\n供热费" in diff  # the keywords as the service split them
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        await pilot.press("enter")  # no reason: refused in the dialog
        await settle(pilot)
        assert "退回原因不能为空" in rendered(app, "#dialog-error")
        app.screen.query_one("#reason-text", Input).value = REASON
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, KbReviewScreen)
        assert "已退回：KB-HEAT_CITY-001" in said(app)
        assert rows(app, "#kbr-pending") == []

    # the liaison sees why, fixes the title (starting from the rejected text) and resubmits
    clock.advance(minutes=20)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_kb(pilot, "5001")
        assert "已退回待修改 1" in rendered(app, "#kbm-status")
        await pilot.press("2")
        await settle(pilot)
        (row,) = rows(app, "#kbm-mine")
        assert row[4:] == ["已退回", REASON]
        detail = rendered(app, "#kbm-mine-detail")
        assert f"退回原因：{REASON}" in detail and "3003 周建军" in detail
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ArticleDialog)
        assert REASON in rendered(app, "#kbe-note")
        assert dialog.query_one("#kbe-title", Input).value == FIRST_TITLE
        assert dialog.query_one("#kbe-answer", TextArea).text == ANSWER
        assert dialog.query_one("#kbe-category", Select).value == HEATING_PATH
        fill(dialog, title=TITLE)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, KbMaintainScreen)
        assert rows(app, "#kbm-mine")[0][1:5] == ["KB-HEAT_CITY-001", TITLE, "新增", "待审核"]
        assert "已退回待修改 0" in rendered(app, "#kbm-status")

    # the supervisor publishes it
    clock.advance(minutes=20)
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_kb(pilot, "3003")
        assert rows(app, "#kbr-pending")[0][2] == TITLE
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, HistoryDialog)
        assert [r[2] for r in rows(app, "#history-list")] == ["待审核", "已退回"]
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert "将发布到全部坐席的知识库" in screen_text(app)  # asked first
        await pilot.press("y")
        await settle(pilot)
        assert f"已通过并发布：KB-HEAT_CITY-001 {TITLE}" in said(app)
        assert rows(app, "#kbr-pending") == []
        assert "没有待审核的修改" in rendered(app, "#kbr-detail")

    # a seat on the same database finds it
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "1001")
        assert isinstance(app.screen, SeatScreen)
        await settle(pilot, 0.5)
        app.screen.query_one("#kb-search", Input).value = "蒙速办怎么交暖气费"
        await settle(pilot, 0.5)
        results = app.screen.query_one("#kb-results", OptionList)
        assert "KB-HEAT_CITY-001" in [o.id for o in results.options][:3]


async def test_the_live_index_of_an_open_console_takes_the_published_article(services, clock):
    liaison = services.accounts.authenticate("5001", "demo")
    reviewer = services.accounts.authenticate("3003", "demo")
    clock.advance(minutes=1)  # the console starts after the seed
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "1001")
        await shows_within(pilot, lambda: app.kb_index is not None)
        app.screen.query_one("#kb-search", Input).value = "蒙速办交暖气费"  # before it exists
        await settle(pilot, 0.5)
        clock.advance(minutes=1)
        rev = services.kb_review.submit(liaison, None, {
            "title": TITLE, "answer": ANSWER, "phrasings": ["蒙速办怎么交暖气费"],
            "category": HEATING_PATH, "domain": "供热"})
        article_id = services.kb_review.approve(reviewer, rev)
        app.poll_kb_changes()
        await settle(pilot)
        assert article_id in [hit.id for hit in app.kb_index.search("蒙速办交暖气费")[:3]]
        assert "知识库已更新 1 条" in said(app)
        # the seat's hit list for what it shows is searched again, no key pressed
        assert article_id in [o.id for o in app.screen.query_one("#kb-results").options]
        # retired, it leaves the index
        clock.advance(minutes=1)
        services.kb_review.approve(reviewer, services.kb_review.retire(liaison, article_id,
                                                                       "渠道已停用"))
        app.poll_kb_changes()
        await settle(pilot)
        assert article_id not in [hit.id for hit in app.kb_index.search("蒙速办交暖气费")]


# ---------------------------------------------------------------------- live queues
async def test_the_review_queue_shows_a_change_sent_from_another_console(services,
                                                                         other_console):
    other_liaison = other_console.accounts.authenticate("5001", "demo")
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_kb(pilot, "3003")
        assert services.feeds and services.feeds[0].listening.wait(5)
        assert rows(app, "#kbr-pending") == []
        data = other_console.kb_review.current(other_liaison, "KB-UC-005")
        other_console.kb_review.submit(other_liaison, "KB-UC-005",
                                       dict(data, valid_until="2028-12-31"))
        await shows_within(pilot, lambda: len(rows(app, "#kbr-pending")) == 1)
        await shows_within(pilot, lambda: "【有效期至】" in rendered(app, "#kbr-detail"))


async def test_the_unit_sees_a_rejection_made_on_another_console(services, other_console):
    other_liaison = other_console.accounts.authenticate("5001", "demo")
    other_reviewer = other_console.accounts.authenticate("3003", "demo")
    data = other_console.kb_review.current(other_liaison, "KB-UC-005")
    rev = other_console.kb_review.submit(other_liaison, "KB-UC-005",
                                         dict(data, valid_until="2028-12-31"))
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_kb(pilot, "5001")
        assert services.feeds and services.feeds[0].listening.wait(5)
        await pilot.press("2")
        await settle(pilot)
        assert rows(app, "#kbm-mine")[0][4] == "待审核"
        other_console.kb_review.reject(other_reviewer, rev, REASON)
        await shows_within(pilot, lambda: rows(app, "#kbm-mine")[0][4] == "已退回")
        await shows_within(pilot, lambda: REASON in rendered(app, "#kbm-mine-detail"))
        await pilot.press("1")
        await settle(pilot)
        at = column(app, "#kbm-articles", "编号").index("KB-UC-005")
        assert column(app, "#kbm-articles", "审核")[at] == "已退回"
        assert "已退回待修改 1" in rendered(app, "#kbm-status")


# ---------------------------------------------------------------------- batches, retiring
def write_batch(path, articles: list[dict]) -> None:
    fields = ["id", "title", "phrasings", "answer", "policy_basis", "owner_unit",
              "valid_until", "keywords", "domain", "category"]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        for a in articles:
            writer.writerow({k: a.get(k, "") for k in fields})


async def test_a_batch_with_errors_sends_nothing_and_a_good_one_reports_each_row(services,
                                                                                tmp_path):
    path = tmp_path / "本单位政策.csv"
    good = {"title": TITLE, "answer": ANSWER, "phrasings": "蒙速办怎么交暖气费", "domain": "供热",
            "category": HEATING_PATH, "valid_until": "2027-04-30"}
    write_batch(path, [good, {**good, "id": "KB-UC-005", "answer": "太短"},
                       {**good, "title": "供热费电子票据", "category": "供热/不存在"}])
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_kb(pilot, "5001")
        await pilot.press("i")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, BatchDialog)
        dialog.query_one("#batch-path", Input).value = str(path)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog
        errors = rendered(app, "#batch-errors")
        assert "第2行：KB-UC-005：答复口径过短" in errors
        assert "第3行：诉求分类“供热/不存在”不存在" in errors
        assert "文件中有 2 行有误，未提交任何条目" in rendered(app, "#dialog-error")
        assert not revisions(services)

        write_batch(path, [good, {**good, "title": "供热费电子票据如何下载"}])
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, BatchReportDialog)
        assert rows(app, "#batch-report-list") == [["第1行", "KB-HEAT_CITY-001", "新增"],
                                                   ["第2行", "KB-HEAT_CITY-002", "新增"]]
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert [r[4] for r in rows(app, "#kbm-mine")] == ["待审核", "待审核"]
    assert [r.source_label for r in revisions(services)] == ["单位批量", "单位批量"]


async def test_retiring_asks_for_a_reason_and_a_pending_change_can_be_withdrawn(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_kb(pilot, "5001")
        table = screen.query_one("#kbm-articles", DataTable)
        table.move_cursor(row=column(app, "#kbm-articles", "编号").index("KB-UC-017"))
        assert "已过期" in column(app, "#kbm-articles", "有效期至")[table.cursor_row]
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        await pilot.press("enter")
        await settle(pilot)
        assert "停用原因不能为空" in rendered(app, "#dialog-error")
        app.screen.query_one("#reason-text", Input).value = "收费标准已由新文件替代"
        await pilot.press("enter")
        await settle(pilot)
        assert "停用申请已提交中心审核：KB-UC-017" in said(app)
        assert column(app, "#kbm-articles", "审核")[table.cursor_row] == "1 待审"
        # w on the article withdraws its pending change
        await pilot.press("w")
        await settle(pilot)
        assert "已撤回：KB-UC-017" in said(app)
        assert not revisions(services)
        await pilot.press("2")
        await settle(pilot)
        assert rows(app, "#kbm-mine")[0][3:5] == ["停用", "已撤回"]
        await pilot.press("w")  # nothing left to withdraw
        await settle(pilot)
        assert "没有可撤回的待审核修改" in said(app)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        keys = " ".join(r[1] for r in rows(app, "#help-keys"))
        for action in ("新增条目", "修改", "停用", "批量提交", "撤回", "版本历史"):
            assert action in keys


async def test_the_filter_narrows_the_unit_s_articles(services):
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_kb(pilot, "5001")
        await pilot.press("2", "slash")  # from the other tab: / goes to the filter
        await settle(pilot)
        assert app.focused is app.screen.query_one("#kbm-filter", Input)
        await pilot.press(*"测温")
        await settle(pilot, 0.5)
        assert column(app, "#kbm-articles", "编号") == ["KB-UC-006"]
        assert "筛选“测温”" in rendered(app, "#kbm-status")
        await pilot.press("enter")
        await settle(pilot)
        assert app.focused is app.screen.query_one("#kbm-articles", DataTable)
        await pilot.press("e")  # the list has the keys again
        await settle(pilot)
        assert isinstance(app.screen, ArticleDialog)


async def test_an_edit_of_a_pending_change_starts_from_it(services):
    liaison = services.accounts.authenticate("5001", "demo")
    data = services.kb_review.current(liaison, "KB-UC-005")
    services.kb_review.submit(liaison, "KB-UC-005", dict(data, valid_until="2028-12-31"))
    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_kb(pilot, "5001")
        table = screen.query_one("#kbm-articles", DataTable)
        table.move_cursor(row=column(app, "#kbm-articles", "编号").index("KB-UC-005"))
        await pilot.press("enter")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ArticleDialog)
        assert dialog.query_one("#kbe-valid_until", Input).value == "2028-12-31"
        assert "从待审核的修改开始编辑" in rendered(app, "#kbe-note")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, KbMaintainScreen)
    assert [r.status for r in revisions(services)] == [RevisionStatus.PENDING]


# ---------------------------------------------------------------------- text as typed
async def test_a_markup_title_shows_literally_on_both_screens(services):
    liaison = services.accounts.authenticate("5001", "demo")
    reviewer = services.accounts.authenticate("3003", "demo")
    base = {"title": MARKUP, "answer": MARKUP + "：供热期内按通知执行。", "domain": "供热",
            "phrasings": [MARKUP], "keywords": ["[b]"]}
    article_id = services.kb_review.approve(reviewer, services.kb_review.submit(
        liaison, None, base))
    services.kb_review.submit(liaison, article_id, dict(base, title=MARKUP + "（修订）"))

    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_kb(pilot, "5001")
        assert MARKUP in column(app, "#kbm-articles", "标题")
        await pilot.press("2")
        await settle(pilot)
        assert column(app, "#kbm-mine", "标题")[0] == MARKUP + "（修订）"
        assert MARKUP + "（修订）" in rendered(app, "#kbm-mine-detail")
        await pilot.press("e")
        await settle(pilot)
        assert app.screen.query_one("#kbe-title", Input).value == MARKUP + "（修订）"
        await pilot.press("escape")
        await settle(pilot)
        assert app.is_running and app.return_code is None

    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_kb(pilot, "3003")
        assert column(app, "#kbr-pending", "条目") == [MARKUP + "（修订）"]
        diff = rendered(app, "#kbr-detail")
        assert MARKUP + "（修订）" in diff and "[@click=app.quit]" in diff
        await pilot.press("h")
        await settle(pilot)
        assert MARKUP in rendered(app, "#history-title")
        await pilot.press("escape")
        await settle(pilot)
        assert app.is_running and app.return_code is None


# ---------------------------------------------------------------------- 80×24
def inside(app, widget) -> bool:
    region = widget.region
    return region.width > 0 and region.height > 0 and \
        region.right <= app.size.width and region.bottom <= app.size.height


async def test_both_screens_and_the_editor_fit_80x24(services):
    liaison = services.accounts.authenticate("5001", "demo")
    data = services.kb_review.current(liaison, "KB-UC-005")
    services.kb_review.submit(liaison, "KB-UC-005", dict(data, valid_until="2028-12-31"))
    app = make_app(services)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_kb(pilot, "5001")
        assert inside(app, screen.query_one("#kbm-articles"))
        labels = [str(c.label) for c in screen.query_one("#kbm-articles", DataTable).columns.values()]
        assert labels == ["编号", "标题", "有效期至", "状态", "版本", "审核"]
        assert "KB-UC-017" in column(app, "#kbm-articles", "编号")
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ArticleDialog)
        for selector in ("#ok", "#cancel", "#kbe-title"):
            assert inside(app, dialog.query_one(selector)), selector
        dialog.set_focus(dialog.query_one("#kbe-category"))
        await settle(pilot)
        assert inside(app, dialog.query_one("#kbe-category"))  # the fields scroll to it
        assert inside(app, dialog.query_one("#ok"))
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert inside(app, screen.query_one("#kbm-mine"))
        assert inside(app, screen.query_one("#kbm-mine-scroll"))

    app = make_app(services)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_kb(pilot, "3003")
        labels = [str(c.label) for c in screen.query_one("#kbr-pending", DataTable).columns.values()]
        assert labels == ["来源", "单位", "条目", "动作", "时间", "冲突"]
        assert inside(app, screen.query_one("#kbr-pending"))
        assert inside(app, screen.query_one("#kbr-detail-scroll"))
        assert "【有效期至】" in rendered(app, "#kbr-detail")
        await pilot.press("x")
        await settle(pilot)
        for selector in ("#reason-text", "#ok"):
            assert inside(app, app.screen.query_one(selector)), selector
