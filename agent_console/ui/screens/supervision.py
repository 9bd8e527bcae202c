"""Art. 19 for the hotline centre: unit ranking, supervision notices and stale KB articles."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from agent_console.services.dto import OperatorInfo
from agent_console.services.errors import ServiceError
from agent_console.ui.widgets.header import ConsoleHeader


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

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.operator, self.services.clock, "分级督办", id="header")
        with Vertical(id="orders-body"):
            yield Static("", id="supervision-status")
            yield Static(Text("承办单位排名（按时办结、满意度、督办与知识库更新）", style="bold"),
                         classes="pane-title")
            yield DataTable(id="ranking", cursor_type="row", zebra_stripes=True)
            yield Static(Text("知识库过期条目（第十九条第（四）项）", style="bold"), classes="pane-title")
            yield DataTable(id="stale", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#ranking", DataTable).add_columns(
            "名次", "承办单位", "在办", "超期", "被督办", "已办结", "满意率", "过期知识", "得分")
        self.query_one("#stale", DataTable).add_columns("责任单位", "编号", "标题", "有效期至")
        self.action_reload()
        self.set_focus(self.query_one("#ranking", DataTable))

    def action_back(self) -> None:
        self.dismiss(None)

    def action_scan(self) -> None:
        try:
            report = self.services.supervision.scan(actor=self.operator)
        except ServiceError as exc:
            self.notify(exc.message, severity="error")
            return
        self.notify(markup=False, message=f"扫描超期工单 {report.scanned} 件，提升督办级别 {report.raised} 件"
                    + (f"，{report.skipped_busy} 件正被他人处理，下次再扫" if report.skipped_busy else ""))
        self.action_reload()

    def action_reload(self) -> None:
        ranking = self.services.supervision.ranking()
        table = self.query_one("#ranking", DataTable)
        table.clear()
        for i, u in enumerate(ranking, 1):
            rate = f"{u.satisfaction_rate:.0%}" if u.satisfaction_rate is not None else "—"
            table.add_row(str(i), Text(u.unit), str(u.open_orders),
                          Text(str(u.overdue), style="bold red" if u.overdue else ""),
                          str(u.supervised), str(u.completed), rate, str(u.stale_articles),
                          f"{u.score:.1f}")
        stale = self.services.supervision.stale_articles()
        st = self.query_one("#stale", DataTable)
        st.clear()
        for unit, art_id, title, valid in stale:
            st.add_row(Text(unit), art_id, Text(title), f"{valid:%Y-%m-%d}")
        self.query_one("#supervision-status", Static).update(
            Text(f"承办单位 {len(ranking)} 个；过期知识库条目 {len(stale)} 条；按 u 执行督办扫描"))
