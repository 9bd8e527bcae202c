"""Work orders as created by the seats; a liaison sees only the own unit's orders."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from agent_console.services.dto import OperatorInfo, OrderRow
from agent_console.services.errors import ServiceError
from agent_console.ui.screens.help import HelpScreen, binding_rows
from agent_console.ui.widgets.header import ConsoleHeader


def time_left_text(row: OrderRow, now) -> Text:
    seconds = (row.due_at - now).total_seconds()
    if seconds < 0:
        return Text(f"超期 {int(-seconds // 3600)} 小时", style="bold red")
    hours = int(seconds // 3600)
    style = "yellow" if hours < 24 else "green"
    return Text(f"剩 {hours // 24} 天 {hours % 24} 小时", style=style)


class OrdersScreen(Screen):
    BINDINGS = [
        Binding("f1", "help", "帮助", id="help"),
        Binding("r", "refresh", "刷新", id="orders_refresh"),
    ]

    def __init__(self, services, operator: OperatorInfo) -> None:
        super().__init__()
        self.services = services
        self.operator = operator
        self._rows: list[OrderRow] = []

    def compose(self) -> ComposeResult:
        title = "本单位工单" if self.operator.unit_name else "工单列表"
        yield ConsoleHeader(self.operator, self.services.clock, title, id="header")
        with Vertical(id="orders-body"):
            yield Static("", id="orders-status")
            yield DataTable(id="orders", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="order-detail-scroll"):
                yield Static("", id="order-detail")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#orders", DataTable)
        table.add_columns("工单号", "状态", "牵头单位", "类型", "区域", "创建时间", "办理时限", "剩余")
        self.action_refresh()
        table.focus()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen("工单列表", binding_rows(self)))

    def action_refresh(self) -> None:
        try:
            self._rows = self.services.records.orders(limit=500, viewer=self.operator)
        except ServiceError as exc:
            self.query_one("#orders-status", Static).update(Text(exc.message, style="red"))
            return
        now = self.services.clock.now()
        table = self.query_one("#orders", DataTable)
        table.clear()
        for row in self._rows:
            table.add_row(row.number, row.status, Text(row.lead_unit), row.request_type,
                          row.region or "", f"{row.created_at:%m-%d %H:%M}",
                          f"{row.due_at:%m-%d %H:%M}", time_left_text(row, now), key=row.number)
        scope = f"（{self.operator.unit_name}）" if self.operator.unit_name else ""
        self.query_one("#orders-status", Static).update(Text(f"工单 {len(self._rows)} 件{scope}"))
        self._show_detail()

    @on(DataTable.RowHighlighted, "#orders")
    def _show_detail(self) -> None:
        table = self.query_one("#orders", DataTable)
        detail = self.query_one("#order-detail", Static)
        if not self._rows or table.cursor_row is None or table.cursor_row >= len(self._rows):
            detail.update(Text("暂无工单", style="dim"))
            return
        row = self._rows[table.cursor_row]
        text = Text()
        text.append(f"{row.number}  {row.status}  {row.request_type}/{row.urgency}\n", style="bold")
        text.append(f"分类：{row.category or '—'}  区域：{row.region or '—'}\n")
        text.append(f"牵头：{row.lead_unit}")
        if row.co_handlers:
            text.append("  配合：" + "、".join(row.co_handlers))
        text.append(f"\n来电：{row.caller_phone}{'（保密）' if row.confidential else ''}  "
                    f"派单坐席：{row.created_by}\n")
        text.append(f"签收时限：{row.sign_by:%Y-%m-%d %H:%M}  办结时限：{row.due_at:%Y-%m-%d %H:%M}\n")
        text.append("诉求内容：\n", style="bold")
        text.append(row.content)
        detail.update(text)
