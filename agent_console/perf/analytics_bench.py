"""``agent-console bench analytics``: the statistics screens and the monthly report at a
centre's size (issue 14: 1,000,000 orders and 3,000,000 calls).

The fill is volume's (the work orders with their calls) and calls_fill's (the calls that
made no order). The timed part calls what the console calls — AnalyticsService's dashboard
for each period the screen offers, the trends, the hot topics, the unit ranking, the lists
behind three figures, and the report writer's whole .docx and .xlsx — never SQL of its own.
Each item is called once untimed (the first read of a process builds SQLAlchemy's statement
cache), then timed ``--runs`` times; the untimed first call's time is kept too.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from rich.cells import cell_len

from agent_console.perf import calls_fill, volume
from agent_console.perf.common import (
    BenchRefused,
    Figures,
    figures,
    open_bench,
    print_json_last,
)
from agent_console.services.container import Services

# issue 14: the dashboard's first view (今日, what the screen opens on) and the monthly report;
# the other periods are timed and printed beside them, without a target
TARGETS_MS = {"dashboard": 1000.0, "report": 30_000.0}
CALLS_PER_ORDER = 3  # --calls by default: three calls for every order
CUSTOM_DAYS = 90
REPORT_RUNS = 3  # the report is seconds long: timed fewer times than the screens' reads
BUDGET_S = 120.0  # an item's timed runs stop short of this many seconds (at least one run)
# The lists behind three figures: one of calls, one of handling events, one of open orders
DRILLS = ("calls_total", "on_time_rate", "orders_overdue_now")


@dataclass(frozen=True)
class _Item:
    key: str
    label: str
    read: Callable[[], object]
    runs: int
    target_ms: float | None = None


@dataclass(frozen=True)
class Result:
    key: str
    label: str
    figures: Figures | None  # None: the read failed
    first_ms: float | None
    target_ms: float | None = None
    error: str = ""

    @property
    def met(self) -> bool | None:
        if self.target_ms is None:
            return None
        return self.figures is not None and self.figures.p95_ms <= self.target_ms


def _timed(fn: Callable[[], object], runs: int, budget_s: float) -> tuple[float, Figures]:
    """(the first call's ms, the figures of the calls after it): ``runs`` of them, fewer when
    the first call says they would take longer than ``budget_s`` (at least one)."""
    t = time.perf_counter()
    fn()
    first = time.perf_counter() - t
    runs = max(1, min(runs, int(budget_s / max(first, 1e-6))))
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return first * 1000, figures(samples)


def items(services: Services, runs: int, report_runs: int, folder: Path) -> list[_Item]:
    """What the statistics screen and the report read, in the order a user meets them."""
    from agent_console.services.analytics import Scope

    a = services.analytics
    today = services.clock.now().date()
    this_month, last_month = a.period("this_month"), a.period("month")
    custom = a.period("custom", today - timedelta(days=CUSTOM_DAYS - 1), today)
    dash = TARGETS_MS["dashboard"]
    out = [
        _Item("dashboard:today", "看板·今日（首屏）", lambda: a.dashboard(Scope(a.period("today"))),
              runs, dash),
        _Item("dashboard:this_week", "看板·本周", lambda: a.dashboard(Scope(a.period("this_week"))),
              runs),
        _Item("dashboard:this_month", "看板·本月", lambda: a.dashboard(Scope(this_month)), runs),
        # a whole month: what "this month" reads on the month's last day
        _Item("dashboard:last_month", f"看板·上月（{last_month.label}，整月）",
              lambda: a.dashboard(Scope(last_month)), runs),
        _Item("dashboard:custom_90", f"看板·自定义近{CUSTOM_DAYS}天",
              lambda: a.dashboard(Scope(custom)), runs),
        _Item("trend:day", "趋势·按日（上月）", lambda: a.trend(Scope(last_month), "day"), runs),
        _Item("trend:hour", "趋势·按小时（上月）", lambda: a.trend(Scope(last_month), "hour"), runs),
        _Item("hot_topics", "热点诉求（本月）", lambda: a.hot_topics(Scope(this_month)), runs),
        _Item("ranking", "承办单位排名（上月）", lambda: a.ranking(Scope(last_month)), runs),
    ]
    for key in DRILLS:
        out.append(_Item(f"drill:{key}", f"明细·{a.metrics[key].name}（本月）",
                         lambda key=key: a.drill(key, Scope(this_month)), runs))
    try:
        from agent_console.services.report import write_report
    except ImportError:  # the report writer not there: what it would read
        def build():
            a.dashboard(Scope(last_month))
            a.dashboard(Scope(last_month.previous()))
            a.trend(Scope(last_month), "day")
            a.trend(Scope(last_month), "hour")
            a.hot_topics(Scope(last_month))
        out.append(_Item("report:read", f"月度报告所需数据（{last_month.label}）", build,
                         report_runs, TARGETS_MS["report"]))
        return out
    for suffix, name in ((".docx", "Word"), (".xlsx", "Excel")):
        path = folder / f"monthly{suffix}"
        out.append(_Item(f"report:{suffix[1:]}", f"月度报告 {name}（{last_month.label}，整份写出）",
                         lambda path=path: write_report(a, last_month, path), report_runs,
                         TARGETS_MS["report"]))
    return out


def measure(services: Services, runs: int, report_runs: int, budget_s: float = BUDGET_S,
            say: Callable[[str], None] = print) -> list[Result]:
    """Each item's figures and its first (untimed) call; an item that fails (a statement
    cut off by PostgreSQL's 30 s limit) is said and the next one timed."""
    say(f"计时：看板、趋势、热点、排名、明细每项 {runs} 次，月度报告每种格式 {report_runs} 次"
        f"（各项先调用一次不计时；首次调用显示总耗时将超过 {budget_s:g} 秒的项目减少次数）")
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="bench-report-") as folder:
        for item in items(services, runs, report_runs, Path(folder)):
            try:
                first, figs = _timed(item.read, item.runs, budget_s)
            except Exception as exc:  # noqa: BLE001 - said, and the bench goes on
                words = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
                words = " ".join(str(words).split())[:160]
                results.append(Result(item.key, item.label, None, None, item.target_ms, words))
                say(f"  {item.label}：失败（{words}）")
                continue
            results.append(Result(item.key, item.label, figs, first, item.target_ms))
            say(f"  {item.label}：首次 {first:,.0f} ms，计时 {figs.count} 次，"
                f"p50 {figs.p50_ms:,.1f} ms")
    return results


def table(results: list[Result]) -> str:
    """volume.table's layout, with the first call and the failed items."""
    head = ("测量项", "次数", "首次 ms", "p50 ms", "p95 ms", "p99 ms", "目标 p95", "达标")
    body = []
    for m in results:
        f = m.figures
        nums = ("—",) * 4 if f is None else (
            f"{m.first_ms:,.1f}", f"{f.p50_ms:,.1f}", f"{f.p95_ms:,.1f}", f"{f.p99_ms:,.1f}")
        body.append((m.label, "失败" if f is None else str(f.count), *nums,
                     "—" if m.target_ms is None else f"≤ {m.target_ms:g} ms",
                     "—" if m.met is None else ("是" if m.met else "否")))
    widths = [max(cell_len(r[i]) for r in (head, *body)) for i in range(len(head))]

    def line(row) -> str:
        return "  ".join(c + " " * (w - cell_len(c)) if i == 0 else " " * (w - cell_len(c)) + c
                         for i, (c, w) in enumerate(zip(row, widths)))
    return "\n".join([line(head), *(line(r) for r in body)])


def main(args) -> int:
    if not args.db:
        print("请用 --db 指定单独的基准数据库（会写入大量模拟工单和来电）", file=sys.stderr)
        return 2
    calls = args.calls if args.calls is not None else CALLS_PER_ORDER * args.orders
    budget = getattr(args, "budget", BUDGET_S)
    report_runs = getattr(args, "report_runs", REPORT_RUNS)
    if args.orders < 1 or args.runs < 1 or report_runs < 1 \
            or budget <= 0:
        print("--orders、--runs、--report-runs 和 --budget 须为正数", file=sys.stderr)
        return 2
    if calls < args.orders:
        print("--calls 不能少于 --orders（每件工单都来自一次来电）", file=sys.stderr)
        return 2
    try:
        services = open_bench(args.db)
    except BenchRefused as exc:
        print(exc.message, file=sys.stderr)
        return 2
    try:
        people = volume.cast(services)
        orders = volume.fill(services, people, args.orders, args.seed)
        filled = calls_fill.fill(services, people, calls, args.seed)
        results = measure(services, args.runs, report_runs, budget)
    finally:
        services.close()
    print(table(results))
    if args.json:
        print_json_last({
            "orders": orders.orders, "calls": filled.calls,
            "fill_seconds": {"orders": round(orders.seconds, 1), "calls": round(filled.seconds, 1)},
            "operations": {m.key: {"error": m.error} if m.figures is None else
                           {**m.figures.as_dict(), "first_ms": round(m.first_ms, 2)}
                           for m in results},
            "targets": {m.key: {"p95_ms_max": m.target_ms,
                                "p95_ms": None if m.figures is None else round(m.figures.p95_ms, 2),
                                "met": m.met} for m in results if m.target_ms is not None},
        })
    return 0
