"""The work order's rules in one place (Art. 12, 16–20).

``decide(state, command, actor, facts)`` is the only judge of a change to a work order: given
the order as it is, one command (dispatch, sign, return, extension, termination, completion,
callback, reopen, supervision, archive, a note, or the creation itself), who asks and the
facts it needs (now, the deadline table, unit names, contact and co-handler evidence), it
returns the new state with the events to record, or a refusal with a Chinese reason. It holds
the transition table with the roles allowed, every guard (lead-only actions, evidence, rulings)
and every effect (a new deadline on dispatch and reopening, supervision raised by the rules).
Services load, decide and save; screens ask ``permitted`` what the actor may do now.
Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import ClassVar, Protocol

from agent_console.domain.calendar import WorkCalendar
from agent_console.domain.deadlines import DeadlineRule, compute_deadlines, find_rule
from agent_console.domain.enums import OPEN_ORDER_STATUSES
from agent_console.domain.enums import OrderStatus as S
from agent_console.domain.enums import Role
from agent_console.domain.text import check_text


class Action(StrEnum):
    CREATE = "create"                          # Art. 15: the seat makes the order
    DISPATCH = "dispatch"                      # Art. 16: to a lead unit (and co-handlers)
    SIGN = "sign"                              # 签收
    REQUEST_RETURN = "request_return"          # Art. 17: not ours, with reason and basis
    APPROVE_RETURN = "approve_return"          # → redispatch
    REJECT_RETURN = "reject_return"            # → back to the unit with the reason
    REQUEST_EXTENSION = "request_extension"    # Art. 18(4)
    APPROVE_EXTENSION = "approve_extension"    # the deadline moves only now
    REJECT_EXTENSION = "reject_extension"
    REQUEST_TERMINATION = "request_termination"  # Art. 18(6), with evidence of contact
    APPROVE_TERMINATION = "approve_termination"
    REJECT_TERMINATION = "reject_termination"
    COMPLETE = "complete"                      # Art. 18(3): result and the caller's view
    CALLBACK = "callback"                      # Art. 20: satisfaction recorded
    REOPEN = "reopen"                          # Art. 20: unsatisfied and reasonable
    SUPERVISE = "supervise"                    # Art. 19: raise the supervision level
    ARCHIVE = "archive"
    CONTACT = "contact"                        # Art. 18(1): an attempt to reach the caller
    PART = "part"                              # Art. 16(2): a co-handler's part
    CONSULT = "consult"                        # Art. 16(3): consultation on unclear ownership

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]

    @property
    def is_note(self) -> bool:
        return self in NOTES


ACTION_LABELS = {
    Action.CREATE: "创建",
    Action.DISPATCH: "派单",
    Action.SIGN: "签收",
    Action.REQUEST_RETURN: "申请退回",
    Action.APPROVE_RETURN: "同意退回",
    Action.REJECT_RETURN: "驳回退回",
    Action.REQUEST_EXTENSION: "申请延期",
    Action.APPROVE_EXTENSION: "同意延期",
    Action.REJECT_EXTENSION: "驳回延期",
    Action.REQUEST_TERMINATION: "申请终止",
    Action.APPROVE_TERMINATION: "同意终止",
    Action.REJECT_TERMINATION: "驳回终止",
    Action.COMPLETE: "办结",
    Action.CALLBACK: "回访",
    Action.REOPEN: "重办",
    Action.SUPERVISE: "督办",
    Action.ARCHIVE: "归档",
    Action.CONTACT: "联系诉求人",
    Action.PART: "配合意见",
    Action.CONSULT: "协商",
}
NOTES = frozenset({Action.CONTACT, Action.PART, Action.CONSULT})

# Who works where (Art. 6, 15–20); the administrator may stand in for any desk of the centre.
# Trainers take simulated calls only (over practice databases, where the trainee is a seat agent)
CALL_TAKERS = frozenset({Role.SEAT_AGENT, Role.EXPERT, Role.ADMIN})
DISPATCH_DESK = frozenset({Role.DISPATCHER, Role.ADMIN})  # dispatch and the review queues
CALLBACK_DESK = frozenset({Role.CALLBACK, Role.ADMIN})  # callbacks and reopening (Art. 20)
SUPERVISION_DESK = frozenset({Role.SUPERVISOR, Role.ADMIN})  # tiered supervision (Art. 19)
CENTRE_ROLES = DISPATCH_DESK | CALLBACK_DESK | SUPERVISION_DESK
UNIT = frozenset({Role.UNIT_LIAISON})

# Open orders a handling unit holds (an order awaiting dispatch is still the centre's).
UNIT_HOLDS = tuple(s for s in S if s in OPEN_ORDER_STATUSES and s is not S.AWAITING_DISPATCH)
# Actions a liaison may take only for the unit that leads the order (Art. 16(2)).
LEAD_ONLY = frozenset({Action.SIGN, Action.REQUEST_RETURN, Action.REQUEST_EXTENSION,
                       Action.REQUEST_TERMINATION, Action.COMPLETE})

SATISFACTION = ("满意", "基本满意", "不满意")
# Art. 20: an unsatisfied caller's request is ruled on; a reasonable, lawful one is reopened.
REASONABLE, UNREASONABLE = "合理合法", "不合理或不合法"
RULINGS = (REASONABLE, UNREASONABLE)
# Art. 18(3), (5): a unit completing an order reports how it ended and the caller's own view.
RESOLUTIONS = ("已解决", "暂时无法解决，已向诉求人解释")
CALLER_VIEWS = ("满意", "基本满意", "不满意", "未表态")
CONTACT_RESULTS = {"reached": "已联系上", "no_answer": "未接通", "refused": "诉求人拒不配合"}
FAILED_CONTACTS = frozenset({"no_answer", "refused"})
# Art. 18(6): the evidence a termination request carries (证明材料说明).
EVIDENCE_MIN, EVIDENCE_MAX = 5, 500
MAX_SUPERVISION_LEVEL = 3
REASON_MAX = 1000
# Art. 19(2): how long past the deadline an order reaches each level (1 at the deadline).
TIERS = (timedelta(0), timedelta(days=3), timedelta(days=10))


# ---------------------------------------------------------------------------- the table
@dataclass(frozen=True)
class Transition:
    action: Action
    source: S
    target: S
    roles: frozenset[Role]
    needs_reason: bool = False


def _t(action, sources, target, roles, needs_reason=False) -> list[Transition]:
    """``target=None``: the order stays in its status (supervision, notes)."""
    if isinstance(sources, S):
        sources = (sources,)
    return [Transition(action, s, target or s, roles, needs_reason) for s in sources]


TRANSITIONS: tuple[Transition, ...] = tuple(
    _t(Action.DISPATCH, S.AWAITING_DISPATCH, S.AWAITING_SIGN, DISPATCH_DESK)
    + _t(Action.SIGN, S.AWAITING_SIGN, S.IN_PROGRESS, UNIT)
    + _t(Action.REQUEST_RETURN, (S.AWAITING_SIGN, S.IN_PROGRESS), S.RETURN_REVIEW, UNIT, True)
    + _t(Action.APPROVE_RETURN, S.RETURN_REVIEW, S.AWAITING_DISPATCH, DISPATCH_DESK, True)
    + _t(Action.REJECT_RETURN, S.RETURN_REVIEW, S.IN_PROGRESS, DISPATCH_DESK, True)
    + _t(Action.REQUEST_EXTENSION, S.IN_PROGRESS, S.EXTENSION_REVIEW, UNIT, True)
    + _t(Action.APPROVE_EXTENSION, S.EXTENSION_REVIEW, S.IN_PROGRESS, DISPATCH_DESK, True)
    + _t(Action.REJECT_EXTENSION, S.EXTENSION_REVIEW, S.IN_PROGRESS, DISPATCH_DESK, True)
    + _t(Action.REQUEST_TERMINATION, S.IN_PROGRESS, S.TERMINATION_REVIEW, UNIT, True)
    + _t(Action.APPROVE_TERMINATION, S.TERMINATION_REVIEW, S.TERMINATED, DISPATCH_DESK, True)
    + _t(Action.REJECT_TERMINATION, S.TERMINATION_REVIEW, S.IN_PROGRESS, DISPATCH_DESK, True)
    + _t(Action.COMPLETE, S.IN_PROGRESS, S.COMPLETED, UNIT, True)
    + _t(Action.CALLBACK, S.COMPLETED, S.CALLED_BACK, CALLBACK_DESK)
    + _t(Action.REOPEN, (S.COMPLETED, S.CALLED_BACK), S.IN_PROGRESS, CALLBACK_DESK, True)
    + _t(Action.SUPERVISE, UNIT_HOLDS, None, SUPERVISION_DESK, True)
    + _t(Action.ARCHIVE, (S.CALLED_BACK, S.TERMINATED), S.ARCHIVED, DISPATCH_DESK | CALLBACK_DESK)
    + _t(Action.CONTACT, (S.AWAITING_SIGN, S.IN_PROGRESS), None, UNIT)
    + _t(Action.PART, S.IN_PROGRESS, None, UNIT)
    + _t(Action.CONSULT, (S.AWAITING_DISPATCH, S.RETURN_REVIEW), None, DISPATCH_DESK)
)

_BY_KEY = {(t.action, t.source): t for t in TRANSITIONS}


# ---------------------------------------------------------------------------- state and facts
class ActorLike(Protocol):
    """Who asks: a logged-in operator (services.dto.OperatorInfo has these)."""

    role: Role
    unit_id: int | None


@dataclass(frozen=True)
class OrderState:
    """What the rules need to know of an order (persistence details stay in the store)."""

    status: S
    lead_unit_id: int
    sign_by: datetime
    due_at: datetime
    co_handler_ids: tuple[int, ...] = ()
    request_type: str = "咨询"
    urgency: str = "一般"
    requested_due_at: datetime | None = None
    supervision_level: int = 0
    reopen_count: int = 0
    satisfaction: str | None = None
    immediate_dispatch: bool = False

    @property
    def units(self) -> frozenset[int]:
        """The lead unit and every co-handler."""
        return frozenset({self.lead_unit_id, *self.co_handler_ids})


@dataclass(frozen=True)
class Facts:
    """What a decision may depend on besides the order; the service loads what a command needs
    (``facts_needed``)."""

    now: datetime
    deadlines: tuple[DeadlineRule, ...] = ()
    # the working calendar deadlines count on (holidays, 调休, the centre's entries); the
    # service passes the one it loaded; without it no deadline is computed
    calendar: WorkCalendar | None = None
    units: Mapping[int, str] = field(default_factory=dict)  # id → name, of the units involved
    # when the caller could not be reached or refused (Art. 18(6)), and how far apart those
    # attempts must be (data/workflow_rules.json); ``None``: no termination rule loaded
    failed_contacts: tuple[datetime, ...] = ()
    termination: TerminationRule | None = None
    # returns of this order rejected since it was last dispatched (Art. 17, 19(1))
    rejected_returns: int = 0
    parts_from: frozenset[int] = frozenset()  # co-handlers that have submitted their part


@dataclass(frozen=True)
class TerminationRule:
    """Art. 18(6): how many failed contacts a termination needs, each on another day than the
    one before or at least ``min_hours_apart`` after it (data/workflow_rules.json)."""

    min_failed_contacts: int
    min_hours_apart: float


@dataclass(frozen=True)
class Event:
    action: Action
    from_status: S | None
    to_status: S
    reason: str
    by_system: bool = False  # raised by the rules, not by the actor (signed by the system)
    level: int | None = None  # a supervise event: the supervision level it raised the order to


@dataclass(frozen=True)
class Note:
    """A note's own record (Art. 16(2), 16(3), 18(1)), saved beside its event."""

    kind: Action
    content: str
    result: str | None = None
    unit_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Decision:
    state: OrderState
    events: tuple[Event, ...]
    note: Note | None = None


@dataclass(frozen=True)
class Refusal:
    """Why not, in Chinese. ``field`` names the input the user can correct (the form stays
    open with everything typed); ``None`` means the action is not allowed now."""

    reason: str
    field: str | None = None


# ---------------------------------------------------------------------------- commands
@dataclass(frozen=True)
class Command:
    action: ClassVar[Action]
    reason: str = ""


@dataclass(frozen=True)
class Create(Command):
    action: ClassVar[Action] = Action.CREATE
    lead_unit_id: int = 0
    co_handler_ids: tuple[int, ...] = ()
    request_type: str = "咨询"
    urgency: str = "一般"
    immediate_dispatch: bool = False
    to_dispatcher: bool = False  # Art. 16(3): ownership unclear, the centre consults first


@dataclass(frozen=True)
class Dispatch(Command):
    action: ClassVar[Action] = Action.DISPATCH
    lead_unit_id: int | None = None
    co_handler_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Sign(Command):
    action: ClassVar[Action] = Action.SIGN


@dataclass(frozen=True)
class RequestReturn(Command):
    action: ClassVar[Action] = Action.REQUEST_RETURN


@dataclass(frozen=True)
class ApproveReturn(Command):
    action: ClassVar[Action] = Action.APPROVE_RETURN


@dataclass(frozen=True)
class RejectReturn(Command):
    action: ClassVar[Action] = Action.REJECT_RETURN


@dataclass(frozen=True)
class RequestExtension(Command):
    action: ClassVar[Action] = Action.REQUEST_EXTENSION
    new_due_at: datetime | None = None


@dataclass(frozen=True)
class ApproveExtension(Command):
    action: ClassVar[Action] = Action.APPROVE_EXTENSION


@dataclass(frozen=True)
class RejectExtension(Command):
    action: ClassVar[Action] = Action.REJECT_EXTENSION


@dataclass(frozen=True)
class RequestTermination(Command):
    action: ClassVar[Action] = Action.REQUEST_TERMINATION
    evidence: str = ""  # 证明材料说明: what proves the caller was unreachable or refused


@dataclass(frozen=True)
class ApproveTermination(Command):
    action: ClassVar[Action] = Action.APPROVE_TERMINATION


@dataclass(frozen=True)
class RejectTermination(Command):
    action: ClassVar[Action] = Action.REJECT_TERMINATION


@dataclass(frozen=True)
class Complete(Command):
    action: ClassVar[Action] = Action.COMPLETE
    resolution: str | None = None
    caller_view: str | None = None


@dataclass(frozen=True)
class Callback(Command):
    action: ClassVar[Action] = Action.CALLBACK
    satisfaction: str | None = None
    ruling: str | None = None


@dataclass(frozen=True)
class Reopen(Command):
    action: ClassVar[Action] = Action.REOPEN


@dataclass(frozen=True)
class Supervise(Command):
    """A supervisor raises the level by one, with the reason (Art. 19(5))."""

    action: ClassVar[Action] = Action.SUPERVISE


@dataclass(frozen=True)
class AutoSupervise(Command):
    """The scan raises the level its lateness calls for (``supervision_due``)."""

    action: ClassVar[Action] = Action.SUPERVISE
    level: int = 1


@dataclass(frozen=True)
class Archive(Command):
    action: ClassVar[Action] = Action.ARCHIVE


@dataclass(frozen=True)
class LogContact(Command):
    action: ClassVar[Action] = Action.CONTACT
    result: str | None = None  # a CONTACT_RESULTS key


@dataclass(frozen=True)
class SubmitPart(Command):
    action: ClassVar[Action] = Action.PART


@dataclass(frozen=True)
class RecordConsultation(Command):
    action: ClassVar[Action] = Action.CONSULT
    unit_ids: tuple[int, ...] = ()


COMMANDS: dict[Action, type[Command]] = {
    cls.action: cls for cls in (
        Create, Dispatch, Sign, RequestReturn, ApproveReturn, RejectReturn, RequestExtension,
        ApproveExtension, RejectExtension, RequestTermination, ApproveTermination,
        RejectTermination, Complete, Callback, Reopen, Supervise, Archive, LogContact,
        SubmitPart, RecordConsultation)
}


def command_for(action: Action, reason: str = "", **values) -> Command:
    """The command of an action from loose inputs (a dialog, a script); inputs the command
    does not take are ignored, ``None`` leaves a field at its default."""
    cls = COMMANDS[Action(action)]
    known = {f.name for f in fields(cls)}
    given = {k: v for k, v in values.items() if k in known and v is not None}
    for name in ("co_handler_ids", "unit_ids"):
        if name in given:
            given[name] = tuple(given[name])
    return cls(reason=reason, **given)


def facts_needed(command: Command) -> frozenset[str]:
    """Which of the costly facts (``failed_contacts``, ``parts_from``, ``rejected_returns``)
    a command's decision reads; the others may stay empty."""
    if isinstance(command, RequestTermination):
        return frozenset({"failed_contacts"})
    if isinstance(command, RequestReturn):
        return frozenset({"rejected_returns"})
    if isinstance(command, Complete):
        return frozenset({"parts_from"})
    return frozenset()


# ---------------------------------------------------------------------------- asking
def _status(state: OrderState) -> S | None:
    try:
        return S(state.status)
    except ValueError:
        return None


def _label(action: Action) -> str:
    return f"登记{action.label}" if action.is_note else action.label


def guard(state: OrderState, action: Action, actor: ActorLike) -> Transition | Refusal:
    """The table, the roles and the unit's place on the order; nothing that needs facts."""
    status = _status(state)
    if status is None:
        return Refusal(f"未知的工单状态：{state.status}")
    t = _BY_KEY.get((action, status))
    if t is None:
        return Refusal(f"工单处于“{status.value}”状态，不能{_label(action)}")
    if actor.role not in t.roles:
        if action.is_note:
            return Refusal(f"{actor.role.label}无权{_label(action)}")
        return Refusal(f"{actor.role.label}无权对工单{action.label}")
    if actor.role is Role.UNIT_LIAISON:
        if action in LEAD_ONLY and actor.unit_id != state.lead_unit_id:
            return Refusal("只有牵头单位可以进行此操作")
        if action is Action.CONTACT and actor.unit_id not in state.units:
            return Refusal("这张工单不属于您的单位")
        if action is Action.PART and actor.unit_id not in state.co_handler_ids:
            return Refusal("只有配合单位可以提交配合意见")
    return t


def permitted(state: OrderState, actor: ActorLike) -> tuple[Action, ...]:
    """What this actor may do to the order now, in the table's order (notes included)."""
    seen: dict[Action, None] = {}
    for t in TRANSITIONS:
        if t.source.value == state.status and not isinstance(guard(state, t.action, actor),
                                                             Refusal):
            seen.setdefault(t.action)
    return tuple(seen)


def allowed_actions(status: str, role: Role) -> list[Action]:
    """The table's actions for a status and role (before any unit-level guard)."""
    return list(dict.fromkeys(t.action for t in TRANSITIONS
                              if t.source.value == status and role in t.roles))


def supervises(actor: ActorLike) -> bool:
    """Whether the actor works the supervision desk (Art. 19: the scan, ranking, notices)."""
    return actor.role in SUPERVISION_DESK


def may_view(state: OrderState, actor: ActorLike) -> bool:
    """A liaison sees the orders of the own unit only (lead or co-handler, Art. 21)."""
    return actor.role is not Role.UNIT_LIAISON or actor.unit_id in state.units


def supervision_due(state: OrderState, now: datetime) -> AutoSupervise | None:
    """Art. 19(1), (2): the level an open order deserves now: by lateness past its deadline,
    and at least 1 once the sign-for deadline passed unsigned; ``None`` if it has it."""
    if state.status not in UNIT_HOLDS:
        return None
    late = now - state.due_at
    wanted = sum(1 for t in TIERS if late >= t) if late >= timedelta(0) else 0
    unsigned = state.status == S.AWAITING_SIGN and state.sign_by < now
    if unsigned:
        wanted = max(wanted, 1)
    if wanted <= state.supervision_level:
        return None
    if late >= timedelta(0):
        why = (f"自动督办：超出办理时限{late.days}天{late.seconds // 3600}小时未办结"
               "（第十九条第（二）项）")
    else:
        slow = now - state.sign_by
        why = (f"自动督办：超过签收时限{slow.days * 24 + slow.seconds // 3600}小时仍未签收"
               "（第十九条第（一）项）")
    return AutoSupervise(reason=why, level=wanted)


# ---------------------------------------------------------------------------- deciding
def decide(state: OrderState | None, command: Command, actor: ActorLike,
           facts: Facts) -> Decision | Refusal:
    """The new state and its events, or why not. ``state`` is None only for ``Create``."""
    if msg := check_text("理由" if not command.action.is_note else "内容", command.reason,
                         required=command.action in (Action.PART, Action.CONSULT),
                         max_len=REASON_MAX, allow_newlines=True):
        return Refusal(msg, "content" if command.action.is_note else "reason")
    if isinstance(command, Create):
        return _create(command, actor, facts)
    if state is None:
        return Refusal("工单不存在")
    t = guard(state, command.action, actor)
    if isinstance(t, Refusal):
        return t
    if t.needs_reason and not command.reason.strip():
        return Refusal(f"{command.action.label}须填写理由", "reason")
    rule = _RULES[type(command)]
    out = rule(state, command, facts)
    if isinstance(out, Refusal):
        return out
    new_state, detail, *extra = out
    new_state = replace(new_state, status=t.target)
    events = [Event(command.action, S(state.status), t.target, detail,
                    level=new_state.supervision_level if command.action is Action.SUPERVISE
                    else None)]
    note = extra[0] if extra else None
    return _after(Decision(new_state, tuple(events), note), command, facts)


def _after(decision: Decision, command: Command, facts: Facts) -> Decision | Refusal:
    """Effects the rules attach to a change: Art. 20 reopening and Art. 19 supervision."""
    if isinstance(command, Callback) and command.ruling == REASONABLE:
        reopened = _clock(_reopened(decision.state), facts)
        if isinstance(reopened, Refusal):
            return reopened
        decision = _chain(decision, Action.REOPEN, reopened,
                          "回访不满意且诉求合理合法，退回承办单位重新办理（第二十条）")
        decision = _raise(decision, "回访不满意且诉求合理合法，依法应当解决的诉求未解决"
                                    "（第十九条第（三）项）")
    # A rejected return alone is the centre ruling on the unit's reasons (Art. 17); asking to
    # return the order again after that is refusing it (Art. 19(1)), as is leaving it unsigned
    # past the sign-for deadline (``supervision_due``).
    if isinstance(command, RequestReturn) and facts.rejected_returns:
        decision = _raise(decision, f"申请退回已被驳回{facts.rejected_returns}次仍再次申请退回，"
                                    "属职责范围但拒不接受诉求工单（第十九条第（一）项）")
    return decision


def _chain(decision: Decision, action: Action, state: OrderState, reason: str,
           by_system: bool = False) -> Decision:
    before = decision.state.status
    event = Event(action, S(before), S(state.status), reason, by_system,
                  state.supervision_level if action is Action.SUPERVISE else None)
    return replace(decision, state=state, events=decision.events + (event,))


def _raise(decision: Decision, why: str) -> Decision:
    """A supervision notice raised by the rules, in the same change; signed by the system
    (as the scan's are), not by whoever made the change that triggered it."""
    before = decision.state.supervision_level
    after = min(before + 1, MAX_SUPERVISION_LEVEL)
    return _chain(decision, Action.SUPERVISE, replace(decision.state, supervision_level=after),
                  f"自动督办：{why}，督办级别 {before}→{after}", by_system=True)


def _with(detail: str, reason: str) -> str:
    reason = reason.strip()
    return f"{detail}；{reason}" if detail and reason else detail or reason


def _clock(state: OrderState, facts: Facts) -> OrderState | Refusal:
    """A fresh deadline from the table, from now (dispatch, reopening)."""
    try:
        rule = find_rule(facts.deadlines, state.request_type, state.urgency,
                         state.immediate_dispatch)
    except KeyError as exc:
        return Refusal(str(exc.args[0]))
    if facts.calendar is None:
        return Refusal("工作日历未加载，无法计算办理时限")
    d = compute_deadlines(facts.now, rule, facts.calendar)
    return replace(state, sign_by=d.sign_by, due_at=d.due_at)


def _names(facts: Facts, ids) -> str:
    return "、".join(facts.units.get(u, str(u)) for u in ids)


def _units_to(lead: int | None, co, facts: Facts, missing_lead: str,
              missing_co: str | None) -> tuple[int, tuple[int, ...]] | Refusal:
    if lead is None or lead not in facts.units:
        return Refusal(missing_lead, "lead_unit")
    chosen = tuple(u for u in dict.fromkeys(co) if u != lead)
    if missing_co is not None and any(u not in facts.units for u in chosen):
        return Refusal(missing_co, "co_handlers")
    return lead, tuple(u for u in chosen if u in facts.units)


def _create(cmd: Create, actor: ActorLike, facts: Facts) -> Decision | Refusal:
    if actor.role not in CALL_TAKERS:
        return Refusal(f"{actor.role.label}无权受理来电")
    units = _units_to(cmd.lead_unit_id, cmd.co_handler_ids, facts, "牵头单位不存在，请重新选择",
                      "配合单位不存在，请重新选择")
    if isinstance(units, Refusal):
        return units
    lead, co = units
    status = S.AWAITING_DISPATCH if cmd.to_dispatcher else S.AWAITING_SIGN
    draft = OrderState(status=status, lead_unit_id=lead, co_handler_ids=co, sign_by=facts.now,
                       due_at=facts.now, request_type=cmd.request_type, urgency=cmd.urgency,
                       immediate_dispatch=cmd.immediate_dispatch)
    state = _clock(draft, facts)
    if isinstance(state, Refusal):
        return state
    if cmd.to_dispatcher:
        reason = f"坐席交派单员：承办单位难以确定，建议牵头 {facts.units[lead]}"
    else:
        reason = f"坐席派单：牵头 {facts.units[lead]}"
    if co:
        reason += "；配合 " + _names(facts, co)
    if cmd.immediate_dispatch:
        reason += "；水电气热/突发事件，立即转派（第十二条）"
    return Decision(state, (Event(Action.CREATE, None, status, _with(reason, cmd.reason)),))


def _dispatch(state, cmd: Dispatch, facts):
    units = _units_to(cmd.lead_unit_id, cmd.co_handler_ids, facts, "请选择牵头单位", None)
    if isinstance(units, Refusal):
        return units
    lead, co = units
    new = _clock(replace(state, lead_unit_id=lead, co_handler_ids=co), facts)
    if isinstance(new, Refusal):
        return new
    to = f"牵头：{facts.units[lead]}" + (f"；配合：{_names(facts, co)}" if co else "")
    return new, _with(to, cmd.reason)


def _plain(state, cmd, facts):
    return state, cmd.reason.strip()


def _request_extension(state, cmd: RequestExtension, facts):
    if cmd.new_due_at is None or cmd.new_due_at <= state.due_at:
        return Refusal("延期后的时限须晚于当前办理时限", "new_due_at")
    return replace(state, requested_due_at=cmd.new_due_at), cmd.reason.strip()


def _approve_extension(state, cmd, facts):
    return replace(state, due_at=state.requested_due_at or state.due_at,
                   requested_due_at=None), cmd.reason.strip()


def _reject_extension(state, cmd, facts):
    return replace(state, requested_due_at=None), cmd.reason.strip()


def spaced_attempts(times, min_hours_apart: float) -> int:
    """How many of the attempts count as separate tries: each on another day than the last one
    counted, or at least ``min_hours_apart`` after it (two calls a minute apart count once)."""
    counted = 0
    last: datetime | None = None
    for at in sorted(times):
        if last is None or at.date() != last.date() or \
                at - last >= timedelta(hours=min_hours_apart):
            counted += 1
            last = at
    return counted


def _request_termination(state, cmd: RequestTermination, facts):
    rule = facts.termination
    if rule is None:
        return Refusal("规则表中没有终止办理的规定")
    need, failed = rule.min_failed_contacts, len(facts.failed_contacts)
    if failed < need:
        return Refusal(f"终止办理须先登记至少{need}次未能联系或诉求人拒不配合的"
                       f"联系记录（第十八条第（六）项），目前{failed}次", "reason")
    spaced = spaced_attempts(facts.failed_contacts, rule.min_hours_apart)
    if spaced < need:
        return Refusal(f"终止办理须有至少{need}次未能联系的记录分别在不同日期或相隔至少"
                       f"{rule.min_hours_apart:g}小时（第十八条第（六）项），目前登记的{failed}次"
                       f"只算{spaced}次", "reason")
    if msg := check_text("证明材料说明", cmd.evidence, required=True, min_len=EVIDENCE_MIN,
                         max_len=EVIDENCE_MAX, allow_newlines=True):
        return Refusal(msg, "evidence")
    evidence = cmd.evidence.strip()
    return state, _with(cmd.reason.strip(), f"证明材料：{evidence}"), \
        Note(Action.REQUEST_TERMINATION, evidence)


def _complete(state, cmd: Complete, facts):
    missing = [u for u in state.co_handler_ids if u not in facts.parts_from]
    if missing:
        return Refusal(f"配合单位尚未提交配合意见：{_names(facts, missing)}；汇总后方可办结",
                       "reason")
    if cmd.resolution not in RESOLUTIONS:
        return Refusal("请选择办理结果：已解决或暂时无法解决", "resolution")
    if cmd.caller_view not in CALLER_VIEWS:
        return Refusal("请选择诉求人对办理结果的意见（第十八条第（三）项）", "caller_view")
    return state, _with(f"办理结果：{cmd.resolution}；诉求人意见：{cmd.caller_view}", cmd.reason)


def _callback(state, cmd: Callback, facts):
    if cmd.satisfaction != "不满意":
        if cmd.ruling is not None:
            return Refusal("只有不满意的回访需要裁定诉求是否合理合法", "ruling")
    elif cmd.ruling not in RULINGS:
        return Refusal("诉求人不满意：请裁定诉求是否合理合法（第二十条）", "ruling")
    elif cmd.ruling == UNREASONABLE and not cmd.reason.strip():
        return Refusal("裁定不合理或不合法须说明理由", "reason")
    if cmd.satisfaction not in SATISFACTION:
        return Refusal("请选择满意度：满意、基本满意或不满意", "satisfaction")
    ruled = f"；裁定：诉求{cmd.ruling}" if cmd.satisfaction == "不满意" else ""
    return replace(state, satisfaction=cmd.satisfaction), \
        _with(f"满意度：{cmd.satisfaction}{ruled}", cmd.reason)


def _reopened(state: OrderState) -> OrderState:
    return replace(state, status=S.IN_PROGRESS, reopen_count=state.reopen_count + 1,
                   satisfaction=None)


def _reopen(state, cmd, facts):
    new = _clock(_reopened(state), facts)
    if isinstance(new, Refusal):
        return new
    return new, cmd.reason.strip()


def _supervise(state, cmd: Supervise, facts):
    if state.supervision_level >= MAX_SUPERVISION_LEVEL:
        return Refusal(f"已是最高督办级别（{MAX_SUPERVISION_LEVEL}级）")
    return replace(state, supervision_level=state.supervision_level + 1), cmd.reason.strip()


def _auto_supervise(state, cmd: AutoSupervise, facts):
    level = min(cmd.level, MAX_SUPERVISION_LEVEL)
    if level <= state.supervision_level:
        return Refusal(f"督办级别已是{state.supervision_level}级")
    return replace(state, supervision_level=level), \
        f"{cmd.reason}，督办级别 {state.supervision_level}→{level}"


def _contact(state, cmd: LogContact, facts):
    if cmd.result not in CONTACT_RESULTS:
        return Refusal("请选择联系结果：已联系上、未接通或诉求人拒不配合", "result")
    text = cmd.reason.strip()
    return state, _with(CONTACT_RESULTS[cmd.result], text), Note(Action.CONTACT, text, cmd.result)


def _part(state, cmd: SubmitPart, facts):
    text = cmd.reason.strip()
    return state, text, Note(Action.PART, text)


def _consult(state, cmd: RecordConsultation, facts):
    if not cmd.unit_ids:
        return Refusal("请选择参与协商的单位", "units")
    units = tuple(u for u in dict.fromkeys(cmd.unit_ids) if u in facts.units)
    text = cmd.reason.strip()
    return state, f"协商单位：{_names(facts, units)}；结论：{text}", \
        Note(Action.CONSULT, text, None, units)


_RULES = {
    Dispatch: _dispatch, Sign: _plain, RequestReturn: _plain, ApproveReturn: _plain,
    RejectReturn: _plain, RequestExtension: _request_extension,
    ApproveExtension: _approve_extension, RejectExtension: _reject_extension,
    RequestTermination: _request_termination, ApproveTermination: _plain,
    RejectTermination: _plain, Complete: _complete, Callback: _callback, Reopen: _reopen,
    Supervise: _supervise, AutoSupervise: _auto_supervise, Archive: _plain,
    LogContact: _contact, SubmitPart: _part, RecordConsultation: _consult,
}
