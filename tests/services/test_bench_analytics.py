"""`bench analytics` fills the calls that made no order as the services would have left them
(each expert call with its transfer, each warning with its row and the caller's count, each
emergency with its hand-off, repeats pointing back at the caller's earlier call), resumes
where it stopped, and times the statistics screens and the monthly report end to end."""

from __future__ import annotations

import json
from argparse import Namespace
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import datetime

import pytest
from sqlalchemy import func, select

from agent_console.config import load_settings
from agent_console.domain.enums import Channel, Outcome, TransferOutcome, TransferStatus
from agent_console.perf import analytics_bench, calls_fill, volume
from agent_console.perf.common import NOT_A_BENCH_DATABASE, open_bench
from agent_console.services.container import open_services
from agent_console.store.engine import make_session_factory
from agent_console.store.models import (
    Caller,
    CallerWarning,
    EmergencyHandoff,
    ExpertTransfer,
    IntakeRecord,
    WorkOrder,
)

ORDERS, CALLS = 300, 900


def quiet(_line: str) -> None:
    pass


def count(url: str, model) -> int:
    services = open_services(load_settings(url, env={}), prepare=False)
    with make_session_factory(services.engine)() as s:
        n = s.scalar(select(func.count()).select_from(model))
    services.close()
    return n


def test_calls_fill_keeps_its_promises(bench_url):
    services = open_bench(bench_url)
    people = volume.cast(services)
    volume.fill(services, people, ORDERS, seed=3, say=quiet)
    broken = replace(people, seats=(10**6,))  # a batch referring to a missing seat is not kept
    with pytest.raises(Exception, match="外键|FOREIGN KEY"):
        calls_fill.fill(services, broken, CALLS, seed=3, say=quiet)
    assert count(bench_url, IntakeRecord) == ORDERS and count(bench_url, ExpertTransfer) == 0

    said: list[str] = []
    report = calls_fill.fill(services, people, CALLS, seed=3, say=said.append)
    assert (report.calls, report.added) == (CALLS, CALLS - ORDERS) and report.rows > report.added
    with make_session_factory(services.engine)() as s:
        calls = {r.id: r for r in s.scalars(select(IntakeRecord))}
        transfers = s.scalars(select(ExpertTransfer)).all()
        warnings = s.scalars(select(CallerWarning)).all()
        handoffs = s.scalars(select(EmergencyHandoff)).all()
        callers = {c.id: c for c in s.scalars(select(Caller))}
        order_intakes = set(s.scalars(select(WorkOrder.intake_id)))
    now = datetime.now()
    assert len(calls) == CALLS
    outcomes = Counter(r.outcome for r in calls.values())
    assert set(outcomes) == {o.value for o in Outcome}  # every ending of a call is there
    assert outcomes[Outcome.WORK_ORDER] == ORDERS == len(order_intakes)
    assert outcomes[Outcome.ANSWERED] > outcomes[Outcome.NOT_ACCEPTED] > outcomes[Outcome.WARNING]
    answered = [r for r in calls.values() if r.outcome == Outcome.ANSWERED]
    assert sum(r.kb_article_id is not None for r in answered) > 0.8 * len(answered)
    assert all(r.kb_article_id or r.answer_text for r in answered)
    channels = Counter(r.channel for r in calls.values())
    assert channels[Channel.PHONE] > 0.8 * CALLS and len(channels) >= 3

    # each expert call has its one transfer, ended by the expert's answer; a handed-back one
    # belongs to a call the seat then answered itself
    by_intake = defaultdict(list)
    for t in transfers:
        by_intake[t.intake_id].append(t)
        record = calls[t.intake_id]
        assert t.status == TransferStatus.CLOSED and t.consent and t.seat_id == record.operator_id
        assert record.started_at <= t.at < t.accepted_at < t.ended_at <= record.ended_at
        assert record.channel == Channel.PHONE
    for r in calls.values():
        if r.outcome == Outcome.EXPERT:
            (t,) = by_intake[r.id]
            assert t.outcome == TransferOutcome.ANSWERED and t.expert_id is not None
            assert r.answer_text == t.answer_text != "" and t.ended_at == r.ended_at
        elif r.id in by_intake:
            (t,) = by_intake[r.id]
            assert (r.outcome, t.outcome) == (Outcome.ANSWERED, TransferOutcome.HANDED_BACK)

    # each warning has its row, and the caller's count is the number of them
    warned = {w.intake_id: w for w in warnings}
    assert {r.id for r in calls.values() if r.outcome == Outcome.WARNING} == set(warned)
    assert len(warned) == len(warnings)
    for w in warnings:
        assert w.caller_id == calls[w.intake_id].caller_id and w.script
    per_caller = Counter(w.caller_id for w in warnings)
    assert {c.id: c.warning_count for c in callers.values() if c.warning_count} == per_caller

    handed = {h.intake_id for h in handoffs}
    assert handed == {r.id for r in calls.values() if r.outcome == Outcome.EMERGENCY}
    for r in calls.values():
        assert (r.not_accepted_code is not None) == (r.outcome == Outcome.NOT_ACCEPTED)
        if r.not_accepted_code is not None:
            assert 1 <= r.not_accepted_code <= 7 and r.answer_text
        if r.outcome in (Outcome.EXPERT, Outcome.HUNG_UP, Outcome.INVALID, Outcome.WARNING,
                         Outcome.EMERGENCY):
            assert r.channel == Channel.PHONE
        assert r.started_at < r.ended_at <= now
        assert callers[r.caller_id].created_at <= r.ended_at  # the caller existed by then
    repeats = [r for r in calls.values() if r.repeat_of_id is not None]
    assert repeats
    for r in repeats:
        earlier = calls[r.repeat_of_id]
        assert earlier.caller_id == r.caller_id and earlier.ended_at < r.started_at
        assert earlier.content == r.content
    assert len({c.phone for c in callers.values()}) == len(callers)

    # resumable: nothing more to add, then only the difference
    again = calls_fill.fill(services, people, CALLS, seed=3, say=said.append)
    assert (again.calls, again.added) == (CALLS, 0) and "不再填充" in said[-1]
    more = calls_fill.fill(services, people, CALLS + 40, seed=4, say=quiet)
    services.close()
    assert (more.calls, more.added) == (CALLS + 40, 40)
    assert count(bench_url, IntakeRecord) == CALLS + 40
    assert count(bench_url, WorkOrder) == ORDERS


def test_the_bench_runs_end_to_end(bench_url, capsys):
    args = Namespace(db=bench_url, orders=ORDERS, calls=CALLS, runs=1, report_runs=1, seed=7,
                     json=True)
    assert analytics_bench.main(args) == 0
    out = capsys.readouterr().out
    result = json.loads(out.strip().splitlines()[-1])
    assert (result["orders"], result["calls"]) == (ORDERS, CALLS)
    assert result["fill_seconds"]["calls"] > 0
    ops = result["operations"]
    assert {"dashboard:today", "dashboard:this_week", "dashboard:this_month",
            "dashboard:last_month", "dashboard:custom_90", "trend:day", "trend:hour",
            "hot_topics", "ranking", "drill:calls_total", "drill:on_time_rate",
            "drill:orders_overdue_now", "report:docx", "report:xlsx"} <= set(ops)
    assert ops["dashboard:today"]["count"] == 1 and ops["report:xlsx"]["first_ms"] > 0
    targets = result["targets"]
    assert {"dashboard:today", "report:docx", "report:xlsx"} == set(targets)
    assert all(isinstance(t["met"], bool) for t in targets.values())
    assert "看板·本月" in out and "月度报告" in out and "p95" in out

    # a second run fills nothing and times again
    assert analytics_bench.main(replace_args(args, json=False)) == 0
    out = capsys.readouterr().out
    assert "不再填充" in out and "看板·今日" in out


def replace_args(args: Namespace, **changes) -> Namespace:
    return Namespace(**{**vars(args), **changes})


def test_a_centres_database_is_refused(db_url, capsys):
    args = Namespace(db=db_url, orders=ORDERS, calls=None, runs=1, report_runs=1, seed=7,
                     json=True)
    assert analytics_bench.main(args) == 2
    out = capsys.readouterr()
    assert NOT_A_BENCH_DATABASE in out.err and out.out == ""
