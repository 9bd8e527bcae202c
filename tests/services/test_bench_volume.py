"""`bench volume` fills a database with history a centre could really have: what the services
guarantee for every order (numbers, counters, event chains, callers, intake, supervision) holds
for the bulk-written ones too, and the console carries on from them."""

from __future__ import annotations

import json
import re
from argparse import Namespace
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from agent_console.config import load_settings
from agent_console.domain.clock import FrozenClock
from agent_console.domain.enums import Outcome, Role
from agent_console.domain.orders import parse_order_number
from agent_console.domain.workflow import (
    FAILED_CONTACTS,
    LEAD_ONLY,
    TRANSITIONS,
    Action,
    spaced_attempts,
    supervision_due,
)
from agent_console.perf import volume
from agent_console.perf.common import BENCH_PASSWORD, NOT_A_BENCH_DATABASE, open_bench
from agent_console.services import supervision
from agent_console.services.container import open_services
from agent_console.store.engine import make_session_factory
from agent_console.store.models import (
    Caller,
    IntakeRecord,
    Operator,
    OrderCoHandler,
    OrderCounter,
    OrderEvent,
    OrderNote,
    WorkOrder,
)
from agent_console.store.orders import state_of
from tests.services.helpers import HEATING_PATH, category_id, draft

ORDERS = 1500
ALLOWED = {(t.action.value, t.source.value, t.target.value): t.roles for t in TRANSITIONS}


def run(url: str, capsys, orders: int = ORDERS) -> tuple[int, str, str]:
    code = volume.main(Namespace(db=url, orders=orders, runs=2, seed=7, json=True))
    out = capsys.readouterr()
    return code, out.out, out.err


def load(url: str):
    services = open_services(load_settings(url, env={}), prepare=False)
    with make_session_factory(services.engine)() as s:
        orders = s.scalars(select(WorkOrder)).all()
        events = s.scalars(select(OrderEvent).order_by(OrderEvent.order_id, OrderEvent.id)).all()
        notes = s.scalars(select(OrderNote)).all()
        co = s.execute(select(OrderCoHandler.order_id, OrderCoHandler.unit_id)).all()
        counters = dict(s.execute(select(OrderCounter.day, OrderCounter.last)).all())
        ops = {o.id: o for o in s.scalars(select(Operator))}
        intakes = {r.id: r for r in s.scalars(select(IntakeRecord))}
        callers = {c.id: c for c in s.scalars(select(Caller))}
    services.close()
    return orders, events, notes, co, counters, ops, intakes, callers


def check_numbers(orders, counters) -> None:
    by_day = defaultdict(list)
    for o in orders:
        day, seq = parse_order_number(o.number)
        by_day[f"{day:%Y%m%d}"].append(seq)
    for day, seqs in by_day.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), day
    assert counters == {day: len(seqs) for day, seqs in by_day.items()}


def check_chains(orders, events, notes, co, ops, now) -> None:
    chains = defaultdict(list)
    for e in events:
        chains[e.order_id].append(e)
    notes_of = defaultdict(list)
    for n in notes:
        notes_of[n.order_id].append(n)
    co_of = defaultdict(set)
    for order_id, unit_id in co:
        co_of[order_id].add(unit_id)
    for o in orders:
        chain = chains[o.id]
        first, *rest = chain
        assert (first.action, first.from_status, first.at) == ("create", None, o.created_at)
        assert ops[first.actor_id].role == Role.SEAT_AGENT == ops[o.created_by_id].role
        for before, e in zip(chain, rest):
            assert e.from_status == before.to_status and before.at < e.at <= now, o.number
            roles = ALLOWED[(e.action, e.from_status, e.to_status)]
            actor = ops[e.actor_id]
            assert actor.role in roles, (o.number, e.action, actor.role)
            if Action(e.action) in LEAD_ONLY:
                assert actor.unit_id == o.lead_unit_id
            if e.action == Action.PART:
                assert actor.unit_id in co_of[o.id]
        assert chain[-1].to_status == o.status, o.number
        changes = sum(1 for e in rest if not Action(e.action).is_note)
        assert o.version == 1 + changes
        raised = [int(e.reason.rsplit("→", 1)[1]) for e in rest if e.action == Action.SUPERVISE]
        assert o.supervision_level == (raised[-1] if raised else 0) <= 3
        assert raised == sorted(set(raised))
        order_notes = notes_of[o.id]
        assert len(order_notes) == sum(e.action in ("contact", "part", "request_termination")
                                       for e in chain)
        if any(e.action == Action.COMPLETE for e in chain):
            assert co_of[o.id] <= {n.unit_id for n in order_notes if n.kind == "part"}
        if any(e.action == Action.REQUEST_TERMINATION for e in chain):
            failed = [n.at for n in order_notes if n.result in FAILED_CONTACTS]
            assert spaced_attempts(failed, 4) >= 2
            assert any(n.kind == "evidence" for n in order_notes)
        assert (o.satisfaction is not None) == any(e.action == "callback" for e in chain)


def check_intake(orders, intakes, callers) -> None:
    assert len({o.intake_id for o in orders}) == len(orders)
    for o in orders:
        record = intakes[o.intake_id]
        assert record.outcome == Outcome.WORK_ORDER and record.caller_id == o.caller_id
        assert record.ended_at == o.created_at and record.started_at <= o.created_at
        assert record.content == o.content and record.operator_id == o.created_by_id
        assert callers[o.caller_id].created_at <= o.created_at
    per_caller = defaultdict(int)
    for o in orders:
        per_caller[o.caller_id] += 1
    counts = sorted(per_caller.values())
    assert counts[len(counts) // 2] <= 3 and counts[-1] >= 10  # most 1–3, some a dozen and more


def test_fill_keeps_the_rules_and_the_console_carries_on(bench_url, capsys, monkeypatch):
    services = open_bench(bench_url)  # a batch referring to a missing operator is not kept
    broken = replace(volume.cast(services), seats=(10**6,))
    with pytest.raises(Exception, match="外键|FOREIGN KEY"):
        volume.fill(services, broken, 500, seed=1, say=lambda _: None)
    with make_session_factory(services.engine)() as s:
        assert s.scalar(select(func.count()).select_from(WorkOrder)) == 0
        assert s.scalar(select(func.count()).select_from(OrderCounter)) == 0
    services.close()

    code, out, _ = run(bench_url, capsys)
    assert code == 0
    # the fill left the supervision the scan would have raised: its first run finds next to none
    raised = int(re.search(r"提升督办级别 ([\d,]+) 件", out).group(1).replace(",", ""))
    assert raised <= ORDERS // 200
    result = json.loads(out.strip().splitlines()[-1])
    assert result["orders"] == ORDERS and result["fill_seconds"] > 0
    ops = result["operations"]
    assert {"caller_history", "centre:全部", "centre:超期", "centre:被督办", "unit:待签收",
            "overdue_scan_first", "overdue_scan", "unit_ranking"} <= set(ops)
    assert set(ops["caller_history"]) == {"count", "p50_ms", "p95_ms", "p99_ms"}
    assert ops["overdue_scan_first"]["count"] == 1 and ops["centre:全部"]["count"] == 2
    assert isinstance(result["targets"]["caller_history"]["met"], bool)
    assert "来电历史" in out and "p95" in out

    orders, events, notes, co, counters, ops_, intakes, callers = load(bench_url)
    assert len(orders) == ORDERS
    check_numbers(orders, counters)
    check_chains(orders, events, notes, co, ops_, datetime.now())
    check_intake(orders, intakes, callers)
    statuses = {o.status for o in orders}
    assert {"已归档", "已回访", "办理中", "待签收"} <= statuses
    assert any(o.supervision_level for o in orders)

    # a real order of the busiest day continues that day's numbers
    newest = max(orders, key=lambda o: o.created_at)
    day = f"{newest.created_at:%Y%m%d}"
    clock = FrozenClock(newest.created_at + timedelta(minutes=1))
    services = open_services(load_settings(bench_url, env={}), clock)
    seat = services.accounts.authenticate(volume.SEATS[0], BENCH_PASSWORD)
    category = category_id(services, HEATING_PATH)
    lead = services.dispatch.propose(category, "科尔沁区", "咨询", "一般", clock.now()).lead
    made = services.intake.create_work_order(seat, draft(category_id=category, region="科尔沁区"),
                                             clock.now(), lead.id)
    assert made.order_number == f"TL{day}{counters[day] + 1:06d}"
    # the fill's callers are the console's callers
    history = services.intake.caller_history(callers[newest.caller_id].phone)
    assert history.known and history.entries[0].order_number == newest.number
    services.close()

    # eleven days on, the scan raises every order the rules say is due, page by page
    later = FrozenClock(datetime.now() + timedelta(days=11))
    services = open_services(load_settings(bench_url, env={}), later)
    supervisor = services.accounts.authenticate(volume.SUPERVISOR, BENCH_PASSWORD)
    monkeypatch.setattr(supervision, "SCAN_BATCH", 4)
    assert services.supervision.scan(actor=supervisor).raised > 4 * 2
    assert services.supervision.scan(actor=supervisor).raised == 0
    with make_session_factory(services.engine)() as s:
        for row in s.scalars(select(WorkOrder)):
            assert supervision_due(state_of(row), later.now()) is None, row.number
    services.close()

    services = open_bench(bench_url)
    people, said = volume.cast(services), []
    again = volume.fill(services, people, ORDERS, seed=7, say=said.append)  # nothing added
    assert (again.orders, again.added) == (ORDERS + 1, 0) and "不再填充" in said[0]
    more = volume.fill(services, people, ORDERS + 200, seed=8, say=said.append)  # the difference
    with make_session_factory(services.engine)() as s:
        assert s.scalar(select(func.count()).select_from(WorkOrder)) == ORDERS + 200
    services.close()
    assert more.added == 199
    orders, events, notes, co, counters, ops_, intakes, callers = load(bench_url)
    check_numbers(orders, counters)
    check_chains(orders, events, notes, co, ops_, later.now())
    check_intake(orders, intakes, callers)
    assert len({c.phone for c in callers.values()}) == len(callers)


def test_a_centres_database_is_refused(db_url, capsys):
    code, out, err = run(db_url, capsys)
    assert code == 2 and NOT_A_BENCH_DATABASE in err and out == ""
