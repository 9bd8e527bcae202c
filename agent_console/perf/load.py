"""``agent-console bench load``: N seats at once on one database, each a separate process
logged in as its own operator, doing a shift's mix through the same command path as the
console: a call's history lookup, repeat check and draft, each outcome through the seat's
local outbox; the centre's dispatch and reviews; a unit's sign, contacts and completion;
callbacks; supervision. Afterwards the database is checked (``perf.integrity``).

Each seat starts an operation every ``1/pace`` seconds (a seat's think time; ``--pace 0``
runs flat out) and times it from the call to the answer, as the agent waits for it."""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import os
import random
import sys
import tempfile
import threading
import time
import traceback
from abc import ABC, abstractmethod
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from agent_console.domain.enums import OrderStatus, Role
from agent_console.domain.intake import IntakeDraft
from agent_console.domain.workflow import CALLER_VIEWS, REASONABLE, Action
from agent_console.perf.common import (
    BENCH_PASSWORD,
    BenchRefused,
    figures,
    open_bench,
    print_json_last,
)
from agent_console.services.errors import ServiceError
from agent_console.services.records import QUEUE_PAGE

S = OrderStatus
SEAT, LIAISON, DISPATCHER, CALLBACK, SUPERVISOR = (
    Role.SEAT_AGENT, Role.UNIT_LIAISON, Role.DISPATCHER, Role.CALLBACK, Role.SUPERVISOR)
# Who the N processes are: a centre's proportions, every desk present from 10 seats up.
ROLE_CYCLE = (SEAT, LIAISON, SEAT, DISPATCHER, SEAT, CALLBACK, SEAT, LIAISON, SEAT, SUPERVISOR,
              SEAT, LIAISON, SEAT, DISPATCHER, SEAT, CALLBACK, SEAT, LIAISON, SEAT, SEAT)
ROLE_DIGIT = {SEAT: "1", LIAISON: "5", DISPATCHER: "3", CALLBACK: "4", SUPERVISOR: "6"}
# A seat's outcomes (the simulation's shares: Art. 11, 12, 15, 16, 25)
OUTCOMES = (("answer_online", 47), ("create_work_order", 36), ("not_accepted", 7),
            ("transfer_to_expert", 5), ("emergency_handoff", 3), ("warn_caller", 2))
QUEUE_LIMIT = QUEUE_PAGE  # what the orders screen reads for a queue
PICK_FROM = 20  # a desk works from the top of its queue
PHONES = 4000  # callers the seats hear from: repeat callers, history with depth
STARTUP_SECONDS = 120  # every process logged in by then, or the run is called off

log = logging.getLogger(__name__)


@dataclass
class Tally:
    """One process's figures: each operation's times, what became of the ones that did not
    go through, and every write the database acknowledged (for the integrity check)."""

    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    outcomes: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    intake_keys: list[str] = field(default_factory=list)
    order_numbers: list[str] = field(default_factory=list)
    actions: list[tuple[str, str, int]] = field(default_factory=list)  # (number, action, actor)
    notes: list[tuple[str, int]] = field(default_factory=list)  # (number, actor)
    failures: list[str] = field(default_factory=list)

    def timed(self, name: str, call):
        from agent_console.services.orders import StaleOrder

        start = time.perf_counter()
        try:
            result = call()
            kind = "ok"
        except StaleOrder:
            result, kind = None, "stale"  # another desk was first: the console says so
        except ServiceError:
            result, kind = None, "refused"  # a rule said no: the form stays
        except Exception as exc:  # noqa: BLE001 - counted and shown, the seat goes on
            result, kind = None, "error"
            if len(self.failures) < 20:
                self.failures.append(f"{name}: {exc.__class__.__name__}: {str(exc)[:300]}")
        self.samples[name].append((time.perf_counter() - start) * 1000)
        self.outcomes[name][kind] += 1
        return result, kind

    def as_dict(self) -> dict:
        return {"samples": dict(self.samples),
                "outcomes": {k: dict(v) for k, v in self.outcomes.items()},
                "intake_keys": self.intake_keys, "order_numbers": self.order_numbers,
                "actions": self.actions, "notes": self.notes, "failures": self.failures}


# ---------------------------------------------------------------------- the desks
class Desk(ABC):
    """One operator at one console: ``step()`` does the next thing the desk would do."""

    def __init__(self, services, operator, plan: dict, rng: random.Random, tally: Tally) -> None:
        self.s = services
        self.op = operator
        self.plan = plan
        self.rng = rng
        self.tally = tally
        self._queue: list = []

    def now(self) -> datetime:
        return self.s.clock.now()

    def list_queue(self, name: str, **query) -> list:
        rows, _kind = self.tally.timed(name, lambda: self.s.records.orders(
            limit=QUEUE_LIMIT, viewer=self.op, **query))
        return rows or []

    def act(self, name: str, number: str, action: Action, reason: str = "", **inputs) -> bool:
        """As the detail screen does it: the order's version as shown, then the command."""
        def call():
            _, version = self.s.orders.status_of(number)
            return self.s.orders.act(self.op, number, action, version, reason, view=False, **inputs)

        _, kind = self.tally.timed(name, call)
        if kind == "ok":
            self.tally.actions.append((number, action.value, self.op.id))
        return kind == "ok"

    def pick(self, rows: list):
        return self.rng.choice(rows[:PICK_FROM]).number if rows else None

    @abstractmethod
    def step(self) -> None:
        """One operation of this desk's (timed into the tally)."""


class SeatDesk(Desk):
    """A call: the number comes in (history), the agent types (repeat check, draft) and ends
    it with one key (the outcome, kept in the local outbox first, then delivered)."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self._call = None
        self._phase = 0

    def _new_call(self) -> dict:
        rng, plan = self.rng, self.plan
        route = rng.choice(plan["routes"])
        article = rng.choice(plan["articles"])
        phone = rng.choice(plan["phones"]) if rng.random() < 0.7 else \
            "13" + "".join(rng.choice("0123456789") for _ in range(9))
        draft = IntakeDraft(caller_number=phone, caller_name=rng.choice("王李张刘陈杨赵黄") + "女士",
                            region=route["region"], request_type="投诉", urgency="一般",
                            content=article["phrasing"] + "，已经好几天了，请尽快处理",
                            category_id=route["category_id"])
        kind = rng.choices(*zip(*OUTCOMES))[0]
        return {"draft": draft, "route": route, "article": article, "kind": kind,
                "started": self.now() - timedelta(minutes=rng.randint(1, 6))}

    def step(self) -> None:
        if self._call is None:
            self._call, self._phase = self._new_call(), 0
        call, draft = self._call, self._call["draft"]
        intake = self.s.intake
        if self._phase == 0:
            self.tally.timed("caller_history", lambda: intake.caller_history(draft.caller_number))
        elif self._phase == 1:
            self.tally.timed("repeat_check", lambda: intake.find_repeat(
                draft.caller_number, draft.content, draft.category_id))
        elif self._phase == 2:
            self.tally.timed("draft", lambda: self.s.outbox.save_draft(
                self.op, draft, call["started"]))
        else:
            self._outcome(call)
            self._call = None
            return
        self._phase += 1

    def _outcome(self, call: dict) -> None:
        from agent_console.services.seat_outbox import DELIVERED, SeatCommand

        kind, route, article = call["kind"], call["route"], call["article"]
        args: dict = {}
        if kind == "answer_online":
            args = {"article_id": article["id"]}
        elif kind == "create_work_order":
            args = {"lead_unit_id": route["lead"], "co_handler_ids": [],
                    "to_dispatcher": self.rng.random() < 0.2}
        elif kind == "not_accepted":
            args = {"code": self.rng.choice((1, 2, 3, 4, 5, 7))}
        elif kind == "transfer_to_expert":
            args = {"article_id": self.plan["expert_article"], "consent": True}
        elif kind == "emergency_handoff":
            args = {"services": ["119"], "summary": "楼下饭店着火了，冒了好多烟"}
        elif kind == "warn_caller":
            args = {"code": 3}
        draft = call["draft"]
        if kind == "transfer_to_expert":  # routed by the request's category (Art. 14)
            draft = replace(draft, category_id=self.plan["expert_category"])
        command = SeatCommand(kind, self.op, draft, call["started"], args)
        sent, _ = self.tally.timed(kind, lambda: self.s.outbox.record(command))
        if sent is not None and sent.status == DELIVERED:
            self.tally.intake_keys.append(command.key)
            if sent.result.order_number:
                self.tally.order_numbers.append(sent.result.order_number)
        elif sent is not None:
            self.tally.outcomes[kind][f"outbox_{sent.status}"] += 1


class DispatcherDesk(Desk):
    """The centre's 待派单 and review queues (Art. 16–18)."""

    def step(self) -> None:
        turn = self.rng.random()
        if turn < 0.45:
            number = self.pick(self.list_queue("list_dispatch", statuses=(S.AWAITING_DISPATCH.value,)))
            if number:
                self.act("dispatch", number, Action.DISPATCH, "按职责派单",
                         lead_unit_id=self.rng.choice(self.plan["units"]))
        elif turn < 0.7:
            number = self.pick(self.list_queue("list_reviews", statuses=(S.RETURN_REVIEW.value,)))
            if number and self.rng.random() < 0.6:
                self.act("review_return", number, Action.APPROVE_RETURN, "理由成立，重新派单")
            elif number:
                self.act("review_return", number, Action.REJECT_RETURN, "属于职责范围，继续办理")
        elif turn < 0.85:
            number = self.pick(self.list_queue("list_reviews", statuses=(S.EXTENSION_REVIEW.value,)))
            if number:
                self.act("review_extension", number, Action.APPROVE_EXTENSION, "理由和依据充分")
        else:
            number = self.pick(self.list_queue("list_all"))
            if number:
                self.tally.timed("order_detail", lambda: self.s.orders.show(number, viewer=self.op))


class LiaisonDesk(Desk):
    """A handling unit's queue (Art. 17–18): sign, reach the caller, complete; now and then a
    return or an extension request."""

    def step(self) -> None:
        turn = self.rng.random()
        if turn < 0.4:
            number = self.pick(self.list_queue("list_unit", statuses=(S.AWAITING_SIGN.value,)))
            if number and self.rng.random() < 0.05:
                self.act("request_return", number, Action.REQUEST_RETURN,
                         "该事项不属于本单位职责范围，依据三定方案应由属地政府办理")
            elif number:
                self.act("sign", number, Action.SIGN)
            return
        rows = self.list_queue("list_unit", statuses=(S.IN_PROGRESS.value,))
        number = self.pick(rows)
        if number is None:
            return
        if turn < 0.6:
            _, kind = self.tally.timed("log_contact", lambda: self.s.orders.log_contact(
                self.op, number, "reached", "已电话联系诉求人了解具体情况"))
            if kind == "ok":
                self.tally.notes.append((number, self.op.id))
        elif turn < 0.63:
            due = next(r.due_at for r in rows if r.number == number) + timedelta(days=5)
            self.act("request_extension", number, Action.REQUEST_EXTENSION,
                     "需协调多个部门现场处置，申请延期", new_due_at=due)
        else:
            self.act("complete", number, Action.COMPLETE,
                     "已联系诉求人并现场处理，向诉求人反馈了办理结果", resolution="已解决",
                     caller_view=self.rng.choice(CALLER_VIEWS))


class CallbackDesk(Desk):
    """待回访 (Art. 20): the caller's satisfaction; an unresolved one is reopened."""

    def step(self) -> None:
        number = self.pick(self.list_queue("list_callback", statuses=(S.COMPLETED.value,)))
        if number is None:
            return
        if self.rng.random() < 0.9:
            self.act("callback", number, Action.CALLBACK, "电话回访",
                     satisfaction=self.rng.choice(("满意", "基本满意")))
        else:
            self.act("callback", number, Action.CALLBACK, "诉求人反映问题仍未解决",
                     satisfaction="不满意", ruling=REASONABLE)


class SupervisorDesk(Desk):
    """超期 and 被督办 (Art. 19); the scan now and then, as the supervisors' consoles run it."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self._steps = 0

    def step(self) -> None:
        self._steps += 1
        if self._steps % 25 == 1:
            self.tally.timed("supervision_scan", lambda: self.s.supervision.scan(actor=self.op))
        elif self._steps % 2:
            self.list_queue("list_overdue", overdue_at=self.now())
        else:
            number = self.pick(self.list_queue("list_supervised", supervised=True))
            if number:
                self.tally.timed("order_detail", lambda: self.s.orders.show(number, viewer=self.op))


DESKS = {SEAT: SeatDesk, LIAISON: LiaisonDesk, DISPATCHER: DispatcherDesk,
         CALLBACK: CallbackDesk, SUPERVISOR: SupervisorDesk}


# ---------------------------------------------------------------------- one process
def _seat_process(job: dict, barrier) -> None:
    """A console of its own: its own engine and pool, its own local outbox, logged in."""
    from agent_console.config import load_settings
    from agent_console.services.container import open_services

    tally = Tally()
    out = Path(job["out"])
    try:
        settings = load_settings(job["url"], env={"AGENT_CONSOLE_STATE": job["state_dir"]})
        services = open_services(settings, prepare=False)
        operator = services.accounts.authenticate(job["staff_no"], BENCH_PASSWORD)
        services.catalog.regions(), services.catalog.units(), services.catalog.categories()
        services.calendar.calendar()
        desk = DESKS[Role(job["role"])](services, operator, job["plan"],
                                        random.Random(job["seed"]), tally)
    except Exception:  # noqa: BLE001 - the parent reports it and calls the run off
        out.write_text(json.dumps({"startup_error": traceback.format_exc()}), encoding="utf-8")
        barrier.abort()
        return
    try:
        barrier.wait(timeout=STARTUP_SECONDS)
    except Exception:  # noqa: BLE001 - another process failed to start
        services.close()
        return
    interval = 1.0 / job["pace"] if job["pace"] > 0 else 0.0
    rng = random.Random(job["seed"] + 1)
    cpu = time.process_time()
    start = time.monotonic()
    end = start + job["seconds"]
    next_at = start + rng.random() * interval  # the seats do not all start in step
    while True:
        now = time.monotonic()
        if next_at > now:
            time.sleep(min(next_at - now, max(0.0, end - now)))
        if time.monotonic() >= end:
            break
        desk.step()
        next_at = max(next_at + interval, time.monotonic() - interval)
    elapsed = time.monotonic() - start
    cpu = time.process_time() - cpu
    report = services.outbox.flush()  # what still waits here is delivered before the check
    for command, result in report.delivered:
        tally.intake_keys.append(command.key)
        if result.order_number:
            tally.order_numbers.append(result.order_number)
    waiting, refused = services.outbox.counts()
    services.close()
    out.write_text(json.dumps({**tally.as_dict(), "elapsed": elapsed, "outbox_waiting": waiting,
                               "outbox_refused": refused, "operator_id": operator.id, "cpu_seconds": cpu,
                               "role": operator.role.value}), encoding="utf-8")


# ---------------------------------------------------------------------- the run
def _operators(services, seats: int, units: list[int]) -> list[tuple[Role, str, int | None]]:
    """The N operators (created once, reused by later runs) and which unit each liaison is."""
    from agent_console.services.errors import ServiceError as _Err

    unit_codes = {uid: u.code for uid, u in services.catalog.units().items()}
    people = []
    liaisons = 0
    for i in range(seats):
        role = ROLE_CYCLE[i % len(ROLE_CYCLE)]
        unit = None
        if role is LIAISON:
            unit = units[liaisons % len(units)]
            liaisons += 1
        staff_no = f"7{ROLE_DIGIT[role]}{i + 1:04d}"
        try:
            services.accounts.add_user(staff_no, f"基准{role.value}{i + 1}", role.value,
                                       BENCH_PASSWORD, unit_codes.get(unit))
        except _Err:
            services.accounts.set_password(staff_no, BENCH_PASSWORD)
        people.append((role, staff_no, unit))
    return people


def _plan(services, liaison_count: int, rng: random.Random) -> dict:
    """What the seats talk about: categories and regions whose proposed lead unit has a bench
    liaison (so the orders flow through the desks), the KB's phrasings, a pool of callers,
    and an article whose domain has an expert on duty."""
    from sqlalchemy import select

    from agent_console.store.engine import make_session_factory
    from agent_console.services.expert import place_standing_expert
    from agent_console.store.models import ExpertRoster, Operator

    now = services.clock.now()
    regions = [r.name for r in services.catalog.regions()]
    articles = [a for a in services.catalog.articles() if a.category_id and a.phrasings]
    leads: dict[int, list[dict]] = defaultdict(list)
    for category in sorted({a.category_id for a in articles}):
        for region in regions[:4]:
            lead = services.dispatch.propose(category, region, "投诉", "一般", now).lead
            if lead is not None:
                leads[lead.id].append({"category_id": category, "region": region,
                                       "lead": lead.id})
    ranked = sorted(leads, key=lambda u: -len(leads[u]))
    units = ranked[:max(1, (liaison_count + 1) // 2)]  # about two liaisons on each unit's queue
    routes = [r for u in units for r in leads[u]]
    phones = sorted({"13" + "".join(rng.choice("0123456789") for _ in range(9))
                     for _ in range(PHONES)})
    # the expert seat: one bench expert on duty for a domain the KB has articles in
    domain_article = next(a for a in articles if a.domain)
    expert_no = "720001"
    with contextlib.suppress(ServiceError):  # made by an earlier run
        services.accounts.add_user(expert_no, "基准专家", Role.EXPERT.value, BENCH_PASSWORD)
    with make_session_factory(services.engine)() as s, s.begin():
        expert_id = s.scalar(select(Operator.id).where(Operator.staff_no == expert_no))
        if s.scalar(select(ExpertRoster.id).where(ExpertRoster.operator_id == expert_id)) is None:
            place_standing_expert(s, expert_id, domain_article.domain, date(2000, 1, 1))
    return {"routes": routes, "units": units, "phones": phones,
            "articles": [{"id": a.id, "phrasing": p} for a in articles for p in a.phrasings[:2]],
            "expert_article": domain_article.id, "expert_category": domain_article.category_id}


def run(url: str, seats: int, seconds: float, pace: float, seed: int,
        say=print) -> dict:
    """The whole benchmark; returns the JSON object (``say`` gets the progress lines)."""
    from agent_console.perf.integrity import check

    services = open_bench(url)
    rng = random.Random(seed)
    liaisons = sum(1 for i in range(seats) if ROLE_CYCLE[i % len(ROLE_CYCLE)] is LIAISON)
    plan = _plan(services, max(liaisons, 1), rng)
    people = _operators(services, seats, plan["units"])
    shown_url = services.engine.url.render_as_string(hide_password=True)
    services.close()
    roles = Counter(r.value for r, _no, _u in people)
    say(f"基准数据库：{shown_url}")
    say(f"座席进程 {seats} 个（" + "、".join(f"{k} {v}" for k, v in roles.items())
        + f"），每个 {pace:g} 次操作/秒，运行 {seconds:g} 秒")
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(seats + 1)
    with tempfile.TemporaryDirectory(prefix="agent-bench-") as tmp:
        jobs = []
        for i, (role, staff_no, _unit) in enumerate(people):
            jobs.append({"url": url, "role": role.value, "staff_no": staff_no, "plan": plan,
                         "seed": seed * 1000 + i, "seconds": seconds, "pace": pace,
                         "out": f"{tmp}/seat-{i}.json", "state_dir": f"{tmp}/state-{i}"})
        procs = [ctx.Process(target=_seat_process, args=(job, barrier), daemon=True) for job in jobs]
        for p in procs:
            p.start()
        try:
            barrier.wait(timeout=STARTUP_SECONDS)
        except threading.BrokenBarrierError:
            say("有座席进程未能启动，本次运行取消")  # its file says why (below)
        since = datetime.now().replace(microsecond=0) - timedelta(seconds=1)
        wall = time.monotonic()
        server = ServerCpu(url)
        for p in procs:
            while p.is_alive() and time.monotonic() - wall < seconds + STARTUP_SECONDS:
                server.sample()
                p.join(timeout=0.5)
        wall = time.monotonic() - wall
        server = server.seconds()
        results = []
        for job in jobs:
            path = Path(job["out"])
            results.append(json.loads(path.read_text(encoding="utf-8")) if path.exists()
                           else {"startup_error": "进程未写出结果"})
    started = [r for r in results if "startup_error" not in r]
    if len(started) < len(results):
        first = next(r["startup_error"] for r in results if "startup_error" in r)
        raise RuntimeError(f"{len(results) - len(started)} 个座席进程未能启动：\n{first}")
    samples: dict[str, list[float]] = defaultdict(list)
    outcomes: dict[str, Counter] = defaultdict(Counter)
    for r in started:
        for name, values in r["samples"].items():
            samples[name].extend(values)
        for name, kinds in r["outcomes"].items():
            outcomes[name].update(kinds)
    elapsed = max(r["elapsed"] for r in started)
    total = sum(len(v) for v in samples.values())
    say("完整性检查…")
    services = open_bench(url)
    try:
        integrity = check(services.engine, since, started)
    finally:
        services.close()
    client_cpu = sum(r["cpu_seconds"] for r in started)
    return {
        "seats": seats, "seconds": round(elapsed, 1), "pace": pace,
        # where the CPU went, per operation: the seats' processes, and the database server
        # when it runs on this machine (its processes read from /proc; None otherwise)
        "cpu_ms_per_op": {"seats": round(client_cpu * 1000 / total, 2) if total else None,
                          "database": round(server * 1000 / total, 2)
                          if server is not None and total else None},
        "ops_per_s": round(total / elapsed, 1) if elapsed else 0.0,
        "operations": {name: {**figures(values).as_dict(),
                              **{k: v for k, v in outcomes[name].items() if k != "ok"}}
                       for name, values in sorted(samples.items())},
        "failures": [f for r in started for f in r["failures"]][:10],
        "integrity": integrity,
        "wall_seconds": round(wall, 1),
    }


class ServerCpu:
    """CPU seconds the PostgreSQL server of ``url`` spends during the run, when it runs on this
    machine: its postmaster (listening on the URL's port) and every process it started, read
    from /proc now and then (a backend that ends keeps what was last read of it)."""

    def __init__(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        local = parsed.get_backend_name() == "postgresql" \
            and parsed.host in ("127.0.0.1", "localhost") and Path("/proc").is_dir()
        self._port = str(parsed.port or 5432) if local else None
        self._first: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self.available = local and bool(self._read())
        if self.available:
            self._first = dict(self._last)

    def _read(self) -> dict[int, float]:
        tick = os.sysconf("SC_CLK_TCK")
        procs: dict[int, tuple[int, float]] = {}
        master = None
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                if not stat[stat.index("(") + 1:stat.rindex(")")].startswith("postgres"):
                    continue
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue  # gone meanwhile
            fields = stat[stat.rindex(")") + 2:].split()
            procs[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
            if b"-p" in argv[:-1] and argv[argv.index(b"-p") + 1].decode() == self._port:
                master = int(entry.name)
        seen = {pid: cpu for pid, (parent, cpu) in procs.items()
                if master is not None and master in (pid, parent)}
        self._last.update(seen)
        return seen

    def sample(self) -> None:
        if self.available:
            self._read()

    def seconds(self) -> float | None:
        if not self.available:
            return None
        return sum(cpu - self._first.get(pid, 0.0) for pid, cpu in self._last.items())


def _report(result: dict, say=print) -> None:
    say("")
    say(f"座席 {result['seats']} 个，{result['seconds']} 秒，共 "
        f"{sum(o['count'] for o in result['operations'].values())} 次操作，"
        f"每秒 {result['ops_per_s']} 次")
    say(f"{'操作':<22}{'次数':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  未完成")
    for name, o in result["operations"].items():
        other = "，".join(f"{k} {v}" for k, v in o.items()
                         if k not in ("count", "p50_ms", "p95_ms", "p99_ms"))
        say(f"{name:<22}{o['count']:>7}{o['p50_ms']:>9.1f}{o['p95_ms']:>9.1f}{o['p99_ms']:>9.1f}"
            f"  {other}")
    cpu = result["cpu_ms_per_op"]
    if cpu["seats"] is not None:
        db = f"，数据库服务器 {cpu['database']} ms" if cpu["database"] is not None else ""
        say(f"每次操作的 CPU：座席进程 {cpu['seats']} ms{db}")
    for failure in result["failures"]:
        say(f"  错误：{failure}")
    integrity = result["integrity"]
    say("完整性：" + ("通过" if integrity["ok"] else "未通过"))
    for key, value in integrity.items():
        if key != "ok":
            say(f"  {key}: {value}")


def main(args) -> int:
    if args.seats < 1 or args.seconds <= 0 or args.pace < 0:
        print("--seats 至少为1，--seconds 须大于0，--pace 不能为负数", file=sys.stderr)
        return 2
    from agent_console.config import load_settings

    url = load_settings(getattr(args, "db", None)).db_url
    try:
        result = run(url, args.seats, args.seconds, args.pace, args.seed)
    except BenchRefused as exc:
        print(exc.message, file=sys.stderr)
        return 2
    _report(result)
    if args.json:
        print_json_last(result)
    return 0 if result["integrity"]["ok"] else 1
