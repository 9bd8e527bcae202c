"""The expert seat (Art. 14–15): the calls transferred to this expert or waiting in the queue
of the expert's categories, each shown read-only (the form, the caller's history, how long the
caller has waited) beside the knowledge base; one key ends the call: answered, a work order,
or handed back to the seat. The expert's presence (available, on a break, busy) is what the
seats' F6 dialog shows and what routing uses."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Checkbox, DataTable, Footer, Label, Static

from agent_console.domain.enums import Presence, Role, TransferOutcome, TransferStatus
from agent_console.domain.text import check_text
from agent_console.services.dto import ArticleInfo, OperatorInfo, TransferRow
from agent_console.services.errors import ServiceError, ValidationFailed
from agent_console.services.expert import HEARTBEAT_SECONDS, CallView
from agent_console.store.notify import TRANSFERS
from agent_console.ui.live import LiveRefresh
from agent_console.ui.safe import add_row
from agent_console.ui.screens.dialogs import Dialog, DispatchChoice, DispatchDialog
from agent_console.ui.screens.help import HelpScreen, binding_rows
from agent_console.ui.widgets.header import ConsoleHeader
from agent_console.ui.widgets.kb_pane import KbPane
from agent_console.ui.widgets.text_entry import Input, TextArea
from agent_console.ui.work import run_db

# Transfers arrive by notification (PostgreSQL) or the file's change counter (SQLite); the slow
# timer only redraws the waiting times and is a safety net
REFRESH_SECONDS = 30.0
KB_LIMIT = 10


def waited(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


@dataclass(frozen=True)
class ExpertAnswer:
    text: str
    article_id: str | None
    propose: bool


class ExpertAnswerDialog(Dialog):
    """1: the answer the expert gave, the KB article used, and whether to propose a new one."""

    def __init__(self, article: ArticleInfo | None, proposed_default: bool) -> None:
        super().__init__()
        self._article = article
        self._propose = proposed_default

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(Text("专家答复（第十五条）", style="bold"), classes="dialog-title")
            used = f"使用的知识库条目：{self._article.id} {self._article.title}" if self._article \
                else "未选用知识库条目（在右侧知识库中选中条目即可引用）"
            yield Static(Text(used), id="answer-article")
            yield Label("答复内容（记入来电记录）")
            yield TextArea(id="expert-answer", soft_wrap=True)
            yield Checkbox("据此建议新增知识库条目（交中心审核）", self._propose, id="propose")
            yield Static("", id="dialog-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("确认答复", id="ok", variant="primary")
                yield Button("取消 (Esc)", id="cancel")

    def on_mount(self) -> None:
        area = self.query_one("#expert-answer", TextArea)
        if self._article is not None:
            area.text = self._article.answer
        self.set_focus(area)

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        text = self.query_one("#expert-answer", TextArea).text
        if msg := check_text("专家答复", text, required=True, min_len=4, max_len=4000,
                             allow_newlines=True):
            self.show_error(msg)
            return
        self.dismiss(ExpertAnswer(text, self._article.id if self._article else None,
                                  self.query_one("#propose", Checkbox).value))

    def show_error(self, message: str) -> None:
        error = self.query_one("#dialog-error", Static)
        error.update(Text(message))
        error.add_class("visible")

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class ExpertNoteDialog(Dialog):
    """2 (the order's content, from the expert's notes) and 3 (the note for the seat)."""

    def __init__(self, title: str, label: str, field: str, value: str = "",
                 min_len: int = 4) -> None:
        super().__init__()
        self._title, self._label, self._field = title, label, field
        self._value, self._min = value, min_len

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(Text(self._title, style="bold"), classes="dialog-title")
            yield Label(self._label)
            yield TextArea(self._value, id="expert-note", soft_wrap=True)
            yield Static("", id="dialog-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("确认", id="ok", variant="primary")
                yield Button("取消 (Esc)", id="cancel")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#expert-note", TextArea))

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        text = self.query_one("#expert-note", TextArea).text
        if msg := check_text(self._field, text, required=True, min_len=self._min, max_len=4000,
                             allow_newlines=True):
            error = self.query_one("#dialog-error", Static)
            error.update(Text(msg))
            error.add_class("visible")
            return
        self.dismiss(text)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


def call_text(view: CallView) -> Text:
    """The transferred call, read-only: the form as the seat filled it, and the history."""
    row = view.transfer
    text = Text()
    text.append(f"来电 {row.caller_phone}", style="bold")
    if view.caller_name:
        text.append(f"  {view.caller_name}")
    text.append(f"  转出 {row.from_operator}  {row.at:%Y-%m-%d %H:%M}\n")
    state = row.extra.get("outcome")
    if row.status == TransferStatus.WAITING:
        text.append(f"诉求人已等待 {waited(view.waited_seconds)}（待接听）\n", style="bold yellow")
    elif row.status == TransferStatus.ACCEPTED:
        text.append(f"接听前等待 {waited(view.waited_seconds)}，通话中\n", style="bold green")
    elif state:
        text.append(f"{TransferOutcome(state).label}\n", style="bold")
    text.append(f"接通方式：{row.extra.get('connection') or '专家座席联动'}（诉求人已同意转接）\n")
    text.append(f"渠道：{view.channel}  类型：{view.request_type}  紧急程度：{view.urgency}\n")
    text.append(f"分类：{view.category or '（未选）'}\n")
    if view.region or view.address:
        text.append(f"地区：{view.region}  地址：{view.address}\n")
    if row.kb_title:
        text.append(f"坐席参考的知识库：{row.kb_article_id} {row.kb_title}\n")
    text.append("诉求内容：\n", style="bold")
    text.append(row.content + "\n")
    if row.extra.get("answer_text"):
        text.append("专家答复：\n", style="bold")
        text.append(row.extra["answer_text"] + "\n")
    if row.extra.get("order_number"):
        text.append(f"专家派发工单：{row.extra['order_number']}\n", style="bold")
    if row.extra.get("note") and state == TransferOutcome.HANDED_BACK:
        text.append(f"退回说明：{row.extra['note']}\n")
    text.append("\n该号码的历史来电：", style="bold")
    if not view.history:
        text.append("无\n")
    else:
        text.append("\n")
        for at, outcome, content in view.history:
            clipped = " ".join(content.split())
            text.append(f"{at:%Y-%m-%d %H:%M} {outcome} {clipped[:40]}\n", style="dim")
    return text


class ExpertQueueScreen(Screen):
    BINDINGS = [
        Binding("f1", "help", "帮助", id="help"),
        Binding("a", "accept", "接听", id="expert_accept"),
        Binding("1", "answer", "答复", id="expert_answer"),
        Binding("2", "work_order", "派单", id="expert_order"),
        Binding("3", "hand_back", "退回坐席", id="expert_hand_back"),
        Binding("b", "toggle_break", "小休/恢复", id="expert_break"),
        Binding("slash", "focus_kb", "搜知识库", id="expert_kb"),
        Binding("f2", "focus_kb", "搜知识库", show=False, id="expert_kb_f2"),
        Binding("r", "refresh", "刷新", id="expert_refresh"),
        Binding("h", "toggle_closed", "显示/隐藏已完成", id="expert_toggle_closed"),
    ]

    def __init__(self, services, operator: OperatorInfo) -> None:
        super().__init__()
        self.services = services
        self.operator = operator
        self._rows: list[TransferRow] = []
        self._include_closed = False
        self._view: CallView | None = None
        self._articles: dict[str, ArticleInfo] = {}
        self._notes: dict[int, str] = {}  # the expert's order text, per call, until it is sent
        self.presence = Presence.AVAILABLE if operator.role is Role.EXPERT else Presence.OFFLINE
        # an expert hears every change of the queues (a queued call concerns all of them)
        own = operator.id if operator.role is Role.EXPERT else None
        self.live = LiveRefresh(self, self.action_refresh,
                                lambda c: c.concerns(TRANSFERS) and (own is None or not c.ids
                                                                     or own in c.ids))

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.operator, self.services.clock, "专家座席", id="header")
        with Horizontal(id="expert-body"):
            with Vertical(id="queue-body"):
                yield Static("", id="presence")
                yield Static("", id="queue-status")
                yield DataTable(id="transfers", cursor_type="row", zebra_stripes=True)
                with VerticalScroll(id="transfer-detail-scroll"):
                    yield Static("", id="transfer-detail")
            yield KbPane(id="kb-pane")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#transfers", DataTable)
        table.add_columns("时间", "分类", "状态", "等待", "来电号码", "转出坐席", "诉求内容")
        self._show_presence()
        if self.operator.role is Role.EXPERT:
            self._presence(Presence.AVAILABLE)
            self.set_interval(HEARTBEAT_SECONDS, self._heartbeat)
        self.action_refresh()
        self.set_interval(REFRESH_SECONDS, self.action_refresh)
        self.kb.show_status("选中来电后按诉求内容匹配；按 / 输入关键词")
        self.set_focus(table)

    @property
    def kb(self) -> KbPane:
        return self.query_one(KbPane)

    def on_screen_resume(self) -> None:
        self.live.resumed()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen("专家座席", binding_rows(self)))

    # ------------------------------------------------------------------ presence
    def _presence(self, status: Presence) -> None:
        run_db(self, self.services.expert.set_presence, self.operator, status,
               done=self._presence_set,
               outage=lambda _e: self.notify("数据库连接中断：在岗状态未能更新，恢复后重试",
                                             severity="error"),
               group="presence", name="expert_presence")

    def _presence_set(self, status: Presence) -> None:
        self.presence = status
        self._show_presence()

    def _heartbeat(self) -> None:
        run_db(self, self.services.expert.heartbeat, self.operator, done=self._presence_set,
               outage=lambda _e: None, group="heartbeat", exclusive=True, name="expert_heartbeat")

    def _show_presence(self) -> None:
        style = {Presence.AVAILABLE: "bold green", Presence.BUSY: "bold yellow",
                 Presence.BREAK: "bold cyan", Presence.OFFLINE: "dim"}[self.presence]
        text = Text("在岗状态：")
        text.append(self.presence.label, style=style)
        if self.presence is Presence.BREAK:
            text.append("（不接新转接；按 b 恢复）", style="dim")
        elif self.presence is Presence.AVAILABLE:
            text.append("（按 b 小休）", style="dim")
        self.query_one("#presence", Static).update(text)

    def action_toggle_break(self) -> None:
        if self.operator.role is not Role.EXPERT:
            return
        if self.presence is Presence.BUSY:
            self.notify("通话中不能小休：请先结束当前来电", severity="warning")
            return
        self._presence(Presence.AVAILABLE if self.presence is Presence.BREAK else Presence.BREAK)

    # ------------------------------------------------------------------ the queue
    def action_refresh(self) -> None:
        """In a worker; a transfer shows up without a key press (see ``live``)."""
        def refused(exc: ServiceError) -> None:
            self.query_one("#queue-status", Static).update(Text(exc.message, style="red"))

        def outage(_exc) -> None:
            self.query_one("#queue-status", Static).update(Text(
                "数据库连接中断：显示的是上次读取的转接队列，恢复后自动刷新", style="bold red"))

        run_db(self, partial(self.services.expert.queue, self.operator,
                             include_closed=self._include_closed),
               done=self._fill, refused=refused, outage=outage, group="expert-queue",
               exclusive=True, name="expert_queue")

    def _fill(self, rows: list[TransferRow]) -> None:
        table = self.query_one("#transfers", DataTable)
        selected = self._selected()
        self._rows = rows
        table.clear()
        for row in rows:
            content = " ".join(row.content.split())
            status = row.status
            if row.status == TransferStatus.CLOSED and row.extra.get("outcome"):
                status = TransferOutcome(row.extra["outcome"]).label
            queued = row.status == TransferStatus.WAITING and not row.extra.get("expert_id")
            add_row(
                table, f"{row.at:%m-%d %H:%M}", row.extra.get("category", "").rsplit("/", 1)[-1],
                Text(status + ("（队列）" if queued else ""),
                     style="bold yellow" if row.status == TransferStatus.WAITING else ""),
                waited(row.extra.get("waited", 0)), row.caller_phone, row.from_operator,
                Text(content[:40] + ("…" if len(content) > 40 else "")),
                key=str(row.id),
            )
        waiting = sum(1 for r in rows if r.status == TransferStatus.WAITING)
        self.query_one("#queue-status", Static).update(
            Text(f"待接听 {waiting} 通，共 {len(rows)} 通"))
        if selected is not None:
            ids = [r.id for r in rows]
            if selected.id in ids:
                table.move_cursor(row=ids.index(selected.id))
        self._load_view()

    def _selected(self) -> TransferRow | None:
        table = self.query_one("#transfers", DataTable)
        if not self._rows or table.cursor_row is None or table.cursor_row >= len(self._rows):
            return None
        return self._rows[table.cursor_row]

    @on(DataTable.RowHighlighted, "#transfers")
    def _load_view(self) -> None:
        row = self._selected()
        if row is None:
            self._view = None
            self.query_one("#transfer-detail", Static).update(Text("暂无转接来电", style="dim"))
            return
        run_db(self, self.services.expert.call_view, self.operator, row.id, done=self._show_view,
               outage=lambda _e: None, group="expert-view", exclusive=True, name="expert_view")

    def _show_view(self, view: CallView) -> None:
        changed = self._view is None or self._view.transfer.id != view.transfer.id
        self._view = view
        self.query_one("#transfer-detail", Static).update(call_text(view))
        if changed and not self.query_one("#kb-search", Input).value.strip():
            self._search(view.transfer.content)

    # ------------------------------------------------------------------ knowledge base
    def action_focus_kb(self) -> None:
        self.set_focus(self.query_one("#kb-search", Input))

    @on(Input.Changed, "#kb-search")
    def _typed(self, event: Input.Changed) -> None:
        query = event.value.strip() or (self._view.transfer.content if self._view else "")
        self._search(query)

    @work(thread=True, exclusive=True, group="expert-kb", exit_on_error=False)
    def _search(self, query: str) -> None:
        index = self.app.kb_index
        if index is None or not query.strip():
            return
        hits = index.search(query, KB_LIMIT)
        missing = [h.id for h in hits if h.relevant and h.id not in self._articles]
        try:
            fetched = self.services.knowledge.articles_by_ids(missing) if missing else {}
        except Exception:  # noqa: BLE001 - an outage: the titles still show
            fetched = {}
        self.app.call_from_thread(self._show_hits, hits, fetched)

    def _show_hits(self, hits, fetched: dict[str, ArticleInfo]) -> None:
        self._articles.update(fetched)
        today = self.services.clock.now().date()
        self.kb.show_hits(hits, self._articles, today)
        self.kb.show_status(f"知识库 {len(self.app.kb_index)} 条" if self.app.kb_index else "")
        self._show_article()

    def on_option_list_option_highlighted(self, event) -> None:
        if event.option_list.id == "kb-results":
            self._show_article()

    def _show_article(self) -> None:
        self.kb.show_article(self.selected_article(), self.services.clock.now().date())

    def selected_article(self) -> ArticleInfo | None:
        article_id = self.kb.selected_id()
        return self._articles.get(article_id) if article_id else None

    # ------------------------------------------------------------------ ending a call
    def _current(self, accepted: bool = True) -> TransferRow | None:
        row = self._selected()
        if row is None:
            self.notify("请先在队列中选中来电", severity="warning")
            return None
        if accepted and row.status != TransferStatus.ACCEPTED:
            self.notify("请先按 a 接听这通来电" if row.status == TransferStatus.WAITING
                        else "这通来电已结束", severity="warning")
            return None
        return row

    def _done(self, message: str):
        def done(_row) -> None:
            self.notify(message)
            self.action_refresh()
            self._refresh_presence()  # busy after accepting, available after ending
        return done

    def _refresh_presence(self) -> None:
        if self.operator.role is Role.EXPERT:
            run_db(self, self.services.expert.presence, self.operator.id,
                   done=self._presence_set, outage=lambda _e: None, group="presence-read",
                   name="expert_presence_read")

    def _run(self, fn, *args, message: str, dialog=None) -> None:
        def refused(exc: ServiceError) -> None:
            if dialog is not None and isinstance(exc, ValidationFailed):
                self.app.push_screen(dialog)  # what was typed is kept
            self.notify(exc.message, severity="error")
            self.action_refresh()

        run_db(self, fn, self.operator, *args, done=self._done(message), refused=refused,
               outage=lambda _e: self.notify("数据库连接中断，未能保存，请稍后再试",
                                             severity="error"),
               group="expert-act", name="expert_act")

    def action_accept(self) -> None:
        row = self._current(accepted=False)
        if row is None:
            return
        if row.status != TransferStatus.WAITING:
            self.notify("这通来电已接听或已结束", severity="warning")
            return
        self._run(self.services.expert.accept, row.id, message="已接听")

    def action_answer(self) -> None:
        row = self._current()
        if row is None:
            return
        article = self.selected_article()
        if article is None and row.kb_article_id:
            article = self._articles.get(row.kb_article_id)

        def done(choice: ExpertAnswer | None) -> None:
            if choice is not None:
                self._run(self.services.expert.answer, row.id, choice.text, choice.article_id,
                          choice.propose, message="已答复，结果已记入来电记录"
                          + ("；知识库建议已交中心审核" if choice.propose else ""))

        self.app.push_screen(ExpertAnswerDialog(article, article is None), done)

    def action_work_order(self) -> None:
        row = self._current()
        if row is None or self._view is None:
            return
        view = self._view

        def routed(notes: str | None) -> None:
            if notes is None:
                return
            self._notes[row.id] = notes  # kept if the routing step is cancelled
            # the deadlines as the order will get them: a utility fault or an emergency is
            # dispatched at once (Art. 12), as at the seat's F7
            triage = self.services.reference.triage.classify(view.transfer.content)
            try:
                proposal = self.services.dispatch.propose(
                    view.category_id, view.region or None, view.request_type, view.urgency,
                    self.services.clock.now(), immediate=triage.immediate_dispatch)
            except ServiceError as exc:
                self.notify(exc.message, severity="error")
                return
            proposal = self.services.dispatch.for_emergency(proposal, triage, view.category_id)
            units = sorted(self.services.catalog.units().values(), key=lambda u: u.id)

            def chosen(choice: DispatchChoice | None) -> None:
                if choice is not None:
                    self._run(self.services.expert.make_order, row.id, notes,
                              choice.lead_unit_id, list(choice.co_handler_ids),
                              choice.to_dispatcher, message="已派发工单，结果已记入来电记录")

            self.app.push_screen(DispatchDialog(proposal, units, triage.immediate_dispatch),
                                 chosen)

        self.app.push_screen(ExpertNoteDialog(
            "专家派单（第十六条）", "专家意见（作为工单内容派给承办单位）", "专家意见",
            self._notes.get(row.id, view.transfer.content)), routed)

    def action_hand_back(self) -> None:
        row = self._current()
        if row is None:
            return

        def done(note: str | None) -> None:
            if note is not None:
                self._run(self.services.expert.hand_back, row.id, note,
                          message="已退回转出坐席")

        self.app.push_screen(ExpertNoteDialog("退回坐席", "退回说明（坐席可见）", "退回说明",
                                              min_len=2), done)

    def action_toggle_closed(self) -> None:
        self._include_closed = not self._include_closed
        self.action_refresh()


def offline_at_exit(services, operator: OperatorInfo | None) -> None:
    """The expert leaves: an accepted call goes back to its seat and the seats no longer see
    the expert on duty (called as the console ends)."""
    if operator is None or operator.role is not Role.EXPERT:
        return
    try:
        services.expert.leave(operator)
    except Exception:  # noqa: BLE001 - the console is ending; the seat can take the call
        pass           # back once this console's presence has lapsed

