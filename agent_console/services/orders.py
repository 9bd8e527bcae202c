"""Work orders after the seat (Art. 16–20): every change is a transition from
domain/workflow.py, checked against the order's version (optimistic locking) and written
together with its event row in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from agent_console.domain.clock import Clock
from agent_console.domain.deadlines import compute_deadlines, find_rule
from agent_console.domain.enums import OrderStatus, Role
from agent_console.domain.text import check_text
from agent_console.domain.workflow import DISPATCH_DESK, Action, TransitionRefused, transition_for
from agent_console.services.dto import OperatorInfo
from agent_console.services.errors import NotFound, PermissionDenied, ServiceError, ValidationFailed
from agent_console.services.reference import Reference
from agent_console.store.models import (
    Operator,
    OrderCoHandler,
    OrderEvent,
    OrderNote,
    Unit,
    WorkOrder,
)

SATISFACTION = ("满意", "基本满意", "不满意")
# Art. 20: an unsatisfied caller's request is ruled on; a reasonable, lawful one is reopened.
REASONABLE, UNREASONABLE = "合理合法", "不合理或不合法"
RULINGS = (REASONABLE, UNREASONABLE)
# Art. 18(3), (5): a unit completing an order reports how it ended and the caller's own view.
RESOLUTIONS = ("已解决", "暂时无法解决，已向诉求人解释")
CALLER_VIEWS = ("满意", "基本满意", "不满意", "未表态")
CONTACT_RESULTS = {"reached": "已联系上", "no_answer": "未接通", "refused": "诉求人拒不配合"}
NOTE_LABELS = {"contact": "联系诉求人", "part": "配合意见", "consult": "协商"}
MIN_FAILED_CONTACTS = 2
MAX_SUPERVISION_LEVEL = 3
REASON_MAX = 1000
# Actions a liaison may take only for the unit that leads the order.
LEAD_ONLY = frozenset({Action.SIGN, Action.REQUEST_RETURN, Action.REQUEST_EXTENSION,
                       Action.REQUEST_TERMINATION, Action.COMPLETE})


@dataclass(frozen=True)
class EventView:
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    reason: str


@dataclass(frozen=True)
class OrderView:
    number: str
    status: str
    version: int
    lead_unit: str
    lead_unit_id: int
    co_handlers: tuple[str, ...]
    co_handler_ids: tuple[int, ...]
    category_id: int | None
    request_type: str
    urgency: str
    region: str | None
    content: str
    created_at: datetime
    sign_by: datetime
    due_at: datetime
    requested_due_at: datetime | None
    supervision_level: int
    reopen_count: int
    satisfaction: str | None
    events: tuple[EventView, ...]


class StaleOrder(ServiceError):
    """Someone else changed the order first; carries the order as it is now."""

    def __init__(self, fresh: OrderView) -> None:
        super().__init__(f"工单 {fresh.number} 已被他人处理，当前状态为“{fresh.status}”，"
                         "请查看最新情况后再操作")
        self.fresh = fresh


class OrderService:
    def __init__(self, factory: sessionmaker[Session], clock: Clock, reference: Reference) -> None:
        self._factory = factory
        self._clock = clock
        self._reference = reference

    # ------------------------------------------------------------------ reading
    def show(self, number: str, viewer: OperatorInfo | None = None) -> OrderView:
        with self._factory() as s:
            order = s.scalar(select(WorkOrder).where(WorkOrder.number == number.strip().upper()))
            if order is None:
                raise NotFound(f"工单 {number} 不存在")
            self._check_visible(s, order, viewer)
            return self._view(s, order)

    def _check_visible(self, s: Session, order: WorkOrder, viewer: OperatorInfo | None) -> None:
        if viewer is None or viewer.role is not Role.UNIT_LIAISON:
            return
        units = {order.lead_unit_id, *(c.unit_id for c in order.co_handlers)}
        if viewer.unit_id not in units:
            raise PermissionDenied("这张工单不属于您的单位")

    def _view(self, s: Session, order: WorkOrder) -> OrderView:
        units = {u.id: u.name for u in s.scalars(select(Unit))}
        ops = {o.id: f"{o.staff_no} {o.name}" for o in s.scalars(select(Operator))}
        events = s.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id)
                           .order_by(OrderEvent.at, OrderEvent.id)).all()
        return OrderView(
            number=order.number, status=order.status, version=order.version,
            lead_unit=units.get(order.lead_unit_id, ""), lead_unit_id=order.lead_unit_id,
            co_handlers=tuple(units.get(c.unit_id, "") for c in order.co_handlers),
            co_handler_ids=tuple(c.unit_id for c in order.co_handlers),
            category_id=order.category_id,
            request_type=order.request_type, urgency=order.urgency, region=order.region,
            content=order.content, created_at=order.created_at, sign_by=order.sign_by,
            due_at=order.due_at, requested_due_at=order.requested_due_at,
            supervision_level=order.supervision_level, reopen_count=order.reopen_count,
            satisfaction=order.satisfaction,
            events=tuple(EventView(e.at, ops.get(e.actor_id, ""), e.action, e.from_status,
                                   e.to_status, e.reason) for e in events),
        )

    # ------------------------------------------------------------------ changing
    def act(self, actor: OperatorInfo, number: str, action: Action, expected_version: int,
            reason: str = "", *, lead_unit_id: int | None = None,
            co_handler_ids: tuple[int, ...] = (), new_due_at: datetime | None = None,
            satisfaction: str | None = None, ruling: str | None = None,
            resolution: str | None = None, caller_view: str | None = None,
            view: bool = True) -> OrderView | None:
        """One transition. ``expected_version`` is the version the actor was looking at.

        A callback with 不满意 needs a ``ruling`` (Art. 20): 合理合法 reopens the order to the
        unit with a new deadline in the same transaction; 不合理或不合法 needs the reason.
        Completing needs the ``resolution`` and the caller's view (Art. 18(3), (5))."""
        if msg := check_text("理由", reason, max_len=REASON_MAX, allow_newlines=True):
            raise ValidationFailed({"reason": msg})
        try:
            with self._factory.begin() as s:
                order = s.scalar(select(WorkOrder).where(WorkOrder.number == number))
                if order is None:
                    raise NotFound(f"工单 {number} 不存在")
                if order.version != expected_version:
                    raise StaleOrder(self._view(s, order))
                try:
                    t = transition_for(action, order.status, actor.role)
                except TransitionRefused as exc:
                    raise PermissionDenied(exc.message) from None
                if t.needs_reason and not reason.strip():
                    raise ValidationFailed({"reason": f"{action.label}须填写理由"})
                if actor.role is Role.UNIT_LIAISON and action in LEAD_ONLY \
                        and actor.unit_id != order.lead_unit_id:
                    raise PermissionDenied("只有牵头单位可以进行此操作")
                self._check_evidence(s, order, action)
                if action is Action.CALLBACK:
                    self._check_ruling(satisfaction, ruling, reason)
                if action is Action.COMPLETE:
                    if resolution not in RESOLUTIONS:
                        raise ValidationFailed({"resolution": "请选择办理结果：已解决或暂时无法解决"})
                    if caller_view not in CALLER_VIEWS:
                        raise ValidationFailed({"caller_view": "请选择诉求人对办理结果的意见"
                                                               "（第十八条第（三）项）"})
                self._apply(s, order, action, lead_unit_id, co_handler_ids, new_due_at,
                            satisfaction)
                before = order.status
                order.status = t.target.value
                detail = reason.strip()
                if action is Action.CALLBACK and satisfaction:
                    ruled = f"；裁定：诉求{ruling}" if satisfaction == "不满意" else ""
                    detail = f"满意度：{satisfaction}{ruled}" + (f"；{detail}" if detail else "")
                if action is Action.DISPATCH:
                    detail = self._dispatched_to(s, order) + (f"；{detail}" if detail else "")
                if action is Action.COMPLETE:
                    detail = f"办理结果：{resolution}；诉求人意见：{caller_view}；{detail}"
                s.add(OrderEvent(order_id=order.id, at=self._clock.now(), actor_id=actor.id,
                                 action=action.value, from_status=before,
                                 to_status=t.target.value, reason=detail))
                if action is Action.CALLBACK and ruling == REASONABLE:
                    reopen = transition_for(Action.REOPEN, order.status, actor.role)
                    self._apply(s, order, Action.REOPEN, None, (), None, None)
                    order.status = reopen.target.value
                    s.add(OrderEvent(order_id=order.id, at=self._clock.now(), actor_id=actor.id,
                                     action=Action.REOPEN.value, from_status=t.target.value,
                                     to_status=reopen.target.value,
                                     reason="回访不满意且诉求合理合法，退回承办单位重新办理（第二十条）"))
                if action is Action.REJECT_RETURN:
                    self._auto_supervise(s, order, actor, "申请退回理由不成立，属职责范围内拒不接受"
                                                          "诉求工单（第十九条第（一）项）")
                if action is Action.CALLBACK and ruling == REASONABLE:
                    self._auto_supervise(s, order, actor, "回访不满意且诉求合理合法，依法应当解决的"
                                                          "诉求未解决（第十九条第（三）项）")
                s.flush()  # the UPDATE … WHERE version = expected runs here
                return self._view(s, order) if view else None
        except StaleDataError:
            raise StaleOrder(self.show(number)) from None

    @staticmethod
    def _dispatched_to(s: Session, order: WorkOrder) -> str:
        """Who the order went to, for the timeline: a redispatch keeps the earlier choice."""
        text = f"牵头：{s.get(Unit, order.lead_unit_id).name}"
        if order.co_handlers:
            text += "；配合：" + "、".join(s.get(Unit, c.unit_id).name for c in order.co_handlers)
        return text

    def _auto_supervise(self, s: Session, order: WorkOrder, actor: OperatorInfo, why: str) -> None:
        """Art. 19: a supervision notice raised by the rules, in the same transaction."""
        before = order.supervision_level
        order.supervision_level = min(before + 1, MAX_SUPERVISION_LEVEL)
        s.add(OrderEvent(order_id=order.id, at=self._clock.now(), actor_id=actor.id,
                         action=Action.SUPERVISE.value, from_status=order.status,
                         to_status=order.status,
                         reason=f"自动督办：{why}，督办级别 {before}→{order.supervision_level}"))

    @staticmethod
    def _check_ruling(satisfaction: str | None, ruling: str | None, reason: str) -> None:
        if satisfaction != "不满意":
            if ruling is not None:
                raise ValidationFailed({"ruling": "只有不满意的回访需要裁定诉求是否合理合法"})
            return
        if ruling not in RULINGS:
            raise ValidationFailed({"ruling": "诉求人不满意：请裁定诉求是否合理合法（第二十条）"})
        if ruling == UNREASONABLE and not reason.strip():
            raise ValidationFailed({"reason": "裁定不合理或不合法须说明理由"})

    def _check_evidence(self, s: Session, order: WorkOrder, action: Action) -> None:
        if action is Action.REQUEST_TERMINATION:
            failed = s.scalar(select(func.count()).select_from(OrderNote).where(
                OrderNote.order_id == order.id, OrderNote.kind == "contact",
                OrderNote.result.in_(["no_answer", "refused"])))
            if failed < MIN_FAILED_CONTACTS:
                raise ValidationFailed({"reason": (
                    f"终止办理须先登记至少{MIN_FAILED_CONTACTS}次未能联系或诉求人拒不配合的联系记录"
                    f"（第十八条第（六）项），目前{failed}次")})
        if action is Action.COMPLETE and order.co_handlers:
            done = set(s.scalars(select(OrderNote.unit_id).where(
                OrderNote.order_id == order.id, OrderNote.kind == "part")))
            missing = [c.unit_id for c in order.co_handlers if c.unit_id not in done]
            if missing:
                names = "、".join(s.get(Unit, u).name for u in missing)
                raise ValidationFailed({"reason": f"配合单位尚未提交配合意见：{names}；汇总后方可办结"})

    # ------------------------------------------------------------------ notes
    def _note(self, actor: OperatorInfo, number: str, kind: str, content: str,
              allowed_status: tuple[OrderStatus, ...], *, result: str | None = None,
              units: tuple[int, ...] = (), unit_check=None) -> OrderView:
        if msg := check_text("内容", content, required=kind != "contact", max_len=REASON_MAX,
                             allow_newlines=True):
            raise ValidationFailed({"content": msg})
        with self._factory.begin() as s:
            order = s.scalar(select(WorkOrder).where(WorkOrder.number == number))
            if order is None:
                raise NotFound(f"工单 {number} 不存在")
            if order.status not in {st.value for st in allowed_status}:
                raise PermissionDenied(f"工单处于“{order.status}”状态，不能登记{NOTE_LABELS[kind]}")
            if unit_check is not None:
                unit_check(order)
            s.add(OrderNote(order_id=order.id, at=self._clock.now(), actor_id=actor.id,
                            unit_id=actor.unit_id, kind=kind, result=result,
                            content=content.strip(), units_consulted=list(units)))
            text = content.strip()
            if kind == "contact":
                text = CONTACT_RESULTS[result] + (f"；{text}" if text else "")
            if kind == "consult":
                names = "、".join(s.get(Unit, u).name for u in units if s.get(Unit, u))
                text = f"协商单位：{names}；结论：{text}"
            s.add(OrderEvent(order_id=order.id, at=self._clock.now(), actor_id=actor.id,
                             action=kind, from_status=order.status, to_status=order.status,
                             reason=text))
            s.flush()
            return self._view(s, order)

    def log_contact(self, actor: OperatorInfo, number: str, result: str, note: str = "") -> OrderView:
        """Art. 18(1): every attempt to reach the caller, by the lead or a co-handling unit."""
        if actor.role is not Role.UNIT_LIAISON:
            raise PermissionDenied("联系记录由承办单位登记")
        if result not in CONTACT_RESULTS:
            raise ValidationFailed({"result": "请选择联系结果：已联系上、未接通或诉求人拒不配合"})

        def mine(order: WorkOrder) -> None:
            if actor.unit_id not in {order.lead_unit_id, *(c.unit_id for c in order.co_handlers)}:
                raise PermissionDenied("这张工单不属于您的单位")

        return self._note(actor, number, "contact", note, (OrderStatus.AWAITING_SIGN,
                                                           OrderStatus.IN_PROGRESS),
                          result=result, unit_check=mine)

    def submit_part(self, actor: OperatorInfo, number: str, text: str) -> OrderView:
        """Art. 16(2): a co-handling unit's part, which the lead unit consolidates."""
        if actor.role is not Role.UNIT_LIAISON:
            raise PermissionDenied("配合意见由配合单位提交")

        def co(order: WorkOrder) -> None:
            if actor.unit_id not in {c.unit_id for c in order.co_handlers}:
                raise PermissionDenied("只有配合单位可以提交配合意见")

        return self._note(actor, number, "part", text, (OrderStatus.IN_PROGRESS,), unit_check=co)

    def record_consultation(self, actor: OperatorInfo, number: str, unit_ids: tuple[int, ...],
                            decision: str) -> OrderView:
        """Art. 16(3): units consulted on unclear ownership, and what was decided."""
        if actor.role not in DISPATCH_DESK:
            raise PermissionDenied("协商记录由派单员登记")
        if not unit_ids:
            raise ValidationFailed({"units": "请选择参与协商的单位"})
        return self._note(actor, number, "consult", decision,
                          (OrderStatus.AWAITING_DISPATCH, OrderStatus.RETURN_REVIEW),
                          units=tuple(unit_ids))

    def _apply(self, s: Session, order: WorkOrder, action: Action, lead_unit_id, co_handler_ids,
               new_due_at, satisfaction) -> None:
        now = self._clock.now()
        if action is Action.DISPATCH:
            if lead_unit_id is None or s.get(Unit, lead_unit_id) is None:
                raise ValidationFailed({"lead_unit": "请选择牵头单位"})
            order.lead_unit_id = lead_unit_id
            order.co_handlers = [OrderCoHandler(unit_id=u) for u in dict.fromkeys(co_handler_ids)
                                 if u != lead_unit_id and s.get(Unit, u) is not None]
            self._restart_clock(order, now)
        elif action is Action.REQUEST_EXTENSION:
            if new_due_at is None or new_due_at <= order.due_at:
                raise ValidationFailed({"new_due_at": "延期后的时限须晚于当前办理时限"})
            order.requested_due_at = new_due_at
        elif action is Action.APPROVE_EXTENSION:
            order.due_at = order.requested_due_at or order.due_at
            order.requested_due_at = None
        elif action is Action.REJECT_EXTENSION:
            order.requested_due_at = None
        elif action is Action.CALLBACK:
            if satisfaction not in SATISFACTION:
                raise ValidationFailed({"satisfaction": "请选择满意度：满意、基本满意或不满意"})
            order.satisfaction = satisfaction
        elif action is Action.REOPEN:
            order.reopen_count += 1
            order.satisfaction = None
            self._restart_clock(order, now)
        elif action is Action.SUPERVISE:
            order.supervision_level = min(order.supervision_level + 1, MAX_SUPERVISION_LEVEL)

    def _restart_clock(self, order: WorkOrder, now: datetime) -> None:
        rule = find_rule(self._reference.deadlines, order.request_type, order.urgency)
        d = compute_deadlines(now, rule)
        order.sign_by, order.due_at = d.sign_by, d.due_at

    def status_of(self, number: str) -> tuple[str, int]:
        with self._factory() as s:
            order = s.scalar(select(WorkOrder).where(WorkOrder.number == number))
            if order is None:
                raise NotFound(f"工单 {number} 不存在")
            return order.status, order.version


__all__ = ["OrderService", "OrderView", "EventView", "StaleOrder", "SATISFACTION", "RULINGS", "LEAD_ONLY",
           "RESOLUTIONS", "CALLER_VIEWS",
           "REASONABLE", "UNREASONABLE", "OrderStatus"]
