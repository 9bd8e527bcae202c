"""Art. 22: the centre's figures over a period — calls by outcome, the direct-answer rate,
talk time, orders and each step of their handling (三率, returns, extensions, terminations,
supervision by tier), by channel, region, category and unit — and what lies behind each.

Every figure is defined in ``data/metrics.json`` (name, formula, source). The figures are
read as a few grouped scans of the period's rows (``Cube``): the calls of the period, the
orders created in it, the handling events in it, the orders open now. The breakdowns by unit,
region and category are sums over those cubes, so a table never disagrees with the total.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path

from sqlalchemy import String, and_, case, cast, func, literal, or_, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from agent_console.domain.clock import Clock
from agent_console.domain.enums import (
    OPEN_ORDER_STATUSES,
    Channel,
    OrderStatus,
    Outcome,
    Role,
    TransferOutcome,
)
from agent_console.domain.workflow import MAX_SUPERVISION_LEVEL, Action
from agent_console.services.catalog import CatalogService
from agent_console.services.dto import OperatorInfo
from agent_console.services.errors import PermissionDenied, ServiceError
from agent_console.store.models import (
    OPEN_STATUS_SQL,
    Caller,
    CallerWarning,
    ExpertTransfer,
    IntakeRecord,
    KbArticle,
    KbNotice,
    OrderEvent,
    WorkOrder,
)

CENTRE_ROLES = frozenset({Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN})
ANALYTICS_ROLES = CENTRE_ROLES | {Role.UNIT_LIAISON}
MAX_DAYS = 366 * 3  # a chosen range: up to three years
DRILL_LIMIT = 500

# How a call ended, and which of them count as a request taken (the direct-answer rate's base)
TAKEN = (Outcome.ANSWERED.value, Outcome.EXPERT.value, Outcome.WORK_ORDER.value)
EVENT_ACTIONS = tuple(a.value for a in (
    Action.SIGN, Action.COMPLETE, Action.CALLBACK, Action.REOPEN, Action.REQUEST_RETURN,
    Action.APPROVE_RETURN, Action.REJECT_RETURN, Action.REQUEST_EXTENSION,
    Action.APPROVE_EXTENSION, Action.REJECT_EXTENSION, Action.REQUEST_TERMINATION,
    Action.APPROVE_TERMINATION, Action.REJECT_TERMINATION, Action.SUPERVISE))
# The words workflow.decide writes into a completion and a callback (domain/workflow.py)
RESOLVED_PREFIX = "办理结果：已解决"
SATISFIED_PREFIXES = ("满意度：满意", "满意度：基本满意")
# What an event is judged by: what was in force when it was written (migration 0016), or for
# events written before, the order's lead unit and deadlines as they are now
EVENT_UNIT = func.coalesce(OrderEvent.unit_id, WorkOrder.lead_unit_id)
SIGN_DEADLINE = func.coalesce(OrderEvent.deadline, WorkOrder.sign_by)
DONE_DEADLINE = func.coalesce(OrderEvent.deadline, WorkOrder.due_at)
OPEN_VALUES = tuple(s.value for s in OrderStatus if s in OPEN_ORDER_STATUSES)


# ---------------------------------------------------------------------------- definitions
@dataclass(frozen=True)
class MetricDef:
    key: str
    group: str
    name: str
    unit: str
    formula: str
    source: str
    article: str


def load_metrics(data_dir: Path) -> tuple[str, dict[str, MetricDef]]:
    """(what the periods mean, every figure's definition by key) from data/metrics.json."""
    raw = json.loads((data_dir / "metrics.json").read_text(encoding="utf-8"))
    defs = {m["key"]: MetricDef(m["key"], m["group"], m["name"], m["unit"], m["formula"],
                                m["source"], m["article"]) for m in raw["metrics"]}
    return raw["about"], defs


# ---------------------------------------------------------------------------- periods
@dataclass(frozen=True)
class Period:
    """Whole days, ``first`` to ``last`` inclusive; read as [first 00:00, last+1 00:00)."""

    first: date
    last: date
    label: str

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time.min)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        """The period of the same kind just before: the month before a whole month, else the
        same number of days before."""
        if self.first.day == 1 and (self.last + timedelta(days=1)).day == 1 \
                and (self.first.year, self.first.month) == (self.last.year, self.last.month):
            last = self.first - timedelta(days=1)
            first = last.replace(day=1)
            return Period(first, last, f"{first.year}年{first.month}月")
        last = self.first - timedelta(days=1)
        first = last - timedelta(days=self.days - 1)
        return Period(first, last, _range_label(first, last))


def _range_label(first: date, last: date) -> str:
    if first == last:
        return f"{first:%Y-%m-%d}"
    return f"{first:%Y-%m-%d} 至 {last:%Y-%m-%d}"


EARLIEST = date(2000, 1, 1)  # no hotline record is older: a period before it is a typing slip


def parse_day(text: str) -> date:
    text = (text or "").strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ServiceError(f"日期不存在或格式不正确：{text[:20]!r}，请写成 2026-11-01") from None
    if day < EARLIEST:
        raise ServiceError(f"日期不能早于 {EARLIEST:%Y-%m-%d}：{text[:20]!r}")
    return day


def _not_ahead(period: Period, today: date) -> Period:
    """A period starts on or before today; days after today are not counted (nor shown)."""
    if period.first < EARLIEST:
        raise ServiceError(f"日期不能早于 {EARLIEST:%Y-%m-%d}")
    if period.first > today:
        raise ServiceError(f"时间段不能从今天（{today:%Y-%m-%d}）以后开始")
    if period.last > today:
        raise ServiceError(f"时间段尚未结束（截至 {period.last:%Y-%m-%d}），"
                           f"请选择 {today:%Y-%m-%d} 及以前结束的时间段")
    return period


def period_for(kind: str, today: date, first: str | date | None = None,
               last: str | date | None = None) -> Period:
    """The dashboard's periods (today, this week, this month: up to today) and the report's
    (week, month: the last whole one, or the one ``first`` falls in; custom: first–last)."""
    if isinstance(first, str):
        first = parse_day(first) if len(first.strip()) != 7 else parse_day(first.strip() + "-01")
    if isinstance(last, str):
        last = parse_day(last)
    if kind == "today":
        return Period(today, today, f"今日（{today:%m-%d}）")
    if kind == "this_week":
        monday = today - timedelta(days=today.weekday())
        return Period(monday, today, f"本周（{monday:%m-%d} 至 {today:%m-%d}）")
    if kind == "this_month":
        return Period(today.replace(day=1), today, f"本月（{today.year}年{today.month}月1日至今）")
    if kind == "month":
        anchor = first or (today.replace(day=1) - timedelta(days=1))
        start = anchor.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return _not_ahead(Period(start, end, f"{start.year}年{start.month}月"), today)
    if kind == "week":
        anchor = first or (today - timedelta(days=today.weekday() + 7))
        monday = anchor - timedelta(days=anchor.weekday())
        sunday = monday + timedelta(days=6)
        return _not_ahead(Period(monday, sunday, f"{monday:%Y-%m-%d} 至 {sunday:%Y-%m-%d}（周）"),
                          today)
    if kind in ("custom", "range"):
        if first is None or last is None:
            raise ServiceError("自定义时间段须给出开始日期和结束日期")
        if last < first:
            raise ServiceError("结束日期不能早于开始日期")
        if (last - first).days + 1 > MAX_DAYS:
            raise ServiceError(f"时间段最长 {MAX_DAYS} 天")
        return _not_ahead(Period(first, last, _range_label(first, last)), today)
    raise ServiceError(f"未知的时间段：{kind}")


# ---------------------------------------------------------------------------- the scope
@dataclass(frozen=True)
class Scope:
    """What the figures count: a period, and optionally one channel, region, category (with
    everything under it) or lead unit."""

    period: Period
    channel: str | None = None
    region: str | None = None
    category_id: int | None = None
    unit_id: int | None = None

    @property
    def start(self) -> datetime:
        return self.period.start

    @property
    def end(self) -> datetime:
        return self.period.end


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit: str
    value: float | None  # None: nothing to divide by (a rate over no cases)
    numerator: int | None = None
    denominator: int | None = None

    @property
    def text(self) -> str:
        return format_value(self.value, self.unit)


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "%":
        return f"{value * 100:.1f}%"
    if unit == "秒":
        seconds = round(value)
        return f"{seconds // 60}分{seconds % 60:02d}秒"
    if unit == "分":
        return f"{value:.1f}"
    return f"{int(value):,}"


def rate(num: int, den: int) -> float | None:
    return num / den if den else None


# ---------------------------------------------------------------------------- the cubes
_COUNTERS = ("calls", "orders", "events")
_SCALARS = ("expert_answered", "expert_orders", "talk_seconds", "talk_calls", "repeats",
            "immediate", "open_now", "overdue_now", "supervised_now", "signed_on_time",
            "unsigned_late", "completed_on_time", "resolved", "satisfied")


@dataclass
class Tally:
    """The counts of one slice (the whole scope, a unit, a region, a category group)."""

    calls: Counter = field(default_factory=Counter)        # outcome → calls
    expert_answered: int = 0
    expert_orders: int = 0
    talk_seconds: float = 0.0
    talk_calls: int = 0
    talk_max: float = 0.0
    repeats: int = 0
    orders: Counter = field(default_factory=Counter)       # status now → orders created
    immediate: int = 0
    open_now: int = 0
    overdue_now: int = 0
    supervised_now: int = 0
    events: Counter = field(default_factory=Counter)       # action → events
    signed_on_time: int = 0
    unsigned_late: int = 0
    completed_on_time: int = 0
    resolved: int = 0
    satisfied: int = 0

    def add(self, other: Tally) -> None:
        # a month's dashboard adds some 20,000 cells several times over: straight on the
        # instances' dicts (Counter.update checks each argument against abc.Mapping)
        mine, theirs = self.__dict__, other.__dict__
        for name in _COUNTERS:
            more = theirs[name]
            if more:
                into = mine[name]
                for k, v in more.items():
                    into[k] += v
        for name in _SCALARS:
            mine[name] += theirs[name]
        if other.talk_max > self.talk_max:
            self.talk_max = other.talk_max

    # the figures of data/metrics.json that a tally holds
    @property
    def calls_total(self) -> int:
        return sum(self.calls.values())

    @property
    def taken(self) -> int:
        return sum(self.calls[o] for o in TAKEN)

    @property
    def direct(self) -> int:
        return self.calls[Outcome.ANSWERED.value] + self.expert_answered

    @property
    def signed(self) -> int:
        return self.events[Action.SIGN.value] + self.unsigned_late

    def values(self) -> dict[str, tuple[float | None, int | None, int | None]]:
        """key → (value, numerator, denominator)."""
        e = self.events
        c = self.calls
        out: dict[str, tuple[float | None, int | None, int | None]] = {}

        def count(key: str, n: int) -> None:
            out[key] = (n, None, None)

        def share(key: str, num: int, den: int) -> None:
            out[key] = (rate(num, den), num, den)

        count("calls_total", self.calls_total)
        count("calls_valid", self.taken)
        for key, outcome in (("calls_answered", Outcome.ANSWERED), ("calls_expert", Outcome.EXPERT),
                             ("calls_not_accepted", Outcome.NOT_ACCEPTED),
                             ("calls_emergency", Outcome.EMERGENCY),
                             ("calls_warning", Outcome.WARNING), ("calls_hung_up", Outcome.HUNG_UP),
                             ("calls_invalid", Outcome.INVALID)):
            count(key, c[outcome.value])
        count("calls_expert_answered", self.expert_answered)
        count("calls_work_order", c[Outcome.WORK_ORDER.value] + self.expert_orders)
        share("direct_answer_rate", self.direct, self.taken)
        out["talk_mean"] = (self.talk_seconds / self.talk_calls if self.talk_calls else None,
                            None, self.talk_calls)
        out["talk_max"] = (self.talk_max if self.talk_calls else None, None, self.talk_calls)
        count("repeat_calls", self.repeats)
        count("orders_created", sum(self.orders.values()))
        count("orders_immediate", self.immediate)
        count("orders_open_now", self.open_now)
        count("orders_overdue_now", self.overdue_now)
        count("signed", self.signed)
        count("signed_on_time", self.signed_on_time)
        share("response_rate", self.signed_on_time, self.signed)
        done = e[Action.COMPLETE.value]
        count("completed", done)
        count("completed_on_time", self.completed_on_time)
        share("on_time_rate", self.completed_on_time, done)
        count("resolved", self.resolved)
        share("resolution_rate", self.resolved, done)
        calls_back = e[Action.CALLBACK.value]
        count("callbacks", calls_back)
        count("satisfied", self.satisfied)
        share("satisfaction_rate", self.satisfied, calls_back)
        count("reopened", e[Action.REOPEN.value])
        share("reopen_rate", e[Action.REOPEN.value], calls_back)
        count("returns_requested", e[Action.REQUEST_RETURN.value])
        count("returns_approved", e[Action.APPROVE_RETURN.value])
        share("return_approval_rate", e[Action.APPROVE_RETURN.value],
              e[Action.APPROVE_RETURN.value] + e[Action.REJECT_RETURN.value])
        count("extensions_requested", e[Action.REQUEST_EXTENSION.value])
        count("extensions_approved", e[Action.APPROVE_EXTENSION.value])
        count("terminations_requested", e[Action.REQUEST_TERMINATION.value])
        count("terminations_approved", e[Action.APPROVE_TERMINATION.value])
        for level in (1, 2, 3):
            count(f"supervised_{level}", e[f"supervise_{level}"])
        return out


def _merged(parts: list[dict[tuple, Tally]]) -> dict[tuple, Tally]:
    """The cubes of the reads as one (a cell two reads filled, added up)."""
    cube: dict[tuple, Tally] = defaultdict(Tally)
    for part in parts:
        for key, t in part.items():
            if key in cube:
                cube[key].add(t)
            else:
                cube[key] = t
    return cube


@dataclass(frozen=True)
class Row:
    """One line of a breakdown table."""

    key: object  # unit id, region name, category id, channel, day
    name: str
    values: dict[str, tuple[float | None, int | None, int | None]]


@dataclass(frozen=True)
class UnitRank:
    unit_id: int
    unit: str
    values: dict[str, tuple[float | None, int | None, int | None]]
    stale_articles: int
    score: float | None  # None: nothing in the period to judge the unit by


@dataclass(frozen=True)
class Dashboard:
    scope: Scope
    unit_view: bool  # a liaison's: the own unit's orders only, no call figures
    figures: dict[str, Figure]
    by_status: tuple[tuple[str, int], ...]
    by_channel: tuple[Row, ...]
    by_region: tuple[Row, ...]
    by_category: tuple[Row, ...]
    by_outcome: tuple[tuple[str, str, int], ...]  # (outcome, label, calls)
    not_accepted: tuple[tuple[int, int], ...]     # (Art. 11 item, calls)
    units: tuple[UnitRank, ...]
    overdue_by_unit: tuple[tuple[int, str, int], ...]
    warnings: int
    repeat_callers: int
    kb_notices: int
    read_seconds: float = 0.0
    # channel → orders made in the period from its calls (an order's channel is its call's;
    # orders from expert seats and emergency hand-offs too, not only the 派发工单 outcome)
    orders_by_channel: dict[str, int] = field(default_factory=dict)


# ---------------------------------------------------------------------------- the service
class _Figures:
    """The figures and their breakdowns (AnalyticsService)."""

    def __init__(self, factory: sessionmaker[Session], clock: Clock, catalog: CatalogService,
                 data_dir: Path) -> None:
        self._factory = factory
        self._clock = clock
        self._catalog = catalog
        self.about, self.metrics = load_metrics(data_dir)

    # ------------------------------------------------------------------ permissions
    def scope_for(self, viewer: OperatorInfo | None, scope: Scope) -> Scope:
        """A liaison sees the own unit only; the centre's roles see all or one unit."""
        if viewer is None:
            return scope
        if viewer.role not in ANALYTICS_ROLES:
            raise PermissionDenied("只有督办员、派单员、系统管理员和承办单位联络员可以查看统计分析")
        if viewer.role is Role.UNIT_LIAISON:
            if viewer.unit_id is None:
                raise PermissionDenied("该账号未绑定承办单位，无法查看统计分析")
            return replace(scope, unit_id=viewer.unit_id)
        return scope

    def period(self, kind: str, first=None, last=None) -> Period:
        return period_for(kind, self._clock.now().date(), first, last)

    def first_day(self) -> date | None:
        """The day of the first call or order held: a period before it has no records."""
        with self._factory() as s:
            firsts = [s.scalar(select(func.min(IntakeRecord.started_at))),
                      s.scalar(select(func.min(WorkOrder.created_at)))]
        firsts = [f for f in firsts if f is not None]
        return min(firsts).date() if firsts else None

    def now(self) -> datetime:
        return self._clock.now()

    def units(self) -> dict:
        """unit id → UnitInfo (the catalogue's, cached)."""
        return self._catalog.units()

    # ------------------------------------------------------------------ filters
    def category_ids(self, category_id: int | None) -> tuple[int, ...] | None:
        if category_id is None:
            return None
        cats = self._catalog.categories()
        if category_id not in cats:
            raise ServiceError("没有这个诉求分类")
        root = cats[category_id].path
        return tuple(c.id for c in cats.values()
                     if c.path == root or c.path.startswith(root + "/"))

    def _call_filter(self, scope: Scope, intake=IntakeRecord, timed: bool = True):
        where = [intake.started_at >= scope.start, intake.started_at < scope.end] if timed \
            else [literal(True)]
        if scope.channel:
            where.append(intake.channel == scope.channel)
        if scope.region:
            where.append(intake.region == scope.region)
        ids = self.category_ids(scope.category_id)
        if ids is not None:
            where.append(intake.category_id.in_(ids))
        return and_(*where)

    def _order_filter(self, scope: Scope, order=WorkOrder, unit=None) -> list:
        """The scope's filters on an order (its lead unit, or ``unit`` for its events: the
        unit each was written under), region, category; a channel is the channel of the call
        that made it (a join on the intake record)."""
        where = []
        if scope.unit_id is not None:
            where.append((order.lead_unit_id if unit is None else unit) == scope.unit_id)
        if scope.region:
            where.append(order.region == scope.region)
        ids = self.category_ids(scope.category_id)
        if ids is not None:
            where.append(order.category_id.in_(ids))
        if scope.channel:
            where.append(order.intake_id.in_(
                select(IntakeRecord.id).where(IntakeRecord.id == order.intake_id,
                                              IntakeRecord.channel == scope.channel)))
        return where

    # ------------------------------------------------------------------ the reads
    def _seconds(self, s: Session):
        if s.get_bind().dialect.name == "postgresql":
            return func.extract("epoch", IntakeRecord.ended_at - IntakeRecord.started_at)
        # julianday is a double of days: to the millisecond, not to its last bit
        return func.round((func.julianday(IntakeRecord.ended_at)
                           - func.julianday(IntakeRecord.started_at)) * 86400.0, 3)

    def cubes(self, scope: Scope, with_calls: bool = True) -> dict[tuple, Tally]:
        """(lead unit or None, region, category id, channel or None) → Tally. Calls carry no
        unit (None); orders and events carry no channel unless the scope asks for one."""
        return _merged(self._in_parallel(*self._cube_reads(scope, with_calls)))

    def _cube_reads(self, scope: Scope, with_calls: bool) -> list:
        """The cube's reads, in three parts of about equal time at a month's size (calls;
        handling events; orders made and open now), each filling a cube of its own."""
        now = self._clock.now()

        def part(*reads):
            def read(s: Session) -> dict[tuple, Tally]:
                cube: dict[tuple, Tally] = defaultdict(Tally)
                for one in reads:
                    one(s, cube)
                return cube
            return read

        out = [part(lambda s, c: self._read_events(s, scope, now, c)),
               part(lambda s, c: self._read_orders(s, scope, now, c),
                    lambda s, c: self._read_open(s, scope, now, c))]
        if with_calls:
            out.insert(0, part(lambda s, c: self._read_calls(s, scope, c)))
        return out

    def _in_parallel(self, *reads) -> list:
        """Each read in its own session, all at once: both databases run each on its own
        connection (SQLite and psycopg let go of the GIL while a statement runs), so a month's
        dashboard takes about its longest read, not their sum. Each statement read its own
        snapshot before too (SQLite's autocommit reads, PostgreSQL's READ COMMITTED)."""
        def run(read):
            with self._factory() as s:
                return read(s)

        if len(reads) == 1:
            return [run(reads[0])]
        with ThreadPoolExecutor(max_workers=len(reads), thread_name_prefix="analytics") as pool:
            return list(pool.map(run, reads))

    def _read_calls(self, s: Session, scope: Scope, cube) -> None:
        secs = self._seconds(s)
        phone = IntakeRecord.channel == Channel.PHONE.value
        rows = s.execute(
            select(IntakeRecord.region, IntakeRecord.category_id, IntakeRecord.channel,
                   IntakeRecord.outcome, func.count(),
                   func.sum(case((phone, secs), else_=0.0)),
                   func.max(case((phone, secs), else_=None)),
                   func.sum(case((IntakeRecord.repeat_of_id.is_not(None), 1), else_=0)))
            .where(self._call_filter(scope))
            .group_by(IntakeRecord.region, IntakeRecord.category_id, IntakeRecord.channel,
                      IntakeRecord.outcome)).all()
        for region, cat, channel, outcome, n, talk, longest, repeats in rows:
            t = cube[(None, region, cat, channel)]
            t.calls[outcome] += n
            t.repeats += int(repeats or 0)
            if channel == Channel.PHONE.value:
                t.talk_calls += n
                t.talk_seconds += float(talk or 0.0)
                t.talk_max = max(t.talk_max, float(longest or 0.0))
        # a transferred call's ending: the last transfer of each (answered, or a work order)
        last = select(ExpertTransfer.intake_id, func.max(ExpertTransfer.id).label("tid")) \
            .join(IntakeRecord, IntakeRecord.id == ExpertTransfer.intake_id) \
            .where(self._call_filter(scope), IntakeRecord.outcome == Outcome.EXPERT.value) \
            .group_by(ExpertTransfer.intake_id).subquery()
        rows = s.execute(
            select(IntakeRecord.region, IntakeRecord.category_id, IntakeRecord.channel,
                   ExpertTransfer.outcome, func.count())
            .join(last, last.c.tid == ExpertTransfer.id)
            .join(IntakeRecord, IntakeRecord.id == ExpertTransfer.intake_id)
            .where(ExpertTransfer.outcome.in_([TransferOutcome.ANSWERED.value,
                                               TransferOutcome.WORK_ORDER.value]))
            .group_by(IntakeRecord.region, IntakeRecord.category_id, IntakeRecord.channel,
                      ExpertTransfer.outcome)).all()
        for region, cat, channel, outcome, n in rows:
            t = cube[(None, region, cat, channel)]
            if outcome == TransferOutcome.ANSWERED.value:
                t.expert_answered += n
            else:
                t.expert_orders += n

    def _channel_col(self, scope: Scope):
        return literal(scope.channel) if scope.channel else literal(None)

    def _read_orders(self, s: Session, scope: Scope, now: datetime, cube) -> None:
        rows = s.execute(
            select(WorkOrder.lead_unit_id, WorkOrder.region, WorkOrder.category_id,
                   WorkOrder.status, func.count(),
                   func.sum(case((WorkOrder.immediate_dispatch, 1), else_=0)))
            .where(WorkOrder.created_at >= scope.start, WorkOrder.created_at < scope.end,
                   *self._order_filter(scope))
            .group_by(WorkOrder.lead_unit_id, WorkOrder.region, WorkOrder.category_id,
                      WorkOrder.status)).all()
        for unit, region, cat, status, n, immediate in rows:
            t = cube[(unit, region, cat, scope.channel)]
            t.orders[status] += n
            t.immediate += int(immediate or 0)

    def _read_open(self, s: Session, scope: Scope, now: datetime, cube) -> None:
        """Open now (not of the period): ix_order_open_due's rows."""
        from sqlalchemy import text

        rows = s.execute(
            select(WorkOrder.lead_unit_id, WorkOrder.region, WorkOrder.category_id,
                   func.count(), func.sum(case((WorkOrder.due_at < now, 1), else_=0)),
                   func.sum(case((WorkOrder.supervision_level > 0, 1), else_=0)))
            .where(text(OPEN_STATUS_SQL), *self._order_filter(scope))
            .group_by(WorkOrder.lead_unit_id, WorkOrder.region, WorkOrder.category_id)).all()
        for unit, region, cat, n, late, supervised in rows:
            t = cube[(unit, region, cat, scope.channel)]
            t.open_now += n
            t.overdue_now += int(late or 0)
            t.supervised_now += int(supervised or 0)
        # Art. 19(1): the sign-for deadline fell in the period, passed, and nobody signed
        until = min(scope.end, now)
        rows = s.execute(
            select(WorkOrder.lead_unit_id, WorkOrder.region, WorkOrder.category_id, func.count())
            .where(WorkOrder.status == OrderStatus.AWAITING_SIGN.value,
                   WorkOrder.sign_by >= scope.start, WorkOrder.sign_by < until,
                   *self._order_filter(scope))
            .group_by(WorkOrder.lead_unit_id, WorkOrder.region, WorkOrder.category_id)).all()
        for unit, region, cat, n in rows:
            cube[(unit, region, cat, scope.channel)].unsigned_late += n

    def _read_events(self, s: Session, scope: Scope, now: datetime, cube) -> None:
        on_time = case(
            (and_(OrderEvent.action == Action.SIGN.value, OrderEvent.at <= SIGN_DEADLINE), 1),
            (and_(OrderEvent.action == Action.COMPLETE.value, OrderEvent.at <= DONE_DEADLINE),
             1),
            else_=0)
        good = case(
            (and_(OrderEvent.action == Action.COMPLETE.value,
                  OrderEvent.reason.like(RESOLVED_PREFIX + "%")), 1),
            (and_(OrderEvent.action == Action.CALLBACK.value,
                  or_(*(OrderEvent.reason.like(p + "%") for p in SATISFIED_PREFIXES))), 1),
            else_=0)
        rows = s.execute(
            select(EVENT_UNIT, WorkOrder.region, WorkOrder.category_id,
                   OrderEvent.action, OrderEvent.level, func.count(), func.sum(on_time),
                   func.sum(good))
            .join(WorkOrder, WorkOrder.id == OrderEvent.order_id)
            .where(OrderEvent.action.in_(EVENT_ACTIONS), OrderEvent.at >= scope.start,
                   OrderEvent.at < scope.end, *self._order_filter(scope, unit=EVENT_UNIT))
            .group_by(EVENT_UNIT, WorkOrder.region, WorkOrder.category_id,
                      OrderEvent.action, OrderEvent.level)).all()
        for unit, region, cat, action, level, n, timely, fine in rows:
            t = cube[(unit, region, cat, scope.channel)]
            t.events[action] += n
            if action == Action.SUPERVISE.value:  # by the level it raised the order to
                t.events[f"supervise_{min(int(level or 1), MAX_SUPERVISION_LEVEL)}"] += n
            elif action == Action.SIGN.value:
                t.signed_on_time += int(timely or 0)
            elif action == Action.COMPLETE.value:
                t.completed_on_time += int(timely or 0)
                t.resolved += int(fine or 0)
            elif action == Action.CALLBACK.value:
                t.satisfied += int(fine or 0)

    # ------------------------------------------------------------------ the dashboard
    def dashboard(self, scope: Scope, viewer: OperatorInfo | None = None) -> Dashboard:
        import time as _time

        started = _time.perf_counter()
        scope = self.scope_for(viewer, scope)
        unit_view = scope.unit_id is not None and (viewer is not None
                                                   and viewer.role is Role.UNIT_LIAISON)
        *parts, extra, stale = self._in_parallel(
            *self._cube_reads(scope, with_calls=scope.unit_id is None),
            lambda s: self._extras(s, scope), self._stale)
        cube = _merged(parts)
        total = Tally()
        for t in cube.values():
            total.add(t)
        values = total.values()
        values["repeat_callers"] = (extra["repeat_callers"], None, None)
        values["warnings"] = (extra["warnings"], None, None)
        values["kb_notices"] = (extra["kb_notices"], None, None)
        if scope.unit_id is not None:
            for key in list(values):
                if self.metrics[key].group == "来电受理":
                    values.pop(key)
        figures = {k: Figure(k, self.metrics[k].name, self.metrics[k].unit, *v)
                   for k, v in values.items()}
        units = self._units(cube, self._scoped_stale(scope, stale))
        cats = self._catalog.categories()
        tops = self._tops(cats)
        by_outcome = tuple((o.value, o.label, total.calls[o.value]) for o in Outcome
                           if scope.unit_id is None)
        order_statuses = [st.value for st in OrderStatus]
        return Dashboard(
            scope=scope, unit_view=unit_view, figures=figures,
            by_status=tuple((st, total.orders[st]) for st in order_statuses if total.orders[st]),
            by_channel=tuple(self._rows({k: t for k, t in cube.items() if k[0] is None},
                                        lambda k: k[3], lambda key: key or "—",
                                        order=[c.value for c in Channel])
                             if scope.unit_id is None else ()),
            by_region=tuple(self._rows(cube, lambda k: k[1], lambda key: key or "未填写",
                                       order=[r.name for r in self._catalog.regions()])),
            by_category=tuple(self._rows(cube, lambda k: tops.get(k[2]),
                                         lambda key: cats[key].name if key in cats else "未分类")),
            by_outcome=by_outcome,
            not_accepted=extra["not_accepted"],
            units=units,
            overdue_by_unit=tuple(sorted(((u.unit_id, u.unit, int(u.values["orders_overdue_now"][0]))
                                          for u in units if u.values["orders_overdue_now"][0]),
                                         key=lambda r: (-r[2], r[1]))),
            warnings=extra["warnings"], repeat_callers=extra["repeat_callers"],
            kb_notices=extra["kb_notices"], orders_by_channel=extra["orders_by_channel"],
            read_seconds=_time.perf_counter() - started)

    @staticmethod
    def _tops(cats) -> dict:
        """Each category's first-level group (the dashboard's category table), once."""
        roots = {c.path: c.id for c in cats.values() if c.level == 1}
        return {cid: roots.get(c.path.split("/")[0], cid) for cid, c in cats.items()}

    def _rows(self, cube, key_of, name_of, order: list | None = None) -> list[Row]:
        tallies: dict[object, Tally] = defaultdict(Tally)
        for k, t in cube.items():
            tallies[key_of(k)].add(t)
        rows = [Row(key, name_of(key), t.values()) for key, t in tallies.items()]
        if order is not None:
            rows.sort(key=lambda r: order.index(r.key) if r.key in order else len(order))
        else:
            rows.sort(key=lambda r: (-(r.values["calls_total"][0] or 0),
                                     -(r.values["orders_created"][0] or 0), r.name))
        return rows

    def _units(self, cube, stale: dict[int, int]) -> tuple[UnitRank, ...]:
        names = {uid: u.name for uid, u in self._catalog.units().items()}
        tallies: dict[int, Tally] = defaultdict(Tally)
        for (unit, _r, _c, _ch), t in cube.items():
            if unit is not None:
                tallies[unit].add(t)
        out = []
        for unit_id in set(tallies) | {u for u in stale if u is not None}:
            t = tallies.get(unit_id, Tally())
            values = t.values()
            n_stale = stale.get(unit_id, 0)
            on_time = values["on_time_rate"][0]
            sat = values["satisfaction_rate"][0]
            score = None
            if on_time is not None or sat is not None or t.supervised_now or n_stale:
                score = round(min(100.0, max(0.0, 60 * (1.0 if on_time is None else on_time)
                                             + 40 * (1.0 if sat is None else sat)
                                             - 2 * t.supervised_now - n_stale)), 1)
            values["supervised_now"] = (t.supervised_now, None, None)
            out.append(UnitRank(unit_id, names.get(unit_id, str(unit_id)), values, n_stale, score))
        # nothing to judge (no completion, no callback, no supervision, no stale article): last
        return tuple(sorted(out, key=lambda u: (u.score is None, -(u.score or 0),
                                                -(u.values["completed"][0] or 0), u.unit)))

    def _stale(self, s: Session) -> dict[int, int]:
        today = self._clock.now().date()
        return dict(s.execute(
            select(KbArticle.owner_unit_id, func.count())
            .where(KbArticle.valid_until < today, KbArticle.retired_at.is_(None),
                   KbArticle.owner_unit_id.is_not(None))
            .group_by(KbArticle.owner_unit_id)).all())

    def _extras(self, s: Session, scope: Scope) -> dict:
        out: dict = {"repeat_callers": 0, "warnings": 0, "not_accepted": (), "kb_notices": 0,
                     "orders_by_channel": {}}
        notices = select(func.count()).select_from(KbNotice).where(
            KbNotice.at >= scope.start, KbNotice.at < scope.end)
        if scope.unit_id is not None:
            notices = notices.where(KbNotice.unit_id == scope.unit_id)
        out["kb_notices"] = int(s.scalar(notices) or 0)
        if scope.unit_id is not None:
            return out
        out["orders_by_channel"] = dict(s.execute(
            select(IntakeRecord.channel, func.count()).select_from(WorkOrder)
            .join(IntakeRecord, IntakeRecord.id == WorkOrder.intake_id)
            .where(WorkOrder.created_at >= scope.start, WorkOrder.created_at < scope.end,
                   *self._order_filter(replace(scope, channel=None)),
                   *([IntakeRecord.channel == scope.channel] if scope.channel else []))
            .group_by(IntakeRecord.channel)).all())
        repeaters = self._repeaters(scope).subquery()
        out["repeat_callers"] = int(s.scalar(select(func.count()).select_from(repeaters)) or 0)
        out["warnings"] = int(s.scalar(
            select(func.count()).select_from(CallerWarning)
            .join(IntakeRecord, IntakeRecord.id == CallerWarning.intake_id)
            .where(CallerWarning.at >= scope.start, CallerWarning.at < scope.end,
                   self._call_filter(scope, timed=False))) or 0)
        out["not_accepted"] = tuple(s.execute(
            select(IntakeRecord.not_accepted_code, func.count())
            .where(self._call_filter(scope), IntakeRecord.outcome == Outcome.NOT_ACCEPTED.value)
            .group_by(IntakeRecord.not_accepted_code)
            .order_by(IntakeRecord.not_accepted_code)).all())
        return out

    def _repeaters(self, scope: Scope):
        """The callers with two calls or more in the scope: people, so not the one caller row
        that holds every call whose number was withheld (IntakeService: WITHHELD)."""
        withheld = select(Caller.id).where(Caller.phone == "").scalar_subquery()
        return select(IntakeRecord.caller_id).where(
            self._call_filter(scope), IntakeRecord.caller_id != func.coalesce(withheld, -1)) \
            .group_by(IntakeRecord.caller_id).having(func.count() >= 2)

    # ------------------------------------------------------------------ ranking
    def ranking(self, scope: Scope) -> tuple[UnitRank, ...]:
        """Art. 19, 22: the units over a period (orders and their handling in it, open and
        overdue now, stale KB), best first."""
        cube = self.cubes(scope, with_calls=False)
        with self._factory() as s:
            stale = self._stale(s)
        return self._units(cube, self._scoped_stale(scope, stale))

    @staticmethod
    def _scoped_stale(scope: Scope, stale: dict[int, int]) -> dict[int, int]:
        """Stale articles count against their unit in the scope's ranking: one unit's view
        ranks that unit only, and a view narrowed to a channel, region or category ranks the
        units with orders in it (a unit with stale articles alone would not be of it)."""
        if scope.unit_id is not None:
            return {u: n for u, n in stale.items() if u == scope.unit_id}
        if scope.channel or scope.region or scope.category_id is not None:
            return {}
        return stale


def last_transfers():
    """Each transferred call's last transfer: (intake_id, outcome) — how the expert ended it
    (a call handed back and transferred again counts by its last transfer)."""
    newest = select(ExpertTransfer.intake_id, func.max(ExpertTransfer.id).label("tid")) \
        .group_by(ExpertTransfer.intake_id).subquery("newest_transfer")
    return select(ExpertTransfer.intake_id, ExpertTransfer.outcome) \
        .join(newest, newest.c.tid == ExpertTransfer.id).subquery("last_transfer")


# ---------------------------------------------------------------------------- behind a figure
@dataclass(frozen=True)
class DrillRow:
    kind: str  # "order" | "call"
    id: int
    number: str  # the order's number ("" for a call that made none)
    at: datetime
    unit: str
    region: str
    category: str
    state: str  # the order's status, or how the call ended
    content: str  # masked when the request is confidential (Art. 8, 21)
    mark: str = ""  # what the figure counts it as: 按时 / 超时 / 直接答复 …


@dataclass(frozen=True)
class Drill:
    key: str
    title: str
    rows: tuple[DrillRow, ...]
    total: int  # rows behind the figure (only the first DRILL_LIMIT are listed)
    people: int | None = None  # 重复来电人: the callers the calls listed are from


# The figures whose list is a set of calls, with the condition that picks them
CALL_DRILLS = {
    "calls_total": None, "calls_valid": TAKEN, "direct_answer_rate": TAKEN,
    "calls_answered": (Outcome.ANSWERED.value,), "calls_expert": (Outcome.EXPERT.value,),
    "calls_not_accepted": (Outcome.NOT_ACCEPTED.value,),
    "calls_emergency": (Outcome.EMERGENCY.value,), "calls_warning": (Outcome.WARNING.value,),
    "calls_hung_up": (Outcome.HUNG_UP.value,), "calls_invalid": (Outcome.INVALID.value,),
    "talk_mean": None, "talk_max": None, "repeat_calls": None, "repeat_callers": None,
    "warnings": None, "calls_expert_answered": (Outcome.EXPERT.value,),
    "calls_work_order": (Outcome.WORK_ORDER.value, Outcome.EXPERT.value),
    "calls_outcome": None,  # calls_outcome:<outcome>: the calls that ended so (来电结果)
}
# The figures whose list is a set of handling events: the actions, and whether the list marks
# each as on time (sign, complete) or by its result (complete: resolved; callback: satisfied)
EVENT_DRILLS = {
    "signed": (Action.SIGN,), "signed_on_time": (Action.SIGN,), "response_rate": (Action.SIGN,),
    "completed": (Action.COMPLETE,), "completed_on_time": (Action.COMPLETE,),
    "on_time_rate": (Action.COMPLETE,), "resolved": (Action.COMPLETE,),
    "resolution_rate": (Action.COMPLETE,), "callbacks": (Action.CALLBACK,),
    "satisfied": (Action.CALLBACK,), "satisfaction_rate": (Action.CALLBACK,),
    "reopened": (Action.REOPEN,), "reopen_rate": (Action.CALLBACK,),
    "returns_requested": (Action.REQUEST_RETURN,), "returns_approved": (Action.APPROVE_RETURN,),
    "return_approval_rate": (Action.APPROVE_RETURN, Action.REJECT_RETURN),
    "extensions_requested": (Action.REQUEST_EXTENSION,),
    "extensions_approved": (Action.APPROVE_EXTENSION,),
    "terminations_requested": (Action.REQUEST_TERMINATION,),
    "terminations_approved": (Action.APPROVE_TERMINATION,),
}
LIVE_DRILLS = ("orders_open_now", "orders_overdue_now", "supervised_now")
ORDER_DRILLS = ("orders_created", "orders_immediate", "orders_open_now", "orders_overdue_now",
                "supervised_1", "supervised_2", "supervised_3", "supervised_now")


def drillable(key: str) -> bool:
    base = key.split(":", 1)[0]
    return base in CALL_DRILLS or base in EVENT_DRILLS or base in ORDER_DRILLS


class _Drills:
    """AnalyticsService's lists behind the figures (a mixin: the same filters as the cubes)."""

    def drill(self, key: str, scope: Scope, viewer: OperatorInfo | None = None,
              limit: int = DRILL_LIMIT) -> Drill:
        """The calls or orders a figure counts, newest first. ``key`` is a figure's key, or
        ``orders_created:<status>`` for the orders created in the period now in that status."""
        scope = self.scope_for(viewer, scope)
        base, _, arg = key.partition(":")
        if not drillable(base):
            raise ServiceError("该指标没有明细列表")
        if base == "calls_outcome":
            if arg not in Outcome._value2member_map_:
                raise ServiceError("没有这种受理结果")
            name, arg_label = "来电结果", Outcome(arg).label
        else:
            name = self.metrics[base].name if base in self.metrics else "督办中工单"
            arg_label = arg
        # a live figure's list is of now, whatever the period; a filter is said in the title
        when = "当前（不受时间段限制）" if base in LIVE_DRILLS else scope.period.label
        title = " · ".join([f"{name}{'（' + arg_label + '）' if arg_label else ''}", when,
                            *self._filter_words(scope)])
        limit = max(1, min(limit, DRILL_LIMIT))
        with self._factory() as s:
            if base in CALL_DRILLS:
                if scope.unit_id is not None:
                    raise ServiceError("单位视图不含来电指标")
                rows, total = self._drill_calls(s, base, scope, limit, arg)
                if base == "repeat_callers":  # the figure counts people, the list their calls
                    people = int(s.scalar(select(func.count()).select_from(
                        self._repeaters(scope).subquery())) or 0)
                    return Drill(key, title, tuple(rows), total, people)
            elif base in EVENT_DRILLS:
                rows, total = self._drill_events(s, base, scope, limit)
            else:
                rows, total = self._drill_orders(s, base, arg, scope, limit)
        return Drill(key, title, tuple(rows), total)

    def _filter_words(self, scope: Scope) -> list[str]:
        cats = self._catalog.categories()
        words = [scope.channel or "", scope.region or ""]
        if scope.category_id is not None:
            words.append(cats[scope.category_id].path if scope.category_id in cats else "")
        return [w for w in words if w]

    # calls -----------------------------------------------------------------
    def _drill_calls(self, s: Session, key: str, scope: Scope, limit: int, arg: str = ""):
        where = [self._call_filter(scope)]
        outcomes = (arg,) if key == "calls_outcome" else CALL_DRILLS[key]
        if outcomes is not None:
            where.append(IntakeRecord.outcome.in_(outcomes))
        order = (IntakeRecord.started_at.desc(), IntakeRecord.id.desc())
        mark = literal("")
        ended = last_transfers()
        transfer = ended.c.outcome
        if key in ("talk_mean", "talk_max"):
            where.append(IntakeRecord.channel == Channel.PHONE.value)
            secs = self._seconds(s)
            order = (secs.desc(), IntakeRecord.id.desc())
            mark = func.round(secs)
        elif key == "repeat_calls":
            where.append(IntakeRecord.repeat_of_id.is_not(None))
        elif key == "repeat_callers":
            where.append(IntakeRecord.caller_id.in_(self._repeaters(scope)))
            order = (IntakeRecord.caller_id, IntakeRecord.started_at.desc(), IntakeRecord.id.desc())
        elif key == "warnings":
            where = [self._call_filter(scope, timed=False), IntakeRecord.id.in_(
                select(CallerWarning.intake_id).where(CallerWarning.at >= scope.start,
                                                      CallerWarning.at < scope.end))]
        elif key == "calls_expert_answered":
            where.append(transfer == TransferOutcome.ANSWERED.value)
        elif key == "calls_work_order":
            where.append(or_(IntakeRecord.outcome == Outcome.WORK_ORDER.value,
                             transfer == TransferOutcome.WORK_ORDER.value))
        elif key == "direct_answer_rate":
            mark = case((or_(IntakeRecord.outcome == Outcome.ANSWERED.value,
                             transfer == TransferOutcome.ANSWERED.value), "直接答复"),
                        else_="未直接答复")
        calls = select(IntakeRecord).outerjoin(ended, ended.c.intake_id == IntakeRecord.id) \
            .where(*where)
        total = int(s.scalar(select(func.count()).select_from(calls.subquery())) or 0)
        found = s.execute(
            select(IntakeRecord.id, IntakeRecord.started_at, IntakeRecord.region,
                   IntakeRecord.category_id, IntakeRecord.outcome, IntakeRecord.content,
                   IntakeRecord.confidential, mark, transfer)
            .outerjoin(ended, ended.c.intake_id == IntakeRecord.id)
            .where(*where).order_by(*order).limit(limit)).all()
        numbers = dict(s.execute(select(WorkOrder.intake_id, WorkOrder.number).where(
            WorkOrder.intake_id.in_([r[0] for r in found]))).all()) if found else {}
        cats = self._catalog.categories()
        rows = []
        for rid, at, region, cat, outcome, content, conf, m, ended in found:
            label = Outcome(outcome).label if outcome in Outcome._value2member_map_ else outcome
            if ended:
                label += "→" + TransferOutcome(ended).label
            if key in ("talk_mean", "talk_max") and m is not None:
                m = format_value(float(m), "秒")
            rows.append(DrillRow("call", rid, numbers.get(rid, ""), at, "", region or "",
                                 cats[cat].path if cat in cats else "", label,
                                 mask_confidential(content, conf), str(m or "")))
        return rows, total

    # events ----------------------------------------------------------------
    def _drill_events(self, s: Session, key: str, scope: Scope, limit: int):
        actions = [a.value for a in EVENT_DRILLS[key]]
        where = [OrderEvent.action.in_(actions), OrderEvent.at >= scope.start,
                 OrderEvent.at < scope.end, *self._order_filter(scope, unit=EVENT_UNIT)]
        timely_sign = OrderEvent.at <= SIGN_DEADLINE
        timely_done = OrderEvent.at <= DONE_DEADLINE
        resolved = OrderEvent.reason.like(RESOLVED_PREFIX + "%")
        satisfied = or_(*(OrderEvent.reason.like(p + "%") for p in SATISFIED_PREFIXES))
        if key == "signed_on_time":
            where.append(timely_sign)
        elif key == "completed_on_time":
            where.append(timely_done)
        elif key == "resolved":
            where.append(resolved)
        elif key == "satisfied":
            where.append(satisfied)
        mark = {
            "signed": case((timely_sign, "按时签收"), else_="超时签收"),
            "response_rate": case((timely_sign, "按时签收"), else_="超时签收"),
            "completed": case((timely_done, "按时办结"), else_="超时办结"),
            "on_time_rate": case((timely_done, "按时办结"), else_="超时办结"),
            "resolution_rate": case((resolved, "已解决"), else_="暂时无法解决"),
            "callbacks": OrderEvent.reason, "satisfaction_rate": OrderEvent.reason,
            "reopen_rate": OrderEvent.reason,
            "return_approval_rate": case(
                (OrderEvent.action == Action.APPROVE_RETURN.value, "同意退回"), else_="驳回退回"),
        }.get(key, OrderEvent.reason)
        base = select(OrderEvent.id).join(WorkOrder, WorkOrder.id == OrderEvent.order_id) \
            .where(*where)
        total = int(s.scalar(select(func.count()).select_from(base.subquery())) or 0)
        found = s.execute(
            select(WorkOrder.id, WorkOrder.number, OrderEvent.at, EVENT_UNIT,
                   WorkOrder.region, WorkOrder.category_id, WorkOrder.status, WorkOrder.content,
                   WorkOrder.confidential, mark)
            .join(WorkOrder, WorkOrder.id == OrderEvent.order_id).where(*where)
            .order_by(OrderEvent.at.desc(), OrderEvent.id.desc()).limit(limit)).all()
        rows = [self._order_row(*r) for r in found]
        if key in ("signed", "response_rate"):
            # Art. 19(1): due to sign in the period, and still not signed
            total += int(s.scalar(select(func.count()).select_from(
                self._unsigned_late_query(scope).subquery())) or 0)
            if len(rows) < limit:
                rows += [self._order_row(*r, "未签收（已超签收时限）")
                         for r in self._unsigned_late(s, scope, limit - len(rows))]
        return rows, total

    def _unsigned_late_query(self, scope: Scope):
        until = min(scope.end, self._clock.now())
        return select(WorkOrder.id, WorkOrder.number, WorkOrder.sign_by, WorkOrder.lead_unit_id,
                      WorkOrder.region, WorkOrder.category_id, WorkOrder.status,
                      WorkOrder.content, WorkOrder.confidential) \
            .where(WorkOrder.status == OrderStatus.AWAITING_SIGN.value,
                   WorkOrder.sign_by >= scope.start, WorkOrder.sign_by < until,
                   *self._order_filter(scope))

    def _unsigned_late(self, s: Session, scope: Scope, limit: int):
        return s.execute(self._unsigned_late_query(scope)
                         .order_by(WorkOrder.sign_by.desc(), WorkOrder.id.desc())
                         .limit(limit)).all()

    # orders ----------------------------------------------------------------
    def _drill_orders(self, s: Session, key: str, arg: str, scope: Scope, limit: int):
        from sqlalchemy import text

        now = self._clock.now()
        filters = self._order_filter(scope)
        at = WorkOrder.created_at
        mark = literal("")
        if key in ("orders_created", "orders_immediate"):
            where = [WorkOrder.created_at >= scope.start, WorkOrder.created_at < scope.end,
                     *filters]
            if key == "orders_immediate":
                where.append(WorkOrder.immediate_dispatch)
            if arg:
                where.append(WorkOrder.status == arg)
        elif key in ("orders_open_now", "orders_overdue_now", "supervised_now"):
            where = [text(OPEN_STATUS_SQL), *filters]
            if key == "orders_overdue_now":
                where.append(WorkOrder.due_at < now)
            if key == "supervised_now":
                where.append(WorkOrder.supervision_level > 0)
            at = WorkOrder.due_at
            mark = case((WorkOrder.due_at < now, "已超期"), else_="未超期")
        else:  # supervised_N: the orders raised to level N in the period
            level = int(key.rsplit("_", 1)[1])
            raised = select(OrderEvent.order_id).where(
                OrderEvent.action == Action.SUPERVISE.value, OrderEvent.at >= scope.start,
                OrderEvent.at < scope.end, func.coalesce(OrderEvent.level, 1) == level)
            if scope.unit_id is not None:  # the unit it was raised against, as counted
                then = aliased(WorkOrder)
                raised = raised.join(then, then.id == OrderEvent.order_id).where(
                    func.coalesce(OrderEvent.unit_id, then.lead_unit_id) == scope.unit_id)
                filters = self._order_filter(replace(scope, unit_id=None))
            where = [WorkOrder.id.in_(raised), *filters]
            # the list's time is when it was raised to that level, not when it was made
            at = select(func.max(OrderEvent.at)).where(
                OrderEvent.order_id == WorkOrder.id, OrderEvent.action == Action.SUPERVISE.value,
                OrderEvent.at >= scope.start, OrderEvent.at < scope.end,
                func.coalesce(OrderEvent.level, 1) == level) \
                .correlate(WorkOrder).scalar_subquery()
            mark = literal("当前督办级别 ").concat(cast(WorkOrder.supervision_level, String))
        total = int(s.scalar(select(func.count()).select_from(WorkOrder).where(*where)) or 0)
        order = (at.asc(), WorkOrder.id) if at is WorkOrder.due_at \
            else (at.desc(), WorkOrder.id.desc())
        found = s.execute(
            select(WorkOrder.id, WorkOrder.number, at, WorkOrder.lead_unit_id, WorkOrder.region,
                   WorkOrder.category_id, WorkOrder.status, WorkOrder.content,
                   WorkOrder.confidential, mark)
            .where(*where).order_by(*order).limit(limit)).all()
        return [self._order_row(*r) for r in found], total

    def _order_row(self, oid, number, at, unit_id, region, cat, status, content, conf,
                   mark="") -> DrillRow:
        units = self._catalog.units()
        cats = self._catalog.categories()
        return DrillRow("order", oid, number, at, units[unit_id].name if unit_id in units else "",
                        region or "", cats[cat].path if cat in cats else "", status,
                        mask_confidential(content, conf), str(mark or ""))


def ranks(units) -> list[str]:
    """名次 of a ranking: the same score the same place (1, 2, 2, 4); unscored: —."""
    out: list[str] = []
    for i, u in enumerate(units):
        if u.score is None:
            out.append("—")
        elif i and units[i - 1].score == u.score:
            out.append(out[-1])
        else:
            out.append(str(i + 1))
    return out


def mask_confidential(content: str, confidential: bool) -> str:
    """A confidential request's words are not shown in lists and reports (Art. 8, 21)."""
    return "（保密诉求，内容不予显示）" if confidential else content


# ---------------------------------------------------------------------------- trends
@dataclass(frozen=True)
class Trend:
    grain: str  # "day" | "week" | "month" (a long period's days, folded) | "hour"
    labels: tuple[str, ...]  # 11-26 … / the first day of each week / 2025-11 … / 0 … 23
    calls: tuple[int, ...]
    orders: tuple[int, ...]
    direct_rate: tuple[float | None, ...]  # the day's (or hour's) direct-answer rate


class _Trends:
    def _bucket(self, s: Session, column, grain: str):
        pg = s.get_bind().dialect.name == "postgresql"
        if grain == "hour":
            return func.to_char(column, "HH24") if pg else func.substr(column, 12, 2)
        return func.to_char(column, "YYYY-MM-DD") if pg else func.substr(column, 1, 10)

    def trend(self, scope: Scope, grain: str = "day", viewer: OperatorInfo | None = None,
              fold: bool = True) -> Trend:
        """Calls, orders and the direct-answer rate per day of the period, or per hour of the
        day over the whole period. A unit's view has orders only. ``fold``: a period longer
        than DAILY_MOST days comes by week or by month (a chart of 1,000 days is a smear)."""
        if grain not in ("day", "hour"):
            raise ServiceError("趋势只能按日或按小时")
        scope = self.scope_for(viewer, scope)
        if grain == "day":
            keys = [f"{scope.period.first + timedelta(days=i):%Y-%m-%d}"
                    for i in range(scope.period.days)]
            labels = [k[5:] for k in keys]
        else:
            keys = [f"{h:02d}" for h in range(24)]
            labels = [str(h) for h in range(24)]
        calls: Counter = Counter()
        taken: Counter = Counter()
        direct: Counter = Counter()
        orders: Counter = Counter()
        with self._factory() as s:
            if scope.unit_id is None:
                bucket = self._bucket(s, IntakeRecord.started_at, grain)
                ended = last_transfers()
                is_direct = or_(IntakeRecord.outcome == Outcome.ANSWERED.value,
                                and_(IntakeRecord.outcome == Outcome.EXPERT.value,
                                     ended.c.outcome == TransferOutcome.ANSWERED.value))
                for key, n, t, d in s.execute(
                        select(bucket, func.count(),
                               func.sum(case((IntakeRecord.outcome.in_(TAKEN), 1), else_=0)),
                               func.sum(case((is_direct, 1), else_=0)))
                        .outerjoin(ended, ended.c.intake_id == IntakeRecord.id)
                        .where(self._call_filter(scope)).group_by(bucket)).all():
                    calls[key] += n
                    taken[key] += int(t or 0)
                    direct[key] += int(d or 0)
            bucket = self._bucket(s, WorkOrder.created_at, grain)
            for key, n in s.execute(
                    select(bucket, func.count())
                    .where(WorkOrder.created_at >= scope.start, WorkOrder.created_at < scope.end,
                           *self._order_filter(scope)).group_by(bucket)).all():
                orders[key] += n
        if fold and grain == "day" and scope.period.days > DAILY_MOST:
            return _folded(scope.period, keys, calls, taken, direct, orders)
        return Trend(grain, tuple(labels), tuple(calls[k] for k in keys),
                     tuple(orders[k] for k in keys),
                     tuple(rate(direct[k], taken[k]) for k in keys))


DAILY_MOST = 92     # a longer period's trend is by week (7 days from its first) …
WEEKLY_MOST = 731   # … and beyond two years by calendar month: a chart has room for ~100 points
GRAIN_WORDS = {"day": "每日", "week": "每周", "month": "每月", "hour": "分时段"}


def _folded(period: Period, keys: list[str], calls, taken, direct, orders) -> Trend:
    """A long period's days summed into weeks or months (the rate over the sums)."""
    weekly = period.days <= WEEKLY_MOST
    groups: dict[str, list[str]] = {}
    for i, key in enumerate(keys):
        day = period.first + timedelta(days=i)
        if weekly:
            start = period.first + timedelta(days=i - i % 7)
            label = f"{start:%y-%m-%d}" if period.first.year != period.last.year \
                else f"{start:%m-%d}"
        else:
            label = f"{day:%Y-%m}"
        groups.setdefault(label, []).append(key)
    total = {name: [sum(c[k] for k in ks) for ks in groups.values()]
             for name, c in (("calls", calls), ("taken", taken), ("direct", direct),
                             ("orders", orders))}
    return Trend("week" if weekly else "month", tuple(groups), tuple(total["calls"]),
                 tuple(total["orders"]),
                 tuple(rate(d, n) for d, n in zip(total["direct"], total["taken"], strict=True)))


# ---------------------------------------------------------------------------- hot topics
RECENT_DAYS = 7
BASELINE_DAYS = 28
MIN_RECENT = 5        # calls in the last 7 days before a category can be a hot topic
MIN_Z = 2.0           # how far above its baseline (in Poisson standard deviations)
MIN_GROWTH = 0.3      # and by how much (30 %)
EXPERT_TOP = 10       # Art. 14(2): among the ten most called-about categories …
TOPIC_LEVEL = 2       # a topic is a second-level category (供热/供暖质量): leaves split a rise
WORD_SAMPLE = 4000    # calls read for the words of a window (the newest ones)
# Words every request has (greetings, the openers of a call): never a topic's word
STOPWORDS = frozenset(["你好", "您好", "我想", "想问", "问一下", "一下", "麻烦", "请问", "问下", "我要", "反映", "个事", "我是", "我们", "你们", "他们", "这个", "那个", "怎么", "怎么办", "什么", "为什么", "能不能", "可以", "没有", "就是", "还是", "现在", "一直", "已经", "知道", "需要", "情况", "问题", "我家", "家里", "谢谢", "一个", "这样", "如何", "是不是", "有没有", "帮忙", "帮助", "处理", "解决", "时候", "这边", "那边", "的话", "咨询", "办理", "相关", "一些", "好多", "不是", "不能", "还有", "因为", "所以", "但是", "然后", "如果", "应该", "小区", "开始", "结果", "公司", "怀疑", "不会", "单位", "地方"])


@dataclass(frozen=True)
class HotTopic:
    category_id: int
    category: str            # its path
    recent: int              # calls in the last 7 days
    baseline: float          # the 7 days' calls the 28 before would predict
    growth: float | None     # recent ÷ baseline − 1 (None: no calls before)
    z: float                 # (recent − baseline) ÷ √baseline (Poisson)
    direct_rate: float | None
    words: tuple[str, ...]   # the words that set its requests apart
    regions: tuple[tuple[str, int], ...]  # where its recent calls come from, most first
    examples: tuple[str, ...]  # recent requests, personal data masked
    expert_advised: bool     # Art. 14(2): much called about, little answered directly
    rising: bool


@dataclass(frozen=True)
class RisingWord:
    word: str
    recent: int    # calls of the last 7 days that use it
    baseline: float
    growth: float | None


@dataclass(frozen=True)
class HotTopics:
    last_day: date
    recent_calls: int
    baseline_calls: float
    centre_direct_rate: float | None
    topics: tuple[HotTopic, ...]  # rising first (by z), then the busiest not rising
    words: tuple[RisingWord, ...]


# Words that say nothing of what a request is about, by their part of speech in jieba's
# dictionary: numerals and measure words (一下, 多少), pronouns (为啥, 哪个), time (今年, 昨天),
# direction and place-relative words (上面, 楼下, 家里), adverbs, conjunctions, prepositions,
# particles and interjections. Seen on 35 simulated days: 今年, 上面, 下面 among a heating
# topic's words before.
VOID_POS = frozenset({"m", "mq", "mg", "q", "r", "rr", "rz", "rg", "t", "tg", "f", "s", "d", "dg",
                      "df", "ad", "c", "p", "u", "ud", "ug", "uj", "ul", "uv", "uz", "y", "e",
                      "o"})
# how it is asked, not about what: 哪交, 啥时候, 收不收, 能交 (能 and a verb)
QUESTION_WORD = re.compile(r"^[哪啥咋怎谁]|^(.)不\1$|^能.$")
# a word the dictionary does not hold, cut from a clause: two characters, the second a verb
# or a particle (没来, 能取, 改地) — not a thing (没电, 没水 stay)
CLAUSE_PIECE = frozenset({"v", "vd", "vg", "uv", "ul", "uz", "ud", "ug", "uj", "y"})


@lru_cache(maxsize=65536)
def _says_something(word: str) -> bool:
    import rjieba

    if word in STOPWORDS or QUESTION_WORD.search(word):
        return False
    tags = rjieba.tag(word)
    if len(tags) == 1:
        return tags[0][1] not in VOID_POS
    return not (len(word) == 2 and tags[1][1] in CLAUSE_PIECE)


def _words_of(text: str) -> set[str]:
    from agent_console.search.analysis import words as cut

    out: set[str] = set()
    for run in CJK_RUN.findall(text or ""):
        out.update(w for w in cut(run) if _says_something(w))
    return out


CJK_RUN = re.compile(r"[\u4e00-\u9fff\U00020000-\U0002ffff]{2,}")


class _HotTopics:
    def hot_topics(self, scope: Scope, viewer: OperatorInfo | None = None,
                   limit: int = 12) -> HotTopics:
        """Art. 22 (社情民意): the categories whose calls in the 7 days to the period's last
        day rose against their own 28 days before, with the words and regions of their
        requests; the busiest categories answered directly less often than the centre are
        flagged for an on-site expert (Art. 14(2)). A unit's view counts its orders."""
        scope = self.scope_for(viewer, scope)
        # the 7 whole days to the period's end: today, not over yet, is left out
        last = min(scope.period.last, self._clock.now().date() - timedelta(days=1))
        recent = Period(last - timedelta(days=RECENT_DAYS - 1), last, "")
        before = Period(recent.first - timedelta(days=BASELINE_DAYS), recent.first - timedelta(days=1), "")
        unit = scope.unit_id is not None
        table, at = (WorkOrder, WorkOrder.created_at) if unit else (IntakeRecord, IntakeRecord.started_at)
        filters = self._order_filter(scope) if unit else [self._call_filter(scope, timed=False)]
        with self._factory() as s:
            def counts(p: Period):
                return {cat: (n, int(d or 0), int(t or 0)) for cat, n, d, t in s.execute(
                    select(table.category_id, func.count(),
                           *((literal(0), literal(0)) if unit else (
                               func.sum(case((IntakeRecord.outcome == Outcome.ANSWERED.value, 1),
                                             else_=0)),
                               func.sum(case((IntakeRecord.outcome.in_(TAKEN), 1), else_=0)))))
                    .where(at >= p.start, at < p.end, *filters)
                    .group_by(table.category_id)).all() if cat is not None}
            now_counts, old_counts = self._lift(counts(recent)), self._lift(counts(before))
            recent_total = sum(v[0] for v in now_counts.values())
            base_total = sum(v[0] for v in old_counts.values()) * RECENT_DAYS / BASELINE_DAYS
            direct_all = sum(v[1] for v in now_counts.values())
            taken_all = sum(v[2] for v in now_counts.values())
            centre_rate = None if unit else rate(direct_all, taken_all)
            busiest = sorted(now_counts, key=lambda c: -now_counts[c][0])[:EXPERT_TOP]
            candidates = []
            for cat, (n, d, t) in now_counts.items():
                base = old_counts.get(cat, (0, 0, 0))[0] * RECENT_DAYS / BASELINE_DAYS
                z = (n - base) / max(base, 1.0) ** 0.5
                growth = n / base - 1 if base else None
                rising = n >= MIN_RECENT and z >= MIN_Z and (growth is None or growth >= MIN_GROWTH)
                own_rate = None if unit else rate(d, t)
                # the rate over enough requests taken (emergencies and the not accepted are not)
                advised = (not unit and cat in busiest and t >= MIN_RECENT and own_rate is not None
                           and centre_rate is not None and own_rate < centre_rate)
                if rising or advised:
                    candidates.append((cat, n, base, growth, z, own_rate, advised, rising))
            candidates.sort(key=lambda c: (not c[7], -c[4], -c[1]))
            candidates = candidates[:limit]
            texts = self._texts(s, table, at, recent, filters)
            old_texts = self._texts(s, table, at, before, filters)
        cats = self._catalog.categories()
        places = self._place_words()
        all_words = Counter()
        by_cat: dict[int, list] = defaultdict(list)
        for cat, region, content, conf in texts:
            # a confidential request is counted, but its words are never read (Art. 8, 21)
            ws = set() if conf else _words_of(content) - places
            all_words.update(ws)
            by_cat[self._topic_of(cat)].append((region, content, conf, ws))
        topics = []
        n_all = max(len(texts), 1)
        for cat, n, base, growth, z, own_rate, advised, rising in candidates:
            mine = by_cat.get(cat, [])
            df = Counter()
            for _r, _c, _conf, ws in mine:
                df.update(ws)
            k = max(len(mine), 1)
            scored = sorted(((w, (df[w] + 0.5) / (k + 1) / ((all_words[w] + 0.5) / (n_all + 1)))
                             for w in df if df[w] >= 2), key=lambda x: (-x[1], -df[x[0]], x[0]))
            regions = Counter(r or "未填写" for r, *_ in mine).most_common(3)
            examples = []
            for _r, content, conf, _ws in mine:
                if conf or content in examples:
                    continue
                examples.append(content)
                if len(examples) == 3:
                    break
            topics.append(HotTopic(
                cat, cats[cat].path if cat in cats else str(cat), n, round(base, 1), growth,
                round(z, 2), own_rate, tuple(w for w, _ in scored[:6]), tuple(regions),
                tuple(mask_personal(e) for e in examples), advised, rising))
        old_words = Counter()
        for *_x, content, conf in old_texts:
            if not conf:
                old_words.update(_words_of(content) - places)
        scale_old = len(texts) / max(len(old_texts), 1)
        rising_words = []
        for w, n in all_words.items():
            base = old_words[w] * scale_old
            if n >= MIN_RECENT and (n - base) / max(base, 1.0) ** 0.5 >= MIN_Z \
                    and (not base or n / base - 1 >= MIN_GROWTH):
                rising_words.append(RisingWord(w, n, round(base, 1), n / base - 1 if base else None))
        rising_words.sort(key=lambda r: (-(r.recent - r.baseline) / max(r.baseline, 1.0) ** 0.5,
                                         r.word))
        return HotTopics(last, recent_total, round(base_total, 1), centre_rate, tuple(topics),
                         tuple(rising_words[:15]))

    def _topic_of(self, category_id: int | None) -> int | None:
        """The category's ancestor at TOPIC_LEVEL (itself when it is higher up)."""
        cats = self._catalog.categories()
        info = cats.get(category_id)
        if info is None or info.level <= TOPIC_LEVEL:
            return category_id
        path = "/".join(info.path.split("/")[:TOPIC_LEVEL])
        return self._paths().get(path, category_id)

    def _paths(self) -> dict[str, int]:
        if getattr(self, "_by_path", None) is None:
            self._by_path = {c.path: c.id for c in self._catalog.categories().values()}
        return self._by_path

    def _lift(self, counts: dict[int, tuple[int, int, int]]) -> dict[int, tuple[int, int, int]]:
        out: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
        for cat, values in counts.items():
            acc = out[self._topic_of(cat)]
            for i, v in enumerate(values):
                acc[i] += v
        return {k: tuple(v) for k, v in out.items()}

    def _place_words(self) -> frozenset[str]:
        """Words of the city's place names (科尔沁, 霍林郭勒, 旗里 …): where, not what."""
        if getattr(self, "_places", None) is None:
            found: set[str] = {"旗里", "市里", "县里", "区里"}
            for r in self._catalog.regions():
                for name in (r.name, r.short, *r.towns):
                    found |= _words_of(name)
                    found.add(name)
            self._places = frozenset(found)
        return self._places

    def _texts(self, s: Session, table, at, p: Period, filters) -> list[tuple]:
        """The newest WORD_SAMPLE requests of a window: (category, region, content, secret)."""
        return [tuple(r) for r in s.execute(
            select(table.category_id, table.region, table.content, table.confidential)
            .where(at >= p.start, at < p.end, *filters)
            .order_by(at.desc()).limit(WORD_SAMPLE)).all()]


# Personal data in a request's words (Art. 8, 21): phone and ID numbers, and names after the
# words that introduce one
_SEP = r"[\s\-－—.·]?"  # people write 139 1234 5678, 139-1234-5678
_PHONE = re.compile(rf"(?<!\d)(1[3-9]\d){_SEP}\d{{4}}{_SEP}(\d{{4}})(?!\d)")
_LANDLINE = re.compile(rf"(?<!\d)(0\d{{2,3}}){_SEP}\d{{3,4}}{_SEP}?(\d{{3,4}})(?!\d)")
_ID = re.compile(r"(?<![0-9Xx])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9Xx])")
_DIGITS = re.compile(r"\d(?:[\s\-－—.·]?\d){6,}")  # any other long number, separators or not
_NAMED = re.compile(r"(我叫|叫我|名叫|名字叫|名字是|姓名|联系人|本人|\*叫)([:：\s]*)([\u4e00-\u9fff]{2,4})")
_SURNAME = re.compile(r"(我姓|本人姓)([\u4e00-\u9fff])")


def mask_personal(text: str) -> str:
    """A request's words with phone numbers, ID numbers and self-given names masked, for
    examples in reports (never the stored record)."""
    text = _ID.sub(lambda m: m.group(1) + "********" + m.group(2), text)
    text = _PHONE.sub(lambda m: m.group(1) + "****" + m.group(2), text)
    text = _LANDLINE.sub(lambda m: m.group(1) + "****" + m.group(2)[-3:], text)

    def digits(m: re.Match) -> str:
        run = m.group(0)
        if "*" in run:
            return run
        shown = re.sub(r"\D", "", run)[:3]
        return shown + "*" * max(len(re.sub(r"\D", "", run)) - 3, 1)
    text = _DIGITS.sub(digits, text)
    text = _SURNAME.sub(lambda m: m.group(1) + "*", text)
    return _NAMED.sub(lambda m: m.group(1) + m.group(2) + m.group(3)[0]
                      + "*" * (len(m.group(3)) - 1), text)


class AnalyticsService(_Figures, _Drills, _Trends, _HotTopics):
    """Art. 22: the figures, the lists behind them, the trends and the hot topics."""
