"""The expert seat's queue: calls transferred with the caller's consent (Art. 14–15)."""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from agent_console.domain.enums import Role, TransferStatus
from agent_console.domain.text import done_label
from agent_console.services.dto import OperatorInfo, TransferRow
from agent_console.services.errors import ServiceError
from agent_console.store.notify import TRANSFERS
from agent_console.ui.live import LiveRefresh
from agent_console.ui.safe import add_row
from agent_console.ui.screens.help import HelpScreen, binding_rows
from agent_console.ui.widgets.header import ConsoleHeader
from agent_console.ui.work import run_db

# Transfers arrive by notification (PostgreSQL) or the file's change counter (SQLite); the slow
# timer only redraws the waiting times and is a safety net
REFRESH_SECONDS = 30.0


class ExpertQueueScreen(Screen):
    BINDINGS = [
        Binding("f1", "help", "帮助", id="help"),
        Binding("r", "refresh", "刷新", id="expert_refresh"),
        Binding("a", "accept", "接听", id="expert_accept"),
        Binding("c", "close_transfer", "完成", id="expert_close"),
        Binding("h", "toggle_closed", "显示/隐藏已完成", id="expert_toggle_closed"),
    ]

    def __init__(self, services, operator: OperatorInfo) -> None:
        super().__init__()
        self.services = services
        self.operator = operator
        self._rows: list[TransferRow] = []
        self._include_closed = False
        own = operator.id if operator.role is Role.EXPERT else None  # an admin sees every queue
        self.live = LiveRefresh(self, self.action_refresh, lambda c: c.concerns(TRANSFERS, own))

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.operator, self.services.clock, "专家座席", id="header")
        with Vertical(id="queue-body"):
            yield Static(Text("转接队列", style="bold"), classes="pane-title")
            yield Static("", id="queue-status")
            yield DataTable(id="transfers", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="transfer-detail-scroll"):
                yield Static("", id="transfer-detail")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#transfers", DataTable)
        table.add_columns("时间", "领域", "状态", "来电号码", "转出坐席", "诉求内容")
        self.action_refresh()
        self.set_interval(REFRESH_SECONDS, self.action_refresh)
        self.set_focus(table)

    def on_screen_resume(self) -> None:
        self.live.resumed()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen("专家座席", binding_rows(self)))

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
            add_row(
                table, f"{row.at:%m-%d %H:%M}", row.domain,
                Text(row.status, style="bold yellow" if row.status == TransferStatus.WAITING else ""),
                row.caller_phone, row.from_operator,
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
        self._show_detail()

    def _selected(self) -> TransferRow | None:
        table = self.query_one("#transfers", DataTable)
        if not self._rows or table.cursor_row is None or table.cursor_row >= len(self._rows):
            return None
        return self._rows[table.cursor_row]

    @on(DataTable.RowHighlighted, "#transfers")
    def _show_detail(self) -> None:
        row = self._selected()
        detail = self.query_one("#transfer-detail", Static)
        if row is None:
            detail.update(Text("暂无转接来电", style="dim"))
            return
        text = Text()
        text.append(f"来电 {row.caller_phone}  转出 {row.from_operator}  {row.at:%Y-%m-%d %H:%M}\n",
                    style="bold")
        if row.kb_title:
            text.append(f"坐席参考的知识库：{row.kb_article_id} {row.kb_title}\n")
        text.append("诉求内容：\n", style="bold")
        text.append(row.content)
        detail.update(text)

    def _set(self, status: TransferStatus) -> None:
        row = self._selected()
        if row is None:
            return

        def done(_result) -> None:
            self.notify(done_label(status.value))
            self.action_refresh()

        run_db(self, self.services.expert.set_status, self.operator, row.id, status, done=done,
               outage=lambda _e: self.notify("数据库连接中断，未能更新转接状态，请稍后再试",
                                             severity="error"),
               group="expert-set", name="expert_set_status")

    def action_accept(self) -> None:
        self._set(TransferStatus.ACCEPTED)

    def action_close_transfer(self) -> None:
        self._set(TransferStatus.CLOSED)

    def action_toggle_closed(self) -> None:
        self._include_closed = not self._include_closed
        self.action_refresh()
