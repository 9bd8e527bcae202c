"""The seat's outbox (F4): outcomes kept on this machine — waiting for the database,
delivered, or refused by a rule when they arrived (Enter puts a refused one back into the form
to redo it)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from agent_console.services.dto import OperatorInfo
from agent_console.services.seat_outbox import KINDS
from agent_console.store.outbox import DELIVERED, PENDING, REFUSED, Entry
from agent_console.ui.safe import add_row
from agent_console.ui.widgets.header import ConsoleHeader
from agent_console.ui.work import run_db

STATUS = {PENDING: ("待提交", "bold yellow"), DELIVERED: ("已提交", "green"),
          REFUSED: ("未能提交", "bold red")}


def _clip(text: str, width: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _detail(entry: Entry) -> str:
    if entry.status == DELIVERED and entry.result:
        number = entry.result.get("order_number")
        return f"工单 {number}" if number else f"受理记录 #{entry.result.get('intake_id')}"
    if entry.status == REFUSED:
        return entry.last_error
    return f"已尝试 {entry.attempts} 次" if entry.attempts else "等待数据库恢复"


class OutboxScreen(Screen):
    BINDINGS = [
        Binding("escape", "back", "返回", id="outbox_back"),
        Binding("r", "reload", "刷新", id="outbox_reload"),
        Binding("s", "send", "立即提交", id="outbox_send"),
        Binding("enter", "restore", "退回受理单重办", id="outbox_restore"),
    ]

    def __init__(self, services, operator: OperatorInfo) -> None:
        super().__init__()
        self.services = services
        self.operator = operator
        self._entries: list[Entry] = []

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.operator, self.services.clock, "本机待提交", id="header")
        with Vertical(id="orders-body"):
            yield Static("", id="outbox-status")
            yield DataTable(id="outbox", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="order-detail-scroll"):
                yield Static("", id="outbox-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#outbox", DataTable).add_columns(
            "记录时间", "坐席", "结果", "来电号码", "诉求内容", "状态", "说明")
        self.action_reload()
        self.set_focus(self.query_one("#outbox", DataTable))

    def action_back(self) -> None:
        self.dismiss(None)

    def action_reload(self) -> None:
        run_db(self, self.services.outbox.entries, done=self._fill, group="outbox-list",
               exclusive=True)

    def action_send(self) -> None:
        self.query_one("#outbox-status", Static).update(Text("正在提交…", style="yellow"))
        self.app.flush_outbox(then=self.action_reload)

    def _fill(self, entries: list[Entry]) -> None:
        self._entries = entries
        table = self.query_one("#outbox", DataTable)
        table.clear()
        for e in entries:
            label, style = STATUS.get(e.status, (e.status, ""))
            draft = e.payload.get("draft") or {}
            op = e.payload.get("operator") or {}
            kind = KINDS[e.kind].label if e.kind in KINDS else e.kind
            add_row(table, f"{e.created_at:%m-%d %H:%M:%S}", op.get("staff_no", ""), kind,
                    draft.get("caller_number", ""), _clip(draft.get("content", "")),
                    Text(label, style=style), _clip(_detail(e), 40), key=e.key)
        waiting = sum(1 for e in entries if e.status == PENDING)
        refused = sum(1 for e in entries if e.status == REFUSED)
        where = self.services.outbox.path
        self.query_one("#outbox-status", Static).update(Text(
            f"待提交 {waiting} 件，未能提交 {refused} 件（本机文件 {where}）；"
            "数据库恢复后按记录顺序自动提交，每件只记录一次"))
        self._show_detail()

    def _selected(self) -> Entry | None:
        table = self.query_one("#outbox", DataTable)
        row = table.cursor_row
        if not self._entries or row is None or not 0 <= row < len(self._entries):
            return None
        return self._entries[row]

    @on(DataTable.RowHighlighted, "#outbox")
    def _show_detail(self) -> None:
        entry = self._selected()
        view = self.query_one("#outbox-detail", Static)
        if entry is None:
            view.update(Text("本机没有待提交的受理结果", style="dim"))
            return
        draft = entry.payload.get("draft") or {}
        text = Text()
        text.append(f"{STATUS.get(entry.status, (entry.status,))[0]}  ", style="bold")
        text.append(_detail(entry) + "\n")
        text.append("诉求内容：", style="bold")
        text.append(str(draft.get("content", "")) + "\n")
        if entry.status == REFUSED:
            text.append("按 Enter 把这通来电退回受理单，修改后重新记录。", style="yellow")
        view.update(text)

    @on(DataTable.RowSelected, "#outbox")
    def _row_selected(self) -> None:
        self.action_restore()

    def action_restore(self) -> None:
        entry = self._selected()
        if entry is None or entry.status != REFUSED:
            if entry is not None:
                self.notify("只有“未能提交”的记录可以退回受理单重办", severity="warning")
            return
        self.dismiss(entry.key)
