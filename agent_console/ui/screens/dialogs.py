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
    Input,
    Label,
    OptionList,
    RadioButton,
    RadioSet,
    Select,
    SelectionList,
    Static,
)
from textual.widgets.option_list import Option

from agent_console.domain.text import check_text
from agent_console.services.dto import ArticleInfo, DispatchProposal, UnitInfo
from agent_console.services.reference import ScriptItem
from agent_console.ui.safe import options, plain
from agent_console.ui.widgets.kb_pane import article_text


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
                    yield Static(article_text(self._article, self._today))
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
    """F6: Art. 15 requires the caller's consent before a transfer."""

    BINDINGS = [Binding("y", "consent(True)", "同意"), Binding("n", "consent(False)", "不同意")]

    def __init__(self, question: str, target: str) -> None:
        super().__init__()
        self._question = question
        self._target = target

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("转接专家座席（第十五条）", style="bold"), classes="dialog-title")
            yield Static(Text(self._target))
            yield Static(Text("请向诉求人宣读：", style="bold"))
            yield Static(Text(self._question), classes="script")
            yield Static("诉求人是否同意转接？")
            with Horizontal(classes="dialog-buttons"):
                yield Button("同意 (Y)", id="yes", variant="primary")
                yield Button("不同意 (N)", id="no", variant="error")
                yield Button("取消 (Esc)", id="cancel")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#yes", Button))

    def action_consent(self, value: bool) -> None:
        self.dismiss(value)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss({"yes": True, "no": False}.get(event.button.id or ""))


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
                         allow_blank=False, id="lead-unit", type_to_search=True)
            yield Label("配合单位（空格勾选，可不选）")
            yield SelectionList[int](*options((u.name, u.id) for u in p.alternatives),
                                     id="co-handlers")
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

    def __init__(self, title: str, items: tuple[ScriptItem, ...], confirm_label: str) -> None:
        super().__init__()
        self._title = title
        self._items = items
        self._confirm = confirm_label

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
        options.highlighted = 0
        self.set_focus(options)
        self._show(0)

    def _show(self, index: int | None) -> None:
        if index is None:
            return
        item = self._items[index]
        text = Text(item.script)
        if item.guidance:
            text.append("\n坐席提示：" + item.guidance, style="dim")
        self.query_one("#script-text", Static).update(text)

    @on(OptionList.OptionHighlighted, "#script-options")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show(event.option_index)

    @on(OptionList.OptionSelected, "#script-options")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id))


@dataclass(frozen=True)
class EmergencyChoice:
    service: str
    summary: str
    follow_up: bool


class EmergencyDialog(Dialog):
    """F9: Art. 12 hand-off to 110/119/120/122, optionally with a follow-up work order."""

    def __init__(self, services: list[tuple[str, str, str]], suggested: str | None,
                 summary: str, can_follow_up: bool) -> None:
        super().__init__()
        self._services = services  # (service, name, script)
        self._suggested = suggested
        self._summary = summary
        self._can_follow_up = can_follow_up

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(Text("紧急联动（第十二条）", style="bold"), classes="dialog-title")
            with RadioSet(id="em-service"):
                for service, name, _script in self._services:
                    yield RadioButton(plain(f"{service} {name}"),
                                      value=service == self._suggested, name=service)
            yield Static("", id="em-script", classes="script")
            yield Label("联动摘要（时间、地点、情况）")
            yield Input(self._summary, id="em-summary")
            yield Checkbox("同时派发后续工单（告知相关单位签收办理）", value=self._can_follow_up,
                           id="em-follow-up", disabled=not self._can_follow_up)
            yield Static("", id="dialog-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("确认联动 (Enter)", id="ok", variant="error")
                yield Button("取消 (Esc)", id="cancel")

    def on_mount(self) -> None:
        self._show_script()
        self.set_focus(self.query_one("#ok", Button))

    def _selected_service(self) -> str | None:
        pressed = self.query_one("#em-service", RadioSet).pressed_button
        return pressed.name if pressed is not None else None

    @on(RadioSet.Changed)
    def _show_script(self) -> None:
        service = self._selected_service()
        script = next((s for sv, _n, s in self._services if sv == service), "请选择联动热线")
        self.query_one("#em-script", Static).update(Text(script))

    @on(Input.Submitted, "#em-summary")
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        service = self._selected_service()
        summary = self.query_one("#em-summary", Input).value
        error = self.query_one("#dialog-error", Static)
        msg = None
        if service is None:
            msg = "请选择联动热线：110、119、120 或 122"
        else:
            msg = check_text("联动摘要", summary, required=True, min_len=4, max_len=500)
        if msg:
            error.update(Text(msg))
            error.add_class("visible")
            return
        follow = self.query_one("#em-follow-up", Checkbox).value
        self.dismiss(EmergencyChoice(service, summary, follow))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
