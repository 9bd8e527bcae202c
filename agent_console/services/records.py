"""Listing work orders and intake records for the console and for scripts."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy import String, bindparam, case, cast, func, select, text, union
from sqlalchemy.orm import Session, sessionmaker

from agent_console.domain.enums import OPEN_ORDER_STATUSES, OrderStatus, Outcome, Role
from agent_console.domain.phone import mask_phone
from agent_console.services.catalog import CatalogService
from agent_console.services.dto import (
    CallRow,
    MonthCounts,
    OperatorInfo,
    OrderRow,
    UnitMonth,
)
from agent_console.services.errors import PermissionDenied
from agent_console.services.intake import expert_outcomes
from agent_console.store.models import (
    CO_OPEN_SQL,
    CO_SUPERVISED_SQL,
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
DONE_VALUES = frozenset({OrderStatus.COMPLETED.value, OrderStatus.CALLED_BACK.value,
                         OrderStatus.ARCHIVED.value})
# The co-handlers of each listed order in the same statement (unit ids, comma-separated): one
# primary-key read per row instead of a second query with an IN list of a hundred ids.
CO_HANDLER_IDS = select(func.aggregate_strings(cast(OrderCoHandler.unit_id, String), ",")) \
    .where(OrderCoHandler.order_id == WorkOrder.id).correlate(WorkOrder).scalar_subquery() \
    .label("co_handler_ids")
LIST_COLUMNS = (
    WorkOrder.id, WorkOrder.number, WorkOrder.status, WorkOrder.lead_unit_id,
    WorkOrder.request_type, WorkOrder.urgency, WorkOrder.category_id, WorkOrder.region,
    WorkOrder.content, WorkOrder.confidential, WorkOrder.created_at, WorkOrder.sign_by,
    WorkOrder.due_at, WorkOrder.supervision_level, Caller.phone, Operator.staff_no,
    CO_HANDLER_IDS,
)


# The kinds of list: newest first (optionally of some statuses), or by deadline (overdue now,
# or under supervision).
NEWEST, OVERDUE, SUPERVISED_QUEUE = "newest", "overdue", "supervised"


@lru_cache(maxsize=128)
def _list_statement(kind: str, statuses: int, unit: bool, search: bool):
    """The statement of one shape of list, built once (building it cost more than running
    it). Its parameters: ``n`` (the page), ``st0`` … (the statuses), ``before`` (overdue
    queue), ``unit`` (a liaison's unit), ``like``/``like_upper`` (a search)."""
    found = None
    if search:
        like = bindparam("like")
        found = WorkOrder.number.like(bindparam("like_upper")) | WorkOrder.content.like(like) \
            | WorkOrder.caller_id.in_(select(Caller.id).where(Caller.phone.like(like)))
    status_list = [bindparam(f"st{i}") for i in range(statuses)]
    if unit:
        return _unit_statement(kind, status_list, found)
    # plain columns (the caller's number, the creating seat and the co-handlers joined in),
    # not entities: a queue refresh is the console's most frequent read
    stmt = select(*LIST_COLUMNS) \
        .join(Caller, Caller.id == WorkOrder.caller_id) \
        .join(Operator, Operator.id == WorkOrder.created_by_id)
    if found is not None:
        stmt = stmt.where(found)
    if kind == SUPERVISED_QUEUE:
        return stmt.where(text(SUPERVISED_SQL)).order_by(WorkOrder.due_at, WorkOrder.id) \
            .limit(bindparam("n"))
    if kind == OVERDUE:
        # most overdue first, straight off the partial index of open orders
        return stmt.where(text(OPEN_STATUS_SQL), WorkOrder.due_at < bindparam("before")) \
            .order_by(WorkOrder.due_at, WorkOrder.id).limit(bindparam("n"))
    if status_list:
        stmt = stmt.where(WorkOrder.status.in_(status_list))
    return stmt.order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc()).limit(bindparam("n"))


def _unit_statement(kind: str, statuses: list, found):
    """A unit's queue: the orders it leads and those it co-handles. The keys come first, each
    part one range of one index in the queue's order cut at the page: the led orders off
    work_orders (lead, status, created_at), the co-handled ones off the co-handler rows' copy
    of their order (unit, status, created_at), one part per status; an overdue or supervised
    queue by deadline off the partial indexes of open orders. Only the page of keys that wins
    is joined for its columns."""
    ch, unit_id, n = OrderCoHandler, bindparam("unit"), bindparam("n")
    by_due = kind != NEWEST
    led = select(WorkOrder.id.label("id"),
                 (WorkOrder.due_at if by_due else WorkOrder.created_at).label("k")) \
        .where(WorkOrder.lead_unit_id == unit_id)
    helped = select(ch.order_id.label("id"),
                    (ch.order_due_at if by_due else ch.order_created_at).label("k")) \
        .where(ch.unit_id == unit_id)
    if found is not None:  # a search: the co-handled orders' own columns are needed
        led = led.where(found)
        helped = helped.join(WorkOrder, WorkOrder.id == ch.order_id).where(found)
    if kind == SUPERVISED_QUEUE:
        parts = [led.where(text(SUPERVISED_SQL)).order_by(WorkOrder.due_at, WorkOrder.id),
                 helped.where(text(CO_SUPERVISED_SQL)).order_by(ch.order_due_at, ch.order_id)]
    elif kind == OVERDUE:
        before = bindparam("before")
        parts = [led.where(text(OPEN_STATUS_SQL), WorkOrder.due_at < before)
                 .order_by(WorkOrder.due_at, WorkOrder.id),
                 helped.where(text(CO_OPEN_SQL), ch.order_due_at < before)
                 .order_by(ch.order_due_at, ch.order_id)]
    else:
        led_newest = (WorkOrder.created_at.desc(), WorkOrder.id.desc())
        co_newest = (ch.order_created_at.desc(), ch.order_id.desc())
        parts = [part for st in statuses for part in (
            led.where(WorkOrder.status == st).order_by(*led_newest),
            helped.where(ch.order_status == st).order_by(*co_newest))] \
            or [led.order_by(*led_newest), helped.order_by(*co_newest)]
    # each part a subquery of its own: SQLite takes ORDER BY … LIMIT in a compound select's
    # members only so
    keys = union(*(select(part.limit(n).subquery()) for part in parts)).subquery()
    order = (keys.c.k, keys.c.id) if by_due else (keys.c.k.desc(), keys.c.id.desc())
    top = select(keys).order_by(*order).limit(n).subquery()
    order = (top.c.k, top.c.id) if by_due else (top.c.k.desc(), top.c.id.desc())
    return select(*LIST_COLUMNS).select_from(top) \
        .join(WorkOrder, WorkOrder.id == top.c.id) \
        .join(Caller, Caller.id == WorkOrder.caller_id) \
        .join(Operator, Operator.id == WorkOrder.created_by_id) \
        .order_by(*order)


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
        params: dict = {"n": max(1, min(limit, MAX_LIMIT))}
        unit = viewer is not None and viewer.role is Role.UNIT_LIAISON
        if unit:
            if viewer.unit_id is None:
                raise PermissionDenied("该账号未绑定承办单位，无法查看工单")
            params["unit"] = viewer.unit_id
        if supervised:
            kind, statuses = SUPERVISED_QUEUE, ()
        elif overdue_at is not None:
            kind, statuses = OVERDUE, ()
            params["before"] = overdue_at
        else:
            kind = NEWEST
        params.update({f"st{i}": st for i, st in enumerate(statuses)})
        term = " ".join(search.split())[:60]
        if term:
            like = f"%{term.replace('%', '').replace('_', '')}%"
            params.update(like=like, like_upper=like.upper())
        # reference data first: the catalog reads on a connection of its own, which must not
        # wait behind this session's (SQLite takes its write lock at BEGIN)
        units = {uid: u.name for uid, u in self._catalog.units().items()}
        cats = {cid: c.path for cid, c in self._catalog.categories().items()}
        with self._factory() as s:
            if kind == SUPERVISED_QUEUE and not unit and not term \
                    and s.get_bind().dialect.name == "sqlite":
                # Without statistics SQLite's planner picks the status index and sorts every
                # open order; name the partial index of supervised open orders instead.
                ids = s.scalars(text(
                    "SELECT id FROM work_orders INDEXED BY ix_order_supervised_due "
                    f"WHERE {SUPERVISED_SQL} ORDER BY due_at, id LIMIT :n"), params).all()
                picked = s.execute(_list_statement(NEWEST, 0, False, False)
                                   .where(WorkOrder.id.in_(ids)), params).all()
                orders = sorted(picked, key=lambda o: (o.due_at, o.id))
            else:
                orders = s.execute(_list_statement(kind, len(statuses), unit, bool(term)),
                                   params).all()
        rows = []
        for (_id, number, status, lead, request_type, urgency, category_id, region, content,
             confidential, created_at, sign_by, due_at, level, phone, staff_no, co) in orders:
            rows.append(OrderRow(
                number=number, status=status, lead_unit=units.get(lead, ""),
                co_handlers=tuple(units.get(u, "") for u in sorted(map(int, co.split(","))))
                if co else (),
                request_type=request_type, urgency=urgency, category=cats.get(category_id),
                region=region, content=content,
                caller_phone=mask_phone(phone) if confidential else phone,
                confidential=confidential, created_at=created_at, sign_by=sign_by,
                due_at=due_at, created_by=staff_no, supervision_level=level))
        return rows

    def month_counts(self, year: int, month: int, now: datetime,
                     viewer: OperatorInfo | None = None) -> MonthCounts:
        """The work orders created in a month, counted by status and by lead unit as they
        stand at ``now`` (open, overdue now, done). A liaison counts the own unit's only.
        One grouped read over the month's range of ix_order_created."""
        start = datetime(year, month, 1)
        end = datetime(year + month // 12, month % 12 + 1, 1)
        open_values = [st.value for st in OPEN_ORDER_STATUSES]
        stmt = select(WorkOrder.lead_unit_id, WorkOrder.status, func.count(),
                      func.sum(case((WorkOrder.due_at < now, 1), else_=0))) \
            .where(WorkOrder.created_at >= start, WorkOrder.created_at < end) \
            .group_by(WorkOrder.lead_unit_id, WorkOrder.status)
        if viewer is not None and viewer.role is Role.UNIT_LIAISON:
            if viewer.unit_id is None:
                raise PermissionDenied("该账号未绑定承办单位，无法查看工单")
            stmt = stmt.where(WorkOrder.lead_unit_id == viewer.unit_id)
        units = {uid: u.name for uid, u in self._catalog.units().items()}
        with self._factory() as s:
            rows = s.execute(stmt).all()
        statuses: dict[str, int] = {}
        per_unit: dict[int, list[int]] = {}
        for unit_id, status, n, late in rows:
            statuses[status] = statuses.get(status, 0) + n
            tally = per_unit.setdefault(unit_id, [0, 0, 0, 0])
            tally[0] += n
            if status in open_values:
                tally[1] += n
                tally[2] += int(late or 0)
            elif status in DONE_VALUES:
                tally[3] += n
        order = [st.value for st in OrderStatus]
        return MonthCounts(
            month=f"{year:04d}-{month:02d}", created=sum(statuses.values()),
            by_status=tuple(sorted(statuses.items(), key=lambda kv: order.index(kv[0])
                                   if kv[0] in order else len(order))),
            by_unit=tuple(sorted((UnitMonth(units.get(u, str(u)), *t)
                                  for u, t in per_unit.items()),
                                 key=lambda m: (-m.created, m.unit))))

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
            experts = expert_outcomes(s, [r.id for r in records if r.outcome == Outcome.EXPERT])
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
                    expert_outcome=experts.get(r.id),
                )
                for r in records
            ]
