"""培训: practice calls for seat agents (assigned sets, the scenario library, practice made from
KB articles) and, for trainers, sets of scenarios, their assignment, every attempt, each
trainee's progress over time and the scenarios most often failed, with an export."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    DataTable,
    Footer,
    SelectionList,
    Sparkline,
    Static,
    TabbedContent,
    TabPane,
)

from agent_console.domain.training import Scenario
from agent_console.services.dto import OperatorInfo
from agent_console.services.errors import ServiceError, ValidationFailed
from agent_console.services.training import TRAINERS
from agent_console.ui.safe import add_row, script_text
from agent_console.ui.screens.dialogs import Dialog
from agent_console.ui.screens.help import HelpScreen, binding_rows
from agent_console.ui.widgets.header import ConsoleHeader, format_duration
from agent_console.ui.widgets.text_entry import Input
from agent_console.ui.work import run_db


def scenario_brief(scenario: Scenario, trainer: bool = False) -> Text:
    """What a trainee may know before the call; a trainer also reads the scenario's summary
    (which may tell the handling)."""
    text = Text()
    text.append(scenario.title + "\n", style="bold")
    limit = f"，时限 {format_duration(scenario.time_limit)[3:]}" if scenario.time_limit else ""
    text.append(f"难度 {scenario.level}{limit}\n")
    if trainer:
        if scenario.summary:
            text.append("场景说明（仅培训师可见）：" + scenario.summary + "\n")
        text.append(f"文件：{Path(scenario.source).name if scenario.source.endswith(('.yaml', '.yml')) else scenario.source}\n",
                    style="dim")
    who = scenario.persona.phone or "未显示号码"
    text.append(f"来电：{who}\n", style="dim")
    return text


class SetDialog(Dialog):
    """A set: its name, a note, and the scenarios in it (from the library)."""

    def __init__(self, library: list[Scenario], current=None, editing: bool | None = None) -> None:
        super().__init__()
        self._library = library
        self._current = current
        self._editing = bool(current) if editing is None else editing

    def compose(self) -> ComposeResult:
        chosen = set(self._current.scenario_ids) if self._current else set()
        with Vertical(classes="dialog wide"):
            yield Static(Text("编辑场景组" if self._editing else "新建场景组", style="bold"),
                         classes="dialog-title")
            yield Static(Text("空格 勾选场景，Tab 下一项，Ctrl+S 保存，Esc 取消", style="dim"))
            yield Input(self._current.name if self._current else "", placeholder="场景组名称",
                        id="set-name")
            yield Static("", id="set-name-error", classes="field-error")
            yield Input(self._current.description if self._current else "", placeholder="说明（可不填）",
                        id="set-description")
            yield SelectionList[str](*[(Text(f"{s.title}（{s.level}）"), s.id, s.id in chosen)
                                       for s in self._library], id="set-scenarios")
            made = [i[3:] for i in (self._current.scenario_ids if self._current else ())
                    if i.startswith("kb:")]
            yield Input("，".join(made), id="set-kb",
                        placeholder="另加由知识库条目生成的练习：条目编号，逗号分隔（如 KB-UC-083）")
            yield Static("", id="set-error", classes="field-error")

    BINDINGS = [*Dialog.BINDINGS, Binding("ctrl+s", "save", "保存", id="set_save")]

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#set-name", Input))

    def action_save(self) -> None:
        raw = self.query_one("#set-kb", Input).value.replace("，", ",").replace(" ", ",")
        made = [f"kb:{a.strip()}" for a in raw.split(",") if a.strip()]
        self.dismiss((self.query_one("#set-name", Input).value,
                      self.query_one("#set-description", Input).value,
                      list(self.query_one("#set-scenarios", SelectionList).selected) + made))

    def show_errors(self, errors: dict[str, str]) -> None:
        name = errors.get("name", "")
        other = "；".join(v for k, v in errors.items() if k != "name")
        for selector, message in (("#set-name-error", name), ("#set-error", other)):
            label = self.query_one(selector, Static)
            label.update(Text(message))
            label.set_class(bool(message), "visible")


class TextDialog(Dialog):
    """One line of input (staff numbers to assign, a file to export to)."""

    BINDINGS = [*Dialog.BINDINGS]

    def __init__(self, title: str, hint: str, value: str = "") -> None:
        super().__init__()
        self._title, self._hint, self._value = title, hint, value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self._title, style="bold"), classes="dialog-title")
            yield Static(Text(self._hint))
            yield Input(self._value, id="text-value")
            yield Static("", id="text-error", classes="field-error")
            yield Static(Text("Enter 确定，Esc 取消", style="dim"))

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#text-value", Input))

    @on(Input.Submitted, "#text-value")
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def show_error(self, message: str) -> None:
        label = self.query_one("#text-error", Static)
        label.update(Text(message))
        label.set_class(bool(message), "visible")


class TrainingScreen(Screen):
    BINDINGS = [
        Binding("f1", "help", "帮助", id="help"),
        Binding("enter", "start", "开始练习", id="train_start"),
        Binding("k", "random_kb", "随机练习", id="train_random"),
        Binding("d", "open_attempt", "查看复盘", id="train_debrief"),
        Binding("n", "new_set", "新建场景组", id="train_new_set"),
        Binding("e", "edit_set", "编辑场景组", id="train_edit_set"),
        Binding("g", "assign", "分配给学员", id="train_assign"),
        Binding("u", "unassign", "取消分配", id="train_unassign"),
        Binding("delete", "delete_set", "删除场景组", id="train_delete_set"),
        Binding("x", "export", "导出成绩", id="train_export"),
        Binding("r", "refresh", "刷新", id="train_refresh", show=False),
        *[Binding(str(n), f"tab('{tab}')", label, show=False, id=f"train_tab_{tab[4:]}")
          for n, (tab, label) in enumerate((("tab-practice", "练习"), ("tab-attempts", "成绩"),
                                            ("tab-sets", "场景组"), ("tab-progress", "学员进度"),
                                            ("tab-failed", "常错场景")), 1)],
    ]

    def __init__(self, services, operator: OperatorInfo, *, live_timer: bool = True) -> None:
        super().__init__()
        self.services = services
        self.operator = operator
        self.trainer = operator.role in TRAINERS
        self._live_timer = live_timer
        self._library: list[Scenario] = []
        self._practice_rows: list[tuple[Scenario, int | None]] = []  # (scenario, set id)
        self._attempts = []
        self._sets = []
        self._trainees = []
        self._failed = []
        self._starting = False

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.operator, self.services.clock, "培训", id="header")
        with TabbedContent(id="training-tabs"):
            with TabPane("练习", id="tab-practice"):
                with Horizontal(classes="training-split"):
                    yield DataTable(id="practice-list", cursor_type="row", zebra_stripes=True)
                    with VerticalScroll(id="practice-detail-scroll"):
                        yield Static("", id="practice-detail")
            with TabPane("成绩记录" if self.trainer else "我的成绩", id="tab-attempts"):
                yield DataTable(id="attempt-list", cursor_type="row", zebra_stripes=True)
            if self.trainer:
                with TabPane("场景组", id="tab-sets"):
                    yield DataTable(id="set-list", cursor_type="row", zebra_stripes=True)
                with TabPane("学员进度", id="tab-progress"):
                    with Horizontal(classes="training-split"):
                        yield DataTable(id="trainee-list", cursor_type="row", zebra_stripes=True)
                        with Vertical(id="progress-pane"):
                            yield Static("", id="progress-title")
                            yield Sparkline([], id="progress-chart")
                            yield Static("", id="progress-detail")
                with TabPane("常错场景", id="tab-failed"):
                    yield DataTable(id="failed-list", cursor_type="row", zebra_stripes=True)
        yield Static("", id="training-status")
        yield Footer()

    def on_mount(self) -> None:
        # the title last: at 80 columns it is the one cut, not the state
        self.query_one("#practice-list", DataTable).add_columns("状态", "难度", "时限", "来源", "场景")
        columns = ["时间", "得分", "通过", "用时", "结果", "场景"]
        if self.trainer:
            columns.insert(1, "学员")
        self.query_one("#attempt-list", DataTable).add_columns(*columns)
        if self.trainer:
            self.query_one("#set-list", DataTable).add_columns("场景组", "场景数", "学员", "创建人", "创建时间")
            self.query_one("#trainee-list", DataTable).add_columns("工号", "姓名", "练习次数", "平均分")
            self.query_one("#failed-list", DataTable).add_columns(
                "场景", "练习次数", "未通过", "未通过率", "平均分")
        self.action_refresh()
        self.set_focus(self.query_one("#practice-list", DataTable))

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        trainer_only = {"new_set", "edit_set", "assign", "unassign", "delete_set", "export"}
        if action in trainer_only and not self.trainer:
            return False
        return True

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen("培训", binding_rows(self)))

    def action_tab(self, tab: str) -> None:
        """1–5: the tabs (a trainee has the first two)."""
        tabs = self.query_one("#training-tabs", TabbedContent)
        if tabs.query(f"#{tab}"):
            tabs.active = tab
            table = tabs.query_one(f"#{tab} DataTable", DataTable)
            self.set_focus(table)

    def _status(self, message: str, style: str = "") -> None:
        self.query_one("#training-status", Static).update(Text(message, style=style))

    # ------------------------------------------------------------------ reading
    def action_refresh(self) -> None:
        training = self.services.training

        def read():
            loaded = training.library(reload=True)
            assignments = training.assignments(self.operator)
            made = {}  # practice calls made from KB articles (kb:ID) in the sets
            for assignment in assignments:
                for sid in assignment.scenario_ids:
                    if sid.startswith("kb:") and sid not in made:
                        try:
                            made[sid] = training.scenario(sid)
                        except ServiceError:
                            pass
            attempts = training.attempts(self.operator)
            extra = None
            if self.trainer:
                extra = (training.sets(), training.trainees(self.operator),
                         training.most_failed(self.operator))
            return loaded, assignments, attempts, extra, made

        run_db(self, read, done=self._fill, group="training-read", exclusive=True,
               name="training_read",
               outage=lambda _e: self._status("数据库连接中断：显示的是上次读取的内容", "bold red"))

    def _fill(self, result) -> None:
        loaded, assignments, attempts, extra, made = result
        self._library = list(loaded.scenarios)
        by_id = {**made, **{s.id: s for s in self._library}}
        passed = {a.scenario_id for a in attempts if a.passed}
        rows: list[tuple[Scenario, int | None, str]] = []
        for assignment in assignments:
            for sid in assignment.scenario_ids:
                scenario = by_id.get(sid)
                if scenario is not None:
                    rows.append((scenario, assignment.set_id, assignment.set_name))
        rows += [(s, None, "场景库") for s in self._library]
        table = self.query_one("#practice-list", DataTable)
        keep = table.cursor_row
        table.clear()
        self._practice_rows = [(s, set_id) for s, set_id, _n in rows]
        for scenario, _set_id, source in rows:
            state = Text("已通过", style="green") if scenario.id in passed else Text("—", style="dim")
            limit = format_duration(scenario.time_limit)[3:] if scenario.time_limit else "—"
            add_row(table, state, scenario.level, limit, _clip(source, 12), scenario.title)
        if keep and keep < len(rows):
            table.move_cursor(row=keep)
        self._fill_attempts(attempts)
        if extra is not None:
            self._fill_trainer(*extra)
        errors = f"；{len(loaded.errors)} 处场景文件错误（agent-console train validate 查看）" \
            if loaded.errors else ""
        self._status(f"场景 {len(self._library)} 个，已分配的练习 {sum(len(a.scenario_ids) for a in assignments)} 个"
                     f"{errors}", "yellow" if errors else "")
        self._show_practice_detail()

    def _fill_attempts(self, attempts) -> None:
        self._attempts = attempts
        table = self.query_one("#attempt-list", DataTable)
        table.clear()
        for a in attempts:
            cells = [f"{a.started_at:%m-%d %H:%M}", f"{a.score:.1f}",
                     Text("通过", style="green") if a.passed else Text("未通过", style="red"),
                     format_duration(int(a.seconds))[3:], a.outcome, a.scenario_title]
            if self.trainer:
                cells.insert(1, f"{a.trainee_no} {a.trainee_name}")
            add_row(table, *cells)

    def _fill_trainer(self, sets, trainees, failed) -> None:
        self._sets = sets
        table = self.query_one("#set-list", DataTable)
        table.clear()
        for s in sets:
            add_row(table, s.name, str(len(s.scenario_ids)), "、".join(s.trainees) or "—",
                    s.created_by, f"{s.created_at:%Y-%m-%d}")
        self._trainees = trainees
        table = self.query_one("#trainee-list", DataTable)
        table.clear()
        for no, name, n, mean in trainees:
            add_row(table, no, name, str(n), f"{mean:.1f}" if mean is not None else "—")
        table = self.query_one("#failed-list", DataTable)
        table.clear()
        self._failed = failed
        for f in failed:
            add_row(table, f.title, str(f.attempts), str(f.failed), f"{f.fail_rate:.0%}",
                    f"{f.mean_score:.1f}")
        self._show_progress()

    @on(DataTable.RowHighlighted, "#practice-list")
    def _show_practice_detail(self) -> None:
        row = self._practice_row()
        detail = self.query_one("#practice-detail", Static)
        if row is None:
            detail.update(Text("暂无可练习的场景", style="dim"))
            return
        scenario = row[0]
        text = scenario_brief(scenario, self.trainer)
        mine = [a for a in self._attempts if a.scenario_id == scenario.id
                and a.trainee_no == self.operator.staff_no]
        if mine:
            text.append("\n我的练习：\n", style="bold")
            for a in mine[:5]:
                text.append(f"{a.started_at:%m-%d %H:%M}  {a.score:.1f} 分  {a.outcome}\n")
        text.append("\nEnter 开始模拟来电", style="dim")
        detail.update(text)

    @on(DataTable.RowHighlighted, "#trainee-list")
    def _show_progress(self) -> None:
        table = self.query_one("#trainee-list", DataTable)
        if not self._trainees or table.cursor_row is None or table.cursor_row >= len(self._trainees):
            self.query_one("#progress-title", Static).update(Text("暂无学员", style="dim"))
            return
        no, name, _n, _mean = self._trainees[table.cursor_row]
        run_db(self, partial(self.services.training.progress, self.operator, no),
               done=partial(self._draw_progress, no, name), group="training-progress",
               exclusive=True, name="training_progress")

    def _draw_progress(self, no: str, name: str,
                       points: list[tuple[datetime, float, bool, str]]) -> None:
        self.query_one("#progress-title", Static).update(
            Text(f"{no} {name} 的得分变化（共 {len(points)} 次，左旧右新）", style="bold"))
        chart = self.query_one("#progress-chart", Sparkline)
        chart.data = [p[1] for p in points] or [0]
        chart.display = bool(points)
        text = Text()
        if points:
            passed = sum(1 for p in points if p[2])
            text.append(f"通过 {passed} 次 / {len(points)} 次，最高 {max(p[1] for p in points):.1f}，"
                        f"最近 {points[-1][1]:.1f}\n")
            for when, value, ok, title in points[-10:]:
                bar = "█" * int(value // 10)
                text.append(f"{when:%m-%d %H:%M} ", style="dim")
                text.append(f"{bar:<10} ", style="green" if ok else "red")
                text.append(f"{value:>3.0f}  ")
                text.append(title + "\n")
        else:
            text.append("还没有练习记录", style="dim")
        self.query_one("#progress-detail", Static).update(script_text(text))  # CJK wrapping

    @on(DataTable.RowSelected, "#practice-list")
    def _practice_selected(self) -> None:
        self.action_start()

    @on(DataTable.RowSelected, "#attempt-list")
    def _attempt_selected(self) -> None:
        self.action_open_attempt()

    # ------------------------------------------------------------------ practice
    def _practice_row(self):
        table = self.query_one("#practice-list", DataTable)
        if not self._practice_rows or table.cursor_row is None or \
                table.cursor_row >= len(self._practice_rows):
            return None
        return self._practice_rows[table.cursor_row]

    def action_start(self) -> None:
        tabs = self.query_one("#training-tabs", TabbedContent)
        if tabs.active == "tab-attempts":
            self.action_open_attempt()
            return
        if tabs.active != "tab-practice":
            return
        row = self._practice_row()
        if row is not None:
            self._start(row[0], row[1])

    def action_random_kb(self) -> None:
        def pick():
            return self.services.training.random_article_scenario()

        run_db(self, pick, done=lambda s: self._start(s, None), group="training-start",
               name="training_random")

    def _start(self, scenario: Scenario, set_id: int | None) -> None:
        if self._starting:
            return
        self._starting = True
        self._status("正在准备练习数据库…")

        def open_call():
            call = self.services.practice.open(scenario, self.operator)
            catalog = call.services.catalog  # read here, not on the event loop
            catalog.regions(), catalog.units(), catalog.categories(), catalog.leaf_categories()
            return call

        def opened(call) -> None:
            from agent_console.ui.screens.practice import PracticeSeatScreen

            self._starting = False
            self._status("")
            self.app.push_screen(
                PracticeSeatScreen(call, self.services.training, self.operator, set_id,
                                   live_timer=self._live_timer),
                lambda _debrief: self.action_refresh())

        def failed(exc) -> None:
            self._starting = False
            message = exc.message if isinstance(exc, ServiceError) else "练习数据库准备失败，详情已记入日志"
            self._status(message, "bold red")

        run_db(self, open_call, done=opened, refused=failed, outage=failed,
               group="training-start", name="training_start")

    def action_open_attempt(self) -> None:
        tabs = self.query_one("#training-tabs", TabbedContent)
        if tabs.active == "tab-failed":
            self._attempts_of_failed()
            return
        if tabs.active != "tab-attempts":
            tabs.active = "tab-attempts"
            self.set_focus(self.query_one("#attempt-list", DataTable))
            return
        table = self.query_one("#attempt-list", DataTable)
        if not self._attempts or table.cursor_row is None or table.cursor_row >= len(self._attempts):
            return
        from agent_console.ui.screens.debrief import DebriefScreen

        attempt = self._attempts[table.cursor_row]
        scenario = next((s for s in self._library if s.id == attempt.scenario_id), None)
        self.app.push_screen(DebriefScreen(scenario, attempt.debrief,
                                           f"{attempt.scenario_title}（{attempt.trainee_no} {attempt.trainee_name}）"))

    @on(DataTable.RowSelected, "#failed-list")
    def _attempts_of_failed(self) -> None:
        """A scenario most often failed → its latest attempt on 成绩记录 (Enter: its debrief)."""
        table = self.query_one("#failed-list", DataTable)
        if not self._failed or table.cursor_row is None or table.cursor_row >= len(self._failed):
            return
        scenario_id = self._failed[table.cursor_row].scenario_id
        at = next((i for i, a in enumerate(self._attempts) if a.scenario_id == scenario_id), None)
        self.query_one("#training-tabs", TabbedContent).active = "tab-attempts"
        attempts = self.query_one("#attempt-list", DataTable)
        self.set_focus(attempts)
        if at is not None:
            attempts.move_cursor(row=at)

    # ------------------------------------------------------------------ trainers
    def _selected_set(self):
        table = self.query_one("#set-list", DataTable)
        if not self._sets or table.cursor_row is None or table.cursor_row >= len(self._sets):
            return None
        return self._sets[table.cursor_row]

    def action_new_set(self) -> None:
        self._edit(None)

    def action_edit_set(self) -> None:
        current = self._selected_set()
        if current is None:
            self.notify("请先在“场景组”中选中一个场景组", severity="warning")
            return
        self._edit(current)

    def _edit(self, current) -> None:
        dialog = SetDialog(self._library, current)

        def chosen(values) -> None:
            if values is None:
                return
            name, description, ids = values

            def saved(info) -> None:
                self.notify(f"场景组“{info.name}”已保存（{len(info.scenario_ids)} 个场景）")
                self.action_refresh()

            def refused(exc: ServiceError) -> None:
                # the dialog opens again with everything typed, and says what is wrong
                again = SetDialog(self._library, _Draft(name, description, tuple(ids)),
                                  editing=current is not None)
                self.app.push_screen(again, chosen)
                errors = exc.errors if isinstance(exc, ValidationFailed) else {"other": exc.message}
                again.call_after_refresh(again.show_errors, errors)

            run_db(self, self.services.training.save_set, self.operator, name, ids, description,
                   current.id if current else None, done=saved, refused=refused,
                   group="training-save", name="training_save_set", write=True)

        self.app.push_screen(dialog, chosen)

    def action_assign(self) -> None:
        current = self._selected_set()
        if current is None:
            self.notify("请先在“场景组”中选中一个场景组", severity="warning")
            return

        def chosen(value: str | None, dialog=None) -> None:
            if value is None:
                return
            numbers = [n for n in value.replace("，", ",").replace(" ", ",").split(",") if n]

            def done(added: int) -> None:
                self.notify(f"已将“{current.name}”分配给 {added} 名学员")
                self.action_refresh()

            def refused(exc: ServiceError) -> None:
                again = TextDialog(f"分配“{current.name}”", "学员工号（多个用逗号分隔）", value)
                self.app.push_screen(again, chosen)
                message = "；".join(exc.errors.values()) if isinstance(exc, ValidationFailed) else exc.message
                again.call_after_refresh(again.show_error, message)

            run_db(self, self.services.training.assign, self.operator, current.id, numbers,
                   done=done, refused=refused, group="training-assign", name="training_assign",
                   write=True)

        self.app.push_screen(TextDialog(f"分配“{current.name}”", "学员工号（多个用逗号分隔）"), chosen)

    def _set_on_its_tab(self):
        """The set under the cursor, only while the 场景组 tab is shown (Delete elsewhere must
        never remove a set the trainer is not looking at)."""
        if self.query_one("#training-tabs", TabbedContent).active != "tab-sets":
            self.notify("请先在“场景组”（按 3）中选中一个场景组", severity="warning")
            return None
        current = self._selected_set()
        if current is None:
            self.notify("还没有场景组", severity="warning")
        return current

    def action_delete_set(self) -> None:
        from agent_console.ui.screens.dialogs import ConfirmDialog

        current = self._set_on_its_tab()
        if current is None:
            return

        def done(yes: bool | None) -> None:
            if not yes:
                return
            run_db(self, self.services.training.delete_set, self.operator, current.id,
                   done=lambda name: (self.notify(f"场景组“{name}”已删除，练习记录保留"),
                                      self.action_refresh()),
                   group="training-delete", name="training_delete_set", write=True)

        who = f"，已分配给 {len(current.trainees)} 名学员" if current.trainees else ""
        self.app.push_screen(ConfirmDialog(
            "删除场景组", f"删除“{current.name}”（{len(current.scenario_ids)} 个场景{who}）？"
                         "学员的练习记录会保留。"), done)

    def action_unassign(self) -> None:
        current = self._set_on_its_tab()
        if current is None:
            return
        hint = "取消分配的学员工号（多个用逗号分隔）"
        if current.trainees:
            hint += "；已分配：" + "、".join(current.trainees)

        def chosen(value: str | None) -> None:
            if not value:
                return
            numbers = [n for n in value.replace("，", ",").replace(" ", ",").split(",") if n]

            def done(removed: int) -> None:
                self.notify(f"已为 {removed} 名学员取消“{current.name}”")
                self.action_refresh()

            run_db(self, self.services.training.unassign, self.operator, current.id, numbers,
                   done=done, group="training-unassign", name="training_unassign", write=True)

        self.app.push_screen(TextDialog(f"取消分配“{current.name}”", hint), chosen)

    def action_export(self) -> None:
        default = str(Path.home() / f"培训成绩-{self.services.clock.now():%Y%m%d}.xlsx")

        def chosen(value: str | None) -> None:
            if not value or not value.strip():
                return
            path = Path(value.strip()).expanduser()

            def done(n: int) -> None:
                self.notify(f"已导出 {n} 条练习记录到 {path}")

            def refused(exc: ServiceError) -> None:
                again = TextDialog("导出成绩", "文件路径（.xlsx 或 .csv）", value)
                self.app.push_screen(again, chosen)
                again.call_after_refresh(again.show_error, exc.message)

            run_db(self, self.services.training.export, self.operator, path, done=done,
                   refused=refused, group="training-export", name="training_export")

        self.app.push_screen(TextDialog("导出成绩", "文件路径（.xlsx 或 .csv）", default), chosen)


def _clip(text: str, cells: int) -> str:
    from rich.cells import cell_len

    if cell_len(text) <= cells:
        return text
    out = ""
    for ch in text:
        if cell_len(out + ch) > cells - 1:
            break
        out += ch
    return out + "…"


class _Draft:
    """What was typed into a set dialog the service refused, to open it again with."""

    def __init__(self, name: str, description: str, scenario_ids: tuple[str, ...]) -> None:
        self.name, self.description, self.scenario_ids = name, description, scenario_ids
