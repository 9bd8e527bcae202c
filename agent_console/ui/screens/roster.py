"""专家值班 (Art. 14) for the centre: the experts the handling units place here and the duty
roster that routes the seats' expert transfers (值班表: add, end); who of each category group
is on duty this moment, with their load and the calls waiting (在岗专家, live); and the
categories ranked by attention and by direct answers, those that want an on-site expert
marked (关注度, Art. 14(2))."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from rich.cells import cell_len
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Select,
    SelectionList,
    Static,
    TabbedContent,
    TabPane,
)

from agent_console.domain.enums import Presence
from agent_console.services import expert as expert_rules
from agent_console.services.dto import CategoryInfo, OperatorInfo
from agent_console.services.errors import ServiceError, ValidationFailed
from agent_console.store.notify import TRANSFERS
from agent_console.ui.fit import Col, fit, one_line, set_columns, table_room
from agent_console.ui.live import LiveRefresh
from agent_console.ui.safe import add_row, options, plain, script_text
from agent_console.ui.screens.dialogs import ConfirmDialog, Dialog
from agent_console.ui.screens.help import HelpScreen, binding_rows
from agent_console.ui.widgets.header import ConsoleHeader
from agent_console.ui.widgets.text_entry import Input
from agent_console.ui.work import run_db

# Presence changes and roster edits arrive as TRANSFERS changes; a console that went silent
# is 离线 after PRESENCE_TTL without anyone saying so: the duty tab also reads every so often.
DUTY_SECONDS = 30.0
TABS = (("tab-roster", "值班表"), ("tab-duty", "在岗专家"), ("tab-attention", "关注度"))
PRESENCE_STYLE = {Presence.AVAILABLE: "bold green", Presence.BUSY: "bold yellow",
                  Presence.BREAK: "cyan", Presence.OFFLINE: "dim"}
FLAG = "建议派驻专家"
CITY = "通辽市"

# 80×24 up: the expert, the dates and the presence always stay; unit and categories share
# what is left, the note leaves first (the line under the list shows them all in full)
ROSTER_COLUMNS = (
    Col("expert", "工号 姓名", 12),
    Col("unit", "单位", 8, flex=1, most=26),
    Col("categories", "分类", 12, flex=1, most=40),
    Col("starts", "起", 10),
    Col("ends", "止", 10),
    Col("presence", "在岗状态", 8),
    Col("note", "备注", 8, flex=1, most=50, drop=1),
)
DUTY_COLUMNS = (
    Col("category", "分类", 14),
    Col("waiting", "等待接听", 8),
    Col("expert", "值班专家", 12),
    Col("presence", "在岗状态", 8),
    Col("load", "负载", 5),
    Col("scope", "范围", 8, flex=2, most=40),
    Col("unit", "单位", 8, flex=1, most=26, drop=1),
)
ATTENTION_COLUMNS = (
    Col("rank", "名次", 4),
    Col("category", "分类", 24, flex=1, most=50),
    Col("calls_7", "近7天", 5),
    Col("calls_30", "近30天", 6),
    Col("answered", "直接答复", 8, drop=1),
    Col("rate", "直接答复率", 10),
    Col("flag", "建议派驻", 12),
)


def presence_text(status: Presence) -> Text:
    return Text(status.label, style=PRESENCE_STYLE[status])


def tail(path: str, cells: int) -> Text:
    """A category path cut at its start (…供暖质量/供暖温度不达标): the end says the most."""
    if cell_len(path) <= cells:
        return Text(path)
    out = ""
    for ch in reversed(path):
        if cell_len(out) + cell_len(ch) > cells - 1:
            break
        out = ch + out
    return Text("…" + out)


def parse_day(label: str, value: str, required: bool) -> tuple[date | None, str | None]:
    """A date typed as YYYY-MM-DD (an empty end date: until further notice)."""
    value = value.strip()
    if not value:
        return None, (f"请填写{label}" if required else None)
    try:
        return datetime.strptime(value, "%Y-%m-%d").date(), None
    except ValueError:
        return None, f"{label}格式应为 YYYY-MM-DD，例如 2026-12-01"


@dataclass(frozen=True)
class GroupDuty:
    """A category group this moment: the experts whose roster covers all of it (``picture``,
    with the calls waiting in its queue) and those covering a part of it, with that part."""

    picture: expert_rules.DutyPicture
    partial: tuple[tuple[expert_rules.ExpertOnDuty, tuple[str, ...]], ...] = ()


def group_duty(expert, catalog, rows: list[expert_rules.RosterRow]) -> list[GroupDuty]:
    """Each category group (level 1) in the catalogue's order, from the roster's rows of
    today: one picture a group, and one for each expert covering a part of it (their load)."""
    cats = catalog.categories()
    ids = {c.path: c.id for c in cats.values()}
    order = {Presence.AVAILABLE: 0, Presence.BUSY: 1, Presence.BREAK: 2, Presence.OFFLINE: 3}
    out = []
    for group in (c for c in cats.values() if c.level == 1):
        picture = expert.on_duty(group.id)
        whole = {e.staff_no for e in picture.experts}
        parts: dict[str, list[str]] = {}
        for r in rows:
            if r.active and r.staff_no not in whole:
                parts.setdefault(r.staff_no, []).extend(
                    p for p in r.categories if p.startswith(group.path + "/"))
        partial = []
        for staff_no, paths in parts.items():
            if paths and paths[0] in ids:
                found = expert.on_duty(ids[paths[0]]).experts
                e = next((e for e in found if e.staff_no == staff_no), None)
                if e is not None:
                    partial.append((e, tuple(dict.fromkeys(paths))))
        partial.sort(key=lambda p: (order[p[0].status], p[0].load, p[0].staff_no))
        out.append(GroupDuty(picture, tuple(partial)))
    return out


@dataclass(frozen=True)
class RosterDraft:
    """What the new-roster dialog holds, as typed: kept when the service refuses it."""

    staff_no: str = ""
    category_ids: tuple[int, ...] = ()
    starts_on: str = ""
    ends_on: str = ""
    note: str = ""

    def dates(self) -> tuple[date | None, date | None, dict[str, str]]:
        starts, bad_start = parse_day("开始日期", self.starts_on, required=True)
        ends, bad_end = parse_day("结束日期", self.ends_on, required=False)
        errors = {k: v for k, v in (("starts_on", bad_start), ("ends_on", bad_end)) if v}
        return starts, ends, errors


class RosterDialog(Dialog):
    """n: an expert of a handling unit, the categories the expert answers and the dates."""

    BINDINGS = [*Dialog.BINDINGS, Binding("ctrl+s", "save", "保存", id="roster_save")]
    # the service's field → the widget its message is for
    FIELDS = {"staff_no": "#roster-expert", "categories": "#roster-categories",
              "starts_on": "#roster-starts", "ends_on": "#roster-ends", "note": "#roster-note"}

    def __init__(self, experts: list[OperatorInfo], unit_names: dict[int, str],
                 categories: list[CategoryInfo], draft: RosterDraft) -> None:
        super().__init__()
        self._experts = experts
        self._unit_names = unit_names
        self._categories = categories  # level 1 and 2, in the catalogue's order
        self._draft = draft
        self._chosen = set(draft.category_ids)

    def compose(self) -> ComposeResult:
        d = self._draft
        known = {e.staff_no for e in self._experts}
        with Vertical(classes="dialog wide fit-dialog", id="roster-dialog"):
            yield Static(Text("新增专家值班（第十四条）", style="bold"), classes="dialog-title")
            with Vertical(classes="dialog-fields"):
                with Horizontal(classes="roster-row"):
                    yield Static(Text("专家"), classes="roster-label")
                    yield Select(options((self._expert_label(e), e.staff_no)
                                         for e in self._experts),
                                 value=d.staff_no if d.staff_no in known else Select.NULL,
                                 prompt="选择承办单位派驻的专家", id="roster-expert",
                                 compact=True, type_to_search=True)
                yield Static("", id="roster-staff_no-error", classes="field-error")
                yield Static(Text("诉求分类（空格勾选，可多选；勾选大类即含其下全部分类）"))
                yield Input(placeholder="输入文字筛选分类，如 供热", id="roster-filter",
                            compact=True)
                yield SelectionList[int](*self._category_options(""), id="roster-categories",
                                         compact=True)
                yield Static("", id="roster-chosen", classes="dim-line")
                yield Static("", id="roster-categories-error", classes="field-error")
                with Horizontal(classes="roster-row"):
                    yield Static(Text("开始日期"), classes="roster-label")
                    yield Input(d.starts_on, placeholder="YYYY-MM-DD", id="roster-starts",
                                compact=True)
                    yield Static(Text("结束日期"), classes="roster-label")
                    yield Input(d.ends_on, placeholder="空 = 长期", id="roster-ends", compact=True)
                yield Static("", id="roster-starts_on-error", classes="field-error")
                yield Static("", id="roster-ends_on-error", classes="field-error")
                with Horizontal(classes="roster-row"):
                    yield Static(Text("备注"), classes="roster-label")
                    yield Input(d.note, placeholder="可不填", id="roster-note", compact=True)
                yield Static("", id="roster-note-error", classes="field-error")
                yield Static("", id="roster-other-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("保存 (Ctrl+S)", id="ok", variant="primary")
                yield Button("取消 (Esc)", id="cancel")

    def _expert_label(self, e: OperatorInfo) -> str:
        unit = self._unit_names.get(e.unit_id) if e.unit_id else None
        return f"{e.staff_no} {e.name}" + (f"（{unit}）" if unit else "")

    def _category_options(self, words: str) -> list[tuple[Text, int, bool]]:
        words = words.strip()
        return [(plain(("　" if c.level > 1 else "") + c.path), c.id, c.id in self._chosen)
                for c in self._categories if not words or words in c.path]

    def on_mount(self) -> None:
        picks = self.query_one("#roster-categories", SelectionList)
        if self.app.size.height < 30:  # 80×24: the whole dialog in view, the buttons too
            picks.styles.height = 6
        picks.highlighted = 0 if picks.option_count else None
        self._show_chosen()
        first = "#roster-expert" if not self._draft.staff_no else "#roster-categories"
        self.set_focus(self.query_one(first))

    def _sync(self) -> None:
        """What is ticked: the options shown now as the list has them, the rest as before."""
        picks = self.query_one("#roster-categories", SelectionList)
        shown = {picks.get_option_at_index(i).value for i in range(picks.option_count)}
        self._chosen = (self._chosen - shown) | set(picks.selected)

    def _show_chosen(self) -> None:
        names = [c.path for c in self._categories if c.id in self._chosen]
        text = Text("已选：" + ("、".join(names) if names else "（无）"))
        self.query_one("#roster-chosen", Static).update(text)

    @on(SelectionList.SelectedChanged, "#roster-categories")
    def _picked(self) -> None:
        self._sync()
        self._show_chosen()

    @on(Input.Changed, "#roster-filter")
    def _filter(self, event: Input.Changed) -> None:
        self._sync()
        picks = self.query_one("#roster-categories", SelectionList)
        picks.clear_options()
        picks.add_options(self._category_options(event.value))
        picks.highlighted = 0 if picks.option_count else None  # space ticks the first at once

    @on(Input.Submitted, "#roster-starts")
    @on(Input.Submitted, "#roster-ends")
    @on(Input.Submitted, "#roster-note")
    @on(Button.Pressed, "#ok")
    def action_save(self) -> None:
        self._sync()
        expert = self.query_one("#roster-expert", Select).value
        draft = RosterDraft(
            staff_no=expert if isinstance(expert, str) else "",
            category_ids=tuple(c.id for c in self._categories if c.id in self._chosen),
            starts_on=self.query_one("#roster-starts", Input).value,
            ends_on=self.query_one("#roster-ends", Input).value,
            note=self.query_one("#roster-note", Input).value)
        _starts, _ends, errors = draft.dates()
        if errors:  # the dates first, here; the service says what else is wrong
            self.show_errors(errors)
            return
        self.dismiss(draft)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    def show_errors(self, errors: dict[str, str]) -> None:
        """Each message under its field, the first field in error focused."""
        other = "；".join(v for k, v in errors.items() if k not in self.FIELDS)
        for key in (*self.FIELDS, "other"):
            message = other if key == "other" else errors.get(key, "")
            label = self.query_one(f"#roster-{key}-error", Static)
            label.update(Text(message))
            label.set_class(bool(message), "visible")
        wrong = [self.FIELDS[k] for k in self.FIELDS if k in errors]
        if wrong:
            self.set_focus(self.query_one(wrong[0]))


class RosterScreen(Screen):
    BINDINGS = [
        Binding("f1", "help", "帮助", id="help"),
        Binding("n", "new", "新增值班", id="roster_new"),
        Binding("delete,x", "end", "结束值班", id="roster_end"),
        Binding("h", "toggle_past", "显示/隐藏已结束", id="roster_toggle_past"),
        Binding("r", "refresh", "刷新", id="roster_refresh"),
        *[Binding(str(n), f"tab('{tab}')", label, show=False, id=f"roster_tab_{n}")
          for n, (tab, label) in enumerate(TABS, 1)],
    ]

    def __init__(self, services, operator: OperatorInfo) -> None:
        super().__init__()
        self.services = services
        self.operator = operator
        self._include_past = False
        self._rows: list[expert_rules.RosterRow] = []
        self._duty: list[GroupDuty] = []
        self._attention: list[expert_rules.AttentionRow] = []
        self._layouts: dict[str, tuple] = {}
        self._read_once = False
        self._keep: int | None = None  # a roster row to put the cursor on once read
        # a roster edit, an expert logging in, a break, a call accepted or ended: all TRANSFERS
        self.live = LiveRefresh(self, self._read, lambda c: c.concerns(TRANSFERS))

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.operator, self.services.clock, "专家值班", id="header")
        with TabbedContent(id="roster-tabs"):
            with TabPane("1 值班表", id="tab-roster"):
                yield DataTable(id="roster-list", cursor_type="row", zebra_stripes=True)
                yield Static("", id="roster-detail")
            with TabPane("2 在岗专家", id="tab-duty"):
                yield Static("", id="duty-summary")
                yield DataTable(id="duty-list", cursor_type="row", zebra_stripes=True)
            with TabPane("3 关注度", id="tab-attention"):
                yield Static("", id="attention-rule")
                yield DataTable(id="attention-list", cursor_type="row", zebra_stripes=True)
        yield Static("", id="roster-status")
        yield Footer()

    def on_mount(self) -> None:
        self._fit_columns()
        self._read()
        self._read_attention()
        self.set_interval(DUTY_SECONDS, self._duty_tick)
        self.set_focus(self.query_one("#roster-list", DataTable))

    def on_screen_resume(self) -> None:
        self.live.resumed()

    def on_resize(self, _event: events.Resize) -> None:
        if self._fit_columns():
            self._paint_roster()
            self._paint_duty()
            self._paint_attention()

    def _fit_columns(self) -> bool:
        room = table_room(self.app.size.width)
        changed = False
        for table_id, columns in (("roster-list", ROSTER_COLUMNS), ("duty-list", DUTY_COLUMNS),
                                  ("attention-list", ATTENTION_COLUMNS)):
            layout = fit(columns, room)
            if self._layouts.get(table_id) != layout:
                self._layouts[table_id] = layout
                set_columns(self.query_one(f"#{table_id}", DataTable), layout)
                changed = True
        return changed

    def _width(self, table_id: str, key: str) -> int:
        return {c.key: w for c, w in self._layouts[table_id]}.get(key, 0)

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen("专家值班", binding_rows(self)))

    def _tab(self) -> str:
        return self.query_one("#roster-tabs", TabbedContent).active

    def action_tab(self, tab: str) -> None:
        """1–3: 值班表, 在岗专家, 关注度."""
        self.query_one("#roster-tabs", TabbedContent).active = tab
        self.set_focus(self.query_one(f"#{tab} DataTable", DataTable))

    @on(TabbedContent.TabActivated, "#roster-tabs")
    def _tab_shown(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "tab-attention" and self._read_once:
            self._read_attention()  # calls come in all day: the ranking as of now
        self._show_status()

    def _status(self, message: str, style: str = "") -> None:
        self.query_one("#roster-status", Static).update(Text(message, style=style))

    def _show_status(self) -> None:
        tab = self._tab()
        if tab == "tab-roster":
            past = "含已结束" if self._include_past else "不含已结束，按 h 显示"
            self._status(f"值班 {len(self._rows)} 条（{past}）；n 新增值班，x 或 Delete 结束值班")
        elif tab == "tab-duty":
            ttl = int(expert_rules.PRESENCE_TTL.total_seconds())
            self._status(f"等待接听：转给值班专家的和该类队列中的来电；有变动即刷新，"
                         f"{ttl} 秒无响应记为离线")
        else:
            self._status("按近7天、再按近30天来电量排序；答复率含专家答复；Enter 为该分类新增值班")

    def _outage(self, _exc) -> None:
        self._status("数据库连接中断：显示的是上次读取的内容，恢复后自动刷新", "bold red")

    # ------------------------------------------------------------------ reading
    def action_refresh(self) -> None:
        self._read()
        self._read_attention()

    def _duty_tick(self) -> None:
        if self.is_current:
            self._read()
        else:
            self.live.stale = True

    def _read(self) -> None:
        """The roster and who is on duty now, in a worker (a roster of a whole centre and a
        picture for each category group)."""
        expert, catalog, past = self.services.expert, self.services.catalog, self._include_past

        def read():
            rows = expert.roster(include_past=past)
            today = rows if not past else [r for r in rows if r.active]
            return rows, group_duty(expert, catalog, today)

        run_db(self, read, done=self._fill, outage=self._outage, group="roster-read",
               exclusive=True, name="roster_read")

    def _fill(self, result) -> None:
        self._rows, self._duty = result
        self._read_once = True
        self._paint_roster(keep=self._keep)
        self._keep = None
        self._paint_duty()
        self._show_status()

    def _paint_roster(self, keep: int | None = None) -> None:
        table = self.query_one("#roster-list", DataTable)
        selected = self._selected()
        keep = keep if keep is not None else (selected.id if selected else None)
        table.clear()
        today = self.services.clock.now().date()
        narrow = self._width("roster-list", "unit") < 20

        def unit(name: str) -> str:
            # every city department is 通辽市…: in a narrow column the rest says more
            return name[len(CITY):] if narrow and name.startswith(CITY) and name != CITY else name

        for r in self._rows:
            if r.active:
                state = presence_text(r.presence)
            elif r.starts_on > today:
                state = Text("未开始", style="italic")
            else:
                state = Text("已结束", style="dim")
            cells = {"expert": f"{r.staff_no} {r.name}", "unit": one_line(unit(r.unit_name)),
                     "categories": one_line("、".join(r.categories)),
                     "starts": f"{r.starts_on:%Y-%m-%d}",
                     "ends": f"{r.ends_on:%Y-%m-%d}" if r.ends_on else Text("长期", style="dim"),
                     "presence": state, "note": one_line(r.note)}
            add_row(table, *(cells[c.key] for c, _w in self._layouts["roster-list"]),
                    key=str(r.id))
        ids = [r.id for r in self._rows]
        if keep in ids:
            table.move_cursor(row=ids.index(keep))
        self._show_detail()

    def _selected(self) -> expert_rules.RosterRow | None:
        table = self.query_one("#roster-list", DataTable)
        row = table.cursor_row
        if not self._rows or row is None or not 0 <= row < len(self._rows):
            return None
        return self._rows[row]

    @on(DataTable.RowHighlighted, "#roster-list")
    def _show_detail(self) -> None:
        r = self._selected()
        detail = self.query_one("#roster-detail", Static)
        if r is None:
            detail.update(Text("值班表为空：按 n 新增值班（专家由承办单位派驻）", style="dim"))
            return
        text = Text()
        text.append(f"{r.staff_no} {r.name}", style="bold")
        if r.unit_name:
            text.append(f"（{r.unit_name}）")
        until = f"{r.ends_on:%Y-%m-%d}" if r.ends_on else "长期"
        text.append(f"  {r.starts_on:%Y-%m-%d} 至 {until}\n")
        text.append("分类：", style="bold")
        text.append("、".join(r.categories) or "（无）")
        if r.note:
            text.append("\n备注：", style="bold")
            text.append(r.note)
        detail.update(script_text(text))

    def _paint_duty(self) -> None:
        table = self.query_one("#duty-list", DataTable)
        row = table.cursor_row
        table.clear()
        on_duty: dict[int, Presence] = {}
        for group in self._duty:
            picture = group.picture
            waits = Text(str(picture.waiting), style="bold yellow" if picture.waiting else "dim")
            label = one_line(picture.category)
            everyone = [(e, Text("整类")) for e in picture.experts]
            prefix = len(picture.category) + 1
            everyone += [(e, one_line("部分：" + "、".join(p[prefix:] for p in paths)))
                         for e, paths in group.partial]
            if not everyone:
                add_row(table, *self._duty_cells(label, waits, Text("无人值班", style="dim")))
                continue
            for i, (e, scope) in enumerate(everyone):
                on_duty[e.operator_id] = e.status
                add_row(table, *self._duty_cells(
                    label if i == 0 else "", waits if i == 0 else "", f"{e.staff_no} {e.name}",
                    presence_text(e.status), f"{e.load} 通", scope, one_line(e.unit_name)))
        if row and table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))
        counts = {s: sum(1 for v in on_duty.values() if v is s) for s in Presence}
        text = Text("此刻值班专家 ")
        text.append(str(len(on_duty)), style="bold")
        text.append(" 人：")
        for i, s in enumerate((Presence.AVAILABLE, Presence.BUSY, Presence.BREAK,
                               Presence.OFFLINE)):
            text.append(("，" if i else "") + f"{s.label} ")
            text.append(str(counts[s]), style=PRESENCE_STYLE[s])
        self.query_one("#duty-summary", Static).update(script_text(text))

    def _duty_cells(self, category, waits, expert, presence="", load="", scope="",
                    unit="") -> list:
        cells = {"category": category, "waiting": waits, "expert": expert,
                 "presence": presence, "load": load, "scope": scope, "unit": unit}
        return [cells[c.key] for c, _w in self._layouts["duty-list"]]

    def _read_attention(self) -> None:
        run_db(self, self.services.expert.attention, done=self._fill_attention,
               outage=self._outage, group="roster-attention", exclusive=True,
               name="roster_attention")

    def _fill_attention(self, rows: list[expert_rules.AttentionRow]) -> None:
        self._attention = rows
        self._paint_attention()

    def _paint_attention(self) -> None:
        rows = self._attention
        calls = sum(r.calls_30 for r in rows)
        answered = sum(r.answered_30 for r in rows)
        rule = Text()
        rule.append(FLAG, style="bold yellow")
        rule.append(f"：近30天来电量居前{expert_rules.ATTENTION_TOP}位、不少于"
                    f"{expert_rules.ATTENTION_MIN_CALLS}通，且直接答复率低于全中心")
        rule.append(f"（{answered / calls:.0%}）" if calls else "（暂无来电）", style="bold")
        rule.append("的分类（第十四条第二款）")
        self.query_one("#attention-rule", Static).update(script_text(rule))  # CJK wrapping
        table = self.query_one("#attention-list", DataTable)
        keep = table.cursor_row
        table.clear()
        width = self._width("attention-list", "category")
        for i, r in enumerate(rows, 1):
            rate = r.direct_rate
            cells = {"rank": str(i), "category": tail(r.category, width),
                     "calls_7": str(r.calls_7), "calls_30": str(r.calls_30),
                     "answered": str(r.answered_30),
                     "rate": f"{rate:.0%}" if rate is not None else "—",
                     "flag": Text(FLAG, style="bold yellow") if r.flagged else ""}
            add_row(table, *(cells[c.key] for c, _w in self._layouts["attention-list"]),
                    key=str(r.category_id))
        if not rows:
            empty = {"category": Text("近30天没有已受理的来电", style="dim")}
            add_row(table, *(empty.get(c.key, "") for c, _w in self._layouts["attention-list"]))
        elif keep:
            table.move_cursor(row=min(keep, len(rows) - 1))

    @on(DataTable.RowSelected, "#attention-list")
    def _attention_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a category: a roster for it, with its group below level 1 ticked."""
        if not 0 <= event.cursor_row < len(self._attention):
            return
        path = self._attention[event.cursor_row].category
        cats = {c.path: c.id for c in self.services.catalog.categories().values()}
        narrow = "/".join(path.split("/")[:2])
        self.action_new((cats[narrow],) if narrow in cats else ())

    # ------------------------------------------------------------------ editing
    def action_toggle_past(self) -> None:
        self._include_past = not self._include_past
        self.action_tab("tab-roster")
        self._read()

    def action_new(self, category_ids: tuple[int, ...] = ()) -> None:
        expert, catalog = self.services.expert, self.services.catalog

        def read():
            return (expert.experts(), {u.id: u.name for u in catalog.units().values()},
                    [c for c in catalog.categories().values() if c.level <= 2])

        today = f"{self.services.clock.now():%Y-%m-%d}"
        run_db(self, read, done=lambda got: self._edit(
            got, RosterDraft(category_ids=tuple(category_ids), starts_on=today)),
            outage=self._outage, group="roster-dialog", name="roster_experts")

    def _edit(self, choices, draft: RosterDraft, errors: dict[str, str] | None = None) -> None:
        experts, units, categories = choices
        if not experts:
            self.notify("还没有专家座席账号：请先由管理员为承办单位派驻的专家开设账号",
                        severity="warning")
            return
        dialog = RosterDialog(experts, units, categories, draft)

        def chosen(result: RosterDraft | None) -> None:
            if result is None:
                return
            starts, ends, _errors = result.dates()
            name = next((e.name for e in experts if e.staff_no == result.staff_no), "")

            def saved(roster_id: int) -> None:
                self.notify(f"已新增值班：{result.staff_no} {name}，"
                            f"{len(result.category_ids)} 个分类")
                self.action_tab("tab-roster")
                self._keep = roster_id  # the cursor goes to the row just added
                self._read()

            def refused(exc: ServiceError) -> None:
                problems = exc.errors if isinstance(exc, ValidationFailed) \
                    else {"other": exc.message}
                self._edit(choices, result, problems)  # everything typed is still there

            def outage(exc) -> None:
                self._outage(exc)
                self._edit(choices, result,
                           {"other": "数据库连接中断：值班未保存，恢复后再按 Ctrl+S 保存"})

            run_db(self, self.services.expert.add_roster, self.operator, result.staff_no,
                   result.category_ids, starts, ends, result.note, done=saved,
                   refused=refused, outage=outage, group="roster-save",
                   name="roster_add", write=True)

        self.app.push_screen(dialog, chosen)
        if errors:
            dialog.call_after_refresh(dialog.show_errors, errors)

    def action_end(self) -> None:
        if self._tab() != "tab-roster":
            self.notify("请先在“值班表”（按 1）中选中要结束的值班", severity="warning")
            return
        row = self._selected()
        if row is None:
            self.notify("值班表为空", severity="warning")
            return
        today = self.services.clock.now().date()
        if row.ends_on is not None and row.ends_on < today:
            self.notify(f"这条值班已于 {row.ends_on:%Y-%m-%d} 结束", severity="warning")
            return
        if row.starts_on >= today:
            what = "这条值班今天才开始或尚未开始，将从值班表中删除。"
        else:
            what = (f"这条值班（{row.starts_on:%Y-%m-%d} 起）记到昨天为止，"
                    "保留在值班表中（按 h 显示已结束的）。")
        message = (f"结束 {row.staff_no} {row.name} 的值班（{'、'.join(row.categories)}）？\n"
                   f"此刻起不再按这条值班向该专家转接来电；{what}")

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return

            def done(_none) -> None:
                self.notify(f"已结束 {row.staff_no} {row.name} 的值班")
                self._read()

            run_db(self, self.services.expert.end_roster, self.operator, row.id, done=done,
                   outage=self._outage, group="roster-end", name="roster_end", write=True)

        self.app.push_screen(ConfirmDialog("结束值班", message), confirmed)

