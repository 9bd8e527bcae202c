"""The work-order dialogs: an action's reason and the inputs it needs, a note, and the unit
picker they share. Each dialog checks what it can itself; ``submit`` then records while it is
still open and answers later (a worker does the writing): a refusal is shown beside the fields
with everything typed kept, success closes it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    Label,
    RadioButton,
    RadioSet,
    Select,
    SelectionList,
    Static,
)
from textual.widgets.selection_list import Selection

from agent_console.domain.text import check_text
from agent_console.domain.workflow import (
    CALLER_VIEWS,
    CONTACT_RESULTS,
    EVIDENCE_MAX,
    EVIDENCE_MIN,
    REASONABLE,
    RESOLUTIONS,
    RULINGS,
    SATISFACTION,
    Action,
)
from agent_console.services.dto import CallerContact
from agent_console.services.orders import OrderView
from agent_console.ui.safe import options
from agent_console.ui.widgets.text_entry import Input

DATE_FORMAT = "%Y-%m-%d %H:%M"
NOTE_KINDS = {Action.CONTACT.value: Action.CONTACT, Action.PART.value: Action.PART,
              Action.CONSULT.value: Action.CONSULT}
# The dialogs that show whom to call (Art. 18(1), 20); the contact note always does.
DIAL_ACTIONS = frozenset({Action.DISPATCH, Action.CALLBACK, Action.COMPLETE})
CONFIDENTIAL_WARNING = "诉求人要求保密：不得向他人泄露诉求人信息（第八条、第二十一条）"
# submit(data, answer): records ``data`` (in a worker) and calls answer(None) when done or
# answer("why not") when refused; the dialog waits, showing that it is working.
Submit = Callable[[object, Callable[[str | None], None]], None]


@dataclass(frozen=True)
class ActionInput:
    reason: str
    new_due_at: datetime | None = None
    satisfaction: str | None = None
    lead_unit_id: int | None = None
    co_handler_ids: tuple[int, ...] = ()
    ruling: str | None = None
    resolution: str | None = None
    caller_view: str | None = None
    evidence: str = ""  # a termination's 证明材料说明 (Art. 18(6))


@dataclass(frozen=True)
class NoteInput:
    text: str
    result: str | None = None  # a contact attempt's result (CONTACT_RESULTS key)
    unit_ids: tuple[int, ...] = ()  # the units consulted


def dial_text(caller: CallerContact) -> Text:
    """``拨打 13900000000（张女士）``, 保密 in red and the warning for a confidential caller;
    a withheld number says so (stored names are literal text, never markup)."""
    text = Text()
    if caller.phone:
        text.append("拨打 ", style="bold")
        text.append(caller.phone, style="bold")
    else:
        text.append("未显示号码，无法回拨", style="bold yellow")
    if caller.name:
        text.append("（")
        text.append(caller.name)
        text.append("）")
    if caller.confidential:
        text.append("  ")
        text.append("保密", style="bold white on red")
        text.append("\n")
        text.append(CONFIDENTIAL_WARNING, style="bold red")
    return text


def fields_scroll() -> VerticalScroll:
    """Where a dialog's fields scroll on a small terminal; Tab goes field to field, the
    scroll follows (it takes no focus itself)."""
    scroll = VerticalScroll(classes="dialog-fields")
    scroll.can_focus = False
    return scroll


class UnitPicker(SelectionList[int]):
    """Units to tick with Space. Typing a part of a name jumps to the first unit that contains
    it, as in the lead Select (86 units); Enter confirms the dialog instead of ticking."""

    BINDINGS = [Binding("enter", "confirm", "确认", show=False)]
    SEARCH_RESET = 0.7  # seconds without a key before typing starts a new search

    @dataclass
    class Confirmed(Message):
        picker: UnitPicker

    def __init__(self, *selections: Selection[int] | tuple[str | Text, int, bool],
                 id: str | None = None) -> None:
        super().__init__(*selections, id=id)
        self._query = ""
        self._typed_at = 0.0

    def action_confirm(self) -> None:
        self.post_message(self.Confirmed(self))

    def check_consume_key(self, key: str, character: str | None = None) -> bool:
        return character is not None and character.isprintable() and character != " "

    async def _on_key(self, event: events.Key) -> None:
        if not self.check_consume_key(event.key, event.character):
            self._query = ""  # Space, arrows …: the next letters start a new search
            return
        event.stop()
        event.prevent_default()
        now = time.monotonic()
        if now - self._typed_at > self.SEARCH_RESET:
            self._query = ""
        self._typed_at = now
        self._query += event.character.lower()
        index = self.find(self._query)
        if index is not None:
            self.highlighted = index
            self.scroll_to_highlight()

    def find(self, query: str) -> int | None:
        """The option whose name contains ``query`` earliest (ties: the first in the list)."""
        best: tuple[int, int] | None = None
        for index, option in enumerate(self.options):
            prompt = option.prompt
            plain = prompt.plain if isinstance(prompt, Text) else str(prompt)
            at = plain.lower().find(query)
            if at != -1 and (best is None or at < best[0]):
                best = (at, index)
        return None if best is None else best[1]


class FormDialog(ModalScreen):
    """What the order dialogs share: Esc or 取消 closes; a refusal (from the form's own checks
    or from ``submit``) is shown in #dialog-error and everything typed stays. While ``submit``
    works the dialog says so and a second Enter does nothing."""

    BINDINGS = [Binding("escape", "cancel", "取消")]

    def __init__(self, submit: Submit | None = None) -> None:
        super().__init__()
        self._submit = submit
        self._busy = False

    def compose(self) -> ComposeResult:
        """Each dialog gives ``heading()`` (its action and the order) and ``_fields()``."""
        with Vertical(classes="dialog wide order-dialog"):
            yield Static(Text(self.heading(), style="bold"), classes="dialog-title")
            with fields_scroll():
                yield from self._fields()
            yield Static("", id="dialog-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("确认 (Enter)", id="ok", variant="primary")
                yield Button("取消 (Esc)", id="cancel")

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    def _error(self, message: str, style: str = "") -> None:
        error = self.query_one("#dialog-error", Static)
        error.update(Text(message, style=style))
        error.add_class("visible")
        self.call_after_refresh(self._fit_fields)  # the message takes room from the fields

    def on_resize(self, _event: events.Resize) -> None:
        self.call_after_refresh(self._fit_fields)

    def _fit_fields(self) -> None:
        """The fields get what the terminal leaves after the title, the message and the
        buttons, and scroll within it: 确认 stays on screen at 80×24."""
        found = self.query(".dialog-fields")
        if not found or not self.is_attached:
            return
        fields = found.first()
        box = fields.parent
        chrome = box.styles.gutter.height + sum(
            w.outer_size.height + w.styles.margin.top + w.styles.margin.bottom
            for w in box.children if w is not fields and w.display)
        room = max(3, self.size.height - chrome)
        if fields.styles.max_height is None or fields.styles.max_height.value != room:
            fields.styles.max_height = room

    def _finish(self, data) -> None:
        if self._busy:
            return
        if self._submit is None:
            self.dismiss(data)
            return
        self._busy = True
        self.query_one("#ok", Button).disabled = True
        self._error("正在提交…", "yellow")

        def answer(refused: str | None) -> None:
            self._busy = False
            if not self.is_attached:
                return
            self.query_one("#ok", Button).disabled = False
            if refused:
                self._error(refused)
                return
            self.dismiss(data)

        self._submit(data, answer)


class ActionDialog(FormDialog):
    """Reason (and the extra fields an action needs); Enter on the button confirms.

    ``submit`` (optional) runs the action while the dialog is still open: a refusal it answers
    is shown next to the fields and the dialog stays, with everything typed kept."""

    def __init__(self, action: Action, order: OrderView, units: list[tuple[str, int]],
                 needs_reason: bool = False,
                 submit: Submit | None = None,
                 suggested_co: tuple[int, ...] = (), ticked_co: tuple[int, ...] = ()) -> None:
        super().__init__(submit)
        self._needs_reason = needs_reason
        self._action = action
        self._order = order
        self._units = units
        self._suggested_co = suggested_co
        self._ticked_co = frozenset(ticked_co)
        self._names = {uid: name for name, uid in units}
        self._showing_both_ways = False
        self._co_note = ""

    def heading(self) -> str:
        return f"{self._action.label} · {self._order.number}"

    def _fields(self) -> ComposeResult:
        """The fields, which scroll on a small terminal (80×24)."""
        if self._action in DIAL_ACTIONS and self._order.caller is not None:
            yield Static(dial_text(self._order.caller), id="dial", classes="dial")
        if self._action is Action.DISPATCH:
            yield Label(f"牵头单位（建议：{self._order.lead_unit}）", markup=False)
            ids = {uid for _n, uid in self._units}
            yield Select(options(self._units), id="act-lead", type_to_search=True,
                         value=self._order.lead_unit_id if self._order.lead_unit_id in ids
                         else Select.NULL)
            yield Label("配合单位（第十六条第（二）项；空格勾选或取消，输入单位名称查找，可不选）")
            yield UnitPicker(*self._co_options(), id="act-co")
            yield Static("", id="act-co-chosen")
        if self._action is Action.REQUEST_EXTENSION:
            hint = f"申请延期至（当前时限 {self._order.due_at:%Y-%m-%d %H:%M}，格式 YYYY-MM-DD HH:MM）"
            yield Label(hint, markup=False)
            yield Input(id="act-due", placeholder="2026-12-31 17:30")
        if self._action is Action.CALLBACK:
            yield Label("诉求人满意度（第二十条）")
            with RadioSet(id="act-satisfaction"):
                for i, label in enumerate(SATISFACTION):
                    yield RadioButton(label, value=i == 0, name=label)
            yield Label("不满意时裁定：诉求是否合理合法（合理合法即退回承办单位重新办理）",
                        id="act-ruling-label")
            with RadioSet(id="act-ruling"):
                for label in RULINGS:
                    text = f"{label}，退回重办" if label == REASONABLE else f"{label}，不予重办"
                    yield RadioButton(text, name=label)
        if self._action is Action.COMPLETE:
            yield Label("办理结果（第十八条第（三）、（五）项）")
            with RadioSet(id="act-resolution"):
                for i, label in enumerate(RESOLUTIONS):
                    yield RadioButton(label, value=i == 0, name=label)
            yield Label("已向诉求人反馈结果，诉求人的意见")
            with RadioSet(id="act-caller-view"):
                for label in CALLER_VIEWS:
                    yield RadioButton(label, name=label)
        if self._action is Action.REQUEST_TERMINATION:
            yield Label("证明材料说明（第十八条第（六）项，必填：各次联系的时间、方式、结果，"
                        "留存的通话记录等）")
            yield Input(id="act-evidence", placeholder="如：11月3日9:10、11月4日15:20两次"
                        "致电均未接通，通话记录已留存")
        if self._action in (Action.APPROVE_TERMINATION, Action.REJECT_TERMINATION):
            evidence = Text("承办单位的证明材料说明：", style="bold")
            evidence.append(self._order.termination_evidence or "（未提供）")
            yield Static(evidence, id="act-evidence-shown")
        yield Label("理由 / 说明")
        yield Input(id="act-reason", placeholder="理由和依据、办理情况或回访记录")

    def _co_options(self) -> list[tuple[Text, int, bool]]:
        """The order's co-handlers (ticked) and dispatch's candidates (marked 建议, unticked:
        every ticked unit owes its part before completion) first, then every other unit."""
        first = [u for u in (*sorted(self._ticked_co), *self._suggested_co) if u in self._names]
        first = list(dict.fromkeys(first))
        rest = [u for _n, u in self._units if u not in first]
        options = []
        for uid in first + rest:
            label = Text(self._names[uid])
            if uid in self._suggested_co and uid not in self._ticked_co:
                label.append("  建议", style="dim")
            options.append((label, uid, uid in self._ticked_co))
        return options

    def _lead(self) -> int | None:
        value = self.query_one("#act-lead", Select).value
        return None if value is Select.NULL else int(value)

    def _show_co(self) -> None:
        """The ticked units in one line (the list scrolls), and why one was unticked."""
        chosen = self.query_one("#act-co", UnitPicker).selected
        text = Text("已选配合单位：", style="bold")
        text.append("、".join(self._names[u] for u in chosen) if chosen else "无")
        if self._co_note:
            text.append(f"\n{self._co_note}", style="yellow")
        self.query_one("#act-co-chosen", Static).update(text)

    def _both_ways(self) -> str | None:
        if self._action is not Action.DISPATCH:
            return None
        lead = self._lead()
        if lead is not None and lead in self.query_one("#act-co", UnitPicker).selected:
            return (f"“{self._names[lead]}”已是牵头单位，不能同时作为配合单位："
                    "请在配合单位中取消勾选，或另选牵头单位")
        return None

    @on(Select.Changed, "#act-lead")
    def _lead_changed(self) -> None:
        """The unit just made lead leaves the co-handlers (the newest choice wins, and says so)."""
        lead = self._lead()
        picker = self.query_one("#act-co", UnitPicker)
        if lead is not None and lead in picker.selected:
            picker.deselect(lead)
            self._co_note = f"“{self._names[lead]}”已改为牵头单位，已从配合单位中取消勾选"
            self._show_co()

    @on(SelectionList.SelectionToggled, "#act-co")
    def _co_toggled(self) -> None:
        self._co_note = ""  # the dispatcher has taken over the list
        self._show_co()

    @on(SelectionList.SelectedChanged, "#act-co")
    def _co_changed(self) -> None:
        """Ticking the lead is flagged at once; unticking it clears that message (only)."""
        self._show_co()
        if msg := self._both_ways():
            self._error(msg)
        elif self._showing_both_ways:
            self.query_one("#dialog-error", Static).remove_class("visible")
            self._showing_both_ways = False

    def on_mount(self) -> None:
        if self._action is Action.DISPATCH:
            self._show_co()
        if self._action is Action.CALLBACK:
            self._show_ruling()
        first = {Action.DISPATCH: "#act-lead", Action.REQUEST_EXTENSION: "#act-due",
                 Action.CALLBACK: "#act-satisfaction",
                 Action.COMPLETE: "#act-resolution"}.get(self._action, "#act-reason")
        self.set_focus(self.query_one(first))

    @on(RadioSet.Changed, "#act-satisfaction")
    def _show_ruling(self) -> None:
        """The Art. 20 ruling is asked only when the caller is not satisfied."""
        pressed = self.query_one("#act-satisfaction", RadioSet).pressed_button
        unhappy = pressed is not None and pressed.name == "不满意"
        self.query_one("#act-ruling-label").display = unhappy
        self.query_one("#act-ruling", RadioSet).display = unhappy

    def _error(self, message: str, style: str = "") -> None:
        super()._error(message, style)
        self._showing_both_ways = message == self._both_ways()

    @on(Input.Submitted)
    @on(UnitPicker.Confirmed)
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        reason = self.query_one("#act-reason", Input).value
        if msg := check_text("理由", reason, required=self._needs_reason, max_len=1000):
            self._error(msg)
            return
        due = None
        if self._action is Action.REQUEST_EXTENSION:
            raw = self.query_one("#act-due", Input).value.strip()
            try:
                due = datetime.strptime(raw, DATE_FORMAT)
            except ValueError:
                self._error("延期时限格式应为 YYYY-MM-DD HH:MM，例如 2026-12-31 17:30")
                return
        satisfaction = ruling = None
        if self._action is Action.CALLBACK:
            pressed = self.query_one("#act-satisfaction", RadioSet).pressed_button
            satisfaction = pressed.name if pressed else None
            if satisfaction == "不满意":
                ruled = self.query_one("#act-ruling", RadioSet).pressed_button
                if ruled is None:
                    self._error("诉求人不满意：请裁定诉求是否合理合法（第二十条）")
                    return
                ruling = ruled.name
        resolution = caller_view = None
        if self._action is Action.COMPLETE:
            picked = self.query_one("#act-resolution", RadioSet).pressed_button
            view = self.query_one("#act-caller-view", RadioSet).pressed_button
            if view is None:
                self._error("请选择诉求人对办理结果的意见（第十八条第（三）项）")
                return
            resolution, caller_view = (picked.name if picked else None), view.name
        lead = None
        co: tuple[int, ...] = ()
        if self._action is Action.DISPATCH:
            lead = self._lead()
            if lead is None:
                self._error("请选择牵头单位")
                return
            if msg := self._both_ways():
                self._error(msg)
                return
            co = tuple(self.query_one("#act-co", UnitPicker).selected)
        evidence = ""
        if self._action is Action.REQUEST_TERMINATION:
            evidence = self.query_one("#act-evidence", Input).value
            if msg := check_text("证明材料说明", evidence, required=True, min_len=EVIDENCE_MIN,
                                 max_len=EVIDENCE_MAX):
                self._error(msg)
                return
        data = ActionInput(reason, due, satisfaction, lead, co, ruling, resolution, caller_view,
                           evidence)
        self._finish(data)


class NoteDialog(FormDialog):
    """Contact attempt (with its result), a co-handler's part, or a consultation record.

    ``submit`` (optional) records it while the dialog is still open, as in ActionDialog: a
    refusal it returns is shown next to the fields and everything typed stays."""

    def __init__(self, kind: str, number: str, units: list[tuple[str, int]],
                 submit: Submit | None = None, caller: CallerContact | None = None) -> None:
        super().__init__(submit)
        self._kind = kind
        self._number = number
        self._units = units
        self._caller = caller

    def heading(self) -> str:
        return f"{NOTE_KINDS[self._kind].label} · {self._number}"

    def _fields(self) -> ComposeResult:
        """The fields, which scroll on a small terminal (80×24)."""
        if self._kind == "contact" and self._caller is not None:
            yield Static(dial_text(self._caller), id="dial", classes="dial")
        if self._kind == "contact":
            yield Label("联系结果（第十八条第（一）项）")
            with RadioSet(id="note-result"):
                for i, (key, label) in enumerate(CONTACT_RESULTS.items()):
                    yield RadioButton(label, value=i == 0, name=key)
        if self._kind == "consult":
            yield Label("参与协商的单位（空格勾选，第十六条第（三）项）")
            yield SelectionList[int](*options(self._units), id="note-units")
        yield Label("说明" if self._kind == "contact" else "内容 / 结论")
        yield Input(id="note-text", placeholder="具体情况")

    def on_mount(self) -> None:
        # a contact attempt starts on its result (已联系上 / 未接通 …), the note is optional
        first = "#note-result" if self._kind == "contact" else "#note-text"
        self.set_focus(self.query_one(first))

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        text = self.query_one("#note-text", Input).value
        if msg := check_text("内容", text, required=self._kind != "contact", max_len=1000):
            self._error(msg)
            return
        result = None
        units: tuple[int, ...] = ()
        if self._kind == "contact":
            pressed = self.query_one("#note-result", RadioSet).pressed_button
            result = pressed.name if pressed else None
        if self._kind == "consult":
            units = tuple(self.query_one("#note-units", SelectionList).selected)
            if not units:
                self._error("请勾选参与协商的单位")
                return
        data = NoteInput(text, result, units)
        self._finish(data)
