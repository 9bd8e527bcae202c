"""知识库维护 for a handling unit's liaison (Art. 13, 19(4)): the unit's own articles, each new
article, edit and retirement sent to the centre for review, a batch of the latest policies
as a file, and the changes the unit sent with the reviewer's verdict (a rejection's reason in
red, to fix and send again)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Label,
    Select,
    Static,
    TabbedContent,
    TabPane,
)

from agent_console.domain.enums import RevisionAction, RevisionStatus
from agent_console.services.dto import CategoryInfo, OperatorInfo
from agent_console.services.errors import ServiceError, ValidationFailed
from agent_console.services.kb_review import BatchReport, RevisionRow, UnitArticle
from agent_console.store.notify import KB
from agent_console.ui.fit import Col, fit, one_line, set_columns, table_room
from agent_console.ui.live import LiveRefresh
from agent_console.ui.safe import add_row, options, script_text
from agent_console.ui.screens.dialogs import Dialog
from agent_console.ui.screens.help import HelpScreen, binding_rows
from agent_console.ui.screens.kb_review import (
    OUTAGE,
    HistoryDialog,
    ReasonDialog,
    detail_text,
    status_text,
)
from agent_console.ui.screens.order_dialogs import FormDialog, fields_scroll
from agent_console.ui.widgets.header import ConsoleHeader
from agent_console.ui.widgets.text_entry import Input, TextArea
from agent_console.ui.work import run_db

FILTER_DELAY = 0.3  # seconds after the last key before the list is read again
# the edit dialog's widget for each field the service may refuse (the rest: under the buttons)
FIELD_WIDGETS = {"title": "#kbe-title", "phrasings": "#kbe-phrasings", "answer": "#kbe-answer",
                 "policy_basis": "#kbe-policy_basis", "keywords": "#kbe-keywords",
                 "valid_until": "#kbe-valid_until", "domain": "#kbe-domain",
                 "category": "#kbe-category"}
# the lists at any width (80×24 up): the id, the validity and the state always stay
ARTICLE_COLUMNS = (
    Col("id", "编号", 16),
    Col("title", "标题", 12, flex=2),
    Col("category", "分类", 12, flex=1, most=30, drop=1),
    Col("valid", "有效期至", 17),
    Col("state", "状态", 6),
    Col("revision", "版本", 4),
    Col("pending", "审核", 8),
)
MINE_COLUMNS = (
    Col("at", "提交时间", 11),
    Col("id", "编号", 16),
    Col("title", "标题", 12, flex=2),
    Col("action", "动作", 4),
    Col("status", "状态", 6),
    Col("reason", "退回原因", 12, flex=1, drop=1),
)
BATCH_HINT = ("列：id, title, phrasings, answer, policy_basis, owner_unit, valid_until, keywords, "
              "domain, category（与 kb import 相同；id 留空为新增条目，多条问法或关键词用 | 分隔）。"
              "任何一行有误则整个文件都不提交；提交后与单条修改一样由中心审核。")


def valid_text(valid_until: date | None, today: date) -> Text:
    if valid_until is None:
        return Text("长期", style="dim")
    if valid_until < today:
        return Text(f"{valid_until:%Y-%m-%d} 已过期", style="bold red")
    return Text(f"{valid_until:%Y-%m-%d}")


def review_state(article: UnitArticle, returned: set[str]) -> Text:
    """An article's changes at the centre: how many wait, or that the last came back."""
    if article.pending:
        return Text(f"{article.pending} 待审", style="bold yellow")
    if article.id in returned:
        return Text("已退回", style="bold red")
    return Text("—", style="dim")


def origin_note(origin: RevisionRow | None) -> Text:
    """Where an edit starts: the text sent back (with the reason), the change still waiting,
    or the published article."""
    if origin is None:
        return Text("提交后由中心审核；通过后坐席即可检索到新版本", style="dim")
    if origin.status == RevisionStatus.REJECTED:
        text = Text("从被退回的修改开始编辑，改正后重新提交。\n", style="bold")
        text.append("退回原因：", style="bold white on red")
        text.append(origin.reason, style="bold red")
        text.append(f"（{origin.reviewer} {origin.reviewed_at:%Y-%m-%d %H:%M}）", style="dim")
        return text
    return Text(f"从待审核的修改开始编辑（{origin.created_at:%Y-%m-%d %H:%M} 提交）；"
                "提交后替代那条修改", style="bold yellow")


class ArticleDialog(FormDialog):
    """One article's fields; Ctrl+S sends them for review while the dialog stays open: a
    refusal shows under each field it concerns, with everything typed kept."""

    BINDINGS = [*FormDialog.BINDINGS, Binding("ctrl+s", "save", "提交审核", id="kb_edit_save")]

    def __init__(self, heading: str, data: dict, categories: list[CategoryInfo],
                 send: Callable[[dict, Callable[[ServiceError | None], None]], None],
                 note: Text | None = None) -> None:
        super().__init__(None)
        self._heading = heading
        self._data = data
        self._categories = categories
        self._send = send
        self._note = note

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide order-dialog", id="kb-editor"):
            yield Static(Text(self._heading, style="bold"), classes="dialog-title")
            with fields_scroll():
                yield from self._fields()
            yield Static("", id="dialog-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("提交审核 (Ctrl+S)", id="ok", variant="primary")
                yield Button("取消 (Esc)", id="cancel")

    def _fields(self) -> ComposeResult:
        d = self._data
        if self._note is not None:
            yield Static(self._note, id="kbe-note")
        yield Label("标题")
        yield Input(d.get("title", ""), id="kbe-title", compact=True, placeholder="坐席检索时看到的标题")
        yield _error_line("title")
        yield Label("常见问法（每行一条，诉求人常用的说法）")
        yield TextArea("\n".join(d.get("phrasings") or ()), id="kbe-phrasings", soft_wrap=True)
        yield _error_line("phrasings")
        yield Label("答复口径（坐席向诉求人宣读）")
        yield TextArea(d.get("answer", ""), id="kbe-answer", soft_wrap=True)
        yield _error_line("answer")
        yield Label("政策依据")
        yield TextArea(d.get("policy_basis", ""), id="kbe-policy_basis", soft_wrap=True)
        yield _error_line("policy_basis")
        yield Label("关键词（逗号或顿号分隔）")
        yield Input("、".join(d.get("keywords") or ()), id="kbe-keywords", compact=True,
                    placeholder="如：蒙速办、缴费")
        yield _error_line("keywords")
        with Horizontal(classes="kbe-row"):
            yield Label("有效期至", classes="kbe-label")
            yield Input(d.get("valid_until", ""), id="kbe-valid_until", compact=True,
                        placeholder="YYYY-MM-DD，长期有效可不填")
            yield Label("领域", classes="kbe-label-short")
            yield Input(d.get("domain", ""), id="kbe-domain", compact=True, placeholder="如 供热")
        yield _error_line("valid_until")
        yield _error_line("domain")
        yield Label("诉求分类（输入文字查找）")
        yield Select(options((p, p) for p in self._category_paths()), id="kbe-category",
                     prompt="请选择诉求分类（可不选）", value=d.get("category") or Select.NULL,
                     type_to_search=True, compact=True)
        yield _error_line("category")

    def _category_paths(self) -> list[str]:
        """The leaf categories, and the article's own if it is not one (kept as it was)."""
        paths = [c.path for c in self._categories]
        own = self._data.get("category") or ""
        return paths if not own or own in paths else [own, *paths]

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#kbe-title", Input))

    @on(Input.Submitted)
    def _next_field(self) -> None:
        self.focus_next()

    @on(Select.Changed, "#kbe-category")
    def _category_changed(self, event: Select.Changed) -> None:
        """A domain not yet given follows the category's (供热/… → 供热)."""
        domain = self.query_one("#kbe-domain", Input)
        picked = next((c for c in self._categories if c.path == event.value), None)
        if picked is not None and picked.domain and domain.value.strip() in ("", "其他"):
            domain.value = picked.domain

    def values(self) -> dict:
        q = self.query_one
        category = q("#kbe-category", Select).value
        return {"title": q("#kbe-title", Input).value,
                # one a line, as the field says: a phrasing may hold a semicolon
                "phrasings": q("#kbe-phrasings", TextArea).text.splitlines(),
                "answer": q("#kbe-answer", TextArea).text,
                "policy_basis": q("#kbe-policy_basis", TextArea).text,
                "keywords": q("#kbe-keywords", Input).value,
                "valid_until": q("#kbe-valid_until", Input).value,
                "domain": q("#kbe-domain", Input).value,
                "category": "" if category is Select.NULL else str(category),
                "owner_unit": self._data.get("owner_unit", "")}

    @on(Button.Pressed, "#ok")
    def action_save(self) -> None:
        if self._busy:
            return
        self._busy = True
        self.query_one("#ok", Button).disabled = True
        self._show_field_errors({})
        self._error("正在提交…", "yellow")
        self._send(self.values(), self._answered)

    def _answered(self, refused: ServiceError | None) -> None:
        self._busy = False
        if not self.is_attached:
            return
        self.query_one("#ok", Button).disabled = False
        if refused is None:
            self.dismiss(self.values())
            return
        errors = refused.errors if isinstance(refused, ValidationFailed) else {}
        self._show_field_errors(errors)
        marked = [k for k in errors if k in FIELD_WIDGETS]
        other = [m for k, m in errors.items() if k not in FIELD_WIDGETS]
        if other or not errors:
            self._error("未提交：" + ("；".join(other) if other else refused.message))
        else:
            self._error(f"未提交：有 {len(marked)} 项需要修改，见各项下的红字")
        if marked:
            self.set_focus(self.query_one(FIELD_WIDGETS[marked[0]]))

    def _show_field_errors(self, errors: dict[str, str]) -> None:
        for field in FIELD_WIDGETS:
            line = self.query_one(f"#e-{field}", Static)
            line.update(Text(errors.get(field, "")))
            line.set_class(field in errors, "visible")


def _error_line(field: str) -> Static:
    return Static("", id=f"e-{field}", classes="field-error")


class BatchDialog(FormDialog):
    """i: a file of the unit's latest policies; every row's error shows here and nothing is
    sent until the whole file is right."""

    def __init__(self, send: Callable[[Path, Callable], None], value: str = "") -> None:
        super().__init__(None)
        self._send = send
        self._value = value

    def heading(self) -> str:
        return "批量提交本单位最新政策"

    def _fields(self) -> ComposeResult:
        yield Static(script_text(BATCH_HINT, style="dim"), id="batch-hint")
        yield Label("文件路径（.csv、.xlsx 或 .jsonl）")
        yield Input(self._value, id="batch-path", placeholder=str(Path.home() / "本单位政策.xlsx"))
        yield Static("", id="batch-errors", classes="field-error")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#batch-path", Input))

    @on(Input.Submitted, "#batch-path")
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        raw = self.query_one("#batch-path", Input).value.strip()
        if not raw:
            self._error("请填写文件路径")
            return
        if self._busy:
            return
        self._busy = True
        self.query_one("#ok", Button).disabled = True
        self._show_rows({})
        self._error("正在检查并提交…", "yellow")
        self._send(Path(raw).expanduser(), self._answered)

    def _answered(self, report: BatchReport | None, refused: ServiceError | None) -> None:
        self._busy = False
        if not self.is_attached:
            return
        self.query_one("#ok", Button).disabled = False
        if refused is None:
            self.dismiss(report)
            return
        if isinstance(refused, ValidationFailed):
            self._show_rows(refused.errors)
            self._error(f"文件中有 {len(refused.errors)} 行有误，未提交任何条目；"
                        "请改正文件后重新提交")
        else:
            self._error(refused.message)

    def _show_rows(self, errors: dict[str, str]) -> None:
        text = Text()
        for row, message in errors.items():
            text.append(f"{row}：", style="bold")
            text.append(message + "\n")
        text.rstrip()
        shown = self.query_one("#batch-errors", Static)
        shown.update(script_text(text))
        shown.set_class(bool(errors), "visible")
        self.call_after_refresh(self._fit_fields)


class BatchReportDialog(Dialog):
    """What a batch sent: each row, its article and what it asks for."""

    BINDINGS = [*Dialog.BINDINGS, Binding("enter", "cancel", "关闭", show=False)]

    def __init__(self, report: BatchReport) -> None:
        super().__init__()
        self._report = report

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="batch-report"):
            yield Static(Text("批量提交完成", style="bold"), classes="dialog-title")
            unchanged = len(self._report.rows) - self._report.submitted
            summary = f"已提交 {self._report.submitted} 条，等待中心审核"
            if unchanged:
                summary += f"；{unchanged} 条与当前版本相同，未提交"
            yield Static(Text(summary))
            table = DataTable(id="batch-report-list", show_cursor=False, zebra_stripes=True)
            table.add_columns("行", "编号", "结果")
            for n, article_id, what in self._report.rows:
                add_row(table, f"第{n}行", article_id,
                        Text(what, style="dim" if what == "无变化" else "bold"))
            yield table
            yield Static(Text("Enter 或 Esc 关闭", style="dim"))


class KbMaintainScreen(Screen):
    BINDINGS = [
        Binding("f1", "help", "帮助", id="help"),
        Binding("n", "new", "新增条目", id="kb_new"),
        Binding("e", "edit", "修改", id="kb_edit"),
        Binding("d", "retire", "停用", id="kb_retire"),
        Binding("i", "batch", "批量提交", id="kb_batch"),
        Binding("w", "withdraw", "撤回", id="kb_withdraw"),
        Binding("h", "history", "版本历史", id="kb_history"),
        Binding("slash", "filter", "筛选", id="kb_filter"),
        Binding("r", "refresh", "刷新", id="kb_refresh", show=False),
        Binding("1", "tab('tab-articles')", "本单位条目", show=False, id="kb_tab_articles"),
        Binding("2", "tab('tab-mine')", "我提交的修改", show=False, id="kb_tab_mine"),
    ]

    def __init__(self, services, operator: OperatorInfo) -> None:
        super().__init__()
        self.services = services
        self.operator = operator
        self._articles: list[UnitArticle] = []
        self._mine: list[RevisionRow] = []
        self._query = ""
        self._filter_timer = None
        self._layouts: dict[str, tuple] = {}
        self._batch_path = ""
        # a review at the centre (or the unit's other liaison) shows up without a key press
        self.live = LiveRefresh(self, self.action_refresh, lambda c: c.concerns(KB))

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.operator, self.services.clock, "知识库维护", id="header")
        with Vertical(id="kbm-body"):
            yield Static("", id="kbm-status")
            with TabbedContent(id="kbm-tabs"):
                with TabPane("本单位条目", id="tab-articles"):
                    yield Input(id="kbm-filter", placeholder="/ 筛选：编号或标题",
                                compact=True)
                    yield DataTable(id="kbm-articles", cursor_type="row", zebra_stripes=True)
                with TabPane("我提交的修改", id="tab-mine"):
                    yield DataTable(id="kbm-mine", cursor_type="row", zebra_stripes=True)
                    with VerticalScroll(id="kbm-mine-scroll"):
                        yield Static("", id="kbm-mine-detail")
        yield Footer()

    def on_mount(self) -> None:
        self._fit_columns()
        self.action_refresh()
        self.set_focus(self.query_one("#kbm-articles", DataTable))

    def on_screen_resume(self) -> None:
        self.live.resumed()

    def on_resize(self, _event: events.Resize) -> None:
        if self._fit_columns():
            self._paint()

    def _fit_columns(self) -> bool:
        room = table_room(self.app.size.width)
        layouts = {"#kbm-articles": fit(ARTICLE_COLUMNS, room),
                   "#kbm-mine": fit(MINE_COLUMNS, room)}
        if layouts == self._layouts:
            return False
        self._layouts = layouts
        for selector, layout in layouts.items():
            set_columns(self.query_one(selector, DataTable), layout)
        return True

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen("知识库维护", binding_rows(self)))

    def action_tab(self, tab: str) -> None:
        self.query_one("#kbm-tabs", TabbedContent).active = tab
        self._focus_tab(tab)

    @on(TabbedContent.TabActivated, "#kbm-tabs")
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """A tab clicked or chosen with the arrows: its list takes the keys (unless a field of
        that tab already has them: / went to the filter)."""
        focused = self.focused
        if focused is None or event.pane not in focused.ancestors_with_self:
            self._focus_tab(event.pane.id)

    def _focus_tab(self, tab: str | None) -> None:
        self.set_focus(self.query_one("#kbm-mine" if tab == "tab-mine" else "#kbm-articles"))

    def _tab(self) -> str:
        return self.query_one("#kbm-tabs", TabbedContent).active

    def _status(self, message: str, style: str = "") -> None:
        self.query_one("#kbm-status", Static).update(Text(message, style=style))

    # ------------------------------------------------------------------ reading
    def action_refresh(self) -> None:
        query = self._query
        review = self.services.kb_review

        def read():
            return review.unit_articles(self.operator, query), review.mine(self.operator)

        run_db(self, read, done=lambda got: self._fill(query, *got),
               refused=lambda exc: self._status(exc.message, "red"),
               outage=lambda _e: self._status(
                   "数据库连接中断：显示的是上次读取的条目，恢复后自动刷新", "bold red"),
               group="kb-maintain-load", exclusive=True, name="kb_maintain_load")

    def _fill(self, query: str, articles: list[UnitArticle], mine: list[RevisionRow]) -> None:
        if query != self._query:
            return  # typed on meanwhile: that read comes next
        keep_article, keep_revision = self._article(), self._revision()
        self._articles, self._mine = articles, mine
        self._paint(keep_article.id if keep_article else None,
                    keep_revision.id if keep_revision else None)
        self._status_line(query)
        rejected = len(open_rejections(mine))
        label = Text("我提交的修改")
        if rejected:
            label.append(f"（已退回 {rejected}）", style="bold red")
        self.query_one("#kbm-tabs", TabbedContent).get_tab("tab-mine").label = label
        self._show_revision()

    def _status_line(self, query: str) -> None:
        """The unit's articles, how many are out of date, what waits, what came back."""
        today = self.services.clock.now().date()
        articles, mine = self._articles, self._mine
        expired = sum(1 for a in articles if a.valid_until and a.valid_until < today
                      and not a.retired)
        pending = sum(1 for r in mine if r.status == RevisionStatus.PENDING)
        rejected = len(open_rejections(mine))
        text = Text(f"{self.operator.unit_name or '全部单位'}：条目 {len(articles)} 条")
        if query.strip():
            text.append(f"（筛选“{query}”）")
        text.append("，")
        text.append(f"已过期 {expired}", style="bold red" if expired else "")
        text.append(f"；待审核 {pending}；")
        text.append(f"已退回待修改 {rejected}", style="bold white on red" if rejected else "")
        self.query_one("#kbm-status", Static).update(text)

    def _paint(self, keep_article: str | None = None, keep_revision: int | None = None) -> None:
        today = self.services.clock.now().date()
        table = self.query_one("#kbm-articles", DataTable)
        returned = {r.article_id for r in open_rejections(self._mine)}
        rows = []
        for a in self._articles:
            rows.append({"id": a.id, "title": one_line(a.title),
                         "category": one_line(a.category or "—"),
                         "valid": valid_text(a.valid_until, today),
                         "state": Text("已停用", style="dim") if a.retired else Text("有效", style="green"),
                         "revision": str(a.revision) if a.revision else "初版",
                         "pending": review_state(a, returned)})
        _repaint(table, self._layouts["#kbm-articles"], rows, [a.id for a in self._articles],
                 keep_article)
        rows = []
        for r in self._mine:
            reason = Text(r.reason, style="bold red") if r.status == RevisionStatus.REJECTED \
                else Text("—", style="dim")
            rows.append({"at": f"{r.created_at:%m-%d %H:%M}", "id": r.article_id,
                         "title": one_line(r.title), "action": r.action_label,
                         "status": status_text(r), "reason": one_line(reason)})
        _repaint(self.query_one("#kbm-mine", DataTable), self._layouts["#kbm-mine"], rows,
                 [r.id for r in self._mine], keep_revision)

    def _article(self) -> UnitArticle | None:
        return _at_cursor(self.query_one("#kbm-articles", DataTable), self._articles)

    def _revision(self) -> RevisionRow | None:
        return _at_cursor(self.query_one("#kbm-mine", DataTable), self._mine)

    @on(DataTable.RowHighlighted, "#kbm-mine")
    def _show_revision(self) -> None:
        row = self._revision()
        detail = self.query_one("#kbm-mine-detail", Static)
        if row is None:
            detail.update(Text("还没有提交过修改：在“本单位条目”中按 n 新增、e 修改、i 批量提交",
                               style="dim"))
            return
        run_db(self, detail_text, self.services, self.operator, row.id,
               done=lambda text: detail.update(script_text(text)),
               refused=lambda exc: detail.update(Text(exc.message, style="red")),
               group="kb-maintain-detail", exclusive=True, name="kb_maintain_detail")

    # ------------------------------------------------------------------ the filter
    def action_filter(self) -> None:
        self.action_tab("tab-articles")
        self.set_focus(self.query_one("#kbm-filter", Input))

    @on(Input.Changed, "#kbm-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        value = event.value
        self._filter_timer = self.set_timer(FILTER_DELAY, lambda: self._apply_filter(value))

    def _apply_filter(self, value: str) -> None:
        self._filter_timer = None
        if value != self._query:
            self._query = value
            self.action_refresh()

    @on(Input.Submitted, "#kbm-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self._apply_filter(event.value)
        self.set_focus(self.query_one("#kbm-articles", DataTable))

    # ------------------------------------------------------------------ editing
    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_edit()

    def action_new(self) -> None:
        units = self.services.catalog.units()
        unit = units.get(self.operator.unit_id)
        domain = unit.domains[0] if unit and unit.domains else ""
        self._open_editor(None, {"domain": domain}, None)

    def action_edit(self) -> None:
        review = self.services.kb_review
        if self._tab() == "tab-mine":
            row = self._revision()
            if row is None:
                return
            if row.status in (RevisionStatus.PENDING, RevisionStatus.REJECTED) \
                    and row.action != RevisionAction.RETIRE:
                run_db(self, review.detail, self.operator, row.id,
                       done=lambda d: self._open_editor(row.article_id, d.data, row),
                       group="kb-maintain-open", exclusive=True, name="kb_open_revision")
                return
            article_id = row.article_id
        else:
            article = self._article()
            if article is None:
                self.notify("请先选中一个条目；按 n 新增条目", severity="warning")
                return
            article_id = article.id
        run_db(self, review.starting_point, self.operator, article_id,
               done=lambda got: self._open_editor(article_id, *got),
               group="kb-maintain-open", exclusive=True, name="kb_open_article")

    def _open_editor(self, article_id: str | None, data: dict,
                     origin: RevisionRow | None) -> None:
        if article_id is None:
            heading = "新增条目"
        elif origin is not None and origin.action == RevisionAction.CREATE:
            heading = f"重新提交新增条目 {article_id}"
        else:
            heading = f"修改条目 {article_id}"

        def send(values: dict, answer: Callable[[ServiceError | None], None]) -> None:
            run_db(self, self.services.kb_review.submit, self.operator, article_id, values,
                   done=lambda _id: answer(None), refused=answer,
                   outage=lambda _e: answer(ServiceError(OUTAGE)), group="kb-maintain-save",
                   name="kb_submit", write=True)

        def closed(values: dict | None) -> None:
            if values is None:
                return
            self.notify(f"已提交中心审核：{values['title'].strip()}", title="知识库维护")
            self.action_refresh()

        dialog = ArticleDialog(heading, data, self.services.catalog.leaf_categories(), send,
                               origin_note(origin))
        self.app.push_screen(dialog, closed)

    def action_retire(self) -> None:
        target = self._target()
        if target is None:
            return
        article_id, title = target
        listed = next((a for a in self._articles if a.id == article_id), None)
        if listed is not None and listed.retired:
            self.notify(f"条目 {article_id} 已停用", severity="warning")
            return

        def send(reason: str, answer: Callable[[str | None], None]) -> None:
            run_db(self, self.services.kb_review.retire, self.operator, article_id, reason,
                   done=lambda _id: answer(None), refused=lambda exc: answer(exc.message),
                   outage=lambda _e: answer(OUTAGE), group="kb-maintain-save",
                   name="kb_retire", write=True)

        def closed(reason: str | None) -> None:
            if reason is not None:
                self.notify(f"停用申请已提交中心审核：{article_id}", title="知识库维护")
                self.action_refresh()

        about = f"{article_id} {title}：中心审核通过后，坐席将检索不到这个条目"
        self.app.push_screen(ReasonDialog("停用条目", about, "停用原因（如：政策已废止）", send),
                             closed)

    def _target(self) -> tuple[str, str] | None:
        """The article the keys act on: the highlighted one, or the highlighted change's."""
        if self._tab() == "tab-mine":
            row = self._revision()
            return (row.article_id, row.title) if row else None
        article = self._article()
        if article is None:
            self.notify("请先选中一个条目", severity="warning")
            return None
        return article.id, article.title

    def action_withdraw(self) -> None:
        row = self._revision() if self._tab() == "tab-mine" else self._own_pending()
        if row is None or row.status != RevisionStatus.PENDING:
            self.notify("没有可撤回的待审核修改：请选中一条待审核的修改", severity="warning")
            return

        def done(_result) -> None:
            self.notify(f"已撤回：{row.article_id} {row.title}", title="知识库维护")
            self.action_refresh()

        run_db(self, self.services.kb_review.withdraw, self.operator, row.id, done=done,
               outage=lambda _e: self.notify(OUTAGE, severity="error"),
               group="kb-maintain-save", name="kb_withdraw", write=True)

    def _own_pending(self) -> RevisionRow | None:
        article = self._article()
        mine = f"{self.operator.staff_no} "
        return next((r for r in self._mine if article is not None and r.article_id == article.id
                     and r.status == RevisionStatus.PENDING and r.author.startswith(mine)), None)

    def action_history(self) -> None:
        target = self._target()
        if target is not None:
            self.app.push_screen(HistoryDialog(self.services, self.operator, *target))

    def action_batch(self) -> None:
        def send(path: Path, answer: Callable) -> None:
            self._batch_path = str(path)
            run_db(self, self.services.kb_review.submit_batch, self.operator, path,
                   done=lambda report: answer(report, None),
                   refused=lambda exc: answer(None, exc),
                   outage=lambda _e: answer(None, ServiceError(OUTAGE)),
                   group="kb-maintain-save", name="kb_batch", write=True)

        def closed(report: BatchReport | None) -> None:
            if report is None:
                return
            self.action_refresh()
            self.app.push_screen(BatchReportDialog(report))

        self.app.push_screen(BatchDialog(send, self._batch_path), closed)


def open_rejections(mine: list[RevisionRow]) -> list[RevisionRow]:
    """The rejected changes not yet followed by another change of their article (``mine`` is
    newest first): what the unit still has to fix."""
    seen: set[str] = set()
    open_ = []
    for row in mine:
        if row.article_id not in seen and row.status == RevisionStatus.REJECTED:
            open_.append(row)
        seen.add(row.article_id)
    return open_


def _at_cursor(table: DataTable, rows: list):
    if not rows or table.cursor_row is None or table.cursor_row >= len(rows):
        return None
    return rows[table.cursor_row]


def _repaint(table: DataTable, layout: tuple, rows: list[dict], keys: list, keep) -> None:
    """The rows in the columns that fit; the cursor stays on ``keep`` (or its row)."""
    at = table.cursor_row
    table.clear()
    for key, cells in zip(keys, rows, strict=True):
        add_row(table, *(cells[col.key] for col, _w in layout), key=str(key))
    if keep in keys:
        at = keys.index(keep)
    if rows and at:
        table.move_cursor(row=min(at, len(rows) - 1))

