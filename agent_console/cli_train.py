"""``agent-console train``: check scenario files, play a scenario headless, export results."""

from __future__ import annotations

import sys
from pathlib import Path


def add_parser(sub, db_option) -> None:
    train = sub.add_parser("train", help="培训：模拟来电场景的检查（validate）、试演（run）与成绩导出（export）")
    train_sub = train.add_subparsers(dest="train_command", metavar="子命令", required=True)
    v = train_sub.add_parser(
        "validate", help="按真实的基础数据（承办单位、诉求分类、知识库条目等）检查场景文件，"
                         "逐条列出出错的文件和行号")
    v.add_argument("path", nargs="?", default=None,
                   help="场景文件或目录（默认：工作台自带的 data/training/）")
    db_option(v)
    r = train_sub.add_parser(
        "run", help="不开界面试演一个场景：在单独的练习数据库上按标准处理（或按给定的处理）"
                    "走完来电，输出逐项评分与复盘；不写入正式数据库")
    r.add_argument("scenario", help="场景编号（data/training/ 中的 id），或 kb:条目编号（由知识库条目生成）")
    r.add_argument("--as", dest="staff_no", required=True, metavar="工号",
                   help="以哪位坐席人员的身份试演（须为在职的坐席、培训师或管理员）")
    r.add_argument("--action", choices=["直接答复", "专家座席", "派发工单", "不予受理", "紧急联动",
                                        "劝阻警示"],
                   help="改按此结果处理（默认：场景的标准处理）")
    r.add_argument("--article", metavar="条目编号", help="选用的知识库条目编号")
    r.add_argument("--category", metavar="分类路径", help="诉求分类（完整路径）")
    r.add_argument("--unit", metavar="单位代码", help="牵头单位代码")
    r.add_argument("--co", metavar="单位代码,…", help="配合单位代码，逗号分隔")
    r.add_argument("--reason", type=int, metavar="情形", help="不予受理情形（第十一条，1–7）")
    r.add_argument("--services", metavar="热线,…", help="联动热线，逗号分隔，如 119,120")
    r.add_argument("--warning", type=int, metavar="情形", help="警示情形（第二十五条）")
    r.add_argument("--ask", metavar="事项,…", help="向来电人询问的事项，逗号分隔：address,name,consent,phone；"
                                 "写 none 表示不询问")
    r.add_argument("--seconds", type=float, metavar="秒", help="通话用时（秒），默认 60 或场景时限")
    r.add_argument("--json", action="store_true", help="最后一行输出 JSON 结果")
    db_option(r)
    e = train_sub.add_parser("export", help="导出全部练习成绩：.xlsx（成绩记录、学员进度、常错场景三张表）或 .csv（成绩记录）")
    e.add_argument("file", metavar="文件", help="导出到的文件（扩展名 .xlsx 或 .csv）")
    e.add_argument("--as", dest="staff_no", required=True, metavar="工号", help="培训师或管理员的工号")
    db_option(e)


def _scenario_path(args) -> Path:
    from agent_console.config import load_settings

    if args.path:
        return Path(args.path)
    return load_settings().data_dir / "training"


def cmd_train(args, open_services) -> int:
    if args.train_command == "validate":
        return _validate(args, open_services)
    if args.train_command == "run":
        return _run(args, open_services)
    if args.train_command == "export":
        return _export(args, open_services)
    raise AssertionError(args.train_command)


def _operator(services, staff_no: str):
    """The active account ``--as`` names, or None (said on stderr)."""
    operator = services.accounts.operator_by_staff_no(staff_no)
    if operator is None:
        print(f"工号 {staff_no} 不存在或已停用", file=sys.stderr)
    return operator


def _export(args, open_services) -> int:
    from agent_console.services.errors import ServiceError

    services = open_services(args)
    try:
        if (operator := _operator(services, args.staff_no)) is None:
            return 2
        try:
            n = services.training.export(operator, Path(args.file))
        except ServiceError as exc:
            print(exc.message, file=sys.stderr)
            return 2
    finally:
        services.close()
    print(f"已导出 {n} 条练习记录到 {args.file}")
    return 0


def _split(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(v.strip() for v in value.replace("，", ",").split(",") if v.strip())


def _run(args, open_services) -> int:
    import json
    from dataclasses import replace

    from agent_console.domain.training import ACTIONS, ACTION_LABELS
    from agent_console.services.errors import ServiceError
    from agent_console.services.training_play import model_plan, perform

    services = open_services(args)
    try:
        if (operator := _operator(services, args.staff_no)) is None:
            return 2
        try:
            scenario = services.training.scenario(args.scenario)
        except ServiceError as exc:
            print(exc.message, file=sys.stderr)
            return 2
        plan = model_plan(scenario)
        changes = {}
        if args.action:
            changes["action"] = ACTIONS[args.action]
        for key, value in (("kb_article", args.article), ("category", args.category),
                           ("lead_unit", args.unit), ("reason", args.reason),
                           ("warning", args.warning), ("seconds", args.seconds)):
            if value is not None:
                changes[key] = value
        for key, value in (("co_handlers", _split(args.co)), ("services", _split(args.services)),
                           ("ask", _split(args.ask))):
            if value is not None:
                changes[key] = tuple(v for v in value if v != "none")
        plan = replace(plan, **changes)
        from agent_console.domain.enums import EmergencyService

        unknown = [sv for sv in plan.services if sv not in {e.value for e in EmergencyService}]
        if unknown:
            print(f"联动热线应为 110、119、120、122：{'、'.join(unknown)} 不是", file=sys.stderr)
            return 2
        call = services.practice.open(scenario, operator)
        try:
            handling, debrief, message = perform(call, plan)
        finally:
            call.close()
    finally:
        services.close()
    print(f"场景：{scenario.id}  {scenario.title}")
    who = scenario.persona.phone or "未显示号码"
    print(f"来电人：{scenario.persona.name or '未留姓名'}（{who}）")
    for line in scenario.lines:
        print(f"  [{line.at:>5.0f} 秒] 来电人：{line.text}")
    print(f"处理：{ACTION_LABELS[plan.action]} —— {message}")
    from rich.cells import cell_len

    def pad(text: str, width: int) -> str:  # Chinese characters are two cells wide
        return text + " " * max(0, width - cell_len(text))

    print(f"{pad('评分项', 14)}{'得分':>6}{'分值':>6}  应为 / 实际")
    for item in debrief.items:
        print(f"{pad(item.label, 14)}{item.points:>8.1f}{item.weight:>8}  {item.expected} / {item.actual}")
    verdict = "通过" if debrief.passed else "未通过"
    print(f"总分 {debrief.total:.1f}（{verdict}），用时 {debrief.seconds:.0f} 秒")
    print(f"复盘：{debrief.explanation}")
    if args.json:
        from agent_console.services.training import debrief_to_dict

        print(json.dumps(debrief_to_dict(debrief, handling), ensure_ascii=False))
    return 0


def _validate(args, open_services) -> int:
    from agent_console.services.scenarios import load_scenarios
    from agent_console.services.training_catalogue import build_catalogue

    services = open_services(args)
    try:
        catalogue = build_catalogue(services.catalog, services.reference)
    finally:
        services.close()
    loaded = load_scenarios(_scenario_path(args), catalogue)
    for error in loaded.errors:
        print(str(error), file=sys.stderr)
    ok = len(loaded.scenarios)
    if loaded.errors:
        print(f"共 {loaded.files} 个文件：{ok} 个场景通过，{len(loaded.errors)} 处错误", file=sys.stderr)
        return 1
    print(f"共 {loaded.files} 个文件，{ok} 个场景全部通过检查")
    return 0
