"""统计分析 (Ctrl+Y, Art. 22): the centre's figures over a period, for the supervisor, the
dispatcher, the administrator and, for their own unit only, a unit's liaison.

总览 the figures of data/metrics.json by group, calls by outcome and the period's orders by
status; 承办单位 the units' ranking; 分布 by channel, region and category; 热点 the categories
rising against their own past and the words of their requests; 趋势 calls and orders per day
and per hour as terminal charts; 口径 how every figure is counted. Enter on a figure (a unit, a
row) opens the list behind it (``DrillScreen``), Enter there opens the order. Every read runs
in a worker; a database that is away leaves what was shown and says so."""

from __future__ import annotations

import errno
import re
import time
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path

from rich.cells import cell_len
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
    RadioButton,
    RadioSet,
    Select,
    Static,
    TabbedContent,
    TabPane,
)
from textual_plotext import PlotextPlot

from agent_console.domain.enums import Channel, Outcome, Role
from agent_console.services.analytics import (
    DAILY_MOST,
    DRILL_LIMIT,
    GRAIN_WORDS,
    MAX_DAYS,
    WEEKLY_MOST,
    Dashboard,
    Drill,
    HotTopics,
    Period,
    Scope,
    Trend,
    drillable,
    ranks,
)
from agent_console.services.dto import OperatorInfo
from agent_console.services.errors import ServiceError
from agent_console.services.health import is_outage
from agent_console.ui.fit import (
    CELL_PADDING,
    Col,
    fit,
    one_line,
    set_columns,
    table_room,
)
from agent_console.ui.safe import add_row, options, plain, script_text
from agent_console.ui.screens.dialogs import Dialog
from agent_console.ui.screens.help import HelpScreen, binding_rows
from agent_console.ui.widgets.header import ConsoleHeader
from agent_console.ui.widgets.text_entry import Input
from agent_console.ui.work import run_db

TABS = (("tab-overview", "总览"), ("tab-units", "承办单位"), ("tab-dist", "分布"),
        ("tab-hot", "热点"), ("tab-trend", "趋势"), ("tab-defs", "口径"))
# data/metrics.json's groups, in the dashboard's order (承办单位排名 is the 承办单位 tab)
GROUPS = ("来电受理", "工单办理", "三率", "审核", "督办")
FLAG = "建议派驻专家"
CITY = "通辽市"
COUNTY_GOVERNMENT = "人民政府"
NARROW = 120  # below this many columns the tables take their short labels
TODAY_TREND_DAYS = 30  # 今日 has one day: its daily chart shows the last 30
# the lists of orders open now: their time is the deadline (soonest first), not an event's
DUE_DRILLS = frozenset({"orders_open_now", "orders_overdue_now", "supervised_now"})
STALE_SECONDS = 60.0  # the dashboard shown again after this long is counted again
# the charts' colours (plotext RGB), the same in the legend above each chart
CALLS_RGB = (79, 163, 255)
ORDERS_RGB = (255, 166, 43)
# a call's outcome → the figure whose list is exactly those calls (派发工单 counts the calls an
# expert turned into an order too: no list matches the seats' own orders alone)
# 来电结果 rows: the calls that ended so (a work order made by an expert is under 转专家座席)
OUTCOME_DRILLS = {o.value: f"calls_outcome:{o.value}" for o in Outcome}

FIGURE_COLUMNS = (
    Col("name", "指标", 12, flex=2, most=24),
    Col("value", "数值", 9),
    Col("ratio", "分子/分母", 11, flex=1, most=16),
    Col("formula", "算法（详见 6 口径）", 24, flex=4, drop=1),
)
OUTCOME_COLUMNS = (
    Col("name", "来电结果", 10, flex=1, most=16),
    Col("n", "来电", 5),
    Col("share", "占比", 6),
)
STATUS_COLUMNS = (
    Col("name", "工单状态", 8, flex=1, most=16),
    Col("n", "工单", 5),
    Col("share", "占比", 6),
)
UNIT_COLUMNS = (
    Col("rank", "名次", 4),
    Col("unit", "承办单位", 12, flex=1, most=34),
    Col("created", "新建", 5),
    Col("completed", "办结", 5),
    Col("on_time", "按时办结率", 10),
    Col("resolved", "解决率", 6),
    Col("satisfied", "满意率", 6),
    Col("overdue", "当前超期", 8),
    Col("supervised", "督办中", 6),
    Col("stale", "过期知识库", 10),
    Col("score", "得分", 5),
)
# 80×24: the same figures under short labels (the line below the list says them in full)
UNIT_COLUMNS_SHORT = (
    Col("unit", "单位", 8, flex=1, most=30),
    Col("created", "新建", 4),
    Col("completed", "办结", 4),
    Col("on_time", "按时率", 6),
    Col("resolved", "解决率", 6),
    Col("satisfied", "满意率", 6),
    Col("overdue", "超期", 4),
    Col("supervised", "督办", 4),
    Col("stale", "过期", 4),
    Col("score", "得分", 5),
)
DIST_COLUMNS = (
    Col("name", "渠道/区域/分类", 14, flex=1, most=30),
    Col("calls", "来电", 6),
    Col("direct", "直接答复率", 10),
    Col("orders", "工单", 6),
    Col("completed", "办结", 6, drop=3),
    Col("on_time", "按时办结率", 10, drop=1),
    Col("satisfied", "满意率", 6, drop=4),
    Col("overdue", "当前超期", 8, drop=2),
)
HOT_COLUMNS = (
    Col("category", "分类", 14, flex=1, most=36),
    Col("recent", "近7天", 5),
    Col("baseline", "基线", 5),
    Col("growth", "增幅", 6),
    Col("direct", "直接答复率", 10),
    Col("words", "特征词", 12, flex=1, most=40, drop=2),
    Col("regions", "集中区域", 12, flex=1, most=30, drop=1),
    Col("flag", FLAG, 12),
)
DEF_COLUMNS = (
    Col("name", "指标", 14, flex=1, most=20),
    Col("group", "分组", 8, drop=2),
    Col("formula", "算法", 20, flex=4),
    Col("source", "来源", 14, flex=1, most=40, drop=1),
    Col("article", "条款", 10, flex=1, most=26),
)
DRILL_COLUMNS = (
    Col("at", "时间", 11),
    Col("number", "工单号", 16),
    Col("unit", "单位", 10, flex=1, most=24),
    Col("region", "区域", 8, flex=1, most=14, drop=2),
    Col("category", "分类", 10, flex=1, most=30, drop=3),
    Col("state", "状态/结果", 10, flex=1, most=18),
    Col("mark", "说明", 8, flex=1, most=20, drop=1),
    Col("content", "内容", 12, flex=3),
)


def need(columns: tuple[Col, ...]) -> int:
    return sum(c.width + 2 * CELL_PADDING for c in columns)


def layout_for(wide: tuple[Col, ...], short: tuple[Col, ...] | None, room: int):
    """The full labels where they fit, else the short ones (``fit`` drops what still won't)."""
    return fit(wide if short is None or need(wide) <= room else short, room)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def share(n: int, total: int) -> str:
    return f"{n / total:.0%}" if total else "—"


def short_unit(name: str, narrow: bool) -> str:
    """Every city department is 通辽市… and every county's government …人民政府: in a narrow
    column the rest says more (the line below the list has the full name)."""
    if not narrow:
        return name
    if name.startswith(CITY) and name != CITY:
        name = name[len(CITY):]
    if name.endswith(COUNTY_GOVERNMENT) and name != COUNTY_GOVERNMENT:
        name = name[:-len(COUNTY_GOVERNMENT)]
    return name


def tail(path: str, cells: int) -> Text:
    """A category path cut at its start (…供暖质量/供暖温度不达标): the end says the most."""
    if cell_len(path) <= cells or cells < 2:
        return one_line(path)
    out = ""
    for ch in reversed(path):
        if cell_len(out) + cell_len(ch) > cells - 1:
            break
        out = ch + out
    return Text("…" + out, no_wrap=True)


def ratio_text(numerator: int | None, denominator: int | None) -> str:
    if numerator is not None and denominator is not None:
        return f"{numerator:,}/{denominator:,}"
    if denominator is not None:
        return f"{denominator:,} 通"  # the talk times: over the period's phone calls
    return ""


def _round_steps():
    step = 1
    while True:
        for m in (1, 2, 5):
            yield step * m
        step *= 10


def y_ticks(values: list[int], rows: int) -> list[int]:
    """Whole-number ticks from 0 past the largest value, about one every two rows."""
    top = max(values, default=0) or 1
    most = max(1, rows // 2)
    step = next(s for s in _round_steps() if top / s <= most)
    last = -(-top // step) * step
    return list(range(0, last + 1, step))


# ---------------------------------------------------------------------------- what is chosen
@dataclass(frozen=True)
class Filters:
    channel: str | None = None
    region: str | None = None
    category_id: int | None = None

    def words(self, categories: dict) -> str:
        parts = []
        if self.channel:
            parts.append(f"渠道 {self.channel}")
        if self.region:
            parts.append(f"区域 {self.region}")
        if self.category_id is not None:
            cat = categories.get(self.category_id)
            parts.append(f"分类 {cat.path if cat else self.category_id}")
        return "，".join(parts)


@dataclass(frozen=True)
class ReportRequest:
    period: Period
    path: Path
    suffix: str  # ".docx" | ".xlsx"


def parse_date(label: str, value: str) -> tuple[date | None, str | None]:
    value = value.strip()
    if not value:
        return None, f"请填写{label}"
    try:
        return datetime.strptime(value, "%Y-%m-%d").date(), None
    except ValueError:
        return None, f"{label}格式应为 YYYY-MM-DD，例如 2026-11-01"


def os_reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "没有写入权限"
    if isinstance(exc, IsADirectoryError):
        return "这是一个文件夹，请写出文件名"
    if isinstance(exc, NotADirectoryError):
        return "上级路径不是文件夹"
    if isinstance(exc, FileNotFoundError):
        return "路径不存在"
    if isinstance(exc, FileExistsError):
        return "路径中有同名的文件，不能作为文件夹"
    if exc.errno == errno.ENOSPC:
        return "磁盘空间不足"
    if exc.errno == errno.EROFS:
        return "只读文件系统"
    return f"文件系统错误（错误码 {exc.errno}）" if exc.errno else "文件系统错误"


# ---------------------------------------------------------------------------- dialogs
class PeriodDialog(Dialog):
    """c: a chosen period, two dates; each wrong one says why under it, nothing typed is
    lost."""

    BINDINGS = [*Dialog.BINDINGS, Binding("ctrl+s", "save", "确定", id="analytics_period_save")]

    def __init__(self, first: str, last: str, make_period) -> None:
        super().__init__()
        self._first = first
        self._last = last
        self._make_period = make_period  # services.analytics.period

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog fit-dialog", id="an-period-dialog"):
            yield Static(Text("自定义时间段", style="bold"), classes="dialog-title")
            with Vertical(classes="dialog-fields"):
                yield Static(Text(f"按整日统计，含开始日和结束日，最长三年（{MAX_DAYS} 天）",
                                  style="dim"), classes="dim-line")
                with Horizontal(classes="roster-row"):
                    yield Static(Text("开始日期"), classes="roster-label")
                    yield Input(self._first, placeholder="YYYY-MM-DD", id="an-first",
                                compact=True)
                yield Static("", id="an-first-error", classes="field-error")
                with Horizontal(classes="roster-row"):
                    yield Static(Text("结束日期"), classes="roster-label")
                    yield Input(self._last, placeholder="YYYY-MM-DD", id="an-last",
                                compact=True)
                yield Static("", id="an-last-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("确定 (Enter)", id="ok", variant="primary")
                yield Button("取消 (Esc)", id="cancel")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#an-first", Input))

    def _show(self, errors: dict[str, str]) -> None:
        for key in ("first", "last"):
            label = self.query_one(f"#an-{key}-error", Static)
            label.update(Text(errors.get(key, "")))
            label.set_class(key in errors, "visible")
        wrong = [k for k in ("first", "last") if k in errors]
        if wrong:
            self.set_focus(self.query_one(f"#an-{wrong[0]}", Input))

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def action_save(self) -> None:
        first, bad_first = parse_date("开始日期", self.query_one("#an-first", Input).value)
        last, bad_last = parse_date("结束日期", self.query_one("#an-last", Input).value)
        errors = {k: v for k, v in (("first", bad_first), ("last", bad_last)) if v}
        if not errors:
            try:
                period = self._make_period("custom", first, last)
            except ServiceError as exc:  # the end before the start, or too long
                errors = {"last": exc.message}
        self._show(errors)
        if not errors:
            self.dismiss(period)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class FilterDialog(Dialog):
    """f: one channel, region and category (with all under it); blank is all of them."""

    BINDINGS = [*Dialog.BINDINGS, Binding("ctrl+s", "save", "确定", id="analytics_filter_save")]

    def __init__(self, current: Filters, regions: list[str], categories: list,
                 unit_view: bool) -> None:
        super().__init__()
        self._current = current
        self._regions = regions
        self._categories = categories  # level 1 and 2, in the catalogue's order
        self._unit_view = unit_view

    def compose(self) -> ComposeResult:
        c = self._current
        with Vertical(classes="dialog fit-dialog", id="an-filter-dialog"):
            yield Static(Text("筛选（空白为全部）", style="bold"), classes="dialog-title")
            with Vertical(classes="dialog-fields"):
                yield Label("受理渠道" + ("（按生成工单的来电渠道）" if self._unit_view else ""))
                yield Select(options((ch.value, ch.value) for ch in Channel),
                             value=c.channel or Select.NULL, prompt="全部渠道",
                             id="an-f-channel", compact=True)
                yield Label("区域")
                yield Select(options((r, r) for r in self._regions),
                             value=c.region if c.region in self._regions else Select.NULL,
                             prompt="全部区域", id="an-f-region", compact=True,
                             type_to_search=True)
                yield Label("诉求分类（含其下全部分类）")
                known = {cat.id for cat in self._categories}
                yield Select(options((("　" if cat.level > 1 else "") + cat.path, cat.id)
                                     for cat in self._categories),
                             value=c.category_id if c.category_id in known else Select.NULL,
                             prompt="全部分类", id="an-f-category", compact=True,
                             type_to_search=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button("确定 (Ctrl+S)", id="ok", variant="primary")
                yield Button("清除筛选", id="clear")
                yield Button("取消 (Esc)", id="cancel")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#an-f-channel", Select))

    def _value(self, selector: str):
        value = self.query_one(selector, Select).value
        return None if value is Select.NULL else value

    @on(Button.Pressed, "#ok")
    def action_save(self) -> None:
        self.dismiss(Filters(self._value("#an-f-channel"), self._value("#an-f-region"),
                             self._value("#an-f-category")))

    @on(Button.Pressed, "#clear")
    def _clear(self) -> None:
        self.dismiss(Filters())

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


def report_folder() -> Path:
    """Where the dashboard offers to save reports: made on first use (no other folder is)."""
    return Path.home() / "12345统计报告"


_NOT_IN_NAMES = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def default_report_path(period: Period, suffix: str, unit_name: str | None = None) -> Path:
    """统计报告_20261101-20261130.docx; a unit's own report carries its name, so the centre's
    and each unit's reports of one month are not taken for one another."""
    unit = _NOT_IN_NAMES.sub("", unit_name or "").strip()[:40]
    return report_folder() / (f"统计报告_{unit + '_' if unit else ''}"
                              f"{period.first:%Y%m%d}-{period.last:%Y%m%d}{suffix}")


class ReportDialog(Dialog):
    """p: a report of last month, last week or the period shown, as Word or Excel. It is
    written while the dialog stays open; a refusal is said here and everything chosen stays."""

    BINDINGS = [*Dialog.BINDINGS, Binding("ctrl+s", "save", "生成报告", id="analytics_report_save")]
    SUFFIXES = (".docx", ".xlsx")

    def __init__(self, periods: list[tuple[str, Period]], note: str, submit,
                 unit_name: str | None = None) -> None:
        super().__init__()
        self._periods = periods  # (上月 / 上周 / 本期, its period)
        self._note = note
        self._unit_name = unit_name  # a liaison's unit: in the file's name
        self._overwrite: Path | None = None  # the existing file a second Ctrl+S replaces
        self._submit = submit  # submit(request, answer): answer(None) done, answer(why) not
        self._auto = ""  # the path last filled in: replaced when the choice changes
        self._busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide fit-dialog", id="an-report-dialog"):
            yield Static(Text("生成统计报告（第二十二条）", style="bold"), classes="dialog-title")
            with VerticalScroll(classes="dialog-fields") as fields:
                fields.can_focus = False
                yield Label("时间段")
                with RadioSet(id="an-r-period"):
                    for i, (name, period) in enumerate(self._periods):
                        yield RadioButton(Text(f"{name}：{period.label}"), value=i == 0)
                yield Label("格式")
                with RadioSet(id="an-r-format"):
                    yield RadioButton(Text("Word 文档（.docx）"), value=True)
                    yield RadioButton(Text("Excel 表格（.xlsx）"))
                yield Label("输出文件")
                yield Input(id="an-r-path", compact=True)
                if self._note:
                    yield Static(plain(self._note), classes="dim-line")
            yield Static("", id="dialog-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("生成 (Ctrl+S)", id="ok", variant="primary")
                yield Button("取消 (Esc)", id="cancel")

    def on_mount(self) -> None:
        self._fill_path()
        self.set_focus(self.query_one("#an-r-period", RadioSet))

    def _choice(self) -> tuple[Period, str]:
        period = self.query_one("#an-r-period", RadioSet).pressed_index
        fmt = self.query_one("#an-r-format", RadioSet).pressed_index
        return self._periods[max(period, 0)][1], self.SUFFIXES[max(fmt, 0)]

    def _fill_path(self) -> None:
        field = self.query_one("#an-r-path", Input)
        if field.value and field.value != self._auto:
            return  # typed by the operator: kept
        period, suffix = self._choice()
        self._auto = str(default_report_path(period, suffix, self._unit_name))
        field.value = self._auto

    @on(RadioSet.Changed)
    def _changed(self) -> None:
        self._fill_path()

    def _error(self, message: str, style: str = "") -> None:
        error = self.query_one("#dialog-error", Static)
        error.update(Text(message, style=style))
        error.set_class(bool(message), "visible")

    @on(Input.Submitted, "#an-r-path")
    @on(Button.Pressed, "#ok")
    def action_save(self) -> None:
        if self._busy:
            return
        period, suffix = self._choice()
        typed = self.query_one("#an-r-path", Input).value.strip()
        if not typed:
            self._error("请填写输出文件的路径")
            return
        path = Path(typed).expanduser()
        if path.suffix.lower() != suffix:
            self._error(f"文件扩展名应为 {suffix}（与所选格式一致）")
            self.set_focus(self.query_one("#an-r-path", Input))
            return
        if path.is_dir():
            self._error("这是一个文件夹，请写出文件名")
            return
        if not path.parent.is_dir() and path.parent != report_folder():
            self._error(f"保存报告的目录不存在：{path.parent}（请先建好目录，或改写路径）")
            self.set_focus(self.query_one("#an-r-path", Input))
            return
        if path.exists() and self._overwrite != path:
            self._overwrite = path  # said once; the same path again is the answer
            self._error(f"文件已存在：{path.name}。再按 Ctrl+S 覆盖它，或改写文件名", "yellow")
            self.set_focus(self.query_one("#an-r-path", Input))
            return
        request = ReportRequest(period, path, suffix)
        self._busy = True
        self.query_one("#ok", Button).disabled = True
        self._error("正在生成报告…", "yellow")

        def answer(refused: str | None, written: Path | None = None) -> None:
            self._busy = False
            if not self.is_attached:
                return
            self.query_one("#ok", Button).disabled = False
            if refused:
                self._error(refused)
                return
            self.dismiss(written or request.path)

        self._submit(request, answer)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:
        if not self._busy:  # a report being written finishes first
            self.dismiss(None)


# ---------------------------------------------------------------------------- the dashboard
class AnalyticsScreen(Screen):
    BINDINGS = [
        Binding("f1", "help", "帮助", id="help"),
        Binding("t", "period('today')", "今日", id="analytics_today"),
        Binding("w", "period('this_week')", "本周", id="analytics_week"),
        Binding("m", "period('this_month')", "本月", id="analytics_month"),
        Binding("c", "custom", "自定义时间段", id="analytics_custom"),
        Binding("f", "filters", "筛选", id="analytics_filters"),
        Binding("p", "report", "生成报告", id="analytics_report"),
        Binding("r", "refresh", "刷新", id="analytics_refresh"),
        Binding("enter", "drill", "查看明细", id="analytics_drill"),
        Binding("escape", "back", "返回", id="analytics_back"),
        Binding("h", "chart", "按日/按小时", id="analytics_chart"),
        *[Binding(str(n), f"tab('{tab}')", label, show=False, id=f"analytics_tab_{n}")
          for n, (tab, label) in enumerate(TABS, 1)],
    ]

    def __init__(self, services, operator: OperatorInfo) -> None:
        super().__init__()
        self.services = services
        self.operator = operator
        self._kind = "today"
        self._period: Period = services.analytics.period("today")
        self._filters = Filters()
        self._seq = 0  # each change of what is counted: a result of an older one is dropped
        self._dash: Dashboard | None = None
        self._trends: tuple[Trend, Trend, Period] | None = None
        self._hot: HotTopics | None = None
        self._stale: set[str] = set()  # the tabs to read again when shown (趋势, 热点)
        self._figure_keys: list[str | None] = []
        self._outcome_keys: list[str | None] = []
        self._status_keys: list[str | None] = []
        self._dist_keys: list[tuple[str, object, str] | None] = []
        self._units: list = []
        self._layouts: dict[str, tuple] = {}
        self._failed = ""
        self._chart = "day"  # the chart shown on a short terminal (day | hour)
        self._read_at = 0.0  # time.monotonic() of the last refresh

    @property
    def liaison(self) -> bool:
        return self.operator.role is Role.UNIT_LIAISON

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.operator, self.services.clock, "统计分析", id="header")
        yield Static("", id="an-scope")
        with TabbedContent(id="an-tabs"):
            with TabPane("1 总览", id="tab-overview"):
                with Horizontal(id="an-overview"):
                    yield DataTable(id="an-figures", cursor_type="row", zebra_stripes=True)
                    with Vertical(id="an-side"):
                        yield DataTable(id="an-outcomes", cursor_type="row", zebra_stripes=True)
                        yield DataTable(id="an-statuses", cursor_type="row", zebra_stripes=True)
            with TabPane("2 承办单位", id="tab-units"):
                yield DataTable(id="an-units", cursor_type="row", zebra_stripes=True)
                yield Static("", id="an-unit-detail")
            with TabPane("3 分布", id="tab-dist"):
                yield DataTable(id="an-dist", cursor_type="row", zebra_stripes=True)
            with TabPane("4 热点", id="tab-hot"):
                yield Static("", id="an-hot-summary")
                yield DataTable(id="an-hot", cursor_type="row", zebra_stripes=True)
                with VerticalScroll(id="an-hot-detail-scroll"):
                    yield Static("", id="an-hot-detail")
            with TabPane("5 趋势", id="tab-trend"):
                yield Static("", id="an-trend-day-title", classes="an-chart-title")
                yield PlotextPlot(id="an-trend-day")
                yield Static("", id="an-trend-hour-title", classes="an-chart-title")
                yield PlotextPlot(id="an-trend-hour")
            with TabPane("6 口径", id="tab-defs"):
                yield Static("", id="an-about")
                yield DataTable(id="an-defs", cursor_type="row", zebra_stripes=True)
                with VerticalScroll(id="an-def-detail-scroll"):
                    yield Static("", id="an-def-detail")
        yield Static("", id="an-status")
        yield Footer()

    def on_mount(self) -> None:
        self._fit_columns()
        self._paint_definitions()
        self._show_scope()
        self.action_refresh()
        self.set_focus(self.query_one("#an-figures", DataTable))

    def on_screen_resume(self) -> None:
        """Back on the dashboard (Ctrl+Y from another screen): counted again once the figures
        are a while old; back from a list or a dialog they stay as they were."""
        if time.monotonic() - self._read_at > STALE_SECONDS:
            self.action_refresh()

    # ------------------------------------------------------------------ layout
    def on_resize(self, _event: events.Resize) -> None:
        if self._fit_columns():
            self._paint_all()
        self._paint_trends()

    def _fit_columns(self) -> bool:
        width = self.app.size.width
        narrow = width < NARROW
        self.set_class(narrow, "narrow")
        self.set_class(self.app.size.height < 30, "short")
        self._show_charts()
        self.query_one("#an-about", Static).display = not self.has_class("short")
        side = 30 if narrow else 40
        room = table_room(width)
        units = layout_for(UNIT_COLUMNS, UNIT_COLUMNS_SHORT, room)
        dist = [c for c in DIST_COLUMNS if not (self.liaison and c.key in ("calls", "direct"))]
        hot = [c for c in HOT_COLUMNS if not (self.liaison and c.key in ("direct", "flag"))]
        wanted = {
            "an-figures": fit(FIGURE_COLUMNS, table_room(width - side - 1)),
            "an-outcomes": fit(OUTCOME_COLUMNS, side - 2),
            "an-statuses": fit(STATUS_COLUMNS, side - 2),
            "an-units": units,
            "an-dist": fit(tuple(dist), room),
            "an-hot": fit(tuple(hot), room),
            "an-defs": fit(DEF_COLUMNS, room),
        }
        changed = False
        for table_id, layout in wanted.items():
            if self._layouts.get(table_id) != layout:
                self._layouts[table_id] = layout
                set_columns(self.query_one(f"#{table_id}", DataTable), layout)
                changed = True
        return changed

    def _width(self, table_id: str, key: str) -> int:
        return {c.key: w for c, w in self._layouts.get(table_id, ())}.get(key, 0)

    def _cells(self, table_id: str, cells: dict) -> list:
        return [cells.get(c.key, "") for c, _w in self._layouts[table_id]]

    def _whole(self) -> str:
        """What a topic is compared with: the centre, or the calls the filters leave."""
        return "全中心" if self._filters == Filters() else "筛选范围内"

    def _paint_all(self) -> None:
        self._paint_dashboard()
        self._paint_hot()
        self._paint_definitions()

    # ------------------------------------------------------------------ keys
    def action_help(self) -> None:
        self.app.push_screen(HelpScreen("统计分析", binding_rows(self, {
            "analytics_drill": "总览、承办单位、分布、热点",
            "analytics_chart": "趋势，终端较矮时一次显示一张图"})))

    def action_back(self) -> None:
        """Back to the operator's own home screen (工单列表)."""
        from agent_console.ui.app import HOME

        self.app.action_goto(HOME[self.operator.role])

    def _tab(self) -> str:
        found = self.query("#an-tabs")
        return found.first(TabbedContent).active if found else ""

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "drill":  # the tabs whose rows have a list behind them
            return self._tab() in ("tab-overview", "tab-units", "tab-dist", "tab-hot")
        if action == "chart":  # one chart at a time on a short terminal
            return self._tab() == "tab-trend" and self.has_class("short")
        return True

    def action_tab(self, tab: str) -> None:
        # focus leaves the pane first: a focused widget in a pane being hidden hands focus to
        # its neighbour in that pane, and TabbedContent then shows that pane again
        self.set_focus(None)
        self.query_one("#an-tabs", TabbedContent).active = tab
        self._focus_tab(tab)

    def _focus_tab(self, tab: str) -> None:
        tables = self.query(f"#{tab} DataTable")
        if tables:
            self.set_focus(tables.first())

    @on(TabbedContent.TabActivated, "#an-tabs")
    def _tab_shown(self, event: TabbedContent.TabActivated) -> None:
        tab = event.pane.id
        if tab in self._stale:
            self._read_tab(tab)
        if tab == "tab-trend":
            self.call_after_refresh(self._paint_trends)  # the charts know their size now
        for table in event.pane.query(DataTable):
            self._title_in_view(table)
        self._hint()
        self.refresh_bindings()

    def action_period(self, kind: str) -> None:
        self._kind = kind
        self._period = self.services.analytics.period(kind)
        self.action_refresh()

    def action_custom(self) -> None:
        p = self._period

        def chosen(period: Period | None) -> None:
            if period is not None:
                self._kind = "custom"
                self._period = period
                self.action_refresh()

        self.app.push_screen(PeriodDialog(f"{p.first:%Y-%m-%d}", f"{p.last:%Y-%m-%d}",
                                          self.services.analytics.period), chosen)

    def action_filters(self) -> None:
        catalog = self.services.catalog

        def read():
            return ([r.name for r in catalog.regions()],
                    [c for c in catalog.categories().values() if c.level <= 2])

        def ask(got) -> None:
            regions, categories = got

            def chosen(filters: Filters | None) -> None:
                if filters is not None and filters != self._filters:
                    self._filters = filters
                    self.action_refresh()

            self.app.push_screen(FilterDialog(self._filters, regions, categories,
                                              self.liaison), chosen)

        run_db(self, read, done=ask, outage=self._outage, group="analytics-filters",
               name="analytics_filter_choices")

    def action_report(self) -> None:
        analytics = self.services.analytics
        periods = [("上月", analytics.period("month")), ("上周", analytics.period("week")),
                   ("本期", self._period)]
        note = []
        if self.liaison:
            note.append(f"报告只含本单位（{self.operator.unit_name or ''}）的工单指标")
        if self._filters != Filters():
            note.append("报告按全部渠道、区域和分类统计，不含当前的筛选条件")

        def done(written: Path | None) -> None:
            if written is not None:
                self.notify(f"报告已生成：{written}", title="统计报告", timeout=12)

        self.app.push_screen(ReportDialog(periods, "；".join(note), self._write_report,
                                          self.operator.unit_name if self.liaison else None),
                             done)

    def _write_report(self, request: ReportRequest, answer) -> None:
        """In a worker: report.py's writer (loaded when first asked for); a file that cannot
        be written is said in Chinese in the dialog, the console goes on."""
        analytics = self.services.analytics
        unit_id = self.operator.unit_id if self.liaison else None

        def job() -> Path:
            try:
                from agent_console.services.report import write_report
            except ImportError as exc:
                raise ServiceError("本机未安装报告生成功能（services/report.py），"
                                   "请联系系统管理员") from exc
            try:
                if request.path.parent == report_folder():  # only the offered folder is made
                    request.path.parent.mkdir(parents=True, exist_ok=True)
                written = write_report(analytics, request.period, request.path, unit_id=unit_id)
            except OSError as exc:
                raise ServiceError(f"报告未能写入 {request.path}：{os_reason(exc)}") from exc
            return Path(written or request.path)

        def failed(exc: BaseException) -> None:
            answer("数据库连接中断：报告未生成，恢复后再按 Ctrl+S" if is_outage(exc)
                   else "报告未能生成：发生内部错误，详情已记入日志")

        run_db(self, job, done=lambda written: answer(None, written),
               refused=lambda exc: answer(exc.message), outage=failed,
               group="analytics-report", name="analytics_report")

    # ------------------------------------------------------------------ reading
    def _scope(self) -> Scope:
        f = self._filters
        return Scope(self._period, f.channel, f.region, f.category_id)

    def _status(self, message: str | Text, style: str = "") -> None:
        text = message if isinstance(message, Text) else Text(message, style=style)
        text.no_wrap = True
        text.overflow = "ellipsis"
        self.query_one("#an-status", Static).update(text)

    def _outage(self, exc: BaseException) -> None:
        self._failed = ("数据库连接中断：显示的是上次读取的数据，恢复后按 r 刷新" if is_outage(exc)
                        else "统计未完成：发生内部错误，详情已记入日志；按 r 再试")
        self._status(self._failed, "bold red")

    def _refused(self, exc: ServiceError) -> None:
        self._failed = exc.message
        self._status(exc.message, "bold red")

    def action_refresh(self) -> None:
        """Everything counted again: the dashboard now, the 趋势 and 热点 tabs when shown."""
        self._seq += 1
        self._failed = ""
        self._read_at = time.monotonic()
        if self._kind != "custom":  # 今日 after midnight is the new day
            self._period = self.services.analytics.period(self._kind)
        self._show_scope()
        self._status("正在统计…", "yellow")
        seq, scope = self._seq, self._scope()
        run_db(self, partial(self.services.analytics.dashboard, scope, self.operator),
               done=lambda dash: self._got_dashboard(seq, dash), refused=self._refused,
               outage=self._outage, group="analytics-dashboard", name="analytics_dashboard")
        self._stale = {"tab-trend", "tab-hot"}
        if self._tab() in self._stale:
            self._read_tab(self._tab())

    def _read_tab(self, tab: str) -> None:
        self._stale.discard(tab)
        seq, scope, analytics, viewer = self._seq, self._scope(), self.services.analytics, \
            self.operator
        if tab == "tab-hot":
            self.query_one("#an-hot-summary", Static).update(Text("正在统计热点…", style="yellow"))
            run_db(self, partial(analytics.hot_topics, scope, viewer),
                   done=lambda hot: self._got_hot(seq, hot), refused=self._refused,
                   outage=self._outage, group="analytics-hot", name="analytics_hot")
        elif tab == "tab-trend":
            self.query_one("#an-trend-day-title", Static).update(
                Text("正在统计趋势…", style="yellow"))
            kind = self._kind

            def read():
                days = scope
                if kind == "today":  # one day: the daily chart shows the month before it
                    last = scope.period.last
                    days = replace(scope, period=analytics.period(
                        "custom", last - timedelta(days=TODAY_TREND_DAYS - 1), last))
                return (analytics.trend(days, "day", viewer),
                        analytics.trend(scope, "hour", viewer), days.period)

            run_db(self, read, done=lambda got: self._got_trends(seq, got),
                   refused=self._refused, outage=self._outage, group="analytics-trend",
                   name="analytics_trend")

    def _got_dashboard(self, seq: int, dash: Dashboard) -> None:
        if seq != self._seq:
            return  # the operator chose another period meanwhile
        self._dash = dash
        self._show_scope()
        self._paint_dashboard()
        self._hint()

    def _got_hot(self, seq: int, hot: HotTopics) -> None:
        if seq == self._seq:
            self._hot = hot
            self._paint_hot()

    def _got_trends(self, seq: int, got) -> None:
        if seq == self._seq:
            self._trends = got
            self._paint_trends()

    def _show_scope(self) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" 时间段：", style="bold")
        text.append(self._period.label)
        if self.app.size.width >= NARROW:
            text.append("（t 今日 w 本周 m 本月 c 自定义）", style="dim")
        text.append("  筛选：", style="bold")
        words = self._filters.words(self.services.catalog.categories()) \
            if self._filters != Filters() else ""
        text.append(words or "无", style="bold yellow" if words else "")
        if self.liaison:
            text.append("  本单位：", style="bold")
            text.append(self.operator.unit_name or "")
            if self.app.size.width >= NARROW:
                text.append("（只含本单位工单，无来电指标）", style="dim")
        self.query_one("#an-scope", Static).update(text)

    def _hint(self) -> None:
        if self._failed:
            self._status(self._failed, "bold red")
            return
        if self._dash is None:
            return
        tab = self._tab()
        if tab == "tab-overview":
            self._status("Enter 查看该指标背后的工单或来电；Tab 切换表格；1–6 切换标签页")
        elif tab == "tab-units":
            self._status("按综合得分排序（按时办结率60分＋满意率40分－督办中每件2分－过期知识库每条1分）；"
                         "Enter 查看该单位当前超期工单")
        elif tab == "tab-dist":
            what = "工单" if self._dash.unit_view else "来电"
            self._status(f"Enter 查看该渠道、区域或分类的{what}明细")
        elif tab == "tab-hot":
            self._status("近7天对比此前28天；↑↓ 选择分类，下方显示其特征词、集中区域和诉求示例")
        elif tab == "tab-trend":
            what = "新建工单" if self.liaison else "来电和新建工单"
            days = self._period.days
            grain = "按日" if days <= DAILY_MOST else "按周" if days <= WEEKLY_MOST else "按月"
            self._status(f"{grain}与按小时的{what}；时间段按 t w m c 切换")
        else:
            self._status("每个指标的名称、算法、数据来源和依据条款（data/metrics.json）")

    # ------------------------------------------------------------------ 总览
    def _paint_dashboard(self) -> None:
        dash = self._dash
        if dash is None:
            return
        self._paint_figures(dash)
        self._paint_side(dash)
        self._paint_units(dash)
        self._paint_dist(dash)

    def _paint_figures(self, dash: Dashboard) -> None:
        table = self.query_one("#an-figures", DataTable)
        row = table.cursor_row
        table.clear()
        metrics = self.services.analytics.metrics
        self._figure_keys = []
        for group in GROUPS:
            keys = [k for k, m in metrics.items() if m.group == group and k in dash.figures]
            if not keys:
                continue
            add_row(table, *self._cells("an-figures", {"name": Text(f"【{group}】", style="bold")}))
            self._figure_keys.append(None)
            for key in keys:
                f = dash.figures[key]
                formula = one_line(metrics[key].formula)
                formula.stylize("dim")
                cells = {"name": one_line("  " + f.label),
                         "value": Text(f.text, style="bold" if drillable(key) else ""),
                         "ratio": Text(ratio_text(f.numerator, f.denominator), style="dim"),
                         "formula": formula}
                add_row(table, *self._cells("an-figures", cells), key=key)
                self._figure_keys.append(key)
        if table.row_count:  # on a figure, never on a group's title
            row = min(row or 0, table.row_count - 1)
            table.move_cursor(row=row + 1 if self._figure_keys[row] is None else row)
            self._title_in_view(table)

    def _paint_side(self, dash: Dashboard) -> None:
        outcomes = self.query_one("#an-outcomes", DataTable)
        outcomes.clear()
        self._outcome_keys = []
        calls = sum(n for _o, _l, n in dash.by_outcome)
        for outcome, label, n in dash.by_outcome:
            add_row(outcomes, *self._cells("an-outcomes", {
                "name": label, "n": str(n), "share": share(n, calls)}))
            self._outcome_keys.append(OUTCOME_DRILLS.get(outcome))
        outcomes.display = bool(dash.by_outcome)  # a unit's view: no calls
        statuses = self.query_one("#an-statuses", DataTable)
        statuses.clear()
        self._status_keys = []
        orders = sum(n for _s, n in dash.by_status)
        for status, n in dash.by_status:
            add_row(statuses, *self._cells("an-statuses", {
                "name": status, "n": str(n), "share": share(n, orders)}))
            self._status_keys.append(f"orders_created:{status}")
        if not dash.by_status:
            add_row(statuses, *self._cells("an-statuses", {
                "name": Text("本期无新建", style="dim")}))
            self._status_keys.append(None)

    @staticmethod
    def _title_in_view(table: DataTable) -> None:
        """The cursor on the first row under a section's title: the title stays in view (the
        cursor's own scrolling would hide it, above all in a tab not shown yet)."""
        if table.cursor_row <= 1:
            table.call_after_refresh(table.scroll_to, y=0, animate=False)

    # ------------------------------------------------------------------ 承办单位
    def _unit_rows(self, dash: Dashboard) -> list:
        if dash.scope.unit_id is None:
            return list(dash.units)
        # a unit's view: its own line only (the ranking also lists units for their stale KB)
        return [u for u in dash.units if u.unit_id == dash.scope.unit_id]

    def _paint_units(self, dash: Dashboard) -> None:
        table = self.query_one("#an-units", DataTable)
        row = table.cursor_row
        table.clear()
        self._units = self._unit_rows(dash)
        narrow = self._width("an-units", "unit") < 20
        # places with ties as in the report; a unit's own view has no place to show
        places = ["—"] * len(self._units) if dash.scope.unit_id is not None \
            else ranks(self._units)
        for place, u in zip(places, self._units, strict=True):
            v = u.values
            overdue = int(v["orders_overdue_now"][0] or 0)
            supervised = int(v["supervised_now"][0] or 0)
            cells = {
                "rank": place, "unit": one_line(short_unit(u.unit, narrow)),
                "created": str(v["orders_created"][0]), "completed": str(v["completed"][0]),
                "on_time": percent(v["on_time_rate"][0]),
                "resolved": percent(v["resolution_rate"][0]),
                "satisfied": percent(v["satisfaction_rate"][0]),
                "overdue": Text(str(overdue), style="bold red" if overdue else ""),
                "supervised": Text(str(supervised), style="yellow" if supervised else ""),
                "stale": Text(str(u.stale_articles), style="yellow" if u.stale_articles else ""),
                "score": "—" if u.score is None else f"{u.score:.1f}",
            }
            add_row(table, *self._cells("an-units", cells), key=str(u.unit_id))
        if not self._units:
            add_row(table, *self._cells("an-units", {"unit": Text("本期没有承办单位的工单",
                                                                  style="dim")}))
        elif row:
            table.move_cursor(row=min(row, len(self._units) - 1))
        self._show_unit()

    @on(DataTable.RowHighlighted, "#an-units")
    def _show_unit(self) -> None:
        detail = self.query_one("#an-unit-detail", Static)
        row = self.query_one("#an-units", DataTable).cursor_row
        if not self._units or row is None or not 0 <= row < len(self._units):
            detail.update("")
            return
        u = self._units[row]
        v = u.values
        text = Text()
        text.append(u.unit, style="bold")
        text.append(f"：新建 {v['orders_created'][0]} 件，办结 {v['completed'][0]} 件，"
                    f"按时办结率 {percent(v['on_time_rate'][0])}，"
                    f"解决率 {percent(v['resolution_rate'][0])}，"
                    f"满意率 {percent(v['satisfaction_rate'][0])}；当前超期 "
                    f"{v['orders_overdue_now'][0]} 件，督办中 {v['supervised_now'][0]} 件，"
                    f"过期知识库 {u.stale_articles} 条；"
                    f"得分 {'—（本期无可评）' if u.score is None else f'{u.score:.1f}'}")
        detail.update(script_text(text))

    # ------------------------------------------------------------------ 分布
    def _paint_dist(self, dash: Dashboard) -> None:
        table = self.query_one("#an-dist", DataTable)
        row = table.cursor_row
        table.clear()
        self._dist_keys = []
        cats = self.services.catalog.categories()
        sections = (("渠道", "channel", [r for r in dash.by_channel if r.key]),
                    ("区域", "region", list(dash.by_region)),
                    ("分类", "category_id", list(dash.by_category)))
        width = self._width("an-dist", "name")
        for title, field, rows in sections:
            if not rows:
                continue
            add_row(table, *self._cells("an-dist", {"name": Text(f"【{title}】", style="bold")}))
            self._dist_keys.append(None)
            for r in rows:
                v = r.values
                name = cats[r.key].path if field == "category_id" and r.key in cats else r.name
                # a channel's orders: made from its calls (by the seat, an expert, a hand-off)
                orders = dash.orders_by_channel.get(r.key, 0) if field == "channel" \
                    else v["orders_created"][0]
                overdue = int(v["orders_overdue_now"][0] or 0)
                cells = {"name": tail("  " + name, width) if width else name,
                         "calls": str(v["calls_total"][0]),
                         "direct": percent(v["direct_answer_rate"][0]),
                         "orders": str(orders), "completed": str(v["completed"][0]),
                         "on_time": percent(v["on_time_rate"][0]),
                         "satisfied": percent(v["satisfaction_rate"][0]),
                         "overdue": Text(str(overdue), style="bold red" if overdue else "")}
                if field == "channel":  # the handling of orders is not counted by channel
                    cells.update(dict.fromkeys(("completed", "on_time", "satisfied", "overdue"),
                                               Text("—", style="dim")))
                add_row(table, *self._cells("an-dist", cells))
                self._dist_keys.append((field, r.key, name))
        if table.row_count:  # on a row, never on a section's title
            row = min(row or 0, table.row_count - 1)
            table.move_cursor(row=row + 1 if self._dist_keys[row] is None else row)
            self._title_in_view(table)

    # ------------------------------------------------------------------ 热点
    def _paint_hot(self) -> None:
        hot = self._hot
        table = self.query_one("#an-hot", DataTable)
        if hot is None or "an-hot" not in self._layouts:
            return
        row = table.cursor_row
        table.clear()
        unit = self.liaison
        what = "工单" if unit else "来电"
        first = hot.last_day - timedelta(days=6)
        summary = Text()
        summary.append(f"近7天（{first:%m-%d} 至 {hot.last_day:%m-%d}）{what} ", style="bold")
        summary.append(str(hot.recent_calls), style="bold")
        summary.append(f" 件，此前28天折合每7天 {hot.baseline_calls:g} 件")
        if hot.centre_direct_rate is not None:
            summary.append(f"；{self._whole()}直接答复率 {percent(hot.centre_direct_rate)}")
        summary.append("\n上升词：", style="bold")
        if hot.words:
            for i, w in enumerate(hot.words):
                summary.append("、" if i else "")
                summary.append(w.word, style="bold yellow")
                growth = "新出现" if w.growth is None else f"{w.growth:+.0%}"
                summary.append(f" {w.recent}（{growth}）")
        else:
            summary.append("无", style="dim")
        self.query_one("#an-hot-summary", Static).update(script_text(summary))
        width = self._width("an-hot", "category")
        for t in hot.topics:
            growth = Text("新出现" if t.growth is None else f"{t.growth:+.0%}",
                          style="bold red" if t.rising else "")
            cells = {"category": tail(t.category, width), "recent": str(t.recent),
                     "baseline": f"{t.baseline:g}", "growth": growth,
                     "direct": percent(t.direct_rate),
                     "words": one_line("、".join(t.words)),
                     "regions": one_line("、".join(f"{r}{n}" for r, n in t.regions)),
                     "flag": Text(FLAG, style="bold yellow") if t.expert_advised else ""}
            add_row(table, *self._cells("an-hot", cells), key=str(t.category_id))
        if not hot.topics:
            add_row(table, *self._cells("an-hot", {"category": Text(
                "暂无上升分类", style="dim")}))
        elif row:
            table.move_cursor(row=min(row, len(hot.topics) - 1))
        self._show_topic()

    @on(DataTable.RowHighlighted, "#an-hot")
    def _show_topic(self) -> None:
        detail = self.query_one("#an-hot-detail", Static)
        hot = self._hot
        row = self.query_one("#an-hot", DataTable).cursor_row
        if hot is None or not hot.topics or row is None or not 0 <= row < len(hot.topics):
            rule = "上升：近7天不少于5件，比此前28天的水平高出2个标准差且增幅不低于30%"
            if not self.liaison:
                rule += (f"；{FLAG}：来电量居前10位且直接答复率低于{self._whole()}"
                         "（第十四条第二款）")
            detail.update(script_text(Text(rule, style="dim")))
            return
        t = hot.topics[row]
        text = Text()
        text.append(t.category, style="bold")
        marks = [m for m, yes in (("上升", t.rising), (FLAG, t.expert_advised)) if yes]
        if marks:
            text.append("  " + "，".join(marks), style="bold yellow")
        text.append("\n特征词：", style="bold")
        text.append("、".join(t.words) or "—")
        text.append("  集中区域：", style="bold")
        text.append("、".join(f"{r} {n} 件" for r, n in t.regions) or "—")
        for i, example in enumerate(t.examples, 1):
            text.append(f"\n示例{i}：", style="bold")
            text.append(example)
        detail.update(script_text(text))

    # ------------------------------------------------------------------ 趋势
    def _paint_trends(self) -> None:
        if self._trends is None:
            return
        day, hour, day_period = self._trends
        unit = self.liaison
        calls_style = f"bold rgb({CALLS_RGB[0]},{CALLS_RGB[1]},{CALLS_RGB[2]})"
        orders_style = f"bold rgb({ORDERS_RGB[0]},{ORDERS_RGB[1]},{ORDERS_RGB[2]})"

        def legend(title: str, trend: Trend) -> Text:
            text = Text(no_wrap=True, overflow="ellipsis")
            text.append(title, style="bold")
            if not unit:
                text.append("  ━ 来电 ", style=calls_style)
                text.append(f"{sum(trend.calls):,}")
            text.append("  ━ 新建工单 ", style=orders_style)
            text.append(f"{sum(trend.orders):,}")
            return text

        span = "" if self._kind != "today" else \
            f"（近{TODAY_TREND_DAYS}天：{day_period.first:%m-%d} 至 {day_period.last:%m-%d}）"
        day_title = legend(f"{GRAIN_WORDS.get(day.grain, '每日')}{span}", day)
        hour_title = legend("各小时合计", hour)
        if self.has_class("short"):
            other = "按小时" if self._chart == "day" else "按日"
            for title in (day_title, hour_title):
                title.append(f"  h 切换{other}", style="dim")
        self.query_one("#an-trend-day-title", Static).update(day_title)
        busiest = max(range(24), key=lambda h: (hour.orders if unit else hour.calls)[h])
        peak = (hour.orders if unit else hour.calls)[busiest]
        if peak:
            hour_title.append(f"  最忙 {busiest} 时（{peak} 件）", style="dim")
        self.query_one("#an-trend-hour-title", Static).update(hour_title)
        labels = list(day.labels)
        if day.grain == "day" and day_period.first.year != day_period.last.year:  # which 01-01
            labels = [f"{day_period.first + timedelta(days=i):%Y-%m-%d}"
                      for i in range(len(labels))]
        self._draw("#an-trend-day", day, labels)
        self._draw("#an-trend-hour", hour, [f"{h}" for h in range(24)])

    def _show_charts(self) -> None:
        """Both charts one above the other; on a short terminal (80×24) one at a time, h
        switches."""
        short = self.has_class("short")
        for name in ("day", "hour"):
            shown = not short or self._chart == name
            self.query_one(f"#an-trend-{name}-title", Static).display = shown
            self.query_one(f"#an-trend-{name}", PlotextPlot).display = shown

    def action_chart(self) -> None:
        self._chart = "hour" if self._chart == "day" else "day"
        self._show_charts()
        self.call_after_refresh(self._paint_trends)

    def _draw(self, selector: str, trend: Trend, labels: list[str]) -> None:
        """Plotext counts a CJK character as one cell (a Chinese title or legend pushes the
        frame out of line): the chart's own words stay ASCII (dates, hours, counts), what each
        colour is is said in Chinese above it."""
        plot = self.query_one(selector, PlotextPlot)
        plt = plot.plt
        plt.clear_figure()
        x = list(range(len(labels)))
        series = ([] if self.liaison else [(list(trend.calls), CALLS_RGB)]) + \
            [(list(trend.orders), ORDERS_RGB)]
        # full blocks (every terminal font has them): calls and orders side by side where a
        # day (an hour) has room for two bars, else the orders inside the calls' bar
        cells = max(plot.size.width - 6, 1) / max(len(labels), 1)
        if len(series) > 1 and cells >= 4:
            plt.multiple_bar(x, [v for v, _c in series], color=[c for _v, c in series],
                             marker="sd", width=0.8)
        else:
            for (values, colour), width in zip(series, (0.8, 0.4) if len(series) > 1 else (0.6,)):
                plt.bar(x, values, color=colour, marker="sd", width=width)
        width = max(plot.size.width, 20)
        fits = max(2, (width - 6) // (max(len(lab) for lab in labels) + 2))
        step = max(1, -(-len(labels) // fits))
        plt.xticks(x[::step], labels[::step])
        ticks = y_ticks([v for values, _c in series for v in values], max(plot.size.height - 3, 2))
        plt.yticks(ticks)
        plt.ylim(0, ticks[-1] * 1.05)  # a line at the top stays off the frame
        plt.xlim(-0.5, len(labels) - 0.5)
        plot.refresh()

    # ------------------------------------------------------------------ 口径
    def _paint_definitions(self) -> None:
        if "an-defs" not in self._layouts:
            return
        analytics = self.services.analytics
        self.query_one("#an-about", Static).update(script_text(Text(analytics.about, style="dim")))
        table = self.query_one("#an-defs", DataTable)
        row = table.cursor_row
        table.clear()
        self._defs = list(analytics.metrics.values())
        for m in self._defs:
            add_row(table, *self._cells("an-defs", {
                "name": one_line(m.name), "group": one_line(m.group),
                "formula": one_line(m.formula), "source": one_line(m.source),
                "article": one_line(m.article)}), key=m.key)
        if row:
            table.move_cursor(row=min(row, len(self._defs) - 1))
        self._show_definition()

    @on(DataTable.RowHighlighted, "#an-defs")
    def _show_definition(self) -> None:
        row = self.query_one("#an-defs", DataTable).cursor_row
        defs = getattr(self, "_defs", [])
        if not defs or row is None or not 0 <= row < len(defs):
            return
        m = defs[row]
        text = Text()
        text.append(f"{m.name}（{m.group}，单位：{m.unit}）", style="bold")
        text.append("\n算法：", style="bold")
        text.append(m.formula)
        text.append("\n来源：", style="bold")
        text.append(m.source)
        text.append("  依据：", style="bold")
        text.append(m.article)
        if self.has_class("short"):  # 80×24: what the periods mean, here instead of above
            text.append("\n\n")
            text.append(self.services.analytics.about, style="dim")
        self.query_one("#an-def-detail", Static).update(script_text(text))

    # ------------------------------------------------------------------ the lists behind
    def action_drill(self) -> None:
        """Enter where no table took it (the footer's 查看明细): the focused table's row."""
        focused = self.focused
        if isinstance(focused, DataTable) and focused.cursor_row is not None:
            self._drill_from(focused.id or "", focused.cursor_row)

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self._drill_from(event.data_table.id or "", event.cursor_row)

    def _drill_from(self, table_id: str, row: int) -> None:
        dash = self._dash
        if dash is None:
            return
        scope = dash.scope

        def pick(keys: list) -> object:
            return keys[row] if 0 <= row < len(keys) else None

        if table_id == "an-figures":
            key = pick(self._figure_keys)
            if key is None:
                return
            if not drillable(key):
                self.notify(f"“{dash.figures[key].label}”没有明细列表", severity="warning")
                return
            self._open_drill(key, scope)
        elif table_id == "an-outcomes":
            key = pick(self._outcome_keys)
            if key is not None:
                self._open_drill(key, scope)
        elif table_id == "an-statuses":
            key = pick(self._status_keys)
            if key is not None:
                self._open_drill(key, scope)
        elif table_id == "an-units":
            if 0 <= row < len(self._units):
                u = self._units[row]
                self._open_drill("orders_overdue_now", replace(scope, unit_id=u.unit_id),
                                 u.unit)
        elif table_id == "an-dist":
            picked = pick(self._dist_keys)
            if picked is None:
                return
            field, value, name = picked
            if value is None:
                self.notify(f"“{name}”的明细无法单独列出（该项未填写）", severity="warning")
                return
            key = "orders_created" if dash.unit_view else "calls_total"
            self._open_drill(key, replace(scope, **{field: value}), name)
        elif table_id == "an-hot":
            hot = self._hot
            if hot is not None and 0 <= row < len(hot.topics):
                topic = hot.topics[row]
                key = "orders_created" if dash.unit_view else "calls_total"
                last = hot.last_day
                week = self.services.analytics.period("custom", last - timedelta(days=6), last)
                self._open_drill(key, replace(scope, period=week, category_id=topic.category_id),
                                 topic.category)

    def _open_drill(self, key: str, scope: Scope, context: str = "") -> None:
        self.app.push_screen(DrillScreen(self.services, self.operator, key, scope, context))


# ---------------------------------------------------------------------------- a figure's list
class DrillScreen(Screen):
    """The calls or orders a figure counts (the first 500), newest first; Enter opens the
    order."""

    BINDINGS = [
        Binding("escape", "back", "返回", id="drill_back"),
        Binding("f1", "help", "帮助", id="help"),
        Binding("enter", "open", "打开工单", id="drill_open"),
        Binding("r", "reload", "刷新", id="drill_reload"),
    ]

    def __init__(self, services, operator: OperatorInfo, key: str, scope: Scope,
                 context: str = "") -> None:
        super().__init__()
        self.services = services
        self.operator = operator
        self.key = key
        self.scope = scope
        self.context = context  # the unit, region or category the list is of
        self.drill: Drill | None = None
        self._layout: tuple[tuple[Col, int], ...] = ()

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.operator, self.services.clock, "统计明细", id="header")
        with Vertical(id="drill-body"):
            yield Static(Text("正在读取明细…", style="yellow"), id="drill-title")
            yield Static("", id="drill-count")
            yield DataTable(id="drill-list", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="drill-detail-scroll"):
                yield Static("", id="drill-detail")
        yield Footer()

    def on_mount(self) -> None:
        self._fit_columns()
        self.action_reload()
        self.set_focus(self.query_one("#drill-list", DataTable))

    def on_resize(self, _event: events.Resize) -> None:
        if self._fit_columns():
            self._paint()

    def _fit_columns(self) -> bool:
        drill = self.drill
        calls = drill is not None and bool(drill.rows) and drill.rows[0].kind == "call"
        marks = drill is None or any(r.mark for r in drill.rows)
        # one unit's list (a unit of the ranking, a liaison's): the unit column says nothing
        one_unit = self.scope.unit_id is not None or self.operator.role is Role.UNIT_LIAISON
        columns = tuple(c for c in DRILL_COLUMNS
                        if not ((calls or one_unit) and c.key == "unit")
                        and not (not marks and c.key == "mark"))
        if self.key.partition(":")[0] in DUE_DRILLS:  # open now: listed by their deadline
            columns = tuple(replace(c, label="办理时限") if c.key == "at" else c for c in columns)
        layout = fit(columns, table_room(self.app.size.width))
        if layout == self._layout:
            return False
        self._layout = layout
        set_columns(self.query_one("#drill-list", DataTable), layout)
        return True

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen("统计明细", binding_rows(self)))

    def action_back(self) -> None:
        self.dismiss(None)

    def action_reload(self) -> None:
        def refused(exc: ServiceError) -> None:
            self.query_one("#drill-title", Static).update(Text(exc.message, style="bold red"))

        def outage(exc: BaseException) -> None:
            self.query_one("#drill-count", Static).update(Text(
                "数据库连接中断：明细未能读取，恢复后按 r 刷新" if is_outage(exc)
                else "明细未能读取：发生内部错误，详情已记入日志", style="bold red"))

        run_db(self, partial(self.services.analytics.drill, self.key, self.scope, self.operator),
               done=self._fill, refused=refused, outage=outage, group="analytics-drill",
               exclusive=True, name="analytics_drill")

    def _fill(self, drill: Drill) -> None:
        self.drill = drill
        title = Text()
        title.append(drill.title, style="bold")
        if self.context and self.context not in drill.title:  # not said twice
            title.append(" · ")
            title.append(self.context, style="bold")
        self.query_one("#drill-title", Static).update(title)
        shown = len(drill.rows)
        count = f"共 {drill.total:,} 件"
        if drill.people is not None:  # 重复来电人 counts people: the list is their calls
            count = f"{drill.people:,} 人，来电共 {drill.total:,} 件"
        if drill.total > shown:
            count += f"（显示前 {shown} 件）" if shown < DRILL_LIMIT else f"（显示前 {DRILL_LIMIT} 件）"
        count += "；Enter 打开工单，Esc 返回" if any(r.number for r in drill.rows) else "；Esc 返回"
        self.query_one("#drill-count", Static).update(Text(count))
        self._fit_columns()
        self._paint()

    def _paint(self) -> None:
        drill = self.drill
        if drill is None:
            return
        table = self.query_one("#drill-list", DataTable)
        row = table.cursor_row
        table.clear()
        widths = {c.key: w for c, w in self._layout}
        narrow = widths.get("unit", 0) < 20
        for r in drill.rows:
            cells = {"at": f"{r.at:%m-%d %H:%M}" if r.at else "",
                     "number": r.number or Text("—", style="dim"),
                     "unit": one_line(short_unit(r.unit, narrow)), "region": one_line(r.region),
                     "category": tail(r.category, widths.get("category", 0)),
                     "state": one_line(r.state), "mark": one_line(r.mark),
                     "content": one_line(r.content)}
            add_row(table, *(cells[c.key] for c, _w in self._layout))
        if not drill.rows:
            add_row(table, *("" if c.key != "content" else Text("（没有记录）", style="dim")
                             for c, _w in self._layout))
        elif row:
            table.move_cursor(row=min(row, len(drill.rows) - 1))
        self._show()

    def _row(self):
        drill = self.drill
        row = self.query_one("#drill-list", DataTable).cursor_row
        if drill is None or row is None or not 0 <= row < len(drill.rows):
            return None
        return drill.rows[row]

    @on(DataTable.RowHighlighted, "#drill-list")
    def _show(self) -> None:
        r = self._row()
        detail = self.query_one("#drill-detail", Static)
        if r is None:
            detail.update("")
            return
        text = Text()
        text.append(r.number or ("来电" if r.kind == "call" else ""), style="bold")
        due = self.key.partition(":")[0] in DUE_DRILLS
        text.append(f"  {'办理时限 ' if due else ''}{r.at:%Y-%m-%d %H:%M}  " if r.at else "  ")
        text.append(r.state, style="bold")
        if r.mark:
            text.append(f"  {r.mark}")
        text.append("\n")
        for label, value in (("单位", r.unit), ("区域", r.region), ("分类", r.category)):
            if value:
                text.append(f"{label}：", style="bold")
                text.append(value + "  ")
        text.append("\n诉求内容：", style="bold")
        text.append(r.content)
        detail.update(script_text(text))

    @on(DataTable.RowSelected, "#drill-list")
    def _selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        from agent_console.ui.screens.order_detail import OrderDetailScreen

        r = self._row()
        if r is None:
            return
        if not r.number:
            self.notify("这通来电没有生成工单", severity="warning")
            return
        self.app.push_screen(OrderDetailScreen(self.services, self.operator, r.number))
