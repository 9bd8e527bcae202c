"""Listing work orders and intake records for the console and for scripts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from agent_console.domain.enums import Role
from agent_console.domain.phone import mask_phone
from agent_console.services.catalog import CatalogService
from agent_console.services.dto import CallRow, OperatorInfo, OrderRow
from agent_console.services.errors import PermissionDenied
from agent_console.store.models import (
    OPEN_STATUS_SQL,
    SUPERVISED_SQL,
    Caller,
    Category,
    IntakeRecord,
    Operator,
    OrderCoHandler,
    WorkOrder,
)

MAX_LIMIT = 10_000
QUEUE_PAGE = 100  # a queue on screen is read a page at a time
LIST_COLUMNS = (
    WorkOrder.id, WorkOrder.number, WorkOrder.status, WorkOrder.lead_unit_id,
    WorkOrder.request_type, WorkOrder.urgency, WorkOrder.category_id, WorkOrder.region,
    WorkOrder.content, WorkOrder.confidential, WorkOrder.created_at, WorkOrder.sign_by,
    WorkOrder.due_at, WorkOrder.supervision_level, Caller.phone, Operator.staff_no,
)


class RecordsService:
    def __init__(self, factory: sessionmaker[Session], catalog: CatalogService) -> None:
        self._factory = factory
        self._catalog = catalog  # unit names and category paths: reference data, read once

    def orders(self, limit: int = 200, viewer: OperatorInfo | None = None,
               statuses: tuple[str, ...] = (), overdue_at: datetime | None = None,
               search: str = "", supervised: bool = False) -> list[OrderRow]:
        """Newest first. A unit liaison sees only the orders of the unit (lead or co-handler);
        confidential callers' numbers are masked. ``statuses`` filters a queue,
        ``overdue_at`` keeps open orders past their deadline, ``search`` matches the order
        number, the caller's number or the content; ``supervised`` keeps open orders under
        supervision (Art. 19), most overdue first."""
        limit = max(1, min(limit, MAX_LIMIT))
        # reference data first: the catalog reads on a connection of its own, which must not
        # wait behind this session's (SQLite takes its write lock at BEGIN)
        units = {uid: u.name for uid, u in self._catalog.units().items()}
        cats = {cid: c.path for cid, c in self._catalog.categories().items()}
        with self._factory() as s:
            # plain columns (the caller's number and the creating seat joined in), not
            # entities: a queue refresh is the console's most frequent read
            base = select(*LIST_COLUMNS) \
                .join(Caller, Caller.id == WorkOrder.caller_id) \
                .join(Operator, Operator.id == WorkOrder.created_by_id)
            stmt = base.order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc())
            if statuses:
                stmt = stmt.where(WorkOrder.status.in_(statuses))
            if overdue_at is not None:
                # most overdue first, straight off the partial index of open orders
                stmt = base.where(text(OPEN_STATUS_SQL), WorkOrder.due_at < overdue_at) \
                    .order_by(WorkOrder.due_at, WorkOrder.id)
            if supervised:
                stmt = base.where(text(SUPERVISED_SQL)).order_by(WorkOrder.due_at, WorkOrder.id)
            term = " ".join(search.split())[:60]
            if term:
                like = f"%{term.replace('%', '').replace('_', '')}%"
                phones = select(Caller.id).where(Caller.phone.like(like))
                stmt = stmt.where(WorkOrder.number.like(like.upper()) | WorkOrder.content.like(like)
                                  | WorkOrder.caller_id.in_(phones))
            stmt = stmt.limit(limit)
            by_due = overdue_at is not None or supervised
            if viewer is not None and viewer.role is Role.UNIT_LIAISON:
                if viewer.unit_id is None:
                    raise PermissionDenied("该账号未绑定承办单位，无法查看工单")
                # two index-friendly queries (led, co-handled) instead of one OR
                co = select(OrderCoHandler.order_id).where(OrderCoHandler.unit_id == viewer.unit_id)
                led = s.execute(stmt.where(WorkOrder.lead_unit_id == viewer.unit_id)).all()
                helped = s.execute(stmt.where(WorkOrder.id.in_(co))).all()
                key = (lambda o: (o.due_at, o.id)) if by_due else (lambda o: (o.created_at, o.id))
                merged = {o.id: o for o in [*led, *helped]}.values()
                orders = sorted(merged, key=key, reverse=not by_due)[:limit]
            elif supervised and not term and s.get_bind().dialect.name == "sqlite":
                # Without statistics SQLite's planner picks the status index and sorts every
                # open order; name the partial index of supervised open orders instead.
                ids = s.scalars(text(
                    "SELECT id FROM work_orders INDEXED BY ix_order_supervised_due "
                    f"WHERE {SUPERVISED_SQL} ORDER BY due_at, id LIMIT :n"), {"n": limit}).all()
                found = s.execute(base.where(WorkOrder.id.in_(ids))).all()
                orders = sorted(found, key=lambda o: (o.due_at, o.id))
            else:
                orders = s.execute(stmt).all()
            co_handlers: dict[int, list[int]] = {}
            if orders:
                for order_id, unit_id in s.execute(
                        select(OrderCoHandler.order_id, OrderCoHandler.unit_id)
                        .where(OrderCoHandler.order_id.in_([o.id for o in orders]))):
                    co_handlers.setdefault(order_id, []).append(unit_id)
            return [OrderRow(
                number=o.number, status=o.status, lead_unit=units.get(o.lead_unit_id, ""),
                co_handlers=tuple(units.get(u, "") for u in co_handlers.get(o.id, ())),
                request_type=o.request_type, urgency=o.urgency,
                category=cats.get(o.category_id), region=o.region, content=o.content,
                caller_phone=mask_phone(o.phone) if o.confidential else o.phone,
                confidential=o.confidential, created_at=o.created_at, sign_by=o.sign_by,
                due_at=o.due_at, created_by=o.staff_no, supervision_level=o.supervision_level,
            ) for o in orders]

    @staticmethod
    def _callers(s: Session, ids: set[int]) -> dict[int, str]:
        if not ids:
            return {}
        return dict(s.execute(select(Caller.id, Caller.phone).where(Caller.id.in_(ids))).all())

    def calls(self, limit: int = 200) -> list[CallRow]:
        limit = max(1, min(limit, MAX_LIMIT))
        with self._factory() as s:
            records = s.scalars(select(IntakeRecord).order_by(IntakeRecord.started_at.desc(),
                                                              IntakeRecord.id.desc()).limit(limit)).all()
            cats = {c.id: c.path for c in s.scalars(select(Category))}
            ops = {o.id: o.staff_no for o in s.scalars(select(Operator))}
            callers = self._callers(s, {r.caller_id for r in records})
            ids = [r.id for r in records]
            orders = {}
            if ids:
                orders = {o.intake_id: o.number for o in s.scalars(
                    select(WorkOrder).where(WorkOrder.intake_id.in_(ids)))}
            return [
                CallRow(
                    id=r.id, started_at=r.started_at, ended_at=r.ended_at,
                    operator=ops.get(r.operator_id, ""),
                    caller_phone=mask_phone(callers.get(r.caller_id, "")) if r.confidential
                    else callers.get(r.caller_id, ""),
                    channel=r.channel, request_type=r.request_type, outcome=r.outcome,
                    kb_article_id=r.kb_article_id, category=cats.get(r.category_id),
                    region=r.region, content=r.content, confidential=r.confidential,
                    order_number=orders.get(r.id), not_accepted_code=r.not_accepted_code,
                )
                for r in records
            ]
