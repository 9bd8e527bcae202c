"""Art. 19 for the hotline centre: unit ranking, each unit's supervision notices, stale KB
articles. Enter on a notice opens its order."""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from agent_console.services.dto import OperatorInfo
from agent_console.ui.safe import add_row
from agent_console.ui.screens.orders import supervision_text
from agent_console.ui.widgets.header import ConsoleHeader
from agent_console.ui.work import run_db


class SupervisionScreen(Screen):
    BINDINGS = [
        Binding("escape", "back", "返回", id="supervision_back"),
        Binding("u", "scan", "督办扫描", id="supervision_scan"),
        Binding("r", "reload", "刷新", id="supervision_reload"),
    ]

    def __init__(self, services, operator: OperatorInfo) -> None:
        super().__init__()
        self.services = services
        self.operator = operator
        self._ranking: list = []
        self._notices: list = []

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.operator, self.services.clock, "分级督办", id="header")
        with Vertical(id="orders-body"):
            yield Static("", id="supervision-status")
            yield Static(Text("承办单位排名（近30天的按时办结与满意度，当前超期、督办与知识库更新；"
                              "口径见统计分析 Ctrl+Y）", style="bold"), classes="pane-title")
            yield DataTable(id="ranking", cursor_type="row", zebra_stripes=True)
            yield Static("", id="notices-title", classes="pane-title")
            yield DataTable(id="notices", cursor_type="row", zebra_stripes=True)
            yield Static(Text("知识库过期条目（第十九条第（四）项）", style="bold"), classes="pane-title")
            yield DataTable(id="stale", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#ranking", DataTable).add_columns(
            "名次", "承办单位", "在办", "超期", "督办中", "办结", "按时办结率", "满意率", "过期知识",
            "得分")
        self.query_one("#stale", DataTable).add_columns("责任单位", "编号", "标题", "有效期至")
        self.query_one("#notices", DataTable).add_columns(
            "时间", "工单号", "当前状态", "当前级别", "督办事由", "操作人")
        self.action_reload()
        self.set_focus(self.query_one("#ranking", DataTable))

    def action_back(self) -> None:
        self.dismiss(None)

    def action_scan(self) -> None:
        self.query_one("#supervision-status", Static).update(Text("正在执行督办扫描…", style="yellow"))
        self._scan()

    def _scan(self) -> None:
        """The first scan of a large backlog takes a while: off the UI thread."""
        def scanned(report) -> None:
            message = f"扫描工单 {report.scanned} 件，提升督办级别 {report.raised} 件" + (
                f"，{report.skipped_busy} 件正被他人处理，下次再扫" if report.skipped_busy else "") + (
                f"；知识库过期督办 {report.kb_units} 个单位" if report.kb_units else "")
            self.notify(message)
            self.action_reload()

        run_db(self, partial(self.services.supervision.scan, actor=self.operator),
               done=scanned, outage=self._outage, group="supervision-scan", exclusive=True,
               name="supervision_scan")

    def _outage(self, _exc) -> None:
        self.query_one("#supervision-status", Static).update(
            Text("数据库连接中断：显示的是上次读取的数据，恢复后按 r 刷新", style="bold red"))

    def action_reload(self) -> None:
        self.query_one("#supervision-status", Static).update(
            Text("正在统计承办单位排名…", style="yellow"))
        self._load()

    def _load(self) -> None:
        """The ranking (services.analytics over the last 30 days): read in a worker."""
        def read():
            return self.services.supervision.ranking(), self.services.supervision.stale_articles()

        run_db(self, read, done=lambda got: self._fill(*got), outage=self._outage,
               group="supervision-load", exclusive=True, name="supervision_load")

    def _fill(self, ranking: list, stale: list) -> None:
        self._ranking = ranking
        table = self.query_one("#ranking", DataTable)
        row = table.cursor_row
        table.clear()
        for i, u in enumerate(ranking, 1):
            rate = f"{u.satisfaction_rate:.0%}" if u.satisfaction_rate is not None else "—"
            on_time = f"{u.on_time_rate:.0%}" if u.on_time_rate is not None else "—"
            add_row(table, i, u.unit, u.open_orders,
                    Text(str(u.overdue), style="bold red" if u.overdue else ""),
                    u.supervised, u.completed, on_time, rate, u.stale_articles,
                    "—" if u.score is None else f"{u.score:.1f}")
        if ranking and row:
            table.move_cursor(row=min(row, len(ranking) - 1))
        st = self.query_one("#stale", DataTable)
        st.clear()
        for unit, art_id, title, valid in stale:
            add_row(st, unit, art_id, title, f"{valid:%Y-%m-%d}")
        self.query_one("#supervision-status", Static).update(
            Text(f"承办单位 {len(ranking)} 个；过期知识库条目 {len(stale)} 条；按 u 执行督办扫描，"
                 f"Tab 切换到督办通知，Enter 打开工单"))
        self._show_notices()

    @on(DataTable.RowHighlighted, "#ranking")
    def _show_notices(self) -> None:
        """The highlighted unit's supervision notices, newest first (Art. 19)."""
        table = self.query_one("#ranking", DataTable)
        row = table.cursor_row
        unit = self._ranking[row] if self._ranking and row is not None and \
            0 <= row < len(self._ranking) else None
        self._load_notices(unit)

    def _load_notices(self, unit) -> None:
        run_db(self, partial(self.services.supervision.notices,
                             unit_id=unit.unit_id if unit else None, limit=200),
               done=lambda notices: self._fill_notices(unit, notices), outage=self._outage,
               group="supervision-notices", exclusive=True, name="supervision_notices")

    def _fill_notices(self, unit, notices: list) -> None:
        self._notices = notices
        name = unit.unit if unit else "全部单位"
        self.query_one("#notices-title", Static).update(
            Text(f"督办通知：{name}（{len(notices)} 条，最新在前）", style="bold"))
        table = self.query_one("#notices", DataTable)
        table.clear()
        for n in notices:
            add_row(table, f"{n.at:%m-%d %H:%M}", n.number or "—", n.status,
                    supervision_text(n.level), n.reason, n.actor)

    @on(DataTable.RowSelected, "#notices")
    def _open_notice(self, event: DataTable.RowSelected) -> None:
        from agent_console.ui.screens.order_detail import OrderDetailScreen

        if 0 <= event.cursor_row < len(self._notices):
            number = self._notices[event.cursor_row].number
            if not number:  # a unit-level notice for out-of-date KB articles
                self.notify("知识库督办通知：过期条目见下方“知识库过期条目”，由责任单位更新后"
                            "经 kb import 导入")
                return
            self.app.push_screen(OrderDetailScreen(self.services, self.operator, number),
                                 lambda _r: self.action_reload())
