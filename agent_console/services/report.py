"""Art. 22 (定期形成分析报告): the centre's analysis report of a period, as a Word document or
an Excel workbook.

``build_report`` reads what the report says from the analytics service (the period's
dashboard and the previous period's, the daily and hourly trends, the hot topics, every
figure's definition); ``describe_changes`` puts the comparison into plain Chinese sentences;
``write_docx`` / ``write_xlsx`` lay it out; ``write_report`` picks the format by the file's
suffix and writes it whole or not at all.

Requests' words appear only as the hot topics' examples, which the analytics service has
already masked (phone and ID numbers, self-given names) and from which it has left the
confidential requests out (Art. 8, 21). In the workbook every text cell is typed as text, so
a caller's ``=HYPERLINK(…)`` never becomes a formula.
"""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from agent_console.services.analytics import (
    BASELINE_DAYS,
    RECENT_DAYS,
    AnalyticsService,
    Dashboard,
    Figure,
    HotTopics,
    MetricDef,
    Period,
    Row,
    Scope,
    Trend,
    format_value,
    ranks,
)
from agent_console.services.errors import ServiceError
from agent_console.services.tabular import FORMULA_START

TITLE = "通辽市12345政务服务便民热线分析报告"
FONT = "宋体"          # East Asian text of the body (w:eastAsia of the Normal style)
HEADING_FONT = "黑体"  # and of the title and headings
LATIN_FONT = "Times New Roman"

# The figures the overview compares with the previous period, in the order it says them
COMPARED = ("calls_total", "calls_valid", "direct_answer_rate", "talk_mean", "orders_created",
            "completed", "response_rate", "on_time_rate", "resolution_rate",
            "satisfaction_rate", "reopen_rate")
# Figures of the moment ("当前"), not of a period: the previous period has no value of its own
CURRENT = frozenset({"orders_open_now", "orders_overdue_now", "supervised_now"})


# ---------------------------------------------------------------------------- the data
@dataclass(frozen=True)
class ReportData:
    period: Period
    previous: Period
    unit_id: int | None
    unit_name: str | None
    written_at: datetime
    now: Dashboard
    before: Dashboard
    daily: Trend
    hourly: Trend
    hot: HotTopics
    metrics: dict[str, MetricDef]
    about: str
    sentences: tuple[str, ...]

    @property
    def unit_view(self) -> bool:
        """One unit's report: its orders only, no call figures (as the unit's dashboard)."""
        return self.unit_id is not None

    @property
    def period_text(self) -> str:
        return period_text(self.period)

    @property
    def written_text(self) -> str:
        return f"{self.written_at:%Y-%m-%d %H:%M}"


def period_text(p: Period) -> str:
    """The period's label with its days: 2026年10月（2026-10-01 至 2026-10-31）."""
    days = f"{p.first:%Y-%m-%d} 至 {p.last:%Y-%m-%d}" if p.first != p.last else f"{p.first:%Y-%m-%d}"
    return p.label if days in p.label else f"{p.label}（{days}）"


def build_report(analytics: AnalyticsService, period: Period, unit_id: int | None = None,
                 written_at: datetime | None = None) -> ReportData:
    """Everything the report says about ``period`` (and one unit's orders, if given)."""
    unit_name = None
    if unit_id is not None:
        units = analytics.units()
        if unit_id not in units:
            raise ServiceError("没有这个承办单位")
        unit_name = units[unit_id].name
    scope = Scope(period, unit_id=unit_id)
    previous = period.previous()
    now = _own(analytics.dashboard(scope), unit_id)
    before = _own(analytics.dashboard(Scope(previous, unit_id=unit_id)), unit_id)
    hot = analytics.hot_topics(scope)
    written_at = written_at or analytics.now()
    sentences = describe_changes(now, before, hot)
    since = analytics.first_day()
    if since is not None and previous.first < since <= previous.last and not _nothing_in(before):
        sentences.insert(0, f"上期（{previous.label}）的记录自 {since:%Y-%m-%d} 起，只有 "
                            f"{(previous.last - since).days + 1} 天（共 {previous.days} 天）："
                            "与上期的比较仅供参考。")
    if period.last >= written_at.date():
        sentences.insert(0, f"本期尚未结束：统计至 {written_at:%Y-%m-%d %H:%M}，当天数据不完整；"
                            f"上期取此前同样天数（{previous.label}）。")
    return ReportData(
        period=period, previous=previous, unit_id=unit_id, unit_name=unit_name,
        written_at=written_at, now=now, before=before,
        daily=analytics.trend(scope, "day", fold=False),  # a sheet holds every day
        hourly=analytics.trend(scope, "hour"),
        hot=hot, metrics=dict(analytics.metrics), about=analytics.about,
        sentences=tuple(sentences))


def _own(board: Dashboard, unit_id: int | None) -> Dashboard:
    """A unit's report ranks that unit only (the dashboard's ranking also lists every unit
    with stale KB articles, whatever the scope)."""
    if unit_id is None:
        return board
    return replace(board, units=tuple(u for u in board.units if u.unit_id == unit_id),
                   overdue_by_unit=tuple(r for r in board.overdue_by_unit if r[0] == unit_id))


# ---------------------------------------------------------------------------- in words
def _amount(value: float | None, unit: str) -> str:
    """A figure with its unit, as a sentence says it: 3,120 件, 61.2%, 4分27秒."""
    text = format_value(value, unit)
    return text if unit in ("%", "秒", "分") or value is None else f"{text} {unit}"


def _missing(value: float | None) -> bool:
    return value is None or value == 0


def change_words(unit: str, now: float | None, before: float | None) -> str:
    """How a figure moved against the previous period, as words: 较上期增加 12.4% / 较上期下降
    2.1 个百分点 / 与上期持平 / 上期无数据. Rates move in percentage points, counts in percent."""
    if now is None:
        return "本期无数据"
    if unit == "%":
        if before is None:
            return "上期无数据"
        points = round((now - before) * 100, 1)
        if points == 0:
            return "与上期持平"
        return f"较上期{'上升' if points > 0 else '下降'} {abs(points):.1f} 个百分点"
    if before is None:
        return "上期无数据"
    if before == 0:
        return "上期为 0" if now else "与上期持平（均为 0）"
    if unit == "秒":
        seconds = round(now - before)
        if seconds == 0:
            return "与上期持平"
        return f"较上期{'延长' if seconds > 0 else '缩短'} {abs(seconds)} 秒"
    if now == before:
        return "与上期持平"
    pct = round((now - before) / before * 100, 1)
    if pct == 0:
        return "与上期基本持平"
    return f"较上期{'增加' if pct > 0 else '减少'} {abs(pct):.1f}%"


def change_cell(key: str, unit: str, now: float | None, before: float | None) -> str:
    """The same, for a table's 变化 column: +12.4% / −2.1 个百分点 / 持平 / 上期无数据."""
    if key in CURRENT:
        return "实时数"
    if now is None:
        return "—"
    if unit == "%":
        if before is None:
            return "上期无数据"
        points = round((now - before) * 100, 1)
        return "持平" if points == 0 else f"{points:+.1f} 个百分点"
    if before is None:
        return "上期无数据"
    if before == 0:
        return "上期为 0" if now else "持平"
    if unit == "秒":
        seconds = round(now - before)
        return "持平" if seconds == 0 else f"{seconds:+d} 秒"
    if now == before:
        return "持平"
    return f"{(now - before) / before * 100:+.1f}%"


def change_number(key: str, unit: str, now: float | None,
                  before: float | None) -> tuple[float | str, str | None]:
    """The change as a number for a workbook, with its number format: a count's relative
    change (a percent), a rate's percentage points, a duration's seconds; text where there is
    nothing to compare."""
    if key in CURRENT:
        return "实时数", None
    if now is None:
        return "—", None
    if unit == "%":
        if before is None:
            return "上期无数据", None
        return round((now - before) * 100, 2), '+0.0" 个百分点";-0.0" 个百分点";"持平"'
    if before is None:
        return "上期无数据", None
    if before == 0:
        return ("上期为 0", None) if now else ("持平", None)
    if unit == "秒":
        return round(now - before, 1), '+0" 秒";-0" 秒";"持平"'
    return (now - before) / before, '+0.0%;-0.0%;"持平"'


def _value(fig: Figure | None) -> float | None:
    return None if fig is None else fig.value


def _share(n: float, total: float) -> str:
    return f"{n / total * 100:.1f}%" if total else "—"


def _cn_number(n: int) -> str:
    """1 → 一, 12 → 十二 (the numbering of a Chinese report's sub-headings)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def _list(items: Sequence[str]) -> str:
    return "、".join(items)


def _nothing_in(board: Dashboard) -> bool:
    """No call, order, completion or callback in the period: nothing to compare with."""
    return all(_missing(_value(board.figures.get(k)))
               for k in ("calls_total", "orders_created", "completed", "callbacks"))


NOT_COMPARED = "不作比较"  # a table's 变化 when the previous period holds nothing


def describe_changes(now: Dashboard, before: Dashboard,
                     hot: HotTopics | None = None) -> list[str]:
    """The overview in plain Chinese: each main figure against the previous period, the orders
    open and overdue now, the busiest categories, channels and regions, the units with the
    most overdue orders, supervision, and (given) the hot topics."""
    out: list[str] = []
    label = before.scope.period.label
    named = False  # the previous period's name, said once

    def said(words: str) -> str:
        nonlocal named
        if named:
            return words
        named = True
        return (words.replace("较上期", f"较上期（{label}）", 1)
                .replace("与上期", f"与上期（{label}）", 1)
                .replace("上期无数据", f"上期（{label}）无数据", 1))

    nothing_before = _nothing_in(before)
    if nothing_before:
        out.append(f"上期（{label}）无数据，本期各项指标不作比较。")
    for key in COMPARED:
        fig = now.figures.get(key)
        if fig is None or fig.value is None:
            continue
        if nothing_before:
            out.append(f"{fig.label} {_amount(fig.value, fig.unit)}。")
            continue
        words = change_words(fig.unit, fig.value, _value(before.figures.get(key)))
        out.append(f"{fig.label} {_amount(fig.value, fig.unit)}，{said(words)}。")

    open_now = now.figures.get("orders_open_now")
    overdue = now.figures.get("orders_overdue_now")
    if open_now is not None and overdue is not None:
        out.append(f"当前在办工单 {int(open_now.value or 0):,} 件，其中已超期 "
                   f"{int(overdue.value or 0):,} 件。")

    # the busiest categories (calls; a unit's report: its orders)
    basis = "orders_created" if now.scope.unit_id is not None else "calls_total"
    what = "新建工单" if basis == "orders_created" else "来电"
    total = sum(r.values[basis][0] or 0 for r in now.by_category)
    busiest = sorted((r for r in now.by_category if r.values[basis][0]),
                     key=lambda r: -(r.values[basis][0] or 0))[:3]
    if busiest:
        out.append(f"{what}最多的诉求分类：" + _list(
            [f"{r.name} {int(r.values[basis][0]):,} 件（占 {_share(r.values[basis][0], total)}）"
             for r in busiest]) + "。")
    channels = [r for r in now.by_channel if r.key is not None and r.values["calls_total"][0]]
    calls = sum(r.values["calls_total"][0] for r in channels)
    if channels:
        out.append("来电渠道：" + _list(
            [f"{r.name} {int(r.values['calls_total'][0]):,} 件（{_share(r.values['calls_total'][0], calls)}）"
             for r in sorted(channels, key=lambda r: -r.values["calls_total"][0])]) + "。")
    regions = sorted((r for r in now.by_region if r.values[basis][0]),
                     key=lambda r: -(r.values[basis][0] or 0))[:3]
    if regions:
        out.append(f"{what}较多的地区：" + _list(
            [f"{r.name} {int(r.values[basis][0]):,} 件" for r in regions]) + "。")

    if now.overdue_by_unit and now.scope.unit_id is None:
        out.append("当前超期工单最多的承办单位：" + _list(
            [f"{name} {n:,} 件" for _uid, name, n in now.overdue_by_unit[:3]]) + "。")
    elif overdue is not None and not overdue.value:
        out.append("当前没有超期工单。")
    levels = [(n, int(now.figures[f"supervised_{n}"].value or 0)) for n in (1, 2, 3)
              if f"supervised_{n}" in now.figures]
    if any(v for _n, v in levels):
        out.append("本期督办：" + "，".join(f"{'一二三'[n - 1]}级督办 {v:,} 次" for n, v in levels)
                   + "。")

    if hot is not None:
        out.extend(describe_hot(hot, unit=now.scope.unit_id is not None))
    return out


def _where(regions: Sequence[tuple[str, int]], recent: int) -> str:
    if not regions:
        return ""
    (top, n), *rest = regions
    if recent and n * 2 >= recent or not rest:
        return f"，集中在{top}"
    return f"，主要来自{_list([r for r, _n in regions[:2]])}"


def describe_hot(hot: HotTopics, unit: bool = False) -> list[str]:
    """One sentence a hot topic: 供热/…近7天来电 35 件，较此前基线增长 180%，集中在科尔沁区。"""
    what = "新建工单" if unit else "来电"
    out = []
    for t in hot.topics:
        words = f"{t.category}近{RECENT_DAYS}天{what} {t.recent:,} 件"
        if t.rising:
            if t.growth is None:
                words += "，此前无同类诉求"
            else:
                words += f"，较此前基线增长 {t.growth * 100:.0f}%"
        words += _where(t.regions, t.recent)
        if t.expert_advised and t.direct_rate is not None and hot.centre_direct_rate is not None:
            words += (f"；直接答复率 {t.direct_rate * 100:.1f}%，低于全中心的 "
                      f"{hot.centre_direct_rate * 100:.1f}%，建议安排专家座席（第十四条）")
        out.append(words + "。")
    if not hot.topics:
        out.append(f"截至 {hot.last_day:%Y-%m-%d} 的近{RECENT_DAYS}天，没有明显上升的诉求分类。")
    return out


def summary(data: ReportData) -> str:
    """One line for the command line."""
    f = data.now.figures
    parts = []
    if "calls_total" in f:
        parts.append(f"来电 {_amount(f['calls_total'].value, '件')}")
    parts.append(f"新建工单 {_amount(f['orders_created'].value, '件')}")
    if "direct_answer_rate" in f:
        parts.append(f"直接答复率 {f['direct_answer_rate'].text}")
    parts.append(f"满意率 {f['satisfaction_rate'].text}")
    parts.append(f"热点诉求 {len(data.hot.topics)} 个")
    who = f"（{data.unit_name}）" if data.unit_name else ""
    return f"{data.period_text}{who}：" + "，".join(parts)


# ---------------------------------------------------------------------------- the tables
@dataclass(frozen=True)
class Column:
    title: str
    unit: str  # 件 / % / 秒 / 分 / "" (text)
    get: Callable[[object], object]


def _v(key: str) -> Callable[[Row], float | None]:
    return lambda r: r.values[key][0]


def _figure_keys(data: ReportData) -> list[str]:
    """The figures of the period in data/metrics.json's order."""
    return [k for k in data.metrics if k in data.now.figures]


def unit_columns() -> list[Column]:
    """The ranking's columns, with every term of the score (data/metrics.json unit_score)."""
    return [Column("单位", "", lambda u: u.unit),
            Column("新建工单", "件", lambda u: u.values["orders_created"][0]),
            Column("办结", "件", lambda u: u.values["completed"][0]),
            Column("按时办结率", "%", lambda u: u.values["on_time_rate"][0]),
            Column("解决率", "%", lambda u: u.values["resolution_rate"][0]),
            Column("满意率", "%", lambda u: u.values["satisfaction_rate"][0]),
            Column("当前超期", "件", lambda u: u.values["orders_overdue_now"][0]),
            Column("督办中", "件", lambda u: u.values["supervised_now"][0]),
            Column("过期知识库", "条", lambda u: u.stale_articles),
            Column("得分", "分", lambda u: u.score)]


def region_columns(unit_view: bool) -> list[Column]:
    calls = [] if unit_view else [Column("来电总量", "件", _v("calls_total")),
                                  Column("有效诉求", "件", _v("calls_valid")),
                                  Column("直接答复率", "%", _v("direct_answer_rate"))]
    return [Column("区域", "", lambda r: r.name), *calls,
            Column("新建工单", "件", _v("orders_created")),
            Column("办结", "件", _v("completed")),
            Column("按时办结率", "%", _v("on_time_rate")),
            Column("满意率", "%", _v("satisfaction_rate")),
            Column("当前超期", "件", _v("orders_overdue_now"))]


def category_columns(unit_view: bool, total: float) -> list[Column]:
    basis = "orders_created" if unit_view else "calls_total"

    def share(r: Row) -> float | None:
        return (r.values[basis][0] or 0) / total if total else None

    calls = [] if unit_view else [Column("来电总量", "件", _v("calls_total")),
                                  Column("占比", "%", share),
                                  Column("直接答复率", "%", _v("direct_answer_rate"))]
    orders = [Column("新建工单", "件", _v("orders_created"))]
    if unit_view:
        orders.append(Column("占比", "%", share))
    return [Column("分类", "", lambda r: r.name), *calls, *orders,
            Column("办结", "件", _v("completed")),
            Column("按时办结率", "%", _v("on_time_rate")),
            Column("满意率", "%", _v("satisfaction_rate"))]


def _category_total(data: ReportData) -> float:
    basis = "orders_created" if data.unit_view else "calls_total"
    return sum(r.values[basis][0] or 0 for r in data.now.by_category)


def _channels(data: ReportData) -> list[Row]:
    """The channels calls came in by (orders carry no channel of their own)."""
    return [r for r in data.now.by_channel if r.key is not None]


def _cell_text(value: object, unit: str) -> str:
    if unit == "":
        return "" if value is None else str(value)
    if unit == "分" and value is not None:
        return f"{value:.1f}"
    return format_value(value, unit)


# ---------------------------------------------------------------------------- Word
def _cjk_style(style, east_asia: str, size_pt: float | None = None, bold: bool | None = None,
               black: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    style.font.name = LATIN_FONT
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)  # a theme font would win over the named one
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asia)
    if size_pt is not None:
        style.font.size = Pt(size_pt)
    if bold is not None:
        style.font.bold = bold
    if black:
        style.font.color.rgb = RGBColor(0, 0, 0)


def _doc_table(doc, headers: Sequence[str], rows: Sequence[Sequence[str]]):
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    table = doc.add_table(rows=1, cols=len(headers))
    table.style = doc.styles["Table Grid"]
    for cell, text in zip(table.rows[0].cells, headers):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for row in rows:
        cells = table.add_row().cells
        for i, (cell, text) in enumerate(zip(cells, row)):
            cell.text = str(text)
            if i > 0:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return table


def _columns_table(doc, columns: Sequence[Column], items: Sequence[object], first: str = "",
                   places: Sequence[str] | None = None):
    headers = ([first] if first else []) + [c.title for c in columns]
    places = places or [str(i) for i in range(1, len(items) + 1)]
    rows = [([places[i]] if first else []) + [_cell_text(c.get(item), c.unit) for c in columns]
            for i, item in enumerate(items)]
    return _doc_table(doc, headers, rows)


def write_docx(data: ReportData, path: Path | str) -> None:
    """The report as a Word document (python-docx)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)  # A4
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.2))
    _cjk_style(doc.styles["Normal"], FONT, 11)
    _cjk_style(doc.styles["Title"], HEADING_FONT, 20, bold=True, black=True)
    for level, size in ((1, 15), (2, 12.5), (3, 11.5)):
        _cjk_style(doc.styles[f"Heading {level}"], HEADING_FONT, size, bold=True, black=True)
    props = doc.core_properties
    props.title = TITLE
    props.subject = data.period_text
    props.author = "通辽市12345政务服务便民热线"

    title = doc.add_heading(TITLE, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    lines = [f"统计时段：{data.period_text}",
             f"对比时段（上期）：{period_text(data.previous)}"]
    if data.unit_name:
        lines.append(f"承办单位：{data.unit_name}（仅含该单位牵头办理的工单）")
    lines.append(f"生成时间：{data.written_text}")
    for line in lines:
        p = doc.add_paragraph(line)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER

    doc.add_heading("一、总体情况", level=1)
    for sentence in data.sentences:
        p = doc.add_paragraph(sentence)
        p.paragraph_format.first_line_indent = Pt(22)

    doc.add_heading("二、主要指标", level=1)
    rows = []
    for key in _figure_keys(data):
        fig = data.now.figures[key]
        old = data.before.figures.get(key)
        rows.append([fig.label, fig.text,
                     "—" if key in CURRENT or old is None else old.text,
                     NOT_COMPARED if _nothing_in(data.before) and key not in CURRENT
                     else change_cell(key, fig.unit, fig.value, _value(old))])
    _doc_table(doc, ["指标", "本期", "上期", "变化"], rows)
    doc.add_paragraph("注：“当前”指标为生成报告时的实时数，不分本期、上期。")

    doc.add_heading("三、承办单位", level=1)
    if data.now.units:
        if data.unit_view:  # one unit: no place among the others to give
            _columns_table(doc, unit_columns(), data.now.units)
        else:
            _columns_table(doc, unit_columns(), data.now.units, first="名次",
                           places=ranks(data.now.units))
        if "unit_score" in data.metrics:
            doc.add_paragraph(f"注：得分 = {data.metrics['unit_score'].formula}")
    else:
        doc.add_paragraph("本期没有承办单位办理工单。")

    doc.add_heading("四、区域分布", level=1)
    _columns_table(doc, region_columns(data.unit_view), data.now.by_region)

    doc.add_heading("五、诉求分类", level=1)
    if data.now.by_category:
        _columns_table(doc, category_columns(data.unit_view, _category_total(data)),
                       data.now.by_category)
    else:
        doc.add_paragraph("本期没有诉求。")

    doc.add_heading("六、热点诉求", level=1)
    hot = data.hot
    what = "新建工单" if data.unit_view else "来电"
    intro = (f"统计截至 {hot.last_day:%Y-%m-%d} 的近{RECENT_DAYS}天{what} {hot.recent_calls:,} 件，"
             f"按此前{BASELINE_DAYS}天折算的基线为 {hot.baseline_calls:,.1f} 件。")
    if hot.topics:
        intro += (f"下列诉求分类近{RECENT_DAYS}天明显高于其自身基线，或诉求多而直接答复率低于"
                  f"全中心；示例诉求已隐去电话、证件号码和姓名，保密诉求不列入。")
    else:
        intro += "没有明显上升的诉求分类。"
    doc.add_paragraph(intro)
    for i, t in enumerate(hot.topics, 1):
        doc.add_heading(f"（{_cn_number(i)}）{t.category}", level=2)
        facts = [f"近{RECENT_DAYS}天{what} {t.recent:,} 件", f"基线 {t.baseline:,.1f} 件"]
        if t.growth is not None:
            facts.append(f"增长 {t.growth * 100:.0f}%")
        if t.direct_rate is not None:
            facts.append(f"直接答复率 {t.direct_rate * 100:.1f}%")
        marks = [m for m, on in (("持续上升", t.rising), ("建议安排专家座席", t.expert_advised)) if on]
        doc.add_paragraph("，".join(facts) + ("；" + "，".join(marks) if marks else "") + "。")
        doc.add_paragraph("关键词：" + (_list(t.words) if t.words else "—"))
        doc.add_paragraph("主要区域：" + (_list([f"{r} {n} 件" for r, n in t.regions])
                                      if t.regions else "—"))
        if t.examples:
            doc.add_paragraph("示例诉求：")
            for example in t.examples:
                doc.add_paragraph(example, style="List Bullet")
    if hot.words:
        doc.add_paragraph("上升较快的词语：" + _list(
            [f"{w.word}（{w.recent} 件，基线 {w.baseline:g}）" for w in hot.words]))

    doc.add_heading("七、指标口径", level=1)
    doc.add_paragraph(data.about)
    _doc_table(doc, ["指标", "算法", "数据来源", "依据条款"],
               [[m.name + (f"（{m.unit}）" if m.unit else ""), m.formula, m.source, m.article]
                for m in data.metrics.values()])
    doc.save(str(path))


# ---------------------------------------------------------------------------- Excel
NUMBER_FORMATS = {"件": "#,##0", "人": "#,##0", "次": "#,##0", "%": "0.0%", "秒": "0",
                  "分": "0.0"}


def _put(ws, row: int, col: int, value: object, unit: str = "", fmt: str | None = None):
    """One cell: text stays text (never a formula, tabular.FORMULA_START), numbers stay numbers
    with the unit's number format, no value is an empty cell."""
    cell = ws.cell(row=row, column=col)
    if value is None:
        return cell
    if isinstance(value, float) and unit == "秒":
        value = round(value, 1)
    cell.value = value
    if isinstance(value, str):
        if value.startswith(FORMULA_START) or cell.data_type != "s":
            cell.data_type = "s"  # =HYPERLINK(…) / #N/A typed by openpyxl as formula / error
    elif fmt or unit in NUMBER_FORMATS:
        cell.number_format = fmt or NUMBER_FORMATS[unit]
    return cell


def _sheet(wb, name: str, headers: Sequence[str], rows: Sequence[Sequence[object]],
           units: Sequence[str] = (), widths: Sequence[int] = ()):
    """A sheet with a bold, frozen header row; ``units`` gives each column's number format."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(name)
    for col, title in enumerate(headers, 1):
        _put(ws, 1, col, title).font = Font(bold=True)
    for r, row in enumerate(rows, 2):
        for col, value in enumerate(row, 1):
            unit = units[col - 1] if col - 1 < len(units) else ""
            if isinstance(value, tuple):  # (value, number format)
                _put(ws, r, col, value[0], fmt=value[1])
            else:
                _put(ws, r, col, value, unit)
    ws.freeze_panes = "A2"
    for col, title in enumerate(headers, 1):
        if col - 1 < len(widths):
            width = widths[col - 1]
        else:
            longest = max([_width(title)] + [_width(row[col - 1]) for row in rows
                                             if col - 1 < len(row)])
            width = min(max(longest + 2, 8), 60)
        ws.column_dimensions[get_column_letter(col)].width = width
    return ws


def _width(value: object) -> int:
    if isinstance(value, tuple):
        value = value[0]
    if isinstance(value, float):
        return 8
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _rows_of(columns: Sequence[Column], items: Sequence[object]) -> list[list[object]]:
    return [[c.get(item) for c in columns] for item in items]


def _chart_axes(chart, x_title: str, y_title: str) -> None:
    chart.x_axis.title = x_title
    chart.y_axis.title = y_title
    chart.x_axis.delete = False  # shown (openpyxl 3.1 writes axes hidden otherwise)
    chart.y_axis.delete = False
    chart.height, chart.width = 9, 18


def write_xlsx(data: ReportData, path: Path | str) -> None:
    """The report as an Excel workbook: one sheet per table, with native charts."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, LineChart, Reference
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title = TITLE
    wb.properties.subject = data.period_text
    wb.properties.creator = "通辽市12345政务服务便民热线"
    unit_view = data.unit_view

    # 概况: what the report is and what it says
    ws = wb.create_sheet("概况")
    _put(ws, 1, 1, TITLE).font = Font(bold=True, size=14)
    meta = [("统计时段", data.period_text), ("对比时段（上期）", period_text(data.previous))]
    if data.unit_name:
        meta.append(("承办单位", data.unit_name))
    meta.append(("生成时间", data.written_text))
    for r, (k, v) in enumerate(meta, 2):
        _put(ws, r, 1, k).font = Font(bold=True)
        _put(ws, r, 2, v)
    r = len(meta) + 3
    _put(ws, r, 1, "总体情况").font = Font(bold=True)
    for i, sentence in enumerate(data.sentences, r + 1):
        _put(ws, i, 1, i - r)
        _put(ws, i, 2, sentence).alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 110

    # 指标
    rows = []
    for key in _figure_keys(data):
        fig = data.now.figures[key]
        m = data.metrics[key]
        old = data.before.figures.get(key)
        was = None if key in CURRENT or old is None else old.value
        change, fmt = (NOT_COMPARED, None) if _nothing_in(data.before) and key not in CURRENT \
            else change_number(key, fig.unit, fig.value, _value(old))
        rows.append([m.group, fig.label, fig.unit, fig.value, was,
                     (change, fmt) if fmt else change, fig.numerator, fig.denominator])
    _sheet(wb, "指标", ["分组", "指标", "单位", "本期", "上期", "变化", "分子", "分母"], rows,
           units=["", "", "", "", "", "", "件", "件"])
    # the values' formats follow each figure's unit
    ws = wb["指标"]
    for r, key in enumerate(_figure_keys(data), 2):
        fmt = NUMBER_FORMATS.get(data.now.figures[key].unit)
        for col in (4, 5):
            if fmt and isinstance(ws.cell(r, col).value, (int, float)):
                ws.cell(r, col).number_format = fmt

    # 承办单位
    columns = unit_columns()
    extra = [Column("响应率", "%", lambda u: u.values["response_rate"][0]),
             Column("当前在办", "件", lambda u: u.values["orders_open_now"][0])]
    columns = [*columns[:-3], *extra, *columns[-3:]]
    if unit_view:
        _sheet(wb, "承办单位", [c.title for c in columns], _rows_of(columns, data.now.units),
               units=[c.unit for c in columns])
    else:
        places = [int(p) if p.isdigit() else p for p in ranks(data.now.units)]
        _sheet(wb, "承办单位", ["名次", *(c.title for c in columns)],
               [[places[i], *row] for i, row in enumerate(_rows_of(columns, data.now.units))],
               units=["件", *(c.unit for c in columns)])

    # 区域
    columns = region_columns(unit_view)
    _sheet(wb, "区域", [c.title for c in columns], _rows_of(columns, data.now.by_region),
           units=[c.unit for c in columns])

    # 诉求分类, with a bar chart of its calls (a unit's: orders)
    columns = category_columns(unit_view, _category_total(data))
    ws = _sheet(wb, "诉求分类", [c.title for c in columns],
                _rows_of(columns, data.now.by_category), units=[c.unit for c in columns])
    n = len(data.now.by_category)
    if n:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "各类诉求" + ("新建工单" if unit_view else "来电量")
        chart.legend = None
        chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=n + 1), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=n + 1))
        chart.y_axis.majorGridlines = None
        chart.x_axis.scaling.orientation = "maxMin"  # the busiest at the top
        _chart_axes(chart, "诉求分类", "件")
        chart.height = max(9, 0.55 * n + 3)
        ws.add_chart(chart, f"{chr(ord('A') + len(columns) + 1)}2")

    # 渠道
    channels = _channels(data)
    total = sum(r.values["calls_total"][0] or 0 for r in channels)
    columns = [Column("渠道", "", lambda r: r.name),
               Column("来电总量", "件", _v("calls_total")),
               Column("占比", "%", lambda r: ((r.values["calls_total"][0] or 0) / total)
                      if total else None),
               Column("有效诉求", "件", _v("calls_valid")),
               Column("直接答复率", "%", _v("direct_answer_rate")),
               Column("平均通话时长（秒）", "秒", _v("talk_mean"))]
    _sheet(wb, "渠道", [c.title for c in columns], _rows_of(columns, channels),
           units=[c.unit for c in columns])

    # 每日趋势, with a line chart of calls and orders
    trend_sheet(wb, "每日趋势", "日期", data.daily, unit_view,
                [f"{data.period.first + timedelta(days=i):%Y-%m-%d}"
                 for i in range(len(data.daily.labels))])
    ws = wb["每日趋势"]
    days = len(data.daily.labels)
    if days:
        chart = LineChart()
        chart.title = "每日来电与工单" if not unit_view else "每日新建工单"
        first_col = 3 if unit_view else 2
        chart.add_data(Reference(ws, min_col=first_col, max_col=3, min_row=1, max_row=days + 1),
                       titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=days + 1))
        _chart_axes(chart, "日期", "件")
        ws.add_chart(chart, "F2")

    # 分时段, with a bar chart of calls and orders by hour of day
    trend_sheet(wb, "分时段", "时段", data.hourly, unit_view)
    ws = wb["分时段"]
    chart = BarChart()
    chart.type = "col"
    chart.title = "分时段来电与工单" if not unit_view else "分时段新建工单"
    first_col = 3 if unit_view else 2
    chart.add_data(Reference(ws, min_col=first_col, max_col=3, min_row=1, max_row=25),
                   titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=25))
    _chart_axes(chart, "时段", "件")
    ws.add_chart(chart, "F2")

    # 热点诉求, then the rising words below
    hot = data.hot
    rows = []
    for t in hot.topics:
        examples = list(t.examples) + [None] * (3 - len(t.examples))
        rows.append([t.category, "是" if t.rising else "否", "是" if t.expert_advised else "否",
                     t.recent, t.baseline, t.growth, t.z, t.direct_rate, _list(t.words),
                     _list([f"{r} {n}" for r, n in t.regions]), *examples[:3]])
    ws = _sheet(wb, "热点诉求",
                ["分类", "上升", "建议专家座席", f"近{RECENT_DAYS}天", "基线", "增长", "Z值",
                 "直接答复率", "关键词", "主要区域", "示例诉求1", "示例诉求2", "示例诉求3"],
                rows, units=["", "", "", "件", "分", "%", "分", "%"],
                widths=[30, 6, 12, 8, 8, 8, 8, 10, 30, 30, 50, 50, 50])
    r = len(rows) + 3
    _put(ws, r, 1, f"截至 {hot.last_day:%Y-%m-%d} 的近{RECENT_DAYS}天："
                   f"{'新建工单' if unit_view else '来电'} {hot.recent_calls} 件，"
                   f"基线 {hot.baseline_calls:g} 件；示例已隐去个人信息，保密诉求不列入")
    r += 1
    for col, title in enumerate(("上升词语", f"近{RECENT_DAYS}天", "基线", "增长"), 1):
        _put(ws, r, col, title).font = Font(bold=True)
    for w in hot.words:
        r += 1
        _put(ws, r, 1, w.word)
        _put(ws, r, 2, w.recent, "件")
        _put(ws, r, 3, w.baseline, "分")
        _put(ws, r, 4, w.growth, "%")

    # 指标口径
    ws = _sheet(wb, "指标口径", ["分组", "指标", "单位", "算法", "数据来源", "依据条款"],
                [[m.group, m.name, m.unit, m.formula, m.source, m.article]
                 for m in data.metrics.values()], widths=[12, 20, 6, 70, 45, 20])
    r = len(data.metrics) + 3
    _put(ws, r, 1, "时间段").font = Font(bold=True)
    _put(ws, r, 4, data.about).alignment = Alignment(wrap_text=True, vertical="top")
    wb.save(str(path))


def trend_sheet(wb, name: str, first: str, trend: Trend, unit_view: bool,
                labels: Sequence[str] | None = None):
    """Calls, orders and the direct-answer rate per day or hour (a unit's: orders only)."""
    if labels is None:
        labels = [f"{label}时" if trend.grain == "hour" else label for label in trend.labels]
    rows = [[label, None if unit_view else calls, orders, None if unit_view else rate]
            for label, calls, orders, rate in zip(labels, trend.calls, trend.orders,
                                                  trend.direct_rate)]
    return _sheet(wb, name, [first, "来电", "新建工单", "直接答复率"], rows,
                  units=["", "件", "件", "%"], widths=[10, 10, 10, 12])


# ---------------------------------------------------------------------------- the file
WRITERS: dict[str, Callable[[ReportData, Path], None]] = {".docx": write_docx,
                                                          ".xlsx": write_xlsx}


def check_target(path: Path | str) -> Path:
    """The report's file: .docx or .xlsx, in a folder that exists. Said before any work."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in WRITERS:
        raise ServiceError(f"报告文件的扩展名须为 .docx（Word）或 .xlsx（Excel）：{path.name}")
    parent = path.parent
    if not parent.is_dir():
        raise ServiceError(f"保存报告的目录不存在：{parent}")
    if path.is_dir():
        raise ServiceError(f"该路径是一个目录，不能写成报告文件：{path}")
    return path


def _os_words(exc: OSError) -> str:
    words = {errno.EACCES: "没有写入权限", errno.EPERM: "没有写入权限",
             errno.ENOSPC: "磁盘空间不足", errno.EROFS: "文件系统为只读",
             errno.ENOENT: "路径不存在或不能在此创建文件", errno.EISDIR: "这是一个目录",
             errno.ENOTDIR: "路径中有一段不是目录", errno.EDQUOT: "磁盘配额已满",
             errno.ENAMETOOLONG: "文件名太长", errno.EEXIST: "文件已存在"}
    return words.get(exc.errno, f"系统错误（错误码 {exc.errno}）")


def save_report(data: ReportData, path: Path | str) -> Path:
    """Write ``data`` to ``path`` by its suffix: first to a temporary file beside it, then
    renamed into place, so a reader never sees half a report; a failure leaves nothing."""
    path = check_target(path)
    writer = WRITERS[path.suffix.lower()]
    tmp = path.with_name(f".{path.stem}.{secrets.token_hex(4)}.tmp{path.suffix}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask's mode
        os.close(fd)
        writer(data, tmp)
        os.replace(tmp, path)
    except OSError as exc:
        _discard(tmp)
        raise ServiceError(f"无法写入报告文件 {path}：{_os_words(exc)}") from exc
    except BaseException:
        _discard(tmp)
        raise
    return path


def _discard(tmp: Path) -> None:
    try:
        tmp.unlink()
    except FileNotFoundError:
        pass


def write_report(analytics: AnalyticsService, period: Period, path: Path | str,
                 unit_id: int | None = None) -> Path:
    """The period's report (one unit's, given ``unit_id``) written to ``path``: .docx or
    .xlsx by its suffix."""
    path = check_target(path)
    return save_report(build_report(analytics, period, unit_id), path)
