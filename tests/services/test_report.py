"""Art. 22 (定期形成分析报告): the period's analysis report as Word and Excel files — read back,
its figures are the dashboard's; a caller's words that look like a formula stay text; phone
numbers in the examples are masked; a confidential request never appears; the comparison with
the previous period in words; and the `agent-console report` command."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from agent_console.cli import main
from agent_console.config import seed_data_dir
from agent_console.services import report as report_module
from agent_console.services.analytics import (
    Dashboard,
    Figure,
    HotTopic,
    HotTopics,
    Period,
    Row,
    Scope,
    load_metrics,
)
from agent_console.services.errors import ServiceError
from agent_console.services.report import (
    build_report,
    describe_changes,
    save_report,
    write_report,
)
from agent_console.services.simulation import Simulator
from agent_console.services.tabular import FORMULA_START
from agent_console.store.engine import make_session_factory
from agent_console.store.models import IntakeRecord
from tests.services.helpers import draft

DOCX_HEADINGS = ["一、总体情况", "二、主要指标", "三、承办单位", "四、区域分布", "五、诉求分类",
                 "六、热点诉求", "七、指标口径"]
SHEETS = ["指标", "承办单位", "区域", "诉求分类", "渠道", "每日趋势", "分时段", "热点诉求", "指标口径"]
# Requests that read as a formula in a spreadsheet (tabular.FORMULA_START)
FORMULAS = ('=HYPERLINK("http://x") 学校门口的路灯坏了好几天', "+1 学校门口的路灯晚上不亮",
            "-1 学校门口的路灯一直没人修")
FORMULA_B = "@SUM(1) 菜市场旁边的垃圾堆了一个星期没清运"
PHONE_CONTENT = "菜市场旁边垃圾没人清运，我的电话13912345678，请回电"
PHONE_MASKED = "139****5678"
SECRET_A = "保密举报：学校门口路灯工程款被挪用JQX41"
SECRET_B = "保密举报：菜市场垃圾清运承包人虚报JQX42"


def _group(path: str) -> str:
    return "/".join(path.split("/")[:2])  # a hot topic is a second-level category


def _leaf(services, taken: set[int]) -> int:
    """A leaf category in a second-level group no KB article (so no simulated call) and no
    category of ``taken`` falls in."""
    cats = services.catalog.categories()
    used = {_group(cats[a.category_id].path) for a in services.catalog.articles()
            if a.category_id in cats} | {_group(cats[c].path) for c in taken}
    return next(c.id for c in sorted(services.catalog.leaf_categories(), key=lambda c: c.path)
                if _group(c.path) not in used)


@pytest.fixture
def history(services, clock):
    """A fortnight played through the services (2026-11-12 … 11-25), then two bursts of calls
    on the last evening, in two categories nobody called about before: hot topics whose
    examples hold formula-like words, a phone number and (skipped) a confidential request."""
    Simulator(services, clock, seed=7).run(days=14, calls_per_day=15)
    agent = services.accounts.authenticate("1001", "demo")
    first = _leaf(services, set())
    second = _leaf(services, {first})
    burst = [(first, f"学校门口的路灯坏了，第{i}次反映，晚上孩子放学很危险", False) for i in range(3)]
    burst += [(first, text, False) for text in reversed(FORMULAS)] + [(first, SECRET_A, True)]
    burst += [(second, f"菜市场旁边的垃圾第{i}天没清运了，味道很大", False) for i in range(3)]
    burst += [(second, PHONE_CONTENT, False), (second, FORMULA_B, False), (second, SECRET_B, True)]
    clock.set(datetime(2026, 11, 25, 23, 5))
    for i, (category, content, secret) in enumerate(burst):
        clock.advance(minutes=2)
        services.intake.answer_online(
            agent, draft(caller_number=f"1370000{i:04d}", content=content, category_id=category,
                         region="科尔沁区", confidential=secret),
            clock.now() - timedelta(minutes=1), None, "已告知办理渠道和时限")
    clock.set(datetime(2026, 11, 26, 9, 30))
    return services.analytics.period("custom", "2026-11-19", "2026-11-25")


@pytest.fixture
def reports(tmp_path) -> Path:
    """Where the reports go (tmp_path also holds the test's SQLite database)."""
    folder = tmp_path / "reports"
    folder.mkdir()
    return folder


def _docx_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        parts += [c.text for row in t.rows for c in row.cells]
    return "\n".join(parts)


def _xlsx_values(wb) -> list:
    return [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.value is not None]


W_T = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"


def _table_after(doc, heading: str):
    """The first table after a heading (python-docx keeps paragraphs and tables apart)."""
    seen, tables = False, 0
    for child in doc.element.body.iterchildren():
        if child.tag.endswith("}tbl"):
            if seen:
                return doc.tables[tables]
            tables += 1
        elif child.tag.endswith("}p") and "".join(t.text or "" for t in child.iter(W_T)) == heading:
            seen = True
    raise AssertionError(f"no table after {heading}")


# ---------------------------------------------------------------------- Word
def test_the_word_report_has_every_part_and_the_dashboards_figures(services, history, reports):
    analytics = services.analytics
    path = write_report(analytics, history, reports / "月报.docx")
    assert path == reports / "月报.docx" and [p.name for p in reports.iterdir()] == ["月报.docx"]
    now = analytics.dashboard(Scope(history))
    before = analytics.dashboard(Scope(history.previous()))
    doc = Document(path)
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[0] == "通辽市12345政务服务便民热线分析报告"
    assert doc.paragraphs[0].style.name == "Title"
    assert "统计时段：2026-11-19 至 2026-11-25" in paragraphs
    assert "对比时段（上期）：2026-11-12 至 2026-11-18" in paragraphs
    assert "生成时间：2026-11-26 09:30" in paragraphs
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == DOCX_HEADINGS
    # the East Asian font of the body
    fonts = doc.styles["Normal"].element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "宋体"

    # 一: the sentences of describe_changes, in order
    sentences = describe_changes(now, before, analytics.hot_topics(Scope(history)))
    start = paragraphs.index("一、总体情况") + 1
    assert paragraphs[start:start + len(sentences)] == sentences
    calls = now.figures["calls_total"]
    assert any(s.startswith(f"来电总量 {calls.text} 件，") and "2026-11-12 至 2026-11-18" in s
               for s in sentences)

    # 二: every figure, this period's and the previous one's, as the dashboard shows them
    table = _table_after(doc, "二、主要指标")
    assert [c.text for c in table.rows[0].cells] == ["指标", "本期", "上期", "变化"]
    shown = {row.cells[0].text: [c.text for c in row.cells[1:]] for row in table.rows[1:]}
    assert len(shown) == len(now.figures)
    for key, fig in now.figures.items():
        this, last, _change = shown[fig.label]
        assert this == fig.text, key
        if key not in ("orders_open_now", "orders_overdue_now"):
            assert last == before.figures[key].text, key

    # 三: the units as ranked, 四 the regions, 五 the categories
    table = _table_after(doc, "三、承办单位")
    assert [c.text for c in table.rows[0].cells] == [
        "名次", "单位", "新建工单", "办结", "按时办结率", "解决率", "满意率", "当前超期", "督办中",
        "过期知识库", "得分"]
    assert [r.cells[1].text for r in table.rows[1:]] == [u.unit for u in now.units]
    top = now.units[0]
    assert [c.text for c in table.rows[1].cells[2:]] == [
        str(top.values["orders_created"][0]), str(top.values["completed"][0]),
        Figure("", "", "%", top.values["on_time_rate"][0]).text,
        Figure("", "", "%", top.values["resolution_rate"][0]).text,
        Figure("", "", "%", top.values["satisfaction_rate"][0]).text,
        str(top.values["orders_overdue_now"][0]), str(top.values["supervised_now"][0]),
        str(top.stale_articles), f"{top.score:.1f}"]
    table = _table_after(doc, "四、区域分布")
    assert [r.cells[0].text for r in table.rows[1:]] == [r.name for r in now.by_region]
    assert sum(int(r.cells[1].text.replace(",", "")) for r in table.rows[1:]) == calls.value
    table = _table_after(doc, "五、诉求分类")
    assert [r.cells[0].text for r in table.rows[1:]] == [r.name for r in now.by_category]
    assert [int(r.cells[1].text) for r in table.rows[1:]] == \
        [r.values["calls_total"][0] for r in now.by_category]

    # 六: each hot topic with its words, regions and examples
    hot = analytics.hot_topics(Scope(history))
    assert len(hot.topics) >= 2
    topics = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    assert [t.split("）", 1)[1] for t in topics] == [t.category for t in hot.topics]
    bullets = [p.text for p in doc.paragraphs if p.style.name == "List Bullet"]
    assert bullets == [e for t in hot.topics for e in t.examples]
    assert any(p.startswith("关键词：") for p in paragraphs)
    assert any(p.startswith("主要区域：科尔沁区") for p in paragraphs)

    # 七: every definition
    table = _table_after(doc, "七、指标口径")
    assert [c.text for c in table.rows[0].cells] == ["指标", "算法", "数据来源", "依据条款"]
    assert len(table.rows) == len(analytics.metrics) + 1
    assert table.rows[1].cells[1].text == analytics.metrics["calls_total"].formula


# ---------------------------------------------------------------------- Excel
def test_the_workbook_has_a_sheet_per_table_charts_and_numbers(services, history, reports):
    analytics = services.analytics
    path = write_report(analytics, history, reports / "report.xlsx")
    now = analytics.dashboard(Scope(history))
    before = analytics.dashboard(Scope(history.previous()))
    wb = load_workbook(path)
    assert set(SHEETS) <= set(wb.sheetnames)
    assert wb.sheetnames[1:] == SHEETS  # after 概况

    ws = wb["指标"]
    header = [c.value for c in ws[1]]
    assert header[:6] == ["分组", "指标", "单位", "本期", "上期", "变化"]
    rows = {r[1]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    cells = {ws.cell(r, 2).value: ws.cell(r, 4) for r in range(2, ws.max_row + 1)}
    for key, fig in now.figures.items():
        row = rows[fig.label]
        if fig.value is None:
            assert row[3] is None
        else:
            assert row[3] == pytest.approx(fig.value, abs=0.051 if fig.unit == "秒" else 1e-9), key
        if key not in ("orders_open_now", "orders_overdue_now") and before.figures[key].value is not None:
            assert row[4] == pytest.approx(before.figures[key].value, abs=0.051), key
    rate = cells["直接答复率"]
    assert rate.data_type == "n" and rate.number_format == "0.0%"
    assert isinstance(cells["来电总量"].value, int)

    ws = wb["承办单位"]
    got = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in got] == [u.unit for u in now.units]
    assert [r[-1] for r in got] == [u.score for u in now.units]
    assert ws.cell(2, 5).number_format == "0.0%"  # 按时办结率

    ws = wb["区域"]
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == [r.name for r in now.by_region]
    assert [r[1] for r in ws.iter_rows(min_row=2, values_only=True)] == \
        [r.values["calls_total"][0] for r in now.by_region]

    ws = wb["诉求分类"]
    n = len(now.by_category)
    assert [r[1] for r in ws.iter_rows(min_row=2, max_row=n + 1, values_only=True)] == \
        [r.values["calls_total"][0] for r in now.by_category]
    assert [type(c).__name__ for c in ws._charts] == ["BarChart"]

    ws = wb["渠道"]
    (channel,) = list(ws.iter_rows(min_row=2, values_only=True))
    assert channel[0] == "12345电话" and channel[1] == now.figures["calls_total"].value

    daily = analytics.trend(Scope(history), "day")
    ws = wb["每日趋势"]
    got = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in got] == [f"{history.first + timedelta(days=i):%Y-%m-%d}" for i in range(7)]
    assert [r[1] for r in got] == list(daily.calls) and [r[2] for r in got] == list(daily.orders)
    assert [type(c).__name__ for c in ws._charts] == ["LineChart"]

    hourly = analytics.trend(Scope(history), "hour")
    ws = wb["分时段"]
    got = list(ws.iter_rows(min_row=2, max_row=25, values_only=True))
    assert [r[1] for r in got] == list(hourly.calls) and [r[2] for r in got] == list(hourly.orders)
    assert [type(c).__name__ for c in ws._charts] == ["BarChart"]

    hot = analytics.hot_topics(Scope(history))
    ws = wb["热点诉求"]
    got = list(ws.iter_rows(min_row=2, max_row=len(hot.topics) + 1, values_only=True))
    assert [(r[0], r[3]) for r in got] == [(t.category, t.recent) for t in hot.topics]
    assert [list(filter(None, r[10:13])) for r in got] == [list(t.examples) for t in hot.topics]

    ws = wb["指标口径"]
    assert [r[1] for r in ws.iter_rows(min_row=2, max_row=len(analytics.metrics) + 1,
                                       values_only=True)] == [m.name for m in analytics.metrics.values()]


# ---------------------------------------------------------------------- the callers' words
def test_formula_words_stay_text_phones_are_masked_secrets_never_shown(services, history, reports):
    analytics = services.analytics
    docx_path = write_report(analytics, history, reports / "r.docx")
    xlsx_path = write_report(analytics, history, reports / "r.xlsx")
    hot = analytics.hot_topics(Scope(history))
    examples = [e for t in hot.topics for e in t.examples]
    assert set(FORMULAS) | {FORMULA_B} <= set(examples)

    wb = load_workbook(xlsx_path)
    texts = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str):
                    texts.setdefault(c.value, []).append(c)
                    assert c.data_type == "s", (ws.title, c.coordinate, c.value)
    for content in (*FORMULAS, FORMULA_B):
        assert content.startswith(FORMULA_START)
        (cell,) = texts[content]  # the same words, as text, never a formula
        assert cell.data_type == "s" and cell.value == content
    # and Excel reads it as text: a shared string, no <f> in the sheet's XML
    import zipfile

    with zipfile.ZipFile(xlsx_path) as z:
        sheet_xml = "".join(z.read(n).decode("utf-8") for n in z.namelist()
                            if n.startswith("xl/worksheets/sheet"))
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml

    doc_text = _docx_text(Document(docx_path))
    all_xlsx = "\n".join(str(v) for v in _xlsx_values(wb))
    for content in (*FORMULAS, FORMULA_B):
        assert content in doc_text
    # the phone number of the example is masked in both files
    masked = PHONE_CONTENT.replace("13912345678", PHONE_MASKED)
    assert masked in examples and masked in doc_text and masked in all_xlsx
    assert "13912345678" not in doc_text and "13912345678" not in all_xlsx
    # no confidential request: ours, and the simulated ones whose words no open one shares
    with make_session_factory(services.engine)() as s:
        rows = s.execute(select(IntakeRecord.content, IntakeRecord.confidential)).all()
    secret = {c for c, conf in rows if conf} - {c for c, conf in rows if not conf}
    assert {SECRET_A, SECRET_B} <= secret and len(secret) > 2
    for text in secret:
        assert text not in doc_text and text not in all_xlsx, text
    for marker in ("JQX41", "JQX42", "挪用", "虚报"):
        assert marker not in doc_text and marker not in all_xlsx


# ---------------------------------------------------------------------- a unit's report
def test_a_units_report_has_its_orders_and_no_call_figures(services, history, reports):
    analytics = services.analytics
    unit = next(u for u in analytics.dashboard(Scope(history)).units
                if u.values["orders_created"][0])
    data = build_report(analytics, history, unit.unit_id)
    assert data.unit_name == unit.unit and "calls_total" not in data.now.figures
    assert [u.unit for u in data.now.units] == [unit.unit]
    assert data.now.figures["orders_created"].value == unit.values["orders_created"][0]
    path = save_report(data, reports / "unit.docx")
    doc = Document(path)
    assert f"承办单位：{unit.unit}（仅含该单位牵头办理的工单）" in [p.text for p in doc.paragraphs]
    labels = [r.cells[0].text for r in _table_after(doc, "二、主要指标").rows[1:]]
    assert "来电总量" not in labels and "新建工单" in labels
    wb = load_workbook(save_report(data, reports / "unit.xlsx"))
    assert "来电总量" not in [c.value for c in wb["区域"][1]]
    with pytest.raises(ServiceError, match="没有这个承办单位"):
        build_report(analytics, history, 999_999)


# ---------------------------------------------------------------------- the file
def test_a_report_is_written_whole_or_not_at_all(services, reports, monkeypatch):
    analytics = services.analytics
    period = analytics.period("month", "2026-10")
    for bad in ("r.pdf", "r.csv", "r"):
        with pytest.raises(ServiceError, match=r"\.docx（Word）或 \.xlsx（Excel）"):
            write_report(analytics, period, reports / bad)
    with pytest.raises(ServiceError, match="保存报告的目录不存在"):
        write_report(analytics, period, reports / "nowhere" / "r.docx")
    (reports / "folder.xlsx").mkdir()
    with pytest.raises(ServiceError, match="是一个目录"):
        write_report(analytics, period, reports / "folder.xlsx")
    # an earlier report stays as it was when writing the new one fails half-way
    target = reports / "r.xlsx"
    target.write_bytes(b"earlier report")

    def half(data, path):
        Path(path).write_bytes(b"half")
        raise RuntimeError("disk gone")

    monkeypatch.setitem(report_module.WRITERS, ".xlsx", half)
    with pytest.raises(RuntimeError):
        write_report(analytics, period, target)
    assert target.read_bytes() == b"earlier report"
    assert sorted(p.name for p in reports.iterdir()) == ["folder.xlsx", "r.xlsx"]


# ---------------------------------------------------------------------- in words
METRICS = load_metrics(seed_data_dir())[1]
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31), "2026年10月")
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30), "2026年11月")


def dashboard(period: Period, values: dict, categories=(), overdue=()) -> Dashboard:
    figures = {}
    for key, value in values.items():
        m = METRICS[key]
        figures[key] = Figure(key, m.name, m.unit, value)
    return Dashboard(
        scope=Scope(period), unit_view=False, figures=figures, by_status=(), by_channel=(),
        by_region=(), by_category=tuple(
            Row(i, name, {"calls_total": (n, None, None), "orders_created": (0, None, None)})
            for i, (name, n) in enumerate(categories)),
        by_outcome=(), not_accepted=(), units=(), overdue_by_unit=tuple(overdue), warnings=0,
        repeat_callers=0, kb_notices=0)


def test_the_comparison_with_the_previous_period_in_words():
    now = dashboard(NOVEMBER, {
        "calls_total": 3120, "direct_answer_rate": 0.612, "orders_created": 500, "completed": 10,
        "response_rate": 0.5, "satisfaction_rate": 0.9, "talk_mean": 200.0,
        "orders_open_now": 40, "orders_overdue_now": 6},
        categories=[("供热", 1200), ("城乡建设", 600), ("教育", 300), ("交通出行", 20)],
        overdue=[(1, "通辽市供热有限责任公司", 4), (2, "科尔沁区人民政府", 2)])
    before = dashboard(OCTOBER, {
        "calls_total": 2776, "direct_answer_rate": 0.633, "orders_created": 500, "completed": 0,
        "response_rate": 0.5, "satisfaction_rate": None, "talk_mean": 212.0,
        "orders_open_now": 40, "orders_overdue_now": 6})
    hot = HotTopics(date(2026, 11, 30), 900, 700.0, 0.6, (
        HotTopic(1, "供热/供暖质量/供暖温度不达标", 35, 12.5, 1.8, 6.4, 0.4, ("暖气", "不热"),
                 (("科尔沁区", 20), ("开鲁县", 5)), (), False, True),
        HotTopic(2, "教育/入学招生/小学入学", 9, 0.0, None, 9.0, 0.2, (),
                 (("开鲁县", 3), ("奈曼旗", 3), ("库伦旗", 3)), (), True, True),
    ), ())
    said = describe_changes(now, before, hot)
    assert said[:7] == [
        "来电总量 3,120 件，较上期（2026年10月）增加 12.4%。",
        "直接答复率 61.2%，较上期下降 2.1 个百分点。",
        "平均通话时长 3分20秒，较上期缩短 12 秒。",
        "新建工单 500 件，与上期持平。",
        "办结工单 10 件，上期为 0。",
        "响应率 50.0%，与上期持平。",
        "满意率 90.0%，上期无数据。",
    ]
    assert "当前在办工单 40 件，其中已超期 6 件。" in said
    assert "来电最多的诉求分类：供热 1,200 件（占 56.6%）、城乡建设 600 件（占 28.3%）、" \
           "教育 300 件（占 14.2%）。" in said
    assert "当前超期工单最多的承办单位：通辽市供热有限责任公司 4 件、科尔沁区人民政府 2 件。" in said
    assert said[-2] == "供热/供暖质量/供暖温度不达标近7天来电 35 件，较此前基线增长 180%，集中在科尔沁区。"
    assert said[-1] == ("教育/入学招生/小学入学近7天来电 9 件，此前无同类诉求，主要来自开鲁县、奈曼旗；"
                        "直接答复率 20.0%，低于全中心的 60.0%，建议安排专家座席（第十四条）。")
    # the other way round: rises become falls; a rate that rose says 上升
    back = describe_changes(before, now)
    assert back[0] == "来电总量 2,776 件，较上期（2026年11月）减少 11.0%。"
    assert back[1] == "直接答复率 63.3%，较上期上升 2.1 个百分点。"
    assert "当前没有超期工单。" not in back
    # nothing at all before: said once, no comparisons
    empty = dashboard(OCTOBER, {"calls_total": 0, "orders_created": 0, "completed": 0,
                                "callbacks": 0, "direct_answer_rate": None})
    first = describe_changes(now, empty)
    assert first[:3] == ["上期（2026年10月）无数据，本期各项指标不作比较。", "来电总量 3,120 件。",
                         "直接答复率 61.2%。"]
    # no hot topic in the window
    quiet = replace(hot, topics=())
    assert describe_changes(now, before, quiet)[-1] == "截至 2026-11-30 的近7天，没有明显上升的诉求分类。"


# ---------------------------------------------------------------------- the command
def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_report_command_writes_both_files(capsys, services, history, settings, reports):
    url = settings.db_url
    docx_path, xlsx_path = reports / "周报.docx", reports / "月报.xlsx"
    code, out, err = run(capsys, "report", "--period", "custom", "--from", "2026-11-19",
                         "--to", "2026-11-25", "--out", str(docx_path), "--db", url)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"已生成分析报告：{docx_path}"
    calls = services.analytics.dashboard(Scope(history)).figures["calls_total"]
    assert lines[1].startswith(f"2026-11-19 至 2026-11-25：来电 {calls.text} 件，新建工单 ")
    assert "热点诉求" in lines[1]
    assert Document(docx_path).paragraphs[0].text == "通辽市12345政务服务便民热线分析报告"

    code, out, err = run(capsys, "report", "--period", "month", "--from", "2026-11",
                         "--out", str(xlsx_path), "--db", url)
    assert code == 0 and "2026年11月（2026-11-01 至 2026-11-30）" in out
    wb = load_workbook(xlsx_path)
    assert wb["概况"]["B2"].value == "2026年11月（2026-11-01 至 2026-11-30）"
    assert set(SHEETS) <= set(wb.sheetnames)

    # one unit's, by its code or a part of its name
    unit = next(u for u in services.analytics.dashboard(Scope(history)).units
                if u.values["orders_created"][0])
    code_of = next(u.code for u in services.catalog.units().values() if u.id == unit.unit_id)
    for name in (code_of, unit.unit):
        code, out, err = run(capsys, "report", "--period", "week", "--from", "2026-11-20",
                             "--unit", name, "--out", str(reports / "unit.docx"), "--db", url)
        assert code == 0, err
        assert f"2026-11-16 至 2026-11-22（周）（{unit.unit}）：新建工单" in out
    assert sorted(p.name for p in reports.iterdir() if p.suffix in (".docx", ".xlsx")) == \
        sorted(["unit.docx", "周报.docx", "月报.xlsx"])


def test_the_report_command_says_what_is_wrong_in_chinese(capsys, settings, reports):
    url = settings.db_url
    cases = [
        (["--period", "month", "--out", str(reports / "r.pdf")], "扩展名须为 .docx"),
        (["--period", "custom", "--from", "2026-13-01", "--to", "2026-11-30",
          "--out", str(reports / "r.docx")], "格式不正确"),
        (["--period", "month", "--from", "11/2026", "--out", str(reports / "r.docx")],
         "格式不正确"),
        (["--period", "month", "--from", "2026-13", "--out", str(reports / "r.docx")],
         "月份格式不正确：'2026-13'"),
        (["--period", "custom", "--from", "2026-11-01", "--out", str(reports / "r.docx")],
         "自定义时间段须给出开始日期和结束日期"),
        (["--period", "custom", "--from", "2026-11-30", "--to", "2026-11-01",
          "--out", str(reports / "r.docx")], "结束日期不能早于开始日期"),
        (["--period", "month", "--to", "2026-11-30", "--out", str(reports / "r.docx")],
         "--to 只用于自定义时间段"),
        (["--period", "month", "--out", str(reports / "没有的目录" / "r.docx")],
         "保存报告的目录不存在"),
        (["--period", "month", "--unit", "没有这个单位", "--out", str(reports / "r.xlsx")],
         "没有名称或编码为“没有这个单位”的承办单位"),
        (["--period", "month", "--unit", "人民政府", "--out", str(reports / "r.xlsx")],
         "个承办单位的名称含“人民政府”"),
    ]
    for argv, words in cases:
        code, out, err = run(capsys, "report", *argv, "--db", url)
        assert code == 2, (argv, out, err)
        assert words in err and "Traceback" not in err, (argv, err)
        assert out == ""
    assert [p.name for p in reports.iterdir() if p.suffix in (".docx", ".xlsx", ".pdf")] == []
    # argparse's own refusals are Chinese too (exit status 2)
    with pytest.raises(SystemExit) as exc:
        main(["report", "--period", "quarter", "--out", str(reports / "r.docx")])
    assert exc.value.code == 2 and "无效的选项" in capsys.readouterr().err


def test_a_previous_period_only_partly_recorded_is_said_and_an_empty_one_not_compared(
        services, history, reports):
    """The trial's November report said 较上期增加 650.0% against an October held for 4 days,
    and a report whose previous period held nothing still gave -100.0% in its table."""
    analytics = services.analytics
    partly = build_report(analytics, analytics.period("custom", "2026-11-16", "2026-11-25"))
    first = analytics.first_day()
    assert first == date(2026, 11, 12)
    assert partly.sentences[0] == ("上期（2026-11-06 至 2026-11-15）的记录自 2026-11-12 起，"
                                   "只有 4 天（共 10 天）：与上期的比较仅供参考。")
    whole = build_report(analytics, analytics.period("custom", "2026-11-19", "2026-11-25"))
    assert not any("仅供参考" in s for s in whole.sentences)
    empty = build_report(analytics, analytics.period("custom", "2026-11-12", "2026-11-25"))
    assert any("无数据，本期各项指标不作比较" in s for s in empty.sentences)
    doc = Document(save_report(empty, reports / "empty.docx"))
    changes = {r.cells[0].text: r.cells[3].text
               for r in _table_after(doc, "二、主要指标").rows[1:]}
    assert changes["来电总量"] == changes["知识库督办"] == "不作比较"
    wb = load_workbook(save_report(empty, reports / "empty.xlsx"))
    sheet = wb["指标"]
    assert {row[5] for row in sheet.iter_rows(min_row=2, values_only=True)
            if row[1] not in ("当前在办", "当前超期", "督办中工单")} == {"不作比较"}
