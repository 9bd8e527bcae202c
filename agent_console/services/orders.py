"""Work orders after the seat (Art. 16–20). Every change is load, decide, save: the order's
state and the facts the command needs are loaded, ``domain.workflow.decide`` rules, and the
decision is saved with its events in one transaction, checked against the version the actor
was looking at (optimistic locking)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from agent_console.domain.clock import Clock
from agent_console.domain.enums import OrderStatus, Role
from agent_console.domain.workflow import (
    CALLER_VIEWS,
    CENTRE_ROLES,
    CONTACT_RESULTS,
    FAILED_CONTACTS,
    REASONABLE,
    RESOLUTIONS,
    RULINGS,
    SATISFACTION,
    UNIT,
    UNREASONABLE,
    Action,
    Command,
    Create,
    Decision,
    Facts,
    LogContact,
    OrderState,
    RecordConsultation,
    Refusal,
    SubmitPart,
    command_for,
    decide,
    facts_needed,
    may_view,
)
from agent_console.services.calendar import CalendarService
from agent_console.services.dispatch import next_order_number
from agent_console.services.dto import CallerContact, OperatorInfo
from agent_console.services.errors import (
    NotFound,
    PermissionDenied,
    ServiceError,
    ValidationFailed,
)
from agent_console.services.reference import Reference
from agent_console.store import orders as order_store
from agent_console.store.models import (
    Caller,
    IntakeRecord,
    Operator,
    OrderEvent,
    OrderNote,
    Unit,
    WorkOrder,
)
from agent_console.store.upsert import retried

# Art. 18(1): who reaches the caller: the handling units on the order (lead and co-handlers,
# ``may_view``) and the centre's dispatch, callback and supervision desks; not the seats.
CALLER_CONTACT_ROLES = CENTRE_ROLES | UNIT
# A number that can be dialled; a withheld one is stored otherwise (or empty).
_DIALABLE = re.compile(r"^\+?[0-9]{3,20}$")


PROVISIONAL = "~"  # an order's number until number() gives it the day's (never committed)


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
    state: OrderState | None = None  # what domain.workflow.permitted asks about
    # the evidence of the termination request under review (Art. 18(6)), for the dispatcher
    termination_evidence: str | None = None
    # how to reach the caller (Art. 18(1)); ``None`` for a viewer who may not see it
    caller: CallerContact | None = None


class StaleOrder(ServiceError):
    """Someone else changed the order first; carries the order as it is now."""

    def __init__(self, fresh: OrderView) -> None:
        super().__init__(f"工单 {fresh.number} 已被他人处理，当前状态为“{fresh.status}”，"
                         "请查看最新情况后再操作")
        self.fresh = fresh


def system_actor(s: Session) -> OperatorInfo:
    """Who signs what the rules raise by themselves (the supervision scan, a supervision the
    rules attach to a change): the first active supervisor, or else an administrator."""
    op = None
    for role in (Role.SUPERVISOR, Role.ADMIN):
        op = op or s.scalar(select(Operator).where(Operator.role == role.value,
                                                   Operator.active.is_(True))
                            .order_by(Operator.id))
    if op is None:
        op = s.scalar(select(Operator).order_by(Operator.id))
    return OperatorInfo(op.id, op.staff_no, op.name, Role(op.role), op.unit_id)


def _system_id(s: Session, decision: Decision) -> int | None:
    return system_actor(s).id if any(e.by_system for e in decision.events) else None


def refused(refusal: Refusal) -> ServiceError:
    """A refusal the user can correct in the form, or an action not allowed now."""
    if refusal.field is not None:
        return ValidationFailed({refusal.field: refusal.reason})
    return PermissionDenied(refusal.reason)


class OrderService:
    def __init__(self, factory: sessionmaker[Session], clock: Clock, reference: Reference,
                 calendar: CalendarService | None = None,
                 reads: sessionmaker[Session] | None = None,
                 unit_names: Callable[[], dict[int, str]] = dict) -> None:
        self._factory = factory
        self._unit_names = unit_names  # the catalog's names read so far (read again if missing)
        self._reads = reads or factory  # sessions that only read (store.engine.make_read_factory)
        self._clock = clock
        self._reference = reference
        self._calendar = calendar  # the working calendar deadlines count on

    # ------------------------------------------------------------------ reading
    def show(self, number: str, viewer: OperatorInfo | None = None) -> OrderView:
        with self._reads() as s:
            row = self._row(s, number.strip().upper())
            if viewer is not None and not may_view(order_store.state_of(row), viewer):
                raise PermissionDenied("这张工单不属于您的单位")
            return self._view(s, row, viewer)

    @staticmethod
    def _row(s: Session, number: str, lock: bool = False) -> WorkOrder:
        """``lock``: the row is held until the commit (a change decides on the order as it is,
        not as it was a moment ago: two desks on one order take turns)."""
        # the co-handlers (every rule reads them) in the same statement; the lock takes the
        # order's row only
        stmt = select(WorkOrder).options(joinedload(WorkOrder.co_handlers)) \
            .where(WorkOrder.number == number)
        row = s.scalars(stmt.with_for_update(of=WorkOrder) if lock else stmt).unique().first()
        if row is None:
            raise NotFound(f"工单 {number} 不存在")
        return row

    def _view(self, s: Session, order: WorkOrder,
              viewer: OperatorInfo | None = None) -> OrderView:
        units = self.unit_names(s, {order.lead_unit_id, *(c.unit_id for c in order.co_handlers)})
        events = s.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id)
                           .order_by(OrderEvent.at, OrderEvent.id)).all()
        # the people on this order's timeline, not every account of the centre
        actors = {e.actor_id for e in events}
        ops = {i: f"{no} {name}" for i, no, name in s.execute(
            select(Operator.id, Operator.staff_no, Operator.name)
            .where(Operator.id.in_(actors)))} if actors else {}
        evidence = None
        if order.status == OrderStatus.TERMINATION_REVIEW.value:
            evidence = s.scalar(select(OrderNote.content).where(
                OrderNote.order_id == order.id, OrderNote.kind == order_store.EVIDENCE_NOTE)
                .order_by(OrderNote.id.desc()).limit(1))
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
            state=order_store.state_of(order), termination_evidence=evidence,
            caller=self._caller(s, order, viewer),
        )

    @staticmethod
    def may_contact_caller(state: OrderState, viewer: OperatorInfo | None) -> bool:
        """Art. 18(1), 21: the caller's number, name and address go to the units on the order
        and the centre's desks only (no viewer: no one named, nothing shown)."""
        return viewer is not None and viewer.role in CALLER_CONTACT_ROLES \
            and may_view(state, viewer)

    def _caller(self, s: Session, order: WorkOrder,
                viewer: OperatorInfo | None) -> CallerContact | None:
        """The caller as the seat took it down at intake (intake_records: name, address,
        confidentiality) with the number on record (callers.phone)."""
        if not self.may_contact_caller(order_store.state_of(order), viewer):
            return None
        intake = s.get(IntakeRecord, order.intake_id)
        caller = s.get(Caller, order.caller_id)
        phone = (caller.phone if caller is not None else "").strip()
        name = (intake.caller_name if intake is not None else "") \
            or (caller.name if caller is not None else "")
        return CallerContact(
            phone=phone if _DIALABLE.match(phone) else "",
            name=name.strip(), address=(intake.address if intake is not None else "").strip(),
            region=order.region or (intake.region if intake is not None else None),
            confidential=order.confidential or (intake is not None and intake.confidential),
        )

    def status_of(self, number: str) -> tuple[str, int]:
        with self._reads() as s:
            found = s.execute(select(WorkOrder.status, WorkOrder.version)
                              .where(WorkOrder.number == number)).first()
        if found is None:
            raise NotFound(f"工单 {number} 不存在")
        return found.status, found.version

    # ------------------------------------------------------------------ facts
    def unit_names(self, s: Session, ids) -> dict[int, str]:
        """Names of the units ``ids``: from the catalog's cache, and those it lacks from ``s``."""
        known = self._unit_names()
        names = {i: known[i] for i in ids if i in known}
        if missing := set(ids) - names.keys():
            names.update(s.execute(select(Unit.id, Unit.name).where(Unit.id.in_(missing))).all())
        return names

    def facts(self, s: Session, command: Command, state: OrderState | None = None,
              order_id: int | None = None) -> Facts:
        """What ``decide`` needs for this command: names of the units it involves, and the
        evidence counts only when the command reads them."""
        ids = set(state.units) if state is not None else set()
        ids.update(getattr(command, "co_handler_ids", ()), getattr(command, "unit_ids", ()))
        if (lead := getattr(command, "lead_unit_id", None)) is not None:
            ids.add(lead)
        units = self.unit_names(s, ids)
        needed = facts_needed(command)
        failed = parts = rejected = None
        if "failed_contacts" in needed and order_id is not None:
            failed = tuple(s.scalars(select(OrderNote.at).where(
                OrderNote.order_id == order_id, OrderNote.kind == Action.CONTACT.value,
                OrderNote.result.in_(sorted(FAILED_CONTACTS))).order_by(OrderNote.at)))
        if "rejected_returns" in needed and order_id is not None:
            # since the order last went to a unit (created or dispatched): the current lead's
            assigned = s.scalar(select(func.max(OrderEvent.id)).where(
                OrderEvent.order_id == order_id,
                OrderEvent.action.in_((Action.CREATE.value, Action.DISPATCH.value))))
            rejected = s.scalar(select(func.count()).select_from(OrderEvent).where(
                OrderEvent.order_id == order_id, OrderEvent.action == Action.REJECT_RETURN.value,
                OrderEvent.id > (assigned or 0)))
        if "parts_from" in needed and order_id is not None and state is not None \
                and state.co_handler_ids:
            parts = frozenset(s.scalars(select(OrderNote.unit_id).where(
                OrderNote.order_id == order_id, OrderNote.kind == Action.PART.value)))
        calendar = self._calendar.calendar(s) if self._calendar is not None else None
        return Facts(now=self._clock.now(), deadlines=self._reference.deadlines, units=units,
                     calendar=calendar,
                     failed_contacts=failed or (), parts_from=parts or frozenset(),
                     termination=self._reference.termination, rejected_returns=rejected or 0)

    # ------------------------------------------------------------------ changing
    def execute(self, actor: OperatorInfo, number: str, command: Command,
                expected_version: int | None, *, view: bool = True) -> OrderView | None:
        """Load, decide, save. ``expected_version`` is the version the actor was looking at
        (``None`` for notes, which change no field of the order). A deadlock victim or a
        serialisation failure is run again (``retried``)."""
        return retried(lambda: self._execute(actor, number, command, expected_version, view))

    def _execute(self, actor: OperatorInfo, number: str, command: Command,
                 expected_version: int | None, view: bool) -> OrderView | None:
        try:
            with self._factory.begin() as s:
                # locked: a note (no version to compare) is decided on the status as it is
                # now; a change waits for another desk's and then sees the new version
                row = self._row(s, number, lock=True)
                if expected_version is not None and row.version != expected_version:
                    raise StaleOrder(self._view(s, row, actor))
                state = order_store.state_of(row)
                decision = decide(state, command, actor, self.facts(s, command, state, row.id))
                if isinstance(decision, Refusal):
                    raise refused(decision)
                order_store.save(s, row, decision, actor.id, actor.unit_id, self._clock.now(),
                                 _system_id(s, decision))
                s.flush()  # the UPDATE … WHERE version = expected runs here
                return self._view(s, row, actor) if view else None
        except StaleDataError:
            with self._factory() as s:
                raise StaleOrder(self._view(s, self._row(s, number), actor)) from None

    def act(self, actor: OperatorInfo, number: str, action: Action, expected_version: int,
            reason: str = "", *, view: bool = True, **inputs) -> OrderView | None:
        """``execute`` with the command built from loose inputs (lead_unit_id,
        co_handler_ids, new_due_at, satisfaction, ruling, resolution, caller_view …)."""
        return self.execute(actor, number, command_for(action, reason, **inputs),
                            expected_version, view=view)

    def create(self, s: Session, actor: OperatorInfo, command: Create, **row_fields) -> WorkOrder:
        """Inside the intake's own transaction: the order the seat makes (Art. 15–16). It is
        written under a provisional number; ``number()`` gives it the day's next number as
        the transaction's last statement."""
        decision = decide(None, command, actor, self.facts(s, command))
        if isinstance(decision, Refusal):
            raise refused(decision)
        now = self._clock.now()
        return order_store.insert(s, decision, actor.id, now,
                                  number=PROVISIONAL + uuid.uuid4().hex[:15], **row_fields)

    def number(self, s: Session, order: WorkOrder) -> str:
        """The day's next number, taken last before the commit: the one counter row of the
        day is then held from this statement to the commit only, not for the whole intake
        (at fifty seats that row serialised every order in the city). Everything else of the
        transaction is written first; a rollback gives the number back, so the day's
        numbers stay gap-free."""
        s.flush()
        number = next_order_number(s, order.created_at.date())
        # a plain UPDATE: giving the order its number is not a change of the order (its
        # version stays 1 for the first edit anyone makes)
        s.execute(update(WorkOrder).where(WorkOrder.id == order.id).values(number=number)
                  .execution_options(synchronize_session=False))
        set_committed_value(order, "number", number)
        return number

    def decide_and_save(self, s: Session, row: WorkOrder, command: Command,
                        actor: OperatorInfo) -> Decision | Refusal:
        """Inside a caller's transaction (the supervision scan): a refusal is returned, not
        raised, so a batch goes on."""
        state = order_store.state_of(row)
        decision = decide(state, command, actor, self.facts(s, command, state, row.id))
        if not isinstance(decision, Refusal):
            order_store.save(s, row, decision, actor.id, actor.unit_id, self._clock.now(),
                             _system_id(s, decision))
        return decision

    # ------------------------------------------------------------------ notes
    def log_contact(self, actor: OperatorInfo, number: str, result: str | None,
                    note: str = "") -> OrderView:
        """Art. 18(1): every attempt to reach the caller, by the lead or a co-handling unit."""
        return self.execute(actor, number, LogContact(reason=note, result=result), None)

    def submit_part(self, actor: OperatorInfo, number: str, text: str) -> OrderView:
        """Art. 16(2): a co-handling unit's part, which the lead unit consolidates."""
        return self.execute(actor, number, SubmitPart(reason=text), None)

    def record_consultation(self, actor: OperatorInfo, number: str, unit_ids: tuple[int, ...],
                            decision: str) -> OrderView:
        """Art. 16(3): units consulted on unclear ownership, and what was decided."""
        return self.execute(actor, number,
                            RecordConsultation(reason=decision, unit_ids=tuple(unit_ids)), None)


__all__ = [
    "CALLER_VIEWS",
    "CONTACT_RESULTS",
    "REASONABLE",
    "RESOLUTIONS",
    "RULINGS",
    "SATISFACTION",
    "UNREASONABLE",
    "EventView",
    "OrderService",
    "OrderStatus",
    "OrderView",
    "StaleOrder",
    "refused",
    "system_actor",
]
