"""Art. 19: tiered supervision. Orders past their deadline (19(2)) and orders not signed for in
time (19(1)) are raised automatically by the scan, each raise an event row; a return asked for
again after a rejected one (19(1)) and reasonable unsatisfied callbacks (19(3)) are raised by
the rules as they happen, signed by the system as the scan's are; supervisors raise by hand
through the workflow. Stale KB articles (19(4)) are listed
against their units, every notice is listed per unit, and units are ranked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select, text, true, tuple_
from sqlalchemy.orm import Session, selectinload, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from agent_console.domain.clock import Clock
from agent_console.domain.enums import Role
from agent_console.domain.workflow import (
    TIERS,
    Action,
    Refusal,
    supervises,
    supervision_due,
)
from agent_console.services.dto import OperatorInfo
from agent_console.services.errors import PermissionDenied
from agent_console.services.orders import OrderService, system_actor
from agent_console.store.models import (
    HELD_STATUS_SQL,
    UNSIGNED_SQL,
    KbArticle,
    KbNotice,
    Operator,
    OrderEvent,
    Unit,
    WorkOrder,
)
from agent_console.store.orders import state_of

# How long past its validity a unit's oldest KB article reaches each level (Art. 19(4)).
KB_TIERS = (timedelta(0), timedelta(days=30), timedelta(days=90))
SCAN_BATCH = 1000


@dataclass(frozen=True)
class ScanReport:
    scanned: int
    raised: int  # orders raised
    skipped_busy: int
    kb_units: int = 0  # units given a (higher) notice for out-of-date KB articles


@dataclass(frozen=True)
class Notice:
    """One supervision notice (a supervise event) against a unit's order."""

    at: datetime
    unit: str
    number: str  # "" for a knowledge-base notice, which belongs to no order
    status: str
    level: int  # the order's supervision level now (a KB notice: its own level)
    reason: str
    actor: str


@dataclass(frozen=True)
class UnitStanding:
    """A unit's line of the ranking (Art. 19, 22): its orders open and overdue now, what it
    completed and how its callers judged it over the ranking's period, and the score of
    data/metrics.json (unit_score), computed by services.analytics."""

    unit: str
    open_orders: int
    overdue: int
    supervised: int  # open orders under supervision now
    completed: int   # completions in the period
    satisfied: int
    called_back: int
    stale_articles: int
    unit_id: int | None = None
    on_time_rate: float | None = None
    score: float | None = None  # None: nothing in the period to judge the unit by

    @property
    def satisfaction_rate(self) -> float | None:
        return self.satisfied / self.called_back if self.called_back else None


RANKING_DAYS = 30  # the ranking's period: the last 30 days, today included


class SupervisionService:
    def __init__(self, factory: sessionmaker[Session], clock: Clock, orders: OrderService,
                 analytics) -> None:
        self._factory = factory
        self._clock = clock
        self._orders = orders
        self.analytics = analytics  # services.analytics: the ranking is one of its figures

    def _system_actor(self, s: Session) -> OperatorInfo:
        """Automatic raises are signed by the first active supervisor (or else an admin)."""
        return system_actor(s)

    def scan(self, actor: OperatorInfo | None = None) -> ScanReport:
        """Raise every overdue open order to the level its lateness calls for, and every order
        still unsigned after its sign-for deadline to level 1."""
        if actor is not None and not supervises(actor):
            raise PermissionDenied("只有督办员可以执行督办扫描")
        now = self._clock.now()
        scanned = raised = busy = 0
        # Behind on its tier: held by a unit at level i while TIERS[i] or more past the
        # deadline. Each level is one range of ix_order_held_level_due that holds exactly those
        # orders, so a scan with nothing to raise reads nothing, however many are overdue.
        ranges = [(and_(text(HELD_STATUS_SQL), WorkOrder.supervision_level == level,
                        WorkOrder.due_at < now - tier), WorkOrder.due_at)
                  for level, tier in enumerate(TIERS)]
        # Art. 19(1): not signed for by the sign-for deadline (ix_order_unsigned_sign)
        ranges.append((and_(text(UNSIGNED_SQL), WorkOrder.sign_by < now), WorkOrder.sign_by))
        for behind, key in ranges:
            after = true()
            while True:
                with self._factory() as s:
                    rows = s.execute(select(key, WorkOrder.id).where(behind, after)
                                     .order_by(key, WorkOrder.id).limit(SCAN_BATCH)).all()
                if not rows:
                    break
                after = tuple_(key, WorkOrder.id) > tuple_(*rows[-1])
                scanned += len(rows)
                r, b = self._raise_batch([r.id for r in rows], now, actor)
                raised, busy = raised + r, busy + b
        return ScanReport(scanned, raised, busy, self._raise_kb(now, actor))

    def _raise_kb(self, now: datetime, actor: OperatorInfo | None) -> int:
        """Art. 19(4): one notice per unit whose articles are past their validity, raised again
        only when the oldest gets staler by a tier."""
        today = now.date()
        done = 0
        with self._factory.begin() as s:
            stale = s.execute(
                select(KbArticle.owner_unit_id, func.count(), func.min(KbArticle.valid_until))
                .where(KbArticle.valid_until < today, KbArticle.owner_unit_id.is_not(None),
                       KbArticle.retired_at.is_(None))
                .group_by(KbArticle.owner_unit_id)).all()
            if not stale:
                return 0
            last = dict(s.execute(select(KbNotice.unit_id, func.max(KbNotice.level))
                                  .group_by(KbNotice.unit_id)).all())
            actor_id = actor.id if actor else self._system_actor(s).id
            for unit_id, count, oldest in stale:
                age = today - oldest
                wanted = sum(1 for t in KB_TIERS if age >= t)
                before = int(last.get(unit_id) or 0)
                if wanted <= before:
                    continue
                s.add(KbNotice(unit_id=unit_id, at=now, actor_id=actor_id, level=wanted,
                               articles=int(count),
                               reason=(f"自动督办：知识库 {count} 条已过有效期未更新，最早已过期"
                                       f"{age.days}天（第十九条第（四）项），督办级别 {before}→{wanted}")))
                done += 1
        return done

    def _raise_batch(self, ids: list[int], now: datetime,
                     actor: OperatorInfo | None) -> tuple[int, int]:
        """(raised, skipped because busy): the whole batch in one transaction, or one by one
        when someone acted on one of them meanwhile."""
        try:
            return self._raise(ids, now, actor), 0
        except StaleDataError:
            raised = busy = 0
            for order_id in ids:
                try:
                    raised += self._raise([order_id], now, actor)
                except StaleDataError:
                    busy += 1
            return raised, busy

    def _raise(self, ids: list[int], now: datetime, actor: OperatorInfo | None) -> int:
        """Each order through the rules: the level it deserves now (``supervision_due``).
        The batch's co-handlers come in one query and its changes go out in one flush at
        the end (a flush per order, set off by the next order's reads, cost 12 ms an order)."""
        done = 0
        with self._factory.begin() as s:
            signer = actor or self._system_actor(s)
            orders = s.scalars(select(WorkOrder).where(WorkOrder.id.in_(ids))
                               .options(selectinload(WorkOrder.co_handlers))).all()
            with s.no_autoflush:
                for order in orders:
                    command = supervision_due(state_of(order), now)
                    if command is None:
                        continue
                    if not isinstance(self._orders.decide_and_save(s, order, command, signer),
                                      Refusal):
                        done += 1
            s.flush()
        return done

    def ranking(self, period=None) -> list[UnitStanding]:
        """The units best first over ``period`` (an analytics Period; the last RANKING_DAYS
        days if None): one of the centre's figures (services.analytics.ranking)."""
        from agent_console.services.analytics import Period, Scope

        if period is None:
            today = self._clock.now().date()
            first = today - timedelta(days=RANKING_DAYS - 1)
            period = Period(first, today, f"近{RANKING_DAYS}天")
        out = []
        for u in self.analytics.ranking(Scope(period)):
            v = u.values
            out.append(UnitStanding(
                u.unit, int(v["orders_open_now"][0]), int(v["orders_overdue_now"][0]),
                int(v["supervised_now"][0]), int(v["completed"][0]), int(v["satisfied"][0]),
                int(v["callbacks"][0]), u.stale_articles, u.unit_id, v["on_time_rate"][0],
                u.score))
        return out

    def notices(self, unit_id: int | None = None, limit: int = 200,
                viewer: OperatorInfo | None = None) -> list[Notice]:
        """Supervision notices, newest first: all units, or one unit's (its led orders).
        A unit liaison sees only the notices of the own unit."""
        if viewer is not None and viewer.role is Role.UNIT_LIAISON:
            unit_id = viewer.unit_id
            if unit_id is None:
                raise PermissionDenied("该账号未绑定承办单位，无法查看督办通知")
        limit = max(1, min(limit, 1000))
        with self._factory() as s:
            stmt = (select(OrderEvent.at, Unit.name, WorkOrder.number, WorkOrder.status,
                           WorkOrder.supervision_level, OrderEvent.reason, Operator.staff_no,
                           Operator.name)
                    .join(WorkOrder, WorkOrder.id == OrderEvent.order_id)
                    .join(Unit, Unit.id == WorkOrder.lead_unit_id)
                    .join(Operator, Operator.id == OrderEvent.actor_id)
                    .where(OrderEvent.action == Action.SUPERVISE.value))
            kb = (select(KbNotice.at, Unit.name, KbNotice.level, KbNotice.reason,
                         Operator.staff_no, Operator.name)
                  .join(Unit, Unit.id == KbNotice.unit_id)
                  .join(Operator, Operator.id == KbNotice.actor_id))
            if unit_id is not None:
                stmt = stmt.where(WorkOrder.lead_unit_id == unit_id)
                kb = kb.where(KbNotice.unit_id == unit_id)
            rows = s.execute(stmt.order_by(OrderEvent.at.desc(), OrderEvent.id.desc())
                             .limit(limit)).all()
            kb_rows = s.execute(kb.order_by(KbNotice.at.desc(), KbNotice.id.desc())
                                .limit(limit)).all()
        out = [Notice(at, unit, number, status, level, reason or "", f"{no} {name}")
               for at, unit, number, status, level, reason, no, name in rows]
        out += [Notice(at, unit, "", "知识库", level, reason, f"{no} {name}")
                for at, unit, level, reason, no, name in kb_rows]
        out.sort(key=lambda n: n.at, reverse=True)  # stable: same-time order kept
        return out[:limit]

    def stale_articles(self) -> list[tuple[str, str, str, datetime]]:
        """Art. 19(4): (unit, article id, title, valid until) past their validity."""
        today = self._clock.now().date()
        with self._factory() as s:
            rows = s.execute(
                select(Unit.name, KbArticle.id, KbArticle.title, KbArticle.valid_until)
                .join(Unit, Unit.id == KbArticle.owner_unit_id)
                .where(KbArticle.valid_until < today, KbArticle.retired_at.is_(None))
                .order_by(Unit.name, KbArticle.id)
            ).all()
        return [tuple(r) for r in rows]
