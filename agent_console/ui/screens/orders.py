"""Work orders as created by the seats; a liaison sees only the own unit's orders."""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from agent_console.domain.enums import OrderStatus, Role
from agent_console.domain.workflow import supervises
from agent_console.services.dto import OperatorInfo, OrderRow
from agent_console.services.errors import ServiceError
from agent_console.services.records import QUEUE_PAGE
from agent_console.store.notify import ORDERS
from agent_console.ui.fit import Col, fit, one_line, set_columns, table_room
from agent_console.ui.live import LiveRefresh
from agent_console.ui.safe import add_row
from agent_console.ui.screens.help import HelpScreen, binding_rows
from agent_console.ui.timeleft import time_left
from agent_console.ui.widgets.header import ConsoleHeader
from agent_console.ui.widgets.text_entry import Input
from agent_console.ui.work import run_db

S = OrderStatus
SUPERVISED = "supervised"  # queue marker: open orders under supervision (Art. 19)
CENTRE_QUEUES = (
    ("全部", ()), ("待派单", (S.AWAITING_DISPATCH,)), ("退回审核", (S.RETURN_REVIEW,)),
    ("延期审核", (S.EXTENSION_REVIEW,)), ("终止审核", (S.TERMINATION_REVIEW,)),
    ("待回访", (S.COMPLETED,)), ("超期", None), ("被督办", SUPERVISED),
)
HOME_QUEUE = {Role.CALLBACK: 5, Role.SUPERVISOR: 6}
SCAN_SECONDS = 300.0
# A queue is read a page at a time (every other desk's change reads it again): the next page
# comes when the cursor reaches the last row shown.
PAGE = QUEUE_PAGE
UNIT_QUEUES = (
    ("全部", ()), ("待签收", (S.AWAITING_SIGN,)), ("办理中", (S.IN_PROGRESS,)),
    ("审核中", (S.RETURN_REVIEW, S.EXTENSION_REVIEW, S.TERMINATION_REVIEW)),
    ("已办结", (S.COMPLETED, S.CALLED_BACK)), ("超期", None), ("被督办", SUPERVISED),
)
# The list at any width (80×24 up): 办理时限, 剩余 and 督办 always stay; the lead unit and the
# content are cut with … and, when even that does not fit, creation time, content, region and
# type leave in that order (the pane below the list shows them all for the highlighted order).
COLUMNS = (
    Col("number", "工单号", 16),
    Col("status", "状态", 8),
    Col("lead", "牵头单位", 10, flex=1, most=26),
    Col("type", "类型", 8, drop=1),
    Col("region", "区域", 10, drop=2),
    Col("content", "诉求内容", 12, flex=1, drop=3),
    Col("created", "创建时间", 11, drop=4),
    Col("due", "办理时限", 11),
    Col("left", "剩余", 15),
    Col("supervision", "督办", 4),
)


CITY = "通辽市"


def supervision_text(level: int) -> Text:
    if not level:
        return Text("—", style="dim")
    return Text(f"{level} 级", style="bold red" if level >= 2 else "yellow")


class OrdersScreen(Screen):
    BINDINGS = [
        Binding("f1", "help", "帮助", id="help"),
        Binding("r", "refresh", "刷新", id="orders_refresh"),
        Binding("enter", "open", "详情/处理", id="orders_open"),
        Binding("slash", "search", "搜索", id="orders_search"),
        Binding("k", "supervision", "督办/排名", id="orders_supervision"),
        *[Binding(str(i), f"queue({i - 1})", show=False, id=f"orders_queue_{i}")
          for i in range(1, 9)],
    ]

    def __init__(self, services, operator: OperatorInfo) -> None:
        super().__init__()
        self.services = services
        self.operator = operator
        self._rows: list[OrderRow] = []
        self._queues = UNIT_QUEUES if operator.role is Role.UNIT_LIAISON else CENTRE_QUEUES
        # each desk of the centre opens on its own queue: callbacks on 待回访, supervisors on 超期
        self._queue = HOME_QUEUE.get(operator.role, 0)
        self._search = ""
        self._limit = PAGE
        self._layout: tuple[tuple[Col, int], ...] = ()
        self._now = None
        # another desk's dispatch, a unit's sign or return, a callback: the queue follows
        own = operator.unit_id if operator.role is Role.UNIT_LIAISON else None
        self.live = LiveRefresh(self, self.action_refresh, lambda c: c.concerns(ORDERS, own))

    def compose(self) -> ComposeResult:
        title = "本单位工单" if self.operator.unit_name else "工单列表"
        yield ConsoleHeader(self.operator, self.services.clock, title, id="header")
        with Vertical(id="orders-body"):
            yield Static("", id="orders-queues")
            yield Input(id="orders-search", placeholder="/ 搜索：工单号、来电号码或诉求内容，Enter 确认",
                        compact=True)
            yield Static("", id="orders-status")
            yield DataTable(id="orders", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="order-detail-scroll"):
                yield Static("", id="order-detail")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#orders", DataTable)
        self._fit_columns()
        self.action_refresh()
        self.set_focus(table)
        if supervises(self.operator):
            self.set_interval(SCAN_SECONDS, self._scan_in_background)

    def on_screen_resume(self) -> None:
        self.live.resumed()

    def on_resize(self, _event: events.Resize) -> None:
        row = self.query_one("#orders", DataTable).cursor_row
        if self._fit_columns():
            self._paint(row)

    def _fit_columns(self) -> bool:
        """Columns for the terminal's width; whether they changed (the rows are then gone)."""
        layout = fit(COLUMNS, table_room(self.app.size.width))
        if layout == self._layout:
            return False
        self._layout = layout
        set_columns(self.query_one("#orders", DataTable), layout)
        self.query_one("#orders-queues", Static).update(self._queue_bar())
        return True

    def _scan_in_background(self) -> None:
        """Art. 19: overdue orders are raised while the centre works, without a key press."""
        def scanned(report) -> None:
            if report.raised:
                self.notify(f"自动督办：{report.raised} 件超期工单提升督办级别")
                self.action_refresh()

        run_db(self, partial(self.services.supervision.scan, actor=self.operator),
               done=scanned, group="supervision-scan", exclusive=True, name="supervision_scan")

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen("工单列表", binding_rows(self)))

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "supervision":
            return supervises(self.operator)
        return True

    def action_supervision(self) -> None:
        from agent_console.ui.screens.supervision import SupervisionScreen

        self.app.push_screen(SupervisionScreen(self.services, self.operator),
                             lambda _r: self.action_refresh())

    def action_queue(self, index: int) -> None:
        if 0 <= index < len(self._queues):
            self._queue = index
            self._limit = PAGE
            self.action_refresh()

    def action_search(self) -> None:
        self.set_focus(self.query_one("#orders-search", Input))

    @on(Input.Submitted, "#orders-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self._search = event.value
        self._limit = PAGE
        self.action_refresh()
        self.set_focus(self.query_one("#orders", DataTable))

    @on(DataTable.RowSelected, "#orders")
    def _row_selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        from agent_console.ui.screens.order_detail import OrderDetailScreen

        table = self.query_one("#orders", DataTable)
        if not self._rows or table.cursor_row is None or table.cursor_row >= len(self._rows):
            return
        number = self._rows[table.cursor_row].number
        self.app.push_screen(OrderDetailScreen(self.services, self.operator, number),
                             lambda _view: self.action_refresh())

    def _queue_bar(self) -> Text:
        """Every queue with its key; tighter on a narrow terminal so all of them show."""
        def bar(item: str, gap: str) -> Text:
            text = Text(no_wrap=True, overflow="ellipsis")
            for i, (name, _statuses) in enumerate(self._queues, 1):
                style = "bold reverse" if i - 1 == self._queue else "dim"
                text.append(item.format(i=i, name=name), style=style)
                text.append(gap)
            return text

        wide = bar(" {i} {name} ", " ")
        return wide if wide.cell_len <= self.app.size.width - 2 else bar("{i}{name}", " ")

    def action_refresh(self) -> None:
        """The queue, read in a worker; the table keeps what it showed until the rows come."""
        index = self._queue
        name, statuses = self._queues[index]
        now = self.services.clock.now()
        self.query_one("#orders-queues", Static).update(self._queue_bar())
        search = self._search

        def refused(exc: ServiceError) -> None:
            self.query_one("#orders-status", Static).update(Text(exc.message, style="red"))

        def outage(_exc) -> None:
            self.query_one("#orders-status", Static).update(Text(
                f"{name}：数据库连接中断，显示的是上次读取的工单；恢复后按 r 刷新", style="bold red"))

        run_db(self, partial(
            self.services.records.orders, limit=self._limit, viewer=self.operator,
            statuses=tuple(st.value for st in statuses)
            if statuses and statuses != SUPERVISED else (),
            overdue_at=now if statuses is None else None, search=search,
            supervised=statuses == SUPERVISED),
            done=lambda rows: self._fill(index, search, rows, now), refused=refused,
            outage=outage, group="orders-load", exclusive=True, name="orders_list")

    def _fill(self, index: int, search: str, rows: list[OrderRow], now) -> None:
        if index != self._queue or search != self._search:
            return  # the dispatcher moved on to another queue meanwhile
        name, _statuses = self._queues[index]
        shown = self._highlighted()
        self._rows = rows
        self._now = now
        self._paint(keep=shown)
        scope = f"（{self.operator.unit_name}）" if self.operator.unit_name else ""
        found = f"，搜索“{self._search}”" if self._search.strip() else ""
        count = f"已显示前 {len(rows)} 件（移到末行显示更多）" \
            if len(rows) >= self._limit else f"工单 {len(rows)} 件"
        self.query_one("#orders-status", Static).update(Text(f"{name}：{count}{scope}{found}"))
        self._show_detail()

    def _paint(self, selected: int | None = None, keep: str | None = None) -> None:
        """The rows in the columns that fit now; the cursor stays on its row, or on the order
        ``keep`` wherever it moved to (a refresh while another desk changes the queue)."""
        table = self.query_one("#orders", DataTable)
        selected = table.cursor_row if selected is None else selected
        numbers = [r.number for r in self._rows]
        if keep in numbers:
            selected = numbers.index(keep)
        table.clear()
        now = self._now
        narrow = {col.key: w for col, w in self._layout}.get("lead", 0) < 20

        def lead(row: OrderRow) -> str:
            # every city department is 通辽市…: on a narrow list the rest of the name says more
            name = row.lead_unit
            return name[len(CITY):] if narrow and name.startswith(CITY) and name != CITY else name

        for row in self._rows:
            cells = {
                "number": row.number, "status": row.status, "lead": one_line(lead(row)),
                "type": one_line(row.request_type), "region": one_line(row.region),
                "content": one_line(row.content), "created": f"{row.created_at:%m-%d %H:%M}",
                "due": f"{row.due_at:%m-%d %H:%M}",
                "left": one_line(time_left(row.due_at, now, row.status)),
                "supervision": supervision_text(row.supervision_level),
            }
            add_row(table, *(cells[col.key] for col, _w in self._layout), key=row.number)
        if self._rows and selected:
            table.move_cursor(row=min(selected, len(self._rows) - 1))

    def _highlighted(self) -> str | None:
        row = self.query_one("#orders", DataTable).cursor_row
        return self._rows[row].number if self._rows and row is not None and row < len(self._rows) else None

    @on(DataTable.RowHighlighted, "#orders")
    def _row_highlighted(self) -> None:
        table = self.query_one("#orders", DataTable)
        if self._rows and table.cursor_row == len(self._rows) - 1 \
                and len(self._rows) >= self._limit:
            self._limit += PAGE  # the next page, the cursor stays where it is
            self.action_refresh()
        self._show_detail()

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
