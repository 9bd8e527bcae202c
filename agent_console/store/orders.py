"""Work orders between the rules and the tables: a row's state for ``workflow.decide``, and a
decision saved back. Events and notes are written here and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from agent_console.domain.workflow import Action, Decision, OrderState
from agent_console.store.models import OrderCoHandler, OrderEvent, OrderNote, WorkOrder

# A note's kind as stored (order_notes.kind holds 12 characters): the notes' own actions, and
# the evidence a termination request carries (Art. 18(6)).
EVIDENCE_NOTE = "evidence"
_NOTE_KINDS = {Action.REQUEST_TERMINATION: EVIDENCE_NOTE}


def state_of(row: WorkOrder) -> OrderState:
    return OrderState(
        status=row.status, lead_unit_id=row.lead_unit_id, sign_by=row.sign_by,
        due_at=row.due_at, co_handler_ids=tuple(c.unit_id for c in row.co_handlers),
        request_type=row.request_type, urgency=row.urgency,
        requested_due_at=row.requested_due_at, supervision_level=row.supervision_level,
        reopen_count=row.reopen_count, satisfaction=row.satisfaction,
        immediate_dispatch=bool(row.immediate_dispatch),
    )


def _copy_state(row: WorkOrder, state: OrderState) -> None:
    row.status = str(state.status)
    row.lead_unit_id = state.lead_unit_id
    row.request_type, row.urgency = state.request_type, state.urgency
    row.sign_by, row.due_at = state.sign_by, state.due_at
    row.requested_due_at = state.requested_due_at
    row.supervision_level = state.supervision_level
    row.reopen_count = state.reopen_count
    row.satisfaction = state.satisfaction
    row.immediate_dispatch = state.immediate_dispatch
    have = [c.unit_id for c in row.co_handlers]
    if have != list(state.co_handler_ids):
        keep = {c.unit_id: c for c in row.co_handlers}
        row.co_handlers = [keep.get(u) or OrderCoHandler(unit_id=u) for u in state.co_handler_ids]
    for c in row.co_handlers:  # the copy the unit queues read (models.OrderCoHandler)
        c.order_created_at, c.order_status = row.created_at, row.status
        c.order_due_at, c.order_level = row.due_at, row.supervision_level


def save(s: Session, row: WorkOrder, decision: Decision, actor_id: int,
         actor_unit_id: int | None, at: datetime, system_actor_id: int | None = None) -> None:
    """The decision's state onto the row, its events and note beside it (same transaction;
    the version check runs at flush). Events the rules raised (``by_system``) are signed by
    ``system_actor_id`` when given."""
    held = _InForce(row.lead_unit_id, row.sign_by, row.due_at)
    _copy_state(row, decision.state)
    _write(s, row.id, decision, actor_id, actor_unit_id, at, system_actor_id, held)


def insert(s: Session, decision: Decision, actor_id: int, at: datetime, **row_fields) -> WorkOrder:
    """A new order from a ``Create`` decision; ``row_fields`` are the facts of the request
    (number, intake, caller, category, region, content, confidentiality)."""
    row = WorkOrder(created_at=at, created_by_id=actor_id, **row_fields)
    row.co_handlers = []
    _copy_state(row, decision.state)
    s.add(row)
    s.flush()
    _write(s, row.id, decision, actor_id, None, at, None, _InForce(None, None, None))
    return row


@dataclass(frozen=True)
class _InForce:
    """An order's lead unit and deadlines before a decision: what its events are judged by."""

    lead_unit_id: int | None
    sign_by: datetime | None
    due_at: datetime | None


def _write(s: Session, order_id: int, decision: Decision, actor_id: int,
           actor_unit_id: int | None, at: datetime, system_actor_id: int | None,
           held: _InForce) -> None:
    state = decision.state
    # the unit the event belongs to: the lead it was written under (a return approved, a
    # redispatch are the leaving unit's), else the one it gave the order to (a first dispatch)
    unit = held.lead_unit_id if held.lead_unit_id is not None else state.lead_unit_id
    for e in decision.events:
        signer = system_actor_id if e.by_system and system_actor_id is not None else actor_id
        deadline = {Action.SIGN: held.sign_by or state.sign_by,
                    Action.COMPLETE: held.due_at or state.due_at}.get(e.action)
        s.add(OrderEvent(order_id=order_id, at=at, actor_id=signer, action=e.action.value,
                         from_status=e.from_status.value if e.from_status else None,
                         to_status=e.to_status.value, reason=e.reason, unit_id=unit,
                         deadline=deadline, level=e.level))
    note = decision.note
    if note is not None:
        s.add(OrderNote(order_id=order_id, at=at, actor_id=actor_id, unit_id=actor_unit_id,
                        kind=_NOTE_KINDS.get(note.kind, note.kind.value), result=note.result,
                        content=note.content,
                        units_consulted=list(note.unit_ids)))
