"""One work order: its facts, the full event timeline, and what the operator may do now, as
``domain.workflow.permitted`` says. Reading and every change run in workers."""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from agent_console.domain.text import done_label
from agent_console.domain.workflow import Action, Refusal, command_for, guard, permitted
from agent_console.services.dto import CallerContact, OperatorInfo
from agent_console.services.errors import ServiceError, ValidationFailed
from agent_console.services.orders import OrderView, StaleOrder
from agent_console.ui.fit import Col, fit, set_columns, table_room
from agent_console.ui.safe import add_row
from agent_console.ui.screens.order_dialogs import (  # noqa: F401 (the dialogs' home for tests)
    CONFIDENTIAL_WARNING,
    ActionDialog,
    ActionInput,
    FormDialog,
    NoteDialog,
    NoteInput,
    UnitPicker,
)
from agent_console.ui.timeleft import time_left
from agent_console.ui.widgets.header import ConsoleHeader
from agent_console.ui.work import run_db

ACTION_KEYS = {
    Action.DISPATCH: "d", Action.SIGN: "s", Action.REQUEST_RETURN: "t",
    Action.APPROVE_RETURN: "a", Action.REJECT_RETURN: "j", Action.REQUEST_EXTENSION: "e",
    Action.APPROVE_EXTENSION: "a", Action.REJECT_EXTENSION: "j",
    Action.REQUEST_TERMINATION: "x", Action.APPROVE_TERMINATION: "a",
    Action.REJECT_TERMINATION: "j", Action.COMPLETE: "c", Action.CALLBACK: "b",
    Action.REOPEN: "o", Action.SUPERVISE: "u", Action.ARCHIVE: "g",
    Action.CONTACT: "l", Action.PART: "p", Action.CONSULT: "n",
}
# The footer's words for the notes (the timeline says 联系诉求人 / 配合意见 / 协商).
KEY_LABELS = {Action.CONTACT: "联系记录", Action.CONSULT: "协商记录"}
BINDING_IDS = {Action.CONTACT: "order_note_contact", Action.PART: "order_note_part",
               Action.CONSULT: "order_note_consult"}
# The timeline at any width: a reason (and a long operator name) wraps in its cell instead of
# being cut; the from-status leaves first on a narrow terminal (the row above shows it).
EVENT_COLUMNS = (
    Col("at", "时间", 11),
    Col("actor", "操作人", 10, flex=1, most=28),
    Col("action", "操作", 10),
    Col("from", "原状态", 8, drop=1),
    Col("to", "新状态", 8),
    Col("reason", "理由", 24, flex=3),
)
CALLER_HIDDEN = "诉求人信息仅承办单位和热线派单、回访、督办人员可见（第二十一条）"
OUTAGE = "数据库连接中断，未能提交；填写的内容仍在，数据库恢复后请再按确认"


def event_label(action: str) -> str:
    return Action(action).label if action in Action._value2member_map_ else action


def caller_block(caller: CallerContact | None, region: str | None) -> Text:
    """Art. 18(1): the 诉求人 block, how to reach the caller, as the seat took it down; a
    confidential caller (Art. 8, 21) is marked 保密 in red. Stored text stays literal."""
    text = Text()
    text.append("诉求人", style="bold")
    if caller is None:
        text.append(f"  区域：{region or '—'}\n")
        text.append(CALLER_HIDDEN, style="dim")
        return text
    if caller.confidential:
        text.append("  ")
        text.append("保密", style="bold white on red")
    text.append("\n  电话：")
    if caller.phone:
        text.append(caller.phone, style="bold")
    else:
        text.append("未显示号码", style="yellow")
    text.append("  姓名：")
    text.append(caller.name or "—")
    text.append("\n  地址：")
    text.append(caller.address or "—")
    text.append("\n  区域：")
    text.append(caller.region or region or "—")
    if caller.confidential:
        text.append("\n  ")
        text.append(CONFIDENTIAL_WARNING, style="bold red")
    return text


class OrderDetailScreen(Screen):
    BINDINGS = [
        Binding("escape", "back", "返回", id="order_back"),
        Binding("r", "reload", "刷新", id="order_reload"),
        *[Binding(key, f"act('{action.value}')", KEY_LABELS.get(action, action.label),
                  id=BINDING_IDS.get(action, f"order_{action.value}"))
          for action, key in ACTION_KEYS.items()],
    ]

    def __init__(self, services, operator: OperatorInfo, number: str) -> None:
        super().__init__()
        self.services = services
        self.operator = operator
        self.number = number
        self.current: OrderView | None = None
        self._layout: tuple[tuple[Col, int], ...] = ()

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.operator, self.services.clock, "工单详情", id="header")
        with Vertical(id="orders-body"):
            with VerticalScroll(id="order-facts-scroll"):
                yield Static(Text("正在读取工单…", style="dim"), id="order-facts")
            yield Static(Text("事件时间线", style="bold"), classes="pane-title")
            yield DataTable(id="order-events", cursor_type="row", zebra_stripes=True)
            yield Static("", id="order-actions")
        yield Footer()

    def on_mount(self) -> None:
        self._fit_columns()
        self.action_reload()

    def on_resize(self, _event: events.Resize) -> None:
        if self._fit_columns():
            self._show_order()

    def _fit_columns(self) -> bool:
        layout = fit(EVENT_COLUMNS, table_room(self.app.size.width))
        if layout == self._layout:
            return False
        self._layout = layout
        set_columns(self.query_one("#order-events", DataTable), layout)
        return True

    # ------------------------------------------------------------------ reading
    def action_back(self) -> None:
        self.dismiss(self.current)

    def action_reload(self, quiet: bool = False) -> None:
        """The order as it is now; ``quiet``: a refusal (no longer this unit's …) keeps what
        the screen shows."""
        def failed(exc: ServiceError) -> None:
            if not quiet:
                self.notify(exc.message, severity="error")

        def outage(_exc) -> None:
            if self.current is None:
                self.query_one("#order-facts", Static).update(
                    Text("数据库连接中断，暂时无法读取工单；恢复后按 r 刷新", style="bold red"))

        run_db(self, partial(self.services.orders.show, self.number, viewer=self.operator),
               done=self._loaded, refused=failed, outage=outage, group="order-load",
               exclusive=True, name="order_show")

    def _loaded(self, view: OrderView) -> None:
        self.current = view
        self._show_order()

    def _show_order(self) -> None:
        v = self.current
        if v is None or not self.is_attached:
            return
        now = self.services.clock.now()
        facts = Text()
        facts.append(f"{v.number}  {v.status}  {v.request_type}/{v.urgency}  版本 {v.version}\n",
                     style="bold")
        facts.append(f"牵头：{v.lead_unit}")
        if v.co_handlers:
            facts.append("  配合：" + "、".join(v.co_handlers))
        facts.append(f"\n创建：{v.created_at:%Y-%m-%d %H:%M}  "
                     f"签收时限：{v.sign_by:%Y-%m-%d %H:%M}\n")
        facts.append(f"办结时限：{v.due_at:%Y-%m-%d %H:%M}（")
        facts.append_text(time_left(v.due_at, now, v.status))
        facts.append("）")
        if v.requested_due_at:
            facts.append(f"  申请延期至：{v.requested_due_at:%Y-%m-%d %H:%M}", style="yellow")
        if v.supervision_level:
            facts.append(f"  督办级别：{v.supervision_level}", style="bold red")
        if v.reopen_count:
            facts.append(f"  重办 {v.reopen_count} 次")
        if v.satisfaction:
            facts.append(f"  满意度：{v.satisfaction}")
        facts.append("\n")
        facts.append_text(caller_block(v.caller, v.region))
        facts.append("\n诉求内容：", style="bold")
        facts.append(v.content)
        self.query_one("#order-facts", Static).update(facts)
        table = self.query_one("#order-events", DataTable)
        table.clear()
        for e in v.events:
            cells = {"at": f"{e.at:%m-%d %H:%M}", "actor": e.actor,
                     "action": event_label(e.action), "from": e.from_status,
                     "to": e.to_status, "reason": e.reason}
            add_row(table, *(cells[col.key] for col, _w in self._layout), height=None)
        hint = "  ".join(f"{ACTION_KEYS[a]} {KEY_LABELS.get(a, a.label)}"
                         for a in self._permitted()) or "当前状态下您没有可执行的操作"
        self.query_one("#order-actions", Static).update(Text("可执行：" + hint))
        self.refresh_bindings()

    # ------------------------------------------------------------------ what may be done
    def _permitted(self) -> tuple[Action, ...]:
        v = self.current
        if v is None or v.state is None:
            return ()
        return permitted(v.state, self.operator)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action != "act":
            return True
        # one key may serve several actions (a = approve …): only the one for this status shows
        return Action(parameters[0]) in self._permitted()

    def _units(self) -> list[tuple[str, int]]:
        return [(u.name, u.id) for u in sorted(self.services.catalog.units().values(),
                                               key=lambda u: u.id)]

    # ------------------------------------------------------------------ changing
    def action_act(self, action_value: str) -> None:
        action = Action(action_value)
        if self.current is None or action not in self._permitted():
            return
        if action.is_note:
            self.app.push_screen(NoteDialog(action.value, self.number, self._units(),
                                            self._submitter(action), self.current.caller),
                                 self._dialog_closed)
            return
        t = guard(self.current.state, action, self.operator)
        needs = not isinstance(t, Refusal) and t.needs_reason
        co = self._suggested_co_handlers() if action is Action.DISPATCH else ()
        ticked = tuple(u for u in self.current.co_handler_ids if u != self.current.lead_unit_id) \
            if action is Action.DISPATCH else ()
        self.app.push_screen(ActionDialog(action, self.current, self._units(), needs,
                                          self._submitter(action), co, ticked),
                             self._dialog_closed)

    def _dialog_closed(self, data) -> None:
        if data is not None:
            self._show_order()

    def _command(self, action: Action, data: ActionInput | NoteInput):
        if isinstance(data, NoteInput):
            return command_for(action, data.text, result=data.result, unit_ids=data.unit_ids)
        return command_for(action, data.reason, lead_unit_id=data.lead_unit_id,
                           co_handler_ids=data.co_handler_ids, new_due_at=data.new_due_at,
                           satisfaction=data.satisfaction, ruling=data.ruling,
                           resolution=data.resolution, caller_view=data.caller_view,
                           evidence=data.evidence)

    def _submitter(self, action: Action):
        """The dialog's submit: the command goes to a worker; the dialog hears how it went. A
        refusal the user can correct stays in the dialog with everything typed; an order that
        moved on is shown as it is now; an outage keeps the dialog open to try again."""
        seen_version = self.current.version

        def submit(data, answer) -> None:
            command = self._command(action, data)
            version = None if action.is_note else seen_version

            def done(view: OrderView) -> None:
                self.current = view
                self._show_order()
                self.notify(f"{done_label(KEY_LABELS.get(action, action.label))}：{self.number}"
                            if not action.is_note else "已登记")
                answer(None)

            def refused(exc: ServiceError) -> None:
                if isinstance(exc, StaleOrder):
                    self.current = exc.fresh
                    self._show_order()
                    self.notify(exc.message, title="工单已变化", severity="warning")
                    answer(None)
                    return
                if not isinstance(exc, ValidationFailed):
                    # the order moved on (another status, another unit): show it as it is now
                    # behind the dialog, and keep what was typed so it can be sent again
                    self.action_reload(quiet=True)
                answer(exc.message)

            run_db(self, self.services.orders.execute, self.operator, self.number, command,
                   version, done=done, refused=refused, outage=lambda _e: answer(OUTAGE),
                   group="order-write", name=f"order_{action.value}")

        return submit

    def _suggested_co_handlers(self) -> tuple[int, ...]:
        """Art. 16(2): the units dispatch proposes as possible co-handlers for the order's
        category, region, type and urgency; never the lead."""
        v = self.current
        ids: list[int] = []
        if v.category_id is not None:
            try:
                proposal = self.services.dispatch.propose(
                    v.category_id, v.region, v.request_type, v.urgency, self.services.clock.now())
            except ServiceError:  # e.g. a category without a default lead: no suggestion
                pass
            else:
                ids += [u.id for u in proposal.alternatives]
        return tuple(u for u in dict.fromkeys(ids) if u != v.lead_unit_id)
