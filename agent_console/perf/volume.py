"""``agent-console bench volume``: a centre's years of work orders, then the console's reads.

The fill writes N work orders as the services would have left them, in bulk (binary COPY on
PostgreSQL, executemany on SQLite, the next batch made while the last one is written),
because playing millions of calls through the services would take days. What the services
guarantee, the fill keeps: every order has its caller
(reused over the years, a few with dozens of orders) and its intake record; its events are a
chain the workflow table allows, by the desk each action belongs to, ending in the order's
status; deadlines come from the deadline table on the working calendar; overdue orders carry
the supervision the scan would have raised, worded by ``workflow.decide``; the day's numbers
run from 1 without a gap and ``order_counters`` ends at each day's last, so the next real order
continues the day. One transaction per batch holds all of it, counters included: an
interrupted fill leaves a consistent database, and the next run adds only what is missing.

The timed part calls the services the console calls (caller history, the orders screen's
queues, the overdue scan, the unit ranking), never SQL of its own.
"""

from __future__ import annotations

import json
import math
import random
import sys
import time
from bisect import bisect
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from itertools import accumulate

import numpy as np
from rich.cells import cell_len
from sqlalchemy import func, select

from agent_console.domain.calendar import WorkCalendar
from agent_console.domain.deadlines import DeadlineRule, compute_deadlines, find_rule
from agent_console.domain.enums import Channel, OrderStatus, Outcome, Role
from agent_console.domain.orders import format_order_number
from agent_console.domain.workflow import (
    CONTACT_RESULTS,
    NOTES,
    TIERS,
    UNIT_HOLDS,
    Action,
    Facts,
    OrderState,
    Refusal,
    decide,
    supervision_due,
)
from agent_console.perf.common import (
    BENCH_PASSWORD,
    BenchRefused,
    Figures,
    figures,
    open_bench,
    print_json_last,
)
from agent_console.services.accounts import to_info
from agent_console.services.calendar import library_calendar
from agent_console.services.container import Services
from agent_console.services.dto import OperatorInfo
from agent_console.services.errors import ServiceError
from agent_console.services.simulation import (
    GIVEN,
    MOBILE_PREFIXES,
    OPENERS,
    SURNAMES,
    UTILITY_FAULTS,
)
from agent_console.store.engine import make_session_factory
from agent_console.store.models import (
    Base,
    Caller,
    Operator,
    OrderCounter,
    Unit,
    WorkOrder,
)
from agent_console.ui.screens.orders import (
    CENTRE_QUEUES,
    SCAN_SECONDS,
    SUPERVISED,
    UNIT_QUEUES,
)

S = OrderStatus
SPAN_DAYS = 912  # two and a half years of history before today
BATCH = 25_000  # orders per transaction
PROGRESS_EVERY = 30.0  # seconds between progress lines
# orders_scale.py's MIX, split in two: orders still being worked on (open, or awaiting the
# callback) are mostly recent, with a tail of old ones left overdue; settled ones are any age.
PENDING = ((S.IN_PROGRESS, 8), (S.AWAITING_SIGN, 3), (S.COMPLETED, 3), (S.AWAITING_DISPATCH, 1),
           (S.RETURN_REVIEW, 1), (S.EXTENSION_REVIEW, 1), (S.TERMINATION_REVIEW, 0.5))
SETTLED = ((S.ARCHIVED, 70), (S.CALLED_BACK, 12), (S.TERMINATED, 0.5))
PENDING_DAYS = 180  # the pending share falls off as exp(-age / PENDING_DAYS)
TERMINATION_ROUTE = frozenset({S.TERMINATION_REVIEW, S.TERMINATED})
# Orders per caller: most call once to three times, some dozens of times over the years.
PER_CALLER = ((1, 1, 0.62), (2, 2, 0.20), (3, 3, 0.08), (4, 9, 0.07), (10, 30, 0.025),
              (31, 80, 0.005))
REQUEST_TYPES = (("咨询", 45), ("求助", 25), ("投诉", 22), ("举报", 4), ("意见建议", 4))
URGENCIES = (("一般", 92), ("紧急", 6), ("特急", 2))
# As the simulation plays them (services/simulation.py): the caller's view on completion, and
# the callback's satisfaction (an unsatisfied caller whose request is reasonable is reopened,
# so the unsatisfied here are those ruled unreasonable).
VIEWS = (("满意", 70), ("基本满意", 18), ("不满意", 7), ("未表态", 5))
SATISFACTION = (("满意", 70), ("基本满意", 18), ("不满意", 12))
# When orders are made, by hour of the day (the line answers around the clock).
HOURS = (1, .5, .3, .3, .3, .5, 1.5, 4, 8, 10, 10, 9, 6, 7, 9, 9, 8, 6, 4, 3, 2.5, 2, 1.5, 1)
PHONE_SPACE = len(MOBILE_PREFIXES) * 10**8
PHONE_STEP = 982_451_653  # a prime: id → number is a bijection of PHONE_SPACE

# Bench accounts (common.BENCH_STAFF_PREFIX): seats 7900xx, the centre's desks 7901xx–7903xx,
# a liaison per unit 798 + the unit's id.
SEATS = tuple(f"7900{i:02d}" for i in range(1, 9))
DISPATCHER, CALLBACK, SUPERVISOR = "790101", "790201", "790301"
# Enum members' values by member: StrEnum's ``.value`` is a slow descriptor, run per event.
VALUES = {m: m.value for m in (*Action, *OrderStatus)}
QUEUE_PAGE = 500  # rows the orders screen reads for a queue
TARGETS_MS = {"caller_history": 5.0, "queue": 50.0, "scan": 1000.0}

RETURN_REASON = "该事项不属于本单位职责范围，依据三定方案应由属地政府办理"
EXTENSION_REASON = "需协调多个部门现场处置，申请延期"
REACHED = "已电话联系诉求人了解具体情况"
NO_ANSWER = "致电未接听，已发送短信"
PART_TEXT = "本单位职责部分已办理完毕，意见已反馈牵头单位"
DONE_TEXT = "已联系诉求人并现场处理，向诉求人反馈了办理结果"
HELD_UP_TEXT = "受施工季节限制暂无法整改，已向诉求人解释并告知计划"


@dataclass(frozen=True)
class Cast:
    """The benchmark's operators, made through AccountService like any account."""

    seats: tuple[int, ...]
    dispatcher: OperatorInfo
    callback: OperatorInfo
    supervisor: OperatorInfo
    liaisons: dict[int, OperatorInfo]  # by unit id


@dataclass(frozen=True)
class FillReport:
    orders: int  # in the database now
    added: int
    seconds: float
    rows: int


def cast(services: Services) -> Cast:
    """The bench operators, made on the first run and found again on the next."""
    units = services.catalog.units()
    wanted = [(no, f"基准座席{no[-2:]}", Role.SEAT_AGENT, None) for no in SEATS]
    wanted += [(DISPATCHER, "基准派单员", Role.DISPATCHER, None),
               (CALLBACK, "基准回访员", Role.CALLBACK, None),
               (SUPERVISOR, "基准督办员", Role.SUPERVISOR, None)]
    wanted += [(f"798{u.id:03d}", f"{u.name[:10]}联络员", Role.UNIT_LIAISON, u.code)
               for u in units.values()]
    with make_session_factory(services.engine)() as s:
        have = {op.staff_no: op for op in s.scalars(
            select(Operator).where(Operator.staff_no.in_([w[0] for w in wanted])))}
    people: dict[str, OperatorInfo] = {}
    for staff_no, name, role, unit_code in wanted:
        op = have.get(staff_no)
        if op is None:
            people[staff_no] = services.accounts.add_user(staff_no, name, role.value,
                                                          BENCH_PASSWORD, unit_code)
        else:
            people[staff_no] = to_info(op)
    return Cast(tuple(people[no].id for no in SEATS), people[DISPATCHER], people[CALLBACK],
                people[SUPERVISOR],
                {p.unit_id: p for p in people.values() if p.role is Role.UNIT_LIAISON})


def phone_of(caller_id: int) -> str:
    """A mobile number of its own for each caller id (never two callers on one number)."""
    v = (caller_id * PHONE_STEP) % PHONE_SPACE
    return f"{MOBILE_PREFIXES[v // 10**8]}{v % 10**8:08d}"


def name_of(caller: int) -> str:
    h = caller * 2_654_435_761 % 2**32
    return SURNAMES[h % len(SURNAMES)] + GIVEN[h // len(SURNAMES) % len(GIVEN)]


# ---------------------------------------------------------------------------- writing
@dataclass(frozen=True)
class _Table:
    """A table the fill writes: its columns and their PostgreSQL types (for binary COPY)."""

    name: str
    columns: tuple[tuple[str, str], ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.columns)

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(t for _, t in self.columns)


def _columns(spec: str) -> tuple[tuple[str, str], ...]:
    return tuple(tuple(item.split(":")) for item in spec.split())


# In the order they are written: each table's rows refer only to rows written before them.
TABLES = (
    _Table("callers", _columns("id:int4 phone:varchar name:varchar warning_count:int4 "
                               "created_at:timestamp")),
    _Table("intake_records", _columns(
        "id:int4 caller_id:int4 operator_id:int4 channel:varchar request_type:varchar "
        "urgency:varchar content:text region:varchar address:varchar caller_name:varchar "
        "confidential:bool category_id:int4 outcome:varchar kb_article_id:varchar "
        "answer_text:text immediate_dispatch:bool started_at:timestamp ended_at:timestamp")),
    _Table("work_orders", _columns(
        "id:int4 number:varchar intake_id:int4 caller_id:int4 lead_unit_id:int4 "
        "category_id:int4 request_type:varchar urgency:varchar region:varchar content:text "
        "confidential:bool immediate_dispatch:bool status:varchar sign_by:timestamp "
        "due_at:timestamp created_at:timestamp created_by_id:int4 supervision_level:int4 "
        "reopen_count:int4 requested_due_at:timestamp satisfaction:varchar version:int4")),
    _Table("order_co_handlers", _columns("order_id:int4 unit_id:int4 order_created_at:timestamp "
                                         "order_status:varchar order_due_at:timestamp "
                                         "order_level:int4")),
    _Table("order_events", _columns(
        "order_id:int4 at:timestamp actor_id:int4 action:varchar from_status:varchar "
        "to_status:varchar reason:text unit_id:int4 deadline:timestamp level:int4")),
    _Table("order_notes", _columns(
        "order_id:int4 at:timestamp actor_id:int4 unit_id:int4 kind:varchar result:varchar "
        "content:text units_consulted:json")),
)


@dataclass(frozen=True)
class _Batch:
    """One transaction's rows by table, the days' last numbers, and the ids it took."""

    rows: dict[str, list[tuple]]
    last: dict[str, int]  # day → its last sequence in this batch
    ids: dict[str, list[int]]  # callers, intake records, orders

    @property
    def orders(self) -> int:
        return len(self.ids["work_orders"])


class _Writer:
    """Writes a batch in one transaction on a driver connection of the engine's own."""

    def __init__(self, services: Services) -> None:
        self._raw = services.engine.raw_connection()
        self.conn = self._raw.driver_connection

    def write(self, batch: _Batch) -> int:
        """The batch's rows, the day counters and the check of its references, committed
        together or not at all; returns the orders written."""
        self.begin()
        try:
            for table in TABLES:
                self.rows(table, batch.rows[table.name])
            self.counters(batch.last)
            self.verify(batch.ids)
        except BaseException:
            self.rollback()
            raise
        self.commit()
        return batch.orders

    def close(self) -> None:
        self._raw.close()


class _PgWriter(_Writer):
    """COPY in binary. A superuser's batch runs with the triggers off (``replica`` role, for
    that transaction only): the foreign keys are then checked once per batch, set against
    set, by ``verify``, where their triggers would look every reference up row by row (three
    quarters of the fill's time on the server)."""

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.set_wise = self.conn.execute(
            "SELECT current_setting('is_superuser')").fetchone()[0] == "on"
        self.conn.rollback()
        # ids are taken while the batch before is still being written: on a connection of
        # their own, outside any transaction (a sequence never goes back anyway)
        self._ids_raw = services.engine.raw_connection()
        self._ids = self._ids_raw.driver_connection
        self._ids.autocommit = True

    def ids(self, table: str, n: int) -> list[int]:
        """Ids taken from the table's own sequence: a real insert afterwards continues it."""
        cur = self._ids.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
                                "FROM generate_series(1, %s)", (n,))
        return [r[0] for r in cur]

    def begin(self) -> None:
        # a batch's COPY or the closing ANALYZE may outlast a console's 30 s statement limit
        self.conn.execute("SET LOCAL statement_timeout = 0")
        if self.set_wise:
            self.conn.execute("SET LOCAL session_replication_role = replica")

    def verify(self, ids: dict[str, list[int]], tables: tuple = TABLES) -> None:
        """Every foreign key of the batch's rows points at a row, or the batch is rolled back.
        The rows are found by the range of their ids (or of their order's ids): one index
        range each, a superset of the batch if another session took ids in between. With
        the triggers off (a superuser's batch) this is the only check."""
        if not self.set_wise:
            return
        for table in tables:
            key, scope = ("id", ids[table.name]) if table.name in ids else \
                ("order_id", ids.get(WorkOrder.__tablename__))
            if not scope:
                continue
            for fk in Base.metadata.tables[table.name].foreign_keys:
                column, target = fk.parent.name, fk.column
                bad = self.conn.execute(
                    f"SELECT count(*) FROM {table.name} x WHERE x.{key} BETWEEN %s AND %s "
                    f"AND x.{column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                    f"{target.table.name} r WHERE r.{target.name} = x.{column})",
                    (min(scope), max(scope))).fetchone()[0]
                if bad:
                    raise RuntimeError(f"填充数据违反外键约束：{table.name}.{column} 有 {bad} 行"
                                       f"指向不存在的 {target.table.name}")

    def rows(self, table: _Table, rows: list[tuple]) -> None:
        """Binary COPY: no text to format on this side or to parse on the server's."""
        if not rows:
            return
        from psycopg.types.json import Json  # psycopg: the PostgreSQL extra only

        json_at = [i for i, t in enumerate(table.types) if t == "json"]
        with self.conn.cursor() as cur, cur.copy(
                f"COPY {table.name} ({', '.join(table.names)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(list(table.types))
            for row in rows:
                if json_at:
                    row = tuple(Json(v) if i in json_at else v for i, v in enumerate(row))
                copy.write_row(row)

    def counters(self, last: dict[str, int]) -> None:
        with self.conn.cursor() as cur:
            cur.executemany("INSERT INTO order_counters (day, last) VALUES (%s, %s) "
                            "ON CONFLICT (day) DO UPDATE SET last = EXCLUDED.last",
                            list(last.items()))

    def commit(self) -> None:
        self.conn.commit()

    def rollback(self) -> None:
        self.conn.rollback()

    def analyze(self) -> None:
        self.begin()
        self.conn.execute("ANALYZE")
        self.commit()

    def close(self) -> None:
        super().close()
        # not back into the pool in autocommit: the next checkout (a session, the next fill's
        # writer) would run without transactions, and SET LOCAL would do nothing
        self._ids_raw.invalidate()


class _SqliteWriter(_Writer):
    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self._next: dict[str, int] = {}

    def ids(self, table: str, n: int) -> list[int]:
        """The rowids SQLite would give next, counted on from the largest at the start (a
        row someone else wrote meanwhile would make the batch fail, not clash)."""
        if table not in self._next:
            top = self.conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
            self._next[table] = top + 1
        start = self._next[table]
        self._next[table] = start + n
        return list(range(start, start + n))

    def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def rows(self, table: _Table, rows: list[tuple]) -> None:
        """Values as SQLAlchemy stores them on SQLite: datetimes as its text (compared as
        text), JSON as text."""
        marks = ", ".join("?" * len(table.columns))
        convert = [_sqlite_json if t == "json" else _sqlite_time if t == "timestamp" else None
                   for t in table.types]
        self.conn.executemany(
            f"INSERT INTO {table.name} ({', '.join(table.names)}) VALUES ({marks})",
            [tuple(v if f is None or v is None else f(v) for f, v in zip(convert, row))
             for row in rows])

    def counters(self, last: dict[str, int]) -> None:
        self.conn.executemany("INSERT INTO order_counters (day, last) VALUES (?, ?) "
                              "ON CONFLICT (day) DO UPDATE SET last = excluded.last",
                              list(last.items()))

    def verify(self, ids: dict[str, list[int]]) -> None:
        """Nothing to do: SQLite checks each row's foreign keys as it goes in."""

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        self.conn.execute("ROLLBACK")


def _sqlite_time(value: datetime) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S.%f}"


def _sqlite_json(value) -> str:
    return json.dumps(value)


# ---------------------------------------------------------------------------- one order's life
@dataclass(frozen=True)
class _Topic:
    """What a caller can ask about: a KB article's phrasings, or a utility fault (Art. 12)."""

    texts: tuple[str, ...]
    category_id: int
    article_id: str | None


class _Workdays:
    """The working calendar over the fill's years as a set of days: deadlines ask it about
    every day they count, tens of millions of times in a large fill; the same answers."""

    def __init__(self, calendar: WorkCalendar, first: date, last: date) -> None:
        self._calendar = calendar
        self._first, self._last = first, last
        days = (first + timedelta(days=i) for i in range((last - first).days + 1))
        self._work = frozenset(d for d in days if calendar.is_workday(d))

    def is_workday(self, day: date) -> bool:
        if self._first <= day <= self._last:
            return day in self._work
        return self._calendar.is_workday(day)


class _Choice:
    """A weighted draw that does not add the weights up again for every order."""

    def __init__(self, weighted) -> None:
        self.items, weights = zip(*weighted)
        self.bounds = list(accumulate(weights))

    def __call__(self, rng: random.Random):
        return self.items[bisect(self.bounds, rng.random() * self.bounds[-1])]


class _Life:
    """The events of one order from its creation to its status at the fill's ``now``.

    The planned route runs to the order's final status; events later than ``now`` are cut
    off, so a young order is where it has got to. Every step of a route happens before the
    deadline that would make the scan raise it, so only an order left open past its deadline
    is supervised, in the events the scan would have written (a scan every SCAN_SECONDS)."""

    def __init__(self, filler: _Filler, now: datetime) -> None:
        self.f = filler
        self.now = now
        self.rng = filler.rng

    def plan(self, age_days: float) -> S:
        if self.rng.random() < self.f.pending_scale * math.exp(-age_days / PENDING_DAYS):
            return self.f.pending(self.rng)
        return self.f.settled(self.rng)

    def route(self, t0: datetime, final: S, lead: int, co: int | None, rule, seat: int,
              create_reason: str):
        """(steps, deadlines, satisfaction): steps are (at, actor, action, to, reason, note),
        oldest first; deadlines (sign_by, due_at) as created and, if dispatched later, as
        dispatched; the callback's satisfaction if the route has one."""
        rng, f = self.rng, self.f
        u = rng.uniform
        liaison = f.cast.liaisons[lead].id
        dispatcher = f.cast.dispatcher.id
        steps = []

        def add(at, actor, action, to, reason="", note=None):
            steps.append((at, actor, action, to, reason, note))

        first = f.deadlines(t0, rule)
        deadlines = [first]
        to_desk = rng.random() < (0.7 if final is S.AWAITING_DISPATCH else 0.06)
        add(t0, seat, Action.CREATE, S.AWAITING_DISPATCH if to_desk else S.AWAITING_SIGN,
            f"坐席交派单员：承办单位难以确定，建议牵头 {f.unit_names[lead]}" if to_desk
            else create_reason)
        if to_desk:
            if final is S.AWAITING_DISPATCH:
                return steps, deadlines, None
            at = t0 + timedelta(hours=u(0.3, 6))
            deadlines.append(f.deadlines(at, rule))
            add(at, dispatcher, Action.DISPATCH, S.AWAITING_SIGN,
                f"牵头：{f.unit_names[lead]}；经协商确定承办单位")
        assigned = steps[-1][0]
        sign_by, due = deadlines[-1]
        if final is S.AWAITING_DISPATCH or final is S.RETURN_REVIEW and rng.random() < 0.6:
            at = assigned + (sign_by - assigned) * u(0.1, 0.9)
            add(at, liaison, Action.REQUEST_RETURN, S.RETURN_REVIEW, RETURN_REASON)
            if final is S.AWAITING_DISPATCH:  # approved while the deadline still runs
                at += min(timedelta(hours=u(0.5, 6)), (due - at) * u(0.2, 0.9))
                add(at, dispatcher, Action.APPROVE_RETURN, S.AWAITING_DISPATCH, "理由成立，重新派单")
            return steps, deadlines, None
        if final is S.AWAITING_SIGN:
            return steps, deadlines, None
        signed = assigned + (sign_by - assigned) * u(0.05, 0.9)
        add(signed, liaison, Action.SIGN, S.IN_PROGRESS)
        window = due - signed
        if rng.random() < 0.5:
            add(signed + window * u(0.01, 0.08), liaison, Action.CONTACT, S.IN_PROGRESS,
                f"{CONTACT_RESULTS['reached']}；{REACHED}", ("contact", "reached", REACHED, lead))
        if final is S.RETURN_REVIEW:
            add(signed + window * u(0.1, 0.5), liaison, Action.REQUEST_RETURN, S.RETURN_REVIEW,
                RETURN_REASON)
        elif final is S.EXTENSION_REVIEW:
            add(signed + window * u(0.3, 0.9), liaison, Action.REQUEST_EXTENSION,
                S.EXTENSION_REVIEW, EXTENSION_REASON)
        elif final in TERMINATION_ROUTE or final is S.ARCHIVED and rng.random() < 0.01 \
                and rule.working_days:
            self._terminated(add, signed, window, liaison, lead, final)
        elif final is S.IN_PROGRESS:
            if rng.random() < 0.1:
                add(signed + window * u(0.3, 0.55), liaison, Action.REQUEST_EXTENSION,
                    S.EXTENSION_REVIEW, EXTENSION_REASON)
                add(signed + window * u(0.6, 0.9), dispatcher, Action.REJECT_EXTENSION,
                    S.IN_PROGRESS, "理由不充分，按原时限办理")
        else:
            return steps, deadlines, self._completed(add, signed, window, liaison, co, final)
        return steps, deadlines, None

    def _terminated(self, add, signed, window, liaison, lead, final) -> None:
        """Art. 18(6): two failed calls far enough apart, then the request with its evidence."""
        u = self.rng.uniform
        tries = (signed + window * u(0.12, 0.25), signed + window * u(0.35, 0.5))
        for at in tries:
            add(at, liaison, Action.CONTACT, S.IN_PROGRESS,
                f"{CONTACT_RESULTS['no_answer']}；{NO_ANSWER}", ("contact", "no_answer", NO_ANSWER, lead))
        times = "、".join(f"{t:%m月%d日%H:%M}" for t in tries)
        evidence = f"{times}共{len(tries)}次致电均未接通，通话记录截图已留存"
        at = signed + window * u(0.6, 0.8)
        add(at, liaison, Action.REQUEST_TERMINATION, S.TERMINATION_REVIEW,
            f"多次致电诉求人均未接听，已留短信；证明材料：{evidence}", ("evidence", None, evidence, lead))
        if final is S.TERMINATION_REVIEW:
            return
        at = signed + window * u(0.82, 0.97)
        add(at, self.f.cast.dispatcher.id, Action.APPROVE_TERMINATION, S.TERMINATED, "证明材料齐全")
        if final is S.ARCHIVED:
            add(at + timedelta(days=u(3, 10)), self.f.cast.callback.id, Action.ARCHIVE, S.ARCHIVED)

    def _completed(self, add, signed, window, liaison, co, final) -> str | None:
        """Completed, called back, archived; the caller's satisfaction once called back."""
        rng, f = self.rng, self.f
        callback = f.cast.callback.id
        u = rng.uniform
        if co is not None:  # Art. 16(2): the co-handler's part comes before the completion
            add(signed + window * u(0.1, 0.6), f.cast.liaisons[co].id, Action.PART,
                S.IN_PROGRESS, PART_TEXT, ("part", None, PART_TEXT, co))
        if rng.random() < 0.9:
            view = f.views(rng)
            result = f"办理结果：已解决；诉求人意见：{view}；{DONE_TEXT}"
        else:
            view = rng.choice(("基本满意", "不满意", "未表态"))
            result = f"办理结果：暂时无法解决，已向诉求人解释；诉求人意见：{view}；{HELD_UP_TEXT}"
        at = signed + window * u(0.65, 0.95)
        add(at, liaison, Action.COMPLETE, S.COMPLETED, result)
        if final is S.COMPLETED:
            return None
        at += timedelta(hours=u(2, 72))
        satisfaction = f.satisfaction(rng)
        if satisfaction == "不满意":
            reason = "满意度：不满意；裁定：诉求不合理或不合法；诉求超出政策规定范围，已向诉求人解释"
        else:
            reason = f"满意度：{satisfaction}；电话回访"
        add(at, callback, Action.CALLBACK, S.CALLED_BACK, reason)
        if final is S.ARCHIVED:
            add(at + timedelta(days=u(1, 10)), callback, Action.ARCHIVE, S.ARCHIVED)
        return satisfaction

    def supervise(self, state: OrderState) -> list[tuple[datetime, str, int]]:
        """The scan's raises of an order left open: (at, reason, level), as ``decide`` words
        them, one per tier crossed (and the sign-for deadline of an unsigned one)."""
        if state.status not in UNIT_HOLDS:
            return []
        moments = [state.due_at + tier for tier in TIERS]
        if state.status is S.AWAITING_SIGN:
            moments.append(state.sign_by)
        out = []
        for moment in sorted(moments):
            at = moment + timedelta(seconds=self.rng.uniform(1, SCAN_SECONDS))
            if at > self.now:
                break
            due = supervision_due(state, at)
            if due is None:
                continue
            decision = decide(state, due, self.f.cast.supervisor, Facts(now=at))
            assert not isinstance(decision, Refusal), decision.reason  # the scan's own raise
            state = decision.state
            out.append((at, decision.events[0].reason, state.supervision_level))
        return out


class _Filler:
    """Makes the rows of the fill, batch by batch, from the services' own reference data:
    units, categories and KB phrasings, the dispatch proposal for a category and region,
    the deadline table, the working calendar and the seat's triage."""

    def __init__(self, services: Services, people: Cast, seed: int, now: datetime) -> None:
        self.services = services
        self.cast = people
        self.rng = random.Random(seed)
        self.np = np.random.default_rng(seed)
        self.now = now
        self.unit_names = {u.id: u.name for u in services.catalog.units().values()}
        first = now.date() - timedelta(days=SPAN_DAYS)
        centre = tuple(services.calendar.calendar().centre.values())
        self.calendar = _Workdays(library_calendar(range(first.year, now.year + 2), centre),
                                  first, now.date() + timedelta(days=366))
        self.rules: dict[tuple[str, str, bool], DeadlineRule] = {}
        self.topics = self._topics()
        self.regions = [r.name for r in services.catalog.regions()]
        self._triaged: dict[str, bool] = {}
        self._leads: dict[tuple[int, str], tuple[int, tuple[int, ...]] | None] = {}
        mean = PENDING_DAYS / SPAN_DAYS * (1 - math.exp(-SPAN_DAYS / PENDING_DAYS))
        pending = sum(w for _, w in PENDING) / sum(w for _, w in PENDING + SETTLED)
        self.pending_scale = pending / mean
        self.pending, self.settled = _Choice(PENDING), _Choice(SETTLED)
        self.request_types, self.urgencies = _Choice(REQUEST_TYPES), _Choice(URGENCIES)
        self.views, self.satisfaction = _Choice(VIEWS), _Choice(SATISFACTION)
        self.life = _Life(self, now)

    def _topics(self) -> list[_Topic]:
        paths = {c.path: c.id for c in self.services.catalog.categories().values()}
        topics = [_Topic(a.phrasings, a.category_id, a.id)
                  for a in self.services.catalog.articles() if a.category_id and a.phrasings]
        faults = [_Topic((text,), paths[path], None) for text, path in UTILITY_FAULTS]
        return topics + faults * max(1, len(topics) // 30)  # about 3% utility faults

    def home(self, caller: int) -> str:
        """The caller's own region: nearly half of the calls come from the city's district."""
        h = caller * 40_503 % 1000
        return self.regions[0] if h < 450 else self.regions[1 + h % (len(self.regions) - 1)]

    def deadlines(self, at: datetime, rule: DeadlineRule) -> tuple[datetime, datetime]:
        d = compute_deadlines(at, rule, self.calendar)
        return d.sign_by, d.due_at

    def immediate(self, content: str) -> bool:
        """Dispatched at once (Art. 12), as the seat's triage of the words decides."""
        if content not in self._triaged:
            self._triaged[content] = \
                self.services.reference.triage.classify(content).immediate_dispatch
        return self._triaged[content]

    def rule(self, request_type: str, urgency: str, immediate: bool) -> DeadlineRule:
        key = (request_type, urgency, immediate)
        if key not in self.rules:
            self.rules[key] = find_rule(self.services.reference.deadlines, *key)
        return self.rules[key]

    def lead(self, category_id: int, region: str) -> tuple[int, tuple[int, ...]] | None:
        """The lead unit and co-handler candidates dispatch proposes (None: no lead)."""
        key = (category_id, region)
        if key not in self._leads:
            try:
                p = self.services.dispatch.propose(category_id, region, "咨询", "一般", self.now)
                self._leads[key] = (p.lead.id, tuple(u.id for u in p.alternatives))
            except ServiceError:
                self._leads[key] = None
        return self._leads[key]

    # ------------------------------------------------------------------ the plan
    def callers(self, orders: int) -> np.ndarray:
        """Which caller makes each order, in time order: callers numbered from 0, each with
        its number of orders (PER_CALLER), shuffled over the whole history."""
        low, high, share = (np.array(c) for c in zip(*PER_CALLER))
        counts = np.empty(0, dtype=np.int64)
        while counts.sum() < orders:
            n = max(1000, orders // 2)
            bins = self.np.choice(len(share), size=n, p=share / share.sum())
            counts = np.concatenate([counts, self.np.integers(low[bins], high[bins] + 1)])
        total = np.cumsum(counts)
        n = int(np.searchsorted(total, orders)) + 1
        counts = counts[:n]
        counts[-1] -= total[n - 1] - orders
        return self.np.permutation(np.repeat(np.arange(n), counts))

    def days(self, orders: int) -> Iterator[tuple[date, list[datetime]]]:
        """Each day's creation times, oldest first: weekdays busier than weekends and
        holidays, the heating season busier, a slow growth over the years; today up to now."""
        today = self.now.date()
        days = [today - timedelta(days=SPAN_DAYS - i) for i in range(SPAN_DAYS + 1)]
        hours = np.array(HOURS) / sum(HOURS)
        elapsed = (self.now - datetime.combine(today, datetime.min.time())).total_seconds()
        weights = []
        for i, d in enumerate(days):
            w = 1.0 if self.calendar.is_workday(d) else 0.65
            w *= 0.85 + 0.3 * i / SPAN_DAYS
            w *= 1.15 if d.month in (11, 12, 1, 2, 3) else 1.0
            if d == today:
                w *= float(hours[: int(elapsed // 3600)].sum())
            weights.append(w)
        weights = np.array(weights)
        counts = self.np.multinomial(orders, weights / weights.sum())
        for d, n in zip(days, counts.tolist()):
            if not n:
                continue
            secs = self.np.choice(24, size=n, p=hours) * 3600 + self.np.integers(0, 3600, n)
            if d == today:
                limit = max(int(elapsed) - 60, 1)
                secs = np.where(secs < limit, secs, self.np.integers(0, limit, n))
            base = np.datetime64(d, "s")
            yield d, (base + np.sort(secs).astype("timedelta64[s]")).tolist()

    # ------------------------------------------------------------------ a batch
    def batch(self, writer: _PgWriter | _SqliteWriter, items: list[tuple[datetime, date, int]],
              callers: np.ndarray, caller_ids: np.ndarray) -> _Batch:
        """The rows of one batch of orders (``items``: creation time, day, sequence) whose
        callers are ``callers``; ``caller_ids`` maps caller → id (0: not written yet)."""
        n = len(items)
        fresh, first = np.unique(callers, return_index=True)
        unseen = caller_ids[fresh] == 0
        fresh, first = fresh[unseen], first[unseen]
        caller_ids[fresh] = writer.ids("callers", len(fresh))
        intake_ids = writer.ids("intake_records", n)
        order_ids = writer.ids("work_orders", n)
        ids = caller_ids[callers].tolist()
        starts = [t - timedelta(seconds=self.rng.randint(120, 540)) for t, _, _ in items]
        rows: dict[str, list[tuple]] = {t.name: [] for t in TABLES}
        rows["callers"] = [(int(caller_ids[c]), phone_of(int(caller_ids[c])), name_of(int(c)), 0,
                            items[i][0]) for c, i in zip(fresh.tolist(), first.tolist())]
        last: dict[str, int] = {}
        for i, (t0, day, seq) in enumerate(items):
            self._order(rows, order_ids[i], intake_ids[i], ids[i], int(callers[i]), t0,
                        starts[i], format_order_number(day, seq))
            last[f"{day:%Y%m%d}"] = seq
        return _Batch(rows, last, {"callers": caller_ids[fresh].tolist(),
                                   "intake_records": intake_ids, "work_orders": order_ids})

    def _order(self, rows, order_id: int, intake_id: int, caller_id: int, caller: int,
               t0: datetime, started: datetime, number: str) -> None:
        rng = self.rng
        home = self.home(caller)
        region = home if rng.random() < 0.85 else rng.choice(self.regions)
        while True:
            topic = rng.choice(self.topics)
            found = self.lead(topic.category_id, region)
            if found is not None:
                break
        lead, alternatives = found
        co = rng.choice(alternatives) if alternatives and rng.random() < 0.08 else None
        request_type = self.request_types(rng)
        urgency = self.urgencies(rng)
        content = rng.choice(OPENERS).format(region=region) + rng.choice(topic.texts)
        immediate = self.immediate(content)
        rule = self.rule(request_type, urgency, immediate)
        confidential = rng.random() < 0.05
        seat = rng.choice(self.cast.seats)
        final = self.life.plan((self.now - t0).total_seconds() / 86400)
        if final in TERMINATION_ROUTE and not rule.working_days:
            final = S.IN_PROGRESS  # Art. 18(6) attempts need days apart: not on a 2-hour clock
        reason = f"坐席派单：牵头 {self.unit_names[lead]}"
        if co is not None:
            reason += f"；配合 {self.unit_names[co]}"
        if immediate:
            reason += "；水电气热/突发事件，立即转派（第十二条）"
        steps, deadlines, satisfied = self.life.route(t0, final, lead, co, rule, seat, reason)
        kept = [s for s in steps if s[0] <= self.now]
        status = kept[-1][3]
        actions = {s[2] for s in kept}
        sign_by, due = deadlines[-1] if Action.DISPATCH in actions else deadlines[0]
        satisfaction = satisfied if Action.CALLBACK in actions else None
        requested = due + timedelta(days=rng.randint(3, 10)) \
            if status is S.EXTENSION_REVIEW else None
        state = OrderState(status=status, lead_unit_id=lead, sign_by=sign_by, due_at=due,
                           co_handler_ids=(co,) if co else (), request_type=request_type,
                           urgency=urgency, requested_due_at=requested,
                           immediate_dispatch=immediate)
        raises = self.life.supervise(state)
        events, notes = rows["order_events"], rows["order_notes"]
        supervisor = self.cast.supervisor.id
        before = None
        # the fill never moves an order to another lead, nor reopens it: each sign and
        # completion is judged by the deadlines the order was last dispatched with
        in_force = {Action.SIGN: sign_by, Action.COMPLETE: due}
        for at, actor, action, to, text, note in kept:
            to = VALUES[to]
            events.append((order_id, at, actor, VALUES[action], before, to, text, lead,
                           in_force.get(action), None))
            before = to
            if note is not None:
                kind, result, body, unit = note
                notes.append((order_id, at, actor, unit, kind, result, body, []))
        held = VALUES[status]
        for at, text, level in raises:
            events.append((order_id, at, supervisor, VALUES[Action.SUPERVISE], held, held, text,
                           lead, None, level))
        changes = sum(1 for s in kept[1:] if s[2] not in NOTES) + len(raises)
        rows["intake_records"].append((
            intake_id, caller_id, seat, Channel.PHONE.value, request_type, urgency, content,
            region, "", name_of(caller), confidential, topic.category_id, Outcome.WORK_ORDER.value,
            topic.article_id, "", immediate, started, t0))
        level = raises[-1][2] if raises else 0
        rows["work_orders"].append((
            order_id, number, intake_id, caller_id, lead, topic.category_id, request_type, urgency,
            region, content, confidential, immediate, held, sign_by, due, t0, seat,
            level, 0, requested, satisfaction, 1 + changes))
        if co is not None:
            rows["order_co_handlers"].append((order_id, co, t0, held, due, level))


# ---------------------------------------------------------------------------- the fill
def fill(services: Services, people: Cast, target: int, seed: int,
         say: Callable[[str], None] = print) -> FillReport:
    """Grow the database to ``target`` work orders (nothing if it has them already). On
    PostgreSQL the planner's statistics are brought up to date afterwards; SQLite is left
    without, as a console's own file is."""
    started = time.perf_counter()
    factory = make_session_factory(services.engine)
    with factory() as s:
        have = s.scalar(select(func.count()).select_from(WorkOrder))
        counters = dict(s.execute(select(OrderCounter.day, OrderCounter.last)).all())
    if have >= target:
        say(f"数据库已有工单 {have:,} 件（不少于 {target:,} 件），不再填充")
        return FillReport(have, 0, 0.0, 0)
    missing = target - have
    say(f"数据库已有工单 {have:,} 件，按规则补足 {missing:,} 件（约{SPAN_DAYS / 365:.1f}年的历史）")
    now = services.clock.now()
    filler = _Filler(services, people, seed + have, now)
    callers = filler.callers(missing)
    caller_ids = np.zeros(int(callers.max()) + 1, dtype=np.int64)
    pg = services.engine.dialect.name == "postgresql"
    writer = _PgWriter(services) if pg else _SqliteWriter(services)
    made = done = rows = 0
    told = started
    # One batch is written (by the server, mostly) while the next one is made (in Python).
    writing: tuple[Future, int] | None = None  # the write under way, and its rows
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="bench-fill") as pool:
            for items in _batches(filler.days(missing), counters):
                batch = filler.batch(writer, items, callers[made:made + len(items)], caller_ids)
                made += len(items)
                if writing is not None:
                    done, rows = done + writing[0].result(), rows + writing[1]
                writing = pool.submit(writer.write, batch), _rows_of(batch)
                at = time.perf_counter()
                if done and at - told >= PROGRESS_EVERY:
                    told = at
                    say(_progress(done, missing, rows, at - started))
            if writing is not None:
                done, rows = done + writing[0].result(), rows + writing[1]
        say(_progress(done, missing, rows, time.perf_counter() - started))
        if pg:
            say("正在更新统计信息（ANALYZE）…")
            writer.analyze()
    finally:
        writer.close()
    seconds = time.perf_counter() - started
    say(f"填充完成：新增工单 {done:,} 件，共 {rows:,} 行，用时 {seconds:,.1f} 秒")
    return FillReport(have + done, done, seconds, rows)


def _rows_of(batch: _Batch) -> int:
    return sum(len(r) for r in batch.rows.values()) + len(batch.last)


def _progress(done: int, missing: int, rows: int, seconds: float) -> str:
    return (f"已写入工单 {done:,}/{missing:,} 件，共 {rows:,} 行；"
            f"每秒 {done / seconds:,.0f} 件、{rows / seconds:,.0f} 行")


def _batches(days: Iterator[tuple[date, list[datetime]]],
             counters: dict[str, int]) -> Iterator[list[tuple[datetime, date, int]]]:
    """(creation time, day, the day's sequence) in BATCH-sized lists; each day's sequence
    continues its counter."""
    batch: list[tuple[datetime, date, int]] = []
    for day, times in days:
        last = counters.get(f"{day:%Y%m%d}", 0)
        for i, t in enumerate(times, 1):
            batch.append((t, day, last + i))
            if len(batch) >= BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


# ---------------------------------------------------------------------------- timing
@dataclass(frozen=True)
class Measured:
    key: str  # JSON name
    label: str  # table row, in Chinese
    figures: Figures
    target_ms: float | None = None

    @property
    def met(self) -> bool | None:
        return None if self.target_ms is None else self.figures.p95_ms <= self.target_ms


def _timed(fn: Callable[[], object], runs: int) -> Figures:
    """``runs`` calls after one untimed call (a console reads a queue again and again; the
    first read of a process also builds SQLAlchemy's statement cache)."""
    fn()
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return figures(samples)


def _queue_read(services: Services, viewer: OperatorInfo, statuses) -> Callable[[], object]:
    """The read the orders screen makes for a queue (OrdersScreen.action_refresh), with the
    screen's own queue definitions: the bench reads what the screen reads."""
    def read():
        return services.records.orders(
            limit=QUEUE_PAGE, viewer=viewer,
            statuses=tuple(st.value for st in statuses)
            if statuses and statuses != SUPERVISED else (),
            overdue_at=services.clock.now() if statuses is None else None,
            supervised=statuses == SUPERVISED)
    return read


def measure(services: Services, people: Cast, runs: int, seed: int,
            say: Callable[[str], None] = print) -> list[Measured]:
    rng = random.Random(seed)
    with make_session_factory(services.engine)() as s:
        low, high = s.execute(select(func.min(WorkOrder.id), func.max(WorkOrder.id))).one()
        picks = [rng.randint(low, high) for _ in range(runs * 4)]
        phones = s.scalars(select(Caller.phone).join(WorkOrder, WorkOrder.caller_id == Caller.id)
                           .where(WorkOrder.id.in_(picks))).all()[:runs]
        busiest = s.scalar(select(WorkOrder.lead_unit_id).group_by(WorkOrder.lead_unit_id)
                           .order_by(func.count().desc()).limit(1))
        unit = s.get(Unit, busiest)
    say(f"计时：每项 {runs} 次；承办单位联络员取牵头工单最多的单位（{unit.name}）")
    out = []
    calls = iter(phones * (runs // max(len(phones), 1) + 1))
    out.append(Measured("caller_history", "来电历史（随机来电人）",
                        _timed(lambda: services.intake.caller_history(next(calls)), runs),
                        TARGETS_MS["caller_history"]))
    liaison = people.liaisons[unit.id]
    for who, viewer, queues in (("centre", people.dispatcher, CENTRE_QUEUES),
                                ("unit", liaison, UNIT_QUEUES)):
        desk = "派单员" if who == "centre" else "联络员"
        for name, statuses in queues:
            out.append(Measured(f"{who}:{name}", f"{desk}·{name}队列首页",
                                _timed(_queue_read(services, viewer, statuses), runs),
                                TARGETS_MS["queue"]))
    scan = partial(services.supervision.scan, actor=people.supervisor)
    t = time.perf_counter()
    first = scan()
    first_ms = (time.perf_counter() - t) * 1000
    say(f"首次超期扫描：扫描 {first.scanned:,} 件，提升督办级别 {first.raised:,} 件")
    out.append(Measured("overdue_scan_first", "超期扫描（首次）", figures([first_ms]),
                        TARGETS_MS["scan"]))
    out.append(Measured("overdue_scan", "超期扫描（其后每次）", _timed(scan, runs),
                        TARGETS_MS["scan"]))
    now = services.clock.now()
    last = (now.replace(day=1) - timedelta(days=1))
    out.append(Measured("month_counts", f"上月（{last:%Y-%m}）工单统计",
                        _timed(lambda: services.records.month_counts(last.year, last.month, now),
                               runs)))
    out.append(Measured("unit_ranking", "承办单位排名（统计全部工单）",
                        _timed(services.supervision.ranking, runs)))
    return out


def table(results: list[Measured]) -> str:
    head = ("测量项", "次数", "p50 ms", "p95 ms", "p99 ms", "目标 p95", "达标")
    body = [(m.label, str(m.figures.count), f"{m.figures.p50_ms:.1f}", f"{m.figures.p95_ms:.1f}",
             f"{m.figures.p99_ms:.1f}",
             "—" if m.target_ms is None else f"≤ {m.target_ms:g} ms",
             "—" if m.met is None else ("是" if m.met else "否")) for m in results]
    widths = [max(cell_len(r[i]) for r in (head, *body)) for i in range(len(head))]

    def line(row) -> str:
        cells = [c + " " * (w - cell_len(c)) if i == 0 else " " * (w - cell_len(c)) + c
                 for i, (c, w) in enumerate(zip(row, widths))]
        return "  ".join(cells)
    return "\n".join([line(head), *(line(r) for r in body)])


# ---------------------------------------------------------------------------- the command
def main(args) -> int:
    if not args.db:
        print("请用 --db 指定单独的基准数据库（会写入大量模拟工单）", file=sys.stderr)
        return 2
    if args.orders < 1 or args.runs < 1:
        print("--orders 和 --runs 须为正整数", file=sys.stderr)
        return 2
    try:
        services = open_bench(args.db)
    except BenchRefused as exc:
        print(exc.message, file=sys.stderr)
        return 2
    try:
        people = cast(services)
        report = fill(services, people, args.orders, args.seed)
        results = measure(services, people, args.runs, args.seed)
    finally:
        services.close()
    print(table(results))
    if args.json:
        print_json_last({
            "orders": report.orders, "fill_seconds": round(report.seconds, 1),
            "operations": {m.key: m.figures.as_dict() for m in results},
            "targets": {m.key: {"p95_ms_max": m.target_ms, "p95_ms": round(m.figures.p95_ms, 2),
                                "met": m.met} for m in results if m.target_ms is not None},
        })
    return 0
