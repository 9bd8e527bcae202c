"""Modal dialogs of the one-key outcomes. Each returns its choice through ``dismiss``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    Checkbox,
    Label,
    OptionList,
    Select,
    SelectionList,
    Static,
)
from textual.widgets.option_list import Option

from agent_console.domain.text import check_text
from agent_console.services.dto import ArticleInfo, DispatchProposal, UnitInfo
from agent_console.services.reference import ScriptItem
from agent_console.ui.safe import options, plain, script_text
from agent_console.ui.widgets.kb_pane import article_text
from agent_console.ui.widgets.text_entry import Input


class Dialog(ModalScreen):
    BINDINGS = [Binding("escape", "cancel", "取消", id="dialog_cancel")]

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(Dialog):
    BINDINGS = [Binding("y", "yes", "确定"), Binding("n", "cancel", "取消")]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self._title = title
        self._message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self._title, style="bold"), classes="dialog-title")
            yield Static(Text(self._message))
            with Horizontal(classes="dialog-buttons"):
                yield Button("确定 (Y)", id="yes", variant="warning")
                yield Button("取消 (N)", id="no")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#no", Button))

    def action_yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def _no(self) -> None:
        self.dismiss(None)


class CallEndDialog(Dialog):
    """Ctrl+N with something typed: how the call ended, or discard a draft typed by mistake."""

    BINDINGS = [Binding("1", "pick('record_hung_up')", "来电挂断", show=False),
                Binding("2", "pick('record_invalid')", "无效来电", show=False),
                Binding("3", "pick('discard')", "放弃草稿", show=False)]

    def __init__(self, online: bool) -> None:
        super().__init__()
        self._online = online

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("结束当前来电", style="bold"), classes="dialog-title")
            yield Static(Text("当前受理单尚未记录结果。请选择："))
            with Vertical(classes="dialog-buttons-column"):
                yield Button("1 来电挂断（记录，诉求未能受理）", id="record_hung_up",
                             variant="primary", disabled=self._online)
                yield Button("2 无效来电（记录：无声、误拨、与热线无关）", id="record_invalid",
                             disabled=self._online)
                yield Button("3 放弃草稿（不记录，草稿删除）", id="discard", variant="warning")
                yield Button("取消 (Esc)", id="cancel")
            if self._online:
                yield Static(Text("网上来件不能记为挂断或无效；放弃后退回队列", style="dim"))

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#discard" if self._online else "#record_hung_up", Button))

    def action_pick(self, choice: str) -> None:
        if self._online and choice != "discard":
            return
        self.dismiss(choice)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "cancel" else event.button.id)


@dataclass(frozen=True)
class AnswerChoice:
    article_id: str | None
    own_answer: str


class AnswerDialog(Dialog):
    """F5: confirm the article read to the caller, or type the agent's own answer."""

    def __init__(self, article: ArticleInfo | None, today: date) -> None:
        super().__init__()
        self._article = article
        self._today = today

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(Text("直接答复（第十五条）", style="bold"), classes="dialog-title")
            if self._article is not None:
                with VerticalScroll(classes="dialog-script"):
                    yield Static(script_text(article_text(self._article, self._today)))
                yield Label("补充说明（可不填）")
            else:
                yield Static("未选中知识库条目：请填写自拟答复内容。")
                yield Label("答复内容")
            yield Input(id="own-answer", placeholder="答复要点")
            yield Static("", id="dialog-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("确认答复 (Enter)", id="ok", variant="primary")
                yield Button("取消 (Esc)", id="cancel")

    def on_mount(self) -> None:
        target = "#ok" if self._article is not None else "#own-answer"
        self.set_focus(self.query_one(target))

    @on(Input.Submitted, "#own-answer")
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        text = self.query_one("#own-answer", Input).value
        required = self._article is None
        if msg := check_text("答复内容", text, required=required, min_len=4 if required else 0,
                             max_len=2000):
            error = self.query_one("#dialog-error", Static)
            error.update(Text(msg))
            error.add_class("visible")
            return
        self.dismiss(AnswerChoice(self._article.id if self._article else None, text))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class ConsentDialog(Dialog):
    """F6: Art. 15 requires the caller's consent before a transfer; the seat sees who is on
    duty for the request's category right now and chooses how the caller is connected. Returns
    the connection (consent), False (no consent) or None (cancelled)."""

    BINDINGS = [Binding("y", "consent(True)", "同意"), Binding("n", "consent(False)", "不同意")]

    def __init__(self, question: str, picture) -> None:
        super().__init__()
        self._question = question
        self._picture = picture  # services.expert.DutyPicture

    def _duty(self) -> Text:
        picture = self._picture
        text = Text()
        text.append("分类：", style="bold")
        text.append(picture.category or "（未分类）")
        text.append(f"　等待接听 {picture.waiting} 通\n", style="bold yellow" if picture.waiting else "")
        text.append("在岗专家：", style="bold")
        shown = [e for e in picture.experts if e.status.value != "offline"]
        if not shown:
            text.append("无")
        for i, expert in enumerate(shown):
            if i:
                text.append("；")
            style = "bold green" if expert.status.value == "available" else "yellow"
            text.append(f"{expert.staff_no} {expert.name}")
            if expert.unit_name:
                text.append(f"（{expert.unit_name}）", style="dim")
            text.append(f" {expert.status.label}", style=style)
        if not picture.available:
            text.append("\n专家均在通话或小休：转接后进入专家队列，先空闲的专家接听", style="dim")
        return text

    def compose(self) -> ComposeResult:
        from textual.widgets import RadioButton, RadioSet

        from agent_console.domain.enums import Connection

        with Vertical(classes="dialog"):
            yield Static(Text("转接专家座席（第十五条）", style="bold"), classes="dialog-title")
            yield Static(self._duty(), id="expert-duty")
            yield Static(Text("请向诉求人宣读：", style="bold"))
            yield Static(script_text(self._question), classes="script")
            with RadioSet(id="connection"):
                for i, way in enumerate(Connection):
                    yield RadioButton(way.value, value=i == 0, id=f"conn-{i}")
            yield Static("诉求人是否同意转接？")
            with Horizontal(classes="dialog-buttons"):
                yield Button("同意 (Y)", id="yes", variant="primary")
                yield Button("不同意 (N)", id="no", variant="error")
                yield Button("取消 (Esc)", id="cancel")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#yes", Button))

    def _connection(self) -> str:
        from textual.widgets import RadioSet

        from agent_console.domain.enums import Connection

        pressed = self.query_one("#connection", RadioSet).pressed_index
        return list(Connection)[max(pressed, 0)].value

    def action_consent(self, value: bool) -> None:
        self.dismiss(self._connection() if value else False)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        choice = event.button.id or ""
        if choice == "yes":
            self.dismiss(self._connection())
        else:
            self.dismiss(False if choice == "no" else None)


@dataclass(frozen=True)
class DispatchChoice:
    lead_unit_id: int
    co_handler_ids: tuple[int, ...]
    to_dispatcher: bool = False


class DispatchDialog(Dialog):
    """F7: the proposed lead unit, optional co-handlers, the deadline; Enter confirms."""

    def __init__(self, proposal: DispatchProposal, all_units: list[UnitInfo],
                 immediate: bool) -> None:
        super().__init__()
        self._proposal = proposal
        self._units = all_units
        self._immediate = immediate

    def compose(self) -> ComposeResult:
        p = self._proposal
        with Vertical(classes="dialog wide", id="dispatch-dialog"):
            yield Static(Text("派发工单（第十六条）", style="bold"), classes="dialog-title")
            if self._immediate:
                yield Static(Text("水电气热/突发事件诉求：确认后立即转派（第十二条）",
                                  style="bold"), classes="utility-note")
            info = Text()
            info.append("诉求分类：", style="bold")
            info.append(p.category_path + "\n")
            info.append("建议牵头：", style="bold")
            info.append(f"{p.lead.name}（{p.reason}）\n")
            info.append("办理时限：", style="bold")
            info.append(f"{p.rule_text}；签收 {p.sign_by:%Y-%m-%d %H:%M} 前，"
                        f"办结 {p.due_at:%Y-%m-%d %H:%M} 前")
            yield Static(info, id="dispatch-info")
            yield Label("牵头单位")
            yield Select(options((u.name, u.id) for u in self._lead_options()), value=p.lead.id,
                         allow_blank=False, id="lead-unit", type_to_search=True, compact=True)
            yield Label("配合单位（空格勾选，可不选）")
            yield SelectionList[int](*options((u.name, u.id) for u in p.alternatives),
                                     id="co-handlers", compact=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button("确认派单 (Enter)", id="ok", variant="primary")
                yield Button("权属不清，交派单员", id="to-dispatcher")
                yield Button("取消 (Esc)", id="cancel")

    def _lead_options(self) -> list[UnitInfo]:
        first = [self._proposal.lead, *self._proposal.alternatives]
        seen = {u.id for u in first}
        return first + [u for u in self._units if u.id not in seen]

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#ok", Button))

    @on(Button.Pressed, "#ok")
    @on(Button.Pressed, "#to-dispatcher")
    def _ok(self, event: Button.Pressed) -> None:
        lead = self.query_one("#lead-unit", Select).value
        co = tuple(u for u in self.query_one("#co-handlers", SelectionList).selected if u != lead)
        self.dismiss(DispatchChoice(int(lead), co, event.button.id == "to-dispatcher"))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class ScriptPickDialog(Dialog):
    """F8 / F10: pick one item (Art. 11 reasons or Art. 25 behaviours); its script is shown."""

    def __init__(self, title: str, items: tuple[ScriptItem, ...], confirm_label: str,
                 initial: int | None = None) -> None:
        super().__init__()
        self._title = title
        self._items = items
        self._confirm = confirm_label
        codes = [i.code for i in items]
        self._start = codes.index(initial) if initial in codes else 0

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(Text(self._title, style="bold"), classes="dialog-title")
            yield OptionList(*[Option(Text(f"（{i.code}）{i.title}  {i.clause}"), id=str(i.code))
                               for i in self._items], id="script-options")
            yield Static(Text("请向诉求人宣读：", style="bold"))
            with VerticalScroll(classes="dialog-script"):
                yield Static("", id="script-text", classes="script")
            yield Static(Text(f"↑↓ 选择，Enter {self._confirm}，Esc 取消", style="dim"))

    def on_mount(self) -> None:
        options = self.query_one("#script-options", OptionList)
        options.highlighted = self._start
        self.set_focus(options)
        self._show(self._start)

    def _show(self, index: int | None) -> None:
        if index is None:
            return
        item = self._items[index]
        text = Text(item.script)
        if item.guidance:
            text.append("\n坐席提示：" + item.guidance, style="dim")
        self.query_one("#script-text", Static).update(script_text(text))

    @on(OptionList.OptionHighlighted, "#script-options")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show(event.option_index)

    @on(OptionList.OptionSelected, "#script-options")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id))


@dataclass(frozen=True)
class EmergencyChoice:
    services: tuple[str, ...]
    summary: str
    follow_up: bool


@dataclass(frozen=True)
class FollowUpPlan:
    """The follow-up order the hand-off would create (Art. 12: 告知相关单位签收办理)."""

    unit: str  # the lead unit's name
    category: str
    request_type: str
    urgency: str
    deadline: str  # the rule and its sign-by / due times


class EmergencyDialog(Dialog):
    """F9: Art. 12 hand-off as a checklist: every service the emergency needs (a fire with an
    injured person: 119 and 120), each with its script; what to tell the caller; and the
    follow-up order to the unit that must sign, shown for confirmation."""

    BINDINGS = [Binding("ctrl+s", "confirm", "确认联动", show=False)]

    def __init__(self, services: list[tuple[str, str, str]], suggested: tuple[str, ...],
                 summary: str, plan: FollowUpPlan | None, advice: tuple[str, ...] = (),
                 utility_lines: tuple[str, ...] = (), why: str = "") -> None:
        super().__init__()
        self._services = services  # (service, name, script)
        self._suggested = suggested
        self._summary = summary
        self._plan = plan
        self._advice = advice
        self._utility_lines = utility_lines
        self._why = why

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide fit-dialog", id="emergency-dialog"):
            yield Static(Text("紧急联动（第十二条）", style="bold"), classes="dialog-title")
            with Vertical(classes="dialog-fields"):  # the dialog itself scrolls
                if self._why:
                    yield Static(plain(self._why), classes="dim-line")
                # the follow-up first: what Enter will also send, and to whom
                yield Checkbox(self._plan_label(), value=self._plan is not None,
                               id="em-follow-up", disabled=self._plan is None, compact=True)
                if self._plan is not None:
                    yield Static(self._plan_text(), id="em-plan")
                yield Label("联动热线（空格勾选，可多选）")
                yield SelectionList[str](
                    *[(plain(f"{sv} {name}"), sv, sv in self._suggested)
                      for sv, name, _script in self._services], id="em-services", compact=True)
                yield Static("", id="dialog-error", classes="field-error")
                yield Static("", id="em-script", classes="script")
                if self._advice or self._utility_lines:
                    yield Static(script_text(self._advice_text()), id="em-advice",
                                 classes="script")
                yield Label("联动摘要（时间、地点、情况）")
                yield Input(self._summary, id="em-summary", compact=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button("确认联动 (Enter/Ctrl+S)", id="ok", variant="error")
                yield Button("取消 (Esc)", id="cancel")

    def _plan_label(self) -> str:
        if self._plan is None:
            return "同时派发后续工单（请先选择诉求分类）"
        return "同时派发后续工单，告知相关单位签收办理"

    def _plan_text(self) -> Text:
        p = self._plan
        text = Text()
        text.append("后续工单：", style="bold")
        text.append(f"{p.unit}\n")
        text.append("分类：", style="bold")
        text.append(f"{p.category}　{p.request_type}　")
        text.append(p.urgency, style="bold red" if p.urgency == "特急" else "bold")
        text.append("\n时限：", style="bold")
        text.append(p.deadline)
        return text

    def _advice_text(self) -> Text:
        text = Text()
        for line in self._advice:
            text.append("请告知诉求人：", style="bold")
            text.append(line + "\n")
        for line in self._utility_lines:
            text.append("同时联系：", style="bold")
            text.append(line + "\n")
        text.rstrip()
        return text

    def on_mount(self) -> None:
        self._show_scripts()
        # the services the text calls for are ticked: Enter confirms; else pick them first
        self.set_focus(self.query_one("#ok" if self._suggested else "#em-services"))

    def _selected(self) -> tuple[str, ...]:
        chosen = set(self.query_one("#em-services", SelectionList).selected)
        return tuple(sv for sv, _n, _s in self._services if sv in chosen)

    @on(SelectionList.SelectedChanged, "#em-services")
    def _show_scripts(self) -> None:
        chosen = self._selected()
        text = Text()
        for sv, name, script in self._services:
            if sv in chosen:
                text.append(f"【{sv}{name}】", style="bold")
                text.append(script + "\n")
        text.rstrip()
        self.query_one("#em-script", Static).update(
            script_text(text) if chosen else Text("请勾选联动热线（空格勾选）", style="bold"))

    @on(Input.Submitted, "#em-summary")
    @on(Button.Pressed, "#ok")
    def action_confirm(self) -> None:
        chosen = self._selected()
        summary = self.query_one("#em-summary", Input).value
        error = self.query_one("#dialog-error", Static)
        if not chosen:
            msg = "请勾选联动热线：110、119、120、122（可多选）"
        else:
            msg = check_text("联动摘要", summary, required=True, min_len=4, max_len=500)
        if msg:
            error.update(Text(msg))
            error.add_class("visible")
            return
        follow = self.query_one("#em-follow-up", Checkbox).value
        self.dismiss(EmergencyChoice(chosen, summary, follow))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
