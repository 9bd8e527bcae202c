"""The calls that made no order: a centre's line takes about three calls for every order.

``bench volume`` writes the work orders and the one intake record each came from. This fill
brings the intake records up to a given number of calls with the other endings in a line's
shares — answered (mostly from a KB article), transferred to an expert and answered there,
not accepted (Art. 11), handed to 110/119/120/122 (Art. 12), a caller warned (Art. 25), hung
up, invalid — over the same years and hours of the day, from the same topics and regions,
through the same bulk writers (binary COPY on PostgreSQL, executemany on SQLite), one
transaction a batch. What the services write with such a call, the fill writes with it:
the expert's transfer (Art. 15), the warning and the caller's warning count, the hand-off
to each emergency line. A caller who calls again about the same request within the repeat
window points at the earlier call (``repeat_of_id``), as the seat's repeat check would.

Resumable: the next run adds only the calls still missing (an interrupted one loses at most
the batch that was being written, never half of it).
"""

from __future__ import annotations

import random
import time
import zlib
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import func, select

from agent_console.domain.enums import (
    Channel,
    Connection,
    Outcome,
    Role,
    TransferOutcome,
    TransferStatus,
)
from agent_console.domain.intake import REPEAT_WINDOW
from agent_console.perf.common import BENCH_PASSWORD
from agent_console.perf.volume import (
    Cast,
    _Choice,
    _columns,
    _Filler,
    _PgWriter,
    _SqliteWriter,
    _Table,
    _Topic,
    name_of,
    phone_of,
)
from agent_console.services.accounts import to_info
from agent_console.services.container import Services
from agent_console.services.dto import OperatorInfo
from agent_console.services.intake import CALL_END_TEXT
from agent_console.services.simulation import EMERGENCIES, OPENERS
from agent_console.store.engine import make_session_factory
from agent_console.store.models import Caller, IntakeRecord, Operator

O = Outcome
CALL_BATCH = 50_000  # calls per transaction
PROGRESS_EVERY = 30.0
# How the calls that made no order end (the order's own calls are volume's): the issue's
# shares of all calls, taken as weights among the calls without an order
ENDINGS = ((O.ANSWERED, 55), (O.EXPERT, 4), (O.NOT_ACCEPTED, 6), (O.EMERGENCY, 2),
           (O.WARNING, 1), (O.HUNG_UP, 3), (O.INVALID, 2))
OWN_ANSWER_SHARE = 0.06  # answered in the seat's own words, no KB article
OWN_ANSWER = "已按政策口径解释并告知办理渠道"
HANDED_BACK_SHARE = 0.01  # of the answered calls: tried an expert first, who handed it back
HANDED_BACK_NOTE = "该问题坐席可按知识库答复，退回坐席"
# Requests reach the line by phone mostly; the online channels (Art. 3) are handled by a seat
# too. A call put through to an expert (Art. 15), hung up, invalid, handed to 110/119/120/122 or
# warned is a phone call.
CHANNELS = ((Channel.PHONE.value, 88), (Channel.WECHAT.value, 5), (Channel.MENGSUBAN.value, 3),
            (Channel.WEBSITE.value, 3), (Channel.EMAIL.value, 1))
PHONE_ONLY = frozenset({O.EXPERT, O.EMERGENCY, O.WARNING, O.HUNG_UP, O.INVALID})
# Seconds from pick-up to the end of the call (an online request: the seat's handling)
SECONDS = {O.ANSWERED: (90, 480), O.EXPERT: (300, 900), O.NOT_ACCEPTED: (60, 300),
           O.EMERGENCY: (45, 180), O.WARNING: (60, 300), O.HUNG_UP: (3, 40),
           O.INVALID: (5, 60)}
ONLINE_SECONDS = (60, 600)
NOT_ACCEPTED_CODES = ((1, 10), (2, 25), (3, 15), (4, 5), (5, 5), (6, 35), (7, 5))
WARNING_CODES = ((1, 1), (3, 2), (4, 2), (5, 1))
REPEAT_SHARE = 0.09  # of the requests: the caller again, about the same thing, within days
REPEAT_CODE6 = 0.7  # a repeat not accepted is mostly Art. 11(6): nothing new
RECENT_CALLS = 4000  # the calls a repeat may go back to (about a day and a half of the line)
KNOWN_CALLER_SHARE = 0.2  # of the other calls: someone who has called the line before
EXPERTS = tuple(f"7904{i:02d}" for i in range(1, 7))  # bench expert seats (common's 7xxxxx)

TABLES = (
    _Table("callers", _columns("id:int4 phone:varchar name:varchar warning_count:int4 "
                               "created_at:timestamp")),
    _Table("intake_records", _columns(
        "id:int4 caller_id:int4 operator_id:int4 channel:varchar request_type:varchar "
        "urgency:varchar content:text region:varchar address:varchar caller_name:varchar "
        "confidential:bool category_id:int4 outcome:varchar kb_article_id:varchar "
        "answer_text:text not_accepted_code:int4 repeat_of_id:int4 immediate_dispatch:bool "
        "started_at:timestamp ended_at:timestamp")),
    _Table("expert_transfers", _columns(
        "id:int4 intake_id:int4 expert_id:int4 domain:varchar kb_article_id:varchar "
        "consent:bool status:varchar at:timestamp category_id:int4 seat_id:int4 "
        "connection:varchar accepted_at:timestamp ended_at:timestamp outcome:varchar "
        "answer_text:text answer_article_id:varchar propose_article:bool note:text "
        "order_id:int4 version:int4")),
    _Table("caller_warnings", _columns(
        "id:int4 caller_id:int4 intake_id:int4 operator_id:int4 code:int4 script:text "
        "note:text at:timestamp")),
    _Table("emergency_handoffs", _columns(
        "id:int4 intake_id:int4 operator_id:int4 service:varchar summary:text at:timestamp "
        "follow_up_order_id:int4")),
)


@dataclass(frozen=True)
class CallsReport:
    calls: int  # intake records in the database now
    added: int
    seconds: float
    rows: int


@dataclass(frozen=True)
class _Batch:
    rows: dict[str, list[tuple]]
    ids: dict[str, list[int]]  # by table: the ids the batch took
    warned: dict[int, int]  # caller id → warnings given in this batch

    @property
    def calls(self) -> int:
        return len(self.rows["intake_records"])

    @property
    def row_count(self) -> int:
        return sum(len(r) for r in self.rows.values()) + len(self.warned)


def experts(services: Services) -> tuple[int, ...]:
    """The bench's expert seats (Art. 14), made on the first run and found on the next."""
    with make_session_factory(services.engine)() as s:
        have = {op.staff_no: op for op in s.scalars(
            select(Operator).where(Operator.staff_no.in_(EXPERTS)))}
    out: list[OperatorInfo] = []
    for i, staff_no in enumerate(EXPERTS, 1):
        op = have.get(staff_no)
        out.append(to_info(op) if op is not None else services.accounts.add_user(
            staff_no, f"基准专家{i:02d}", Role.EXPERT.value, BENCH_PASSWORD))
    return tuple(p.id for p in out)


# ---------------------------------------------------------------------------- writing
def _write(writer: _PgWriter | _SqliteWriter, batch: _Batch) -> int:
    """The batch's rows and the callers' warning counts, committed together or not at all."""
    writer.begin()
    try:
        for table in TABLES:
            if batch.rows[table.name]:
                writer.rows(table, batch.rows[table.name])
        if batch.warned:
            pg = isinstance(writer, _PgWriter)
            mark = "%s" if pg else "?"
            sql = (f"UPDATE callers SET warning_count = warning_count + {mark} "
                   f"WHERE id = {mark}")
            pairs = [(n, cid) for cid, n in batch.warned.items()]
            if pg:
                with writer.conn.cursor() as cur:
                    cur.executemany(sql, pairs)
            else:
                writer.conn.executemany(sql, pairs)
        if isinstance(writer, _PgWriter):
            writer.verify(batch.ids, TABLES)
    except BaseException:
        writer.rollback()
        raise
    writer.commit()
    return batch.calls


# ---------------------------------------------------------------------------- the calls
@dataclass
class _Recent:
    """A call a repeat may point back at."""

    id: int
    caller_id: int
    caller: int  # the plan's caller number (-1: a caller from before this run)
    ended: datetime
    topic: _Topic
    region: str
    content: str
    request_type: str
    urgency: str


class _Calls:
    """Makes the rows of the calls, batch by batch, with volume's filler (the topics, the
    regions, each caller's home, the days and hours of the line)."""

    def __init__(self, services: Services, people: Cast, expert_ids: tuple[int, ...],
                 seed: int, now: datetime) -> None:
        self.f = _Filler(services, people, seed, now)
        self.rng = random.Random(seed + 1)
        self.cast = people
        self.now = now
        self.expert_ids = expert_ids
        ref = services.reference
        self.not_accepted = {i.code: i.script for i in ref.not_accepted}
        self.warnings = {i.code: (i.title, i.script) for i in ref.warnings}
        self.endings = _Choice(ENDINGS)
        self.channels = _Choice(CHANNELS)
        self.na_codes, self.warn_codes = _Choice(NOT_ACCEPTED_CODES), _Choice(WARNING_CODES)
        cats = services.catalog.categories()
        paths = {c.path: c.id for c in cats.values()}
        self.domains = {c.id: c.domain for c in cats.values()}
        articles = {a.id: a for a in services.catalog.articles()}
        self.answers = {k: (a.answer or "已答复")[:200] for k, a in articles.items()}
        self.article_domains = {k: a.domain for k, a in articles.items()}
        self.emergencies = [(text, paths[path], ref.triage.classify(text).services or ("110",))
                            for text, path in EMERGENCIES]
        self.recent: deque[_Recent] = deque(maxlen=RECENT_CALLS)
        with make_session_factory(services.engine)() as s:
            known = s.execute(select(Caller.id, Caller.created_at, Caller.name)
                              .order_by(Caller.created_at)).all()
        self.known_ids = np.array([k for k, _, _ in known], dtype=np.int64)
        self.known_since = np.array([t for _, t, _ in known], dtype="datetime64[us]")
        self.known_names = {k: name for k, _, name in known}

    def name(self, caller: int, caller_id: int) -> str:
        """The name the caller gives: a known caller's own, a new one's as volume names it."""
        return name_of(caller) if caller >= 0 else self.known_names.get(caller_id, "")

    def known_caller(self, at: datetime) -> int | None:
        """A caller in the database before this run who had already called by ``at``."""
        n = int(np.searchsorted(self.known_since, np.datetime64(at, "us"), side="right"))
        return int(self.known_ids[self.rng.randrange(n)]) if n else None

    def batch(self, writer, ends: list[datetime], plan: np.ndarray,
              caller_ids: np.ndarray, cursor: list[int]) -> _Batch:
        """The rows of the calls ending at ``ends`` (oldest first); fresh callers come from
        ``plan`` from ``cursor[0]`` on, ``caller_ids`` maps them to ids (0: not yet written)."""
        rng, f = self.rng, self.f
        n = len(ends)
        intake_ids = writer.ids("intake_records", n)
        rows: dict[str, list[tuple]] = {t.name: [] for t in TABLES}
        new_callers: list[int] = []
        warned: Counter = Counter()
        transfers, warnings, handoffs = [], [], []
        for i, ended in enumerate(ends):
            outcome = self.endings(rng)
            channel = Channel.PHONE.value if outcome in PHONE_ONLY else self.channels(rng)
            low, high = SECONDS[outcome] if channel == Channel.PHONE.value else ONLINE_SECONDS
            started = ended - timedelta(seconds=rng.randint(low, high))
            repeat = None
            if outcome in (O.ANSWERED, O.EXPERT, O.NOT_ACCEPTED) and self.recent \
                    and rng.random() < REPEAT_SHARE:
                earlier = self.recent[rng.randrange(len(self.recent))]
                if earlier.ended < started and started - earlier.ended < REPEAT_WINDOW:
                    repeat = earlier
            if repeat is not None:
                caller_id, caller = repeat.caller_id, repeat.caller
                topic, region, content = repeat.topic, repeat.region, repeat.content
                request_type, urgency = repeat.request_type, repeat.urgency
            else:
                caller_id = self.known_caller(started) if rng.random() < KNOWN_CALLER_SHARE \
                    else None
                caller = -1
                if caller_id is None:
                    caller = int(plan[cursor[0]])
                    cursor[0] += 1
                    if caller_ids[caller] == 0:  # first call: a number to come (see below)
                        caller_ids[caller] = -(len(new_callers) + 1)
                        new_callers.append((caller, ended))
                    caller_id = int(caller_ids[caller])
                home = f.home(caller if caller >= 0 else caller_id)
                region = home if rng.random() < 0.85 else rng.choice(f.regions)
                topic = rng.choice(f.topics)
                content = rng.choice(OPENERS).format(region=region) + rng.choice(topic.texts)
                request_type, urgency = f.request_types(rng), f.urgencies(rng)
            category = topic.category_id
            article = topic.article_id
            answer, code = "", None
            seat = rng.choice(self.cast.seats)
            intake_id = intake_ids[i]
            if outcome is O.ANSWERED:
                if article is None or rng.random() < OWN_ANSWER_SHARE:
                    article, answer = None, OWN_ANSWER
                elif channel == Channel.PHONE.value and rng.random() < HANDED_BACK_SHARE:
                    transfers.append(self._transfer(intake_id, seat, category, article, started,
                                                    ended, TransferOutcome.HANDED_BACK))
            elif outcome is O.EXPERT:
                transfers.append(self._transfer(intake_id, seat, category, article, started,
                                                ended, TransferOutcome.ANSWERED))
                answer = transfers[-1][13]  # the expert's answer is the call's
            elif outcome is O.NOT_ACCEPTED:
                code = 6 if repeat is not None and rng.random() < REPEAT_CODE6 \
                    else self.na_codes(rng)
                answer, article = self.not_accepted[code], None
            elif outcome is O.EMERGENCY:
                content, category, lines = rng.choice(self.emergencies)
                article = None
                for line in lines:
                    handoffs.append((intake_id, seat, line, content, ended, None))
            elif outcome is O.WARNING:
                wcode = self.warn_codes(rng)
                title, answer = self.warnings[wcode]
                content, category, article = f"（劝阻警示：{title}）", None, None
                warnings.append((caller_id, intake_id, seat, wcode, answer, "", ended))
                warned[caller_id] += 1
            else:  # hung up, invalid: nothing was taken
                content, category, article, region = CALL_END_TEXT[outcome], None, None, None
            rows["intake_records"].append((
                intake_id, caller_id, seat, channel, request_type, urgency, content, region, "",
                self.name(caller, caller_id), rng.random() < 0.05, category,
                outcome.value, article, answer, code, repeat.id if repeat else None,
                f.immediate(content), started, ended))
            if outcome in (O.ANSWERED, O.EXPERT, O.NOT_ACCEPTED):
                self.recent.append(_Recent(intake_id, caller_id, caller, ended, topic,
                                           region, content, request_type, urgency))
        # the batch's new callers get their ids in one go; their calls so far held -(k + 1)
        taken = writer.ids("callers", len(new_callers)) if new_callers else []
        for (caller, ended), cid in zip(new_callers, taken):
            caller_ids[caller] = cid
            rows["callers"].append((cid, phone_of(cid), name_of(caller), 0, ended))

        def real(cid: int) -> int:
            return cid if cid > 0 else taken[-cid - 1]

        rows["intake_records"] = [(r[0], real(r[1]), *r[2:]) for r in rows["intake_records"]]
        warnings = [(real(w[0]), *w[1:]) for w in warnings]
        warned = Counter({real(c): k for c, k in warned.items()})
        for r in self.recent:
            if r.caller_id < 0:
                r.caller_id = real(r.caller_id)
        ids = {"intake_records": intake_ids, "callers": taken}
        for name, made in (("expert_transfers", transfers), ("caller_warnings", warnings),
                           ("emergency_handoffs", handoffs)):
            taken = writer.ids(name, len(made)) if made else []
            rows[name] = [(k, *r) for k, r in zip(taken, made)]
            ids[name] = taken
        return _Batch(rows, ids, dict(warned))

    def _transfer(self, intake_id: int, seat: int, category: int | None, article: str | None,
                  started: datetime, ended: datetime, how: TransferOutcome) -> tuple:
        """Art. 15: the transfer as ExpertService leaves it once ended (without its id)."""
        rng = self.rng
        domain = (self.domains.get(category) or self.article_domains.get(article) or "其他")[:20]
        expert = self.expert_ids[zlib.crc32(domain.encode()) % len(self.expert_ids)]
        at = started + (ended - started) * rng.uniform(0.15, 0.35)
        accepted = at + min(timedelta(seconds=rng.randint(8, 90)), (ended - at) * 0.4)
        answered = how is TransferOutcome.ANSWERED
        if not answered:  # handed back: the seat has the rest of the call
            ended = accepted + (ended - accepted) * rng.uniform(0.3, 0.7)
        text = self.answers.get(article, "已按政策答复诉求人") if answered else ""
        return (intake_id, expert, domain, article, True, TransferStatus.CLOSED.value, at,
                category, seat, rng.choice(tuple(c.value for c in Connection)), accepted,
                ended, how.value, text, article if answered else None, False,
                "" if answered else HANDED_BACK_NOTE, None, 3)


# ---------------------------------------------------------------------------- the fill
def fill(services: Services, people: Cast, target: int, seed: int,
         say: Callable[[str], None] = print) -> CallsReport:
    """Grow the database to ``target`` calls (intake records of any outcome; nothing if it has
    them already). PostgreSQL's tables are vacuumed and analysed afterwards."""
    started = time.perf_counter()
    with make_session_factory(services.engine)() as s:
        have = s.scalar(select(func.count()).select_from(IntakeRecord))
    if have >= target:
        say(f"数据库已有受理记录 {have:,} 条（不少于 {target:,} 条），不再填充")
        return CallsReport(have, 0, 0.0, 0)
    missing = target - have
    say(f"数据库已有受理记录 {have:,} 条，补足未派单的来电 {missing:,} 条"
        "（直接答复、转专家、不予受理、紧急联动、劝阻警示、挂断、无效）")
    expert_ids = experts(services)
    now = services.clock.now()
    calls = _Calls(services, people, expert_ids, seed + have, now)
    plan = calls.f.callers(missing)
    caller_ids = np.zeros(int(plan.max()) + 1, dtype=np.int64)
    cursor = [0]
    pg = services.engine.dialect.name == "postgresql"
    writer = _PgWriter(services) if pg else _SqliteWriter(services)
    done = rows = 0
    told = started
    writing: tuple[Future, int] | None = None
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="bench-calls") as pool:
            for ends in _chunks(calls.f.days(missing)):
                batch = calls.batch(writer, ends, plan, caller_ids, cursor)
                if writing is not None:
                    done, rows = done + writing[0].result(), rows + writing[1]
                writing = pool.submit(_write, writer, batch), batch.row_count
                at = time.perf_counter()
                if done and at - told >= PROGRESS_EVERY:
                    told = at
                    say(_progress(done, missing, rows, at - started))
            if writing is not None:
                done, rows = done + writing[0].result(), rows + writing[1]
        say(_progress(done, missing, rows, time.perf_counter() - started))
    finally:
        writer.close()
    if pg:
        say("正在清理并更新统计信息（VACUUM ANALYZE）…")
        _vacuum(services)
    seconds = time.perf_counter() - started
    say(f"来电填充完成：新增受理记录 {done:,} 条，共 {rows:,} 行，用时 {seconds:,.1f} 秒")
    return CallsReport(have + done, done, seconds, rows)


def _vacuum(services: Services) -> None:
    """PostgreSQL: the tables as autovacuum keeps them in a running centre (the visibility
    map set, so an index-only read stays one; the planner's statistics), not as just
    written. VACUUM runs outside a transaction, and longer than a console statement may."""
    raw = services.engine.raw_connection()
    try:
        conn = raw.driver_connection
        conn.rollback()
        conn.autocommit = True
        conn.execute("SET statement_timeout = 0")
        conn.execute("VACUUM (ANALYZE)")
    finally:
        raw.invalidate()  # autocommit and the timeout are not the pool's to hand out


def _chunks(days) -> list[datetime]:
    """The calls' end times, oldest first, CALL_BATCH at a time."""
    batch: list[datetime] = []
    for _day, times in days:
        batch.extend(times)
        while len(batch) >= CALL_BATCH:
            yield batch[:CALL_BATCH]
            batch = batch[CALL_BATCH:]
    if batch:
        yield batch


def _progress(done: int, missing: int, rows: int, seconds: float) -> str:
    return (f"已写入来电 {done:,}/{missing:,} 条，共 {rows:,} 行；"
            f"每秒 {done / seconds:,.0f} 条、{rows / seconds:,.0f} 行")
