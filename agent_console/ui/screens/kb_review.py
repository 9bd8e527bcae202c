"""知识库审核 (Art. 13, 19(4)): the changes the units (and the experts) sent, oldest first, each
with what it changes field by field; the centre publishes it (a) or sends it back with a
reason the unit reads (x). Also the pieces the unit's own screen shares: the diff, the reason
dialog and an article's version history."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Label, Static

from agent_console.domain.enums import RevisionStatus
from agent_console.domain.text import check_text
from agent_console.services.dto import OperatorInfo
from agent_console.services.errors import ServiceError
from agent_console.services.kb_review import RevisionDetail, RevisionRow
from agent_console.store.notify import KB
from agent_console.ui.fit import Col, fit, one_line, set_columns, table_room
from agent_console.ui.live import LiveRefresh
from agent_console.ui.safe import add_row, plain, script_text
from agent_console.ui.screens.dialogs import Dialog
from agent_console.ui.screens.help import HelpScreen, binding_rows
from agent_console.ui.screens.order_dialogs import FormDialog
from agent_console.ui.widgets.header import ConsoleHeader
from agent_console.ui.widgets.text_entry import Input
from agent_console.ui.work import run_db

OUTAGE = "数据库连接中断：未能提交，已输入的内容仍在，请稍后再试"
STALE = ("条目在这条修改提交之后已有新的版本发布，这条修改是在旧版本上做的：不能通过，"
         "请退回（x），由单位在新版本上重新修改")
STATUS_STYLES = {RevisionStatus.PENDING: "bold yellow", RevisionStatus.REJECTED: "bold red",
                 RevisionStatus.APPROVED: "green", RevisionStatus.WITHDRAWN: "dim"}
DEL_STYLE, ADD_STYLE = "strike red", "bold green"
# the queue at any width (80×24 up): the unit and the title are cut with …, the author first
# leaves a narrow terminal (the pane below names everyone)
COLUMNS = (
    Col("source", "来源", 8),
    Col("unit", "单位", 10, flex=1, most=26),
    Col("title", "条目", 12, flex=2),
    Col("action", "动作", 4),
    Col("author", "提交人", 12, drop=1),
    Col("at", "时间", 11),
    Col("stale", "冲突", 6),
)
HISTORY_COLUMNS = (
    Col("number", "版本", 4),
    Col("action", "动作", 4),
    Col("status", "状态", 6),
    Col("author", "提交人", 10, flex=1, most=16),
    Col("at", "提交时间", 11),
    Col("reviewer", "审核人", 10, flex=1, most=16, drop=2),
    Col("reviewed", "审核时间", 11, drop=1),
)


def status_text(row: RevisionRow) -> Text:
    return Text(row.status_label, style=STATUS_STYLES.get(row.status, ""))


def revision_text(detail: RevisionDetail) -> Text:
    """One change for its reader: whose and when, the reviewer's verdict (a rejection's reason
    first of all), a stale warning, then each changed field with deleted text struck through
    in red and added text in green. Built in a worker (the diff of a long answer takes time)."""
    row = detail.row
    text = Text()
    text.append(f"{row.article_id}  {row.action_label}  ", style="bold")
    text.append_text(status_text(row))
    text.append(f"  {row.source_label}\n", style="dim")
    text.append(row.title + "\n", style="bold")
    if row.status == RevisionStatus.REJECTED:
        text.append("退回原因：", style="bold white on red")
        text.append(row.reason + "\n", style="bold red")
    if detail.stale:
        text.append(STALE + "\n", style="bold yellow")
    text.append(f"提交：{row.author}  {row.created_at:%Y-%m-%d %H:%M}  {row.unit_name}\n")
    if row.reviewed_at is not None:
        number = f"，第 {row.number} 版" if row.number else ""
        text.append(f"审核：{row.reviewer}  {row.reviewed_at:%Y-%m-%d %H:%M}  "
                    f"{row.status_label}{number}\n")
    elif row.status == RevisionStatus.WITHDRAWN and row.reason:
        text.append(f"{row.reason}\n", style="dim")
    text.append("图例：", style="dim")
    text.append("删除的文字", style=DEL_STYLE)
    text.append("→", style="dim")
    text.append("新增的文字", style=ADD_STYLE)
    text.append("\n")
    if not detail.changes:
        text.append("\n与提交时的版本相比没有改动\n", style="dim")
    for change in detail.changes:
        text.append(f"\n【{change.label}】\n", style="bold")
        last = ""
        for kind, run in change.spans():
            if kind == "add" and last == "del":
                text.append("→", style="dim")
            text.append(run, style={"del": DEL_STYLE, "add": ADD_STYLE}.get(kind, ""))
            last = kind
        text.append("\n")
    text.rstrip()
    return text


class ReasonDialog(FormDialog):
    """One required reason (停用 an article, 退回 a change); ``submit`` records it while the
    dialog is open: a refusal shows under the field and what was typed stays."""

    def __init__(self, title: str, about: str, label: str,
                 submit: Callable[[str, Callable[[str | None], None]], None]) -> None:
        super().__init__(submit)
        self._title, self._about, self._label = title, about, label

    def heading(self) -> str:
        return self._title

    def _fields(self) -> ComposeResult:
        yield Static(plain(self._about), id="reason-about")
        yield Label(self._label)
        yield Input(id="reason-text", placeholder="必填")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#reason-text", Input))

    @on(Input.Submitted, "#reason-text")
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        reason = self.query_one("#reason-text", Input).value
        name = self._label.split("（")[0]  # 退回原因（单位将看到） → 退回原因
        if msg := check_text(name, reason, required=True, min_len=2, max_len=500):
            self._error(msg)
            return
        self._finish(reason)


class HistoryDialog(Dialog):
    """h: every change of one article, newest first, with who and when; the highlighted one's
    changes below."""

    def __init__(self, services, viewer: OperatorInfo, article_id: str, title: str) -> None:
        super().__init__()
        self.services = services
        self._viewer = viewer
        self._article_id = article_id
        self._title = title
        self._rows: list[RevisionRow] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="kb-history"):
            heading = Text("版本历史 · ", style="bold")
            heading.append(f"{self._article_id} {self._title}")
            yield Static(heading, classes="dialog-title", id="history-title")
            yield DataTable(id="history-list", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="history-detail-scroll"):
                yield Static(Text("正在读取…", style="dim"), id="history-detail")
            yield Static(Text("↑↓ 选择版本，Esc 关闭", style="dim"))

    def on_mount(self) -> None:
        layout = fit(HISTORY_COLUMNS, min(96, self.app.size.width - 8))
        set_columns(self.query_one("#history-list", DataTable), layout)
        self._layout = layout
        self.set_focus(self.query_one("#history-list", DataTable))
        run_db(self, self.services.kb_review.history, self._viewer, self._article_id,
               done=self._fill, refused=self._refused, outage=self._outage,
               group="kb-history", exclusive=True, name="kb_history")

    def _refused(self, exc: ServiceError) -> None:
        self.query_one("#history-detail", Static).update(Text(exc.message, style="red"))

    def _outage(self, _exc) -> None:
        self.query_one("#history-detail", Static).update(
            Text("数据库连接中断：未能读取版本历史", style="bold red"))

    def _fill(self, rows: list[RevisionRow]) -> None:
        self._rows = rows
        table = self.query_one("#history-list", DataTable)
        table.clear()
        for row in rows:
            cells = {"number": str(row.number) if row.number else "—",
                     "action": row.action_label, "status": status_text(row),
                     "author": one_line(row.author), "at": f"{row.created_at:%m-%d %H:%M}",
                     "reviewer": one_line(row.reviewer or "—"),
                     "reviewed": f"{row.reviewed_at:%m-%d %H:%M}" if row.reviewed_at else "—"}
            add_row(table, *(cells[col.key] for col, _w in self._layout), key=str(row.id))
        if not rows:
            self.query_one("#history-detail", Static).update(Text("暂无修改记录", style="dim"))
        self._show()

    @on(DataTable.RowHighlighted, "#history-list")
    def _show(self) -> None:
        table = self.query_one("#history-list", DataTable)
        if not self._rows or table.cursor_row is None or table.cursor_row >= len(self._rows):
            return
        row = self._rows[table.cursor_row]
        show = self.query_one("#history-detail", Static)
        run_db(self, detail_text, self.services, self._viewer, row.id,
               done=lambda text: show.update(script_text(text)), refused=self._refused,
               outage=self._outage, group="kb-history-detail", exclusive=True,
               name="kb_history_detail")


def detail_text(services, viewer: OperatorInfo, revision_id: int) -> Text:
    """In a worker: the change read and its diff drawn."""
    return revision_text(services.kb_review.detail(viewer, revision_id))


class KbReviewScreen(Screen):
    BINDINGS = [
        Binding("f1", "help", "帮助", id="help"),
        Binding("a", "approve", "通过发布", id="kb_approve"),
        Binding("x", "reject", "退回", id="kb_reject"),
        Binding("h", "history", "版本历史", id="kb_history"),
        Binding("r", "refresh", "刷新", id="kb_review_refresh"),
    ]

    def __init__(self, services, operator: OperatorInfo) -> None:
        super().__init__()
        self.services = services
        self.operator = operator
        self._rows: list[RevisionRow] = []
        self._layout: tuple = ()
        self._busy = False  # an approval on its way: a second a waits for it
        self.live = LiveRefresh(self, self.action_refresh, lambda c: c.concerns(KB))

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.operator, self.services.clock, "知识库审核", id="header")
        with Vertical(id="kbr-body"):
            yield Static("", id="kbr-status")
            yield DataTable(id="kbr-pending", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="kbr-detail-scroll"):
                yield Static("", id="kbr-detail")
        yield Footer()

    def on_mount(self) -> None:
        self._fit_columns()
        self.action_refresh()
        self.set_focus(self.query_one("#kbr-pending", DataTable))

    def on_screen_resume(self) -> None:
        self.live.resumed()

    def on_resize(self, _event: events.Resize) -> None:
        if self._fit_columns():
            self._paint()

    def _fit_columns(self) -> bool:
        layout = fit(COLUMNS, table_room(self.app.size.width))
        if layout == self._layout:
            return False
        self._layout = layout
        set_columns(self.query_one("#kbr-pending", DataTable), layout)
        return True

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen("知识库审核", binding_rows(self)))

    def _status(self, message: str, style: str = "") -> None:
        self.query_one("#kbr-status", Static).update(Text(message, style=style))

    # ------------------------------------------------------------------ reading
    def action_refresh(self) -> None:
        run_db(self, self.services.kb_review.pending, self.operator, done=self._fill,
               refused=lambda exc: self._status(exc.message, "red"),
               outage=lambda _e: self._status(
                   "数据库连接中断：显示的是上次读取的待审核修改，恢复后自动刷新", "bold red"),
               group="kb-review-load", exclusive=True, name="kb_review_pending")

    def _fill(self, rows: list[RevisionRow]) -> None:
        selected = self._selected()
        self._rows = rows
        self._paint(selected.id if selected else None)
        stale = sum(1 for r in rows if r.stale)
        note = f"，其中 {stale} 条的条目已有新版本（只能退回）" if stale else ""
        self._status(f"待审核的知识库修改 {len(rows)} 条（最早提交的在前）{note}；"
                     "a 通过发布，x 退回，h 版本历史")
        self._show_detail()

    def _paint(self, keep: int | None = None) -> None:
        table = self.query_one("#kbr-pending", DataTable)
        at = table.cursor_row
        ids = [r.id for r in self._rows]
        table.clear()
        for row in self._rows:
            cells = {"source": row.source_label, "unit": one_line(row.unit_name or "—"),
                     "title": one_line(row.title), "action": row.action_label,
                     "author": one_line(row.author), "at": f"{row.created_at:%m-%d %H:%M}",
                     "stale": Text("有新版", style="bold yellow") if row.stale else ""}
            add_row(table, *(cells[col.key] for col, _w in self._layout), key=str(row.id))
        if keep in ids:
            at = ids.index(keep)
        if self._rows and at:
            table.move_cursor(row=min(at, len(self._rows) - 1))

    def _selected(self) -> RevisionRow | None:
        table = self.query_one("#kbr-pending", DataTable)
        if not self._rows or table.cursor_row is None or table.cursor_row >= len(self._rows):
            return None
        return self._rows[table.cursor_row]

    @on(DataTable.RowHighlighted, "#kbr-pending")
    def _show_detail(self) -> None:
        row = self._selected()
        detail = self.query_one("#kbr-detail", Static)
        if row is None:
            detail.update(Text("没有待审核的修改", style="dim"))
            return
        run_db(self, detail_text, self.services, self.operator, row.id,
               done=lambda text: detail.update(script_text(text)),
               refused=lambda exc: detail.update(Text(exc.message, style="red")),
               group="kb-review-detail", exclusive=True, name="kb_review_detail")

    # ------------------------------------------------------------------ deciding
    def action_approve(self) -> None:
        """Publishing reaches every seat at once: asked first, the change named."""
        row = self._selected()
        if row is None or self._busy:
            return
        from agent_console.ui.screens.dialogs import ConfirmDialog

        question = (f"{row.action_label}“{row.article_id} {row.title}”将发布到全部坐席的知识库，"
                    "确定通过吗？")
        self.app.push_screen(ConfirmDialog("通过发布", question),
                             lambda yes: self._approve(row) if yes else None)

    def _approve(self, row) -> None:
        self._busy = True

        def done(article_id: str) -> None:
            self._busy = False
            self.notify(f"已通过并发布：{article_id} {row.title}（坐席检索即时更新）",
                        title="知识库审核")
            self.action_refresh()

        def refused(exc: ServiceError) -> None:
            self._busy = False
            self.notify(exc.message, severity="error", title="知识库审核")
            self.action_refresh()

        def outage(_exc) -> None:
            self._busy = False
            self.notify("数据库连接中断：未能发布，请稍后再试", severity="error")

        run_db(self, self.services.kb_review.approve, self.operator, row.id, done=done,
               refused=refused, outage=outage, group="kb-review-decide", name="kb_approve",
               write=True)

    def action_reject(self) -> None:
        row = self._selected()
        if row is None:
            return

        def submit(reason: str, answer: Callable[[str | None], None]) -> None:
            run_db(self, self.services.kb_review.reject, self.operator, row.id, reason,
                   done=lambda _r: answer(None), refused=lambda exc: answer(exc.message),
                   outage=lambda _e: answer(OUTAGE), group="kb-review-decide",
                   name="kb_reject", write=True)

        def closed(reason: str | None) -> None:
            if reason is None:
                return
            self.notify(f"已退回：{row.article_id} {row.title}，{row.unit_name or '提交人'}"
                        "将看到退回原因", title="知识库审核")
            self.action_refresh()

        about = f"{row.article_id} {row.title}（{row.unit_name or row.author}，{row.action_label}）"
        self.app.push_screen(ReasonDialog("退回修改", about, "退回原因（单位将看到）", submit),
                             closed)

    def action_history(self) -> None:
        row = self._selected()
        if row is not None:
            self.app.push_screen(HistoryDialog(self.services, self.operator, row.article_id,
                                               row.title))

