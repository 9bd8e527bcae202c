"""``agent-console bench load``: seats as separate processes through the console's command path,
then the integrity check — which passes on an honest run and names what broke otherwise."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from agent_console.cli import main as cli_main
from agent_console.perf.common import BenchRefused, open_bench
from agent_console.perf.integrity import check
from agent_console.perf.load import run
from agent_console.store.models import OrderCoHandler, OrderEvent, Unit, WorkOrder
from tests.conftest import database_urls, pg_database


@pytest.fixture(scope="module", params=database_urls())
def empty_url(request, tmp_path_factory):
    """A database with nothing in it, as a centre would create one for the benchmark (the
    module's runs share it: a second run reuses the benchmark's own database)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('bench') / 'bench.sqlite3'}"
        return
    with pg_database("bench") as url:
        yield url


@pytest.fixture(scope="module")
def ran(empty_url):
    """One short run of ten desks (every role), shared by the checks below."""
    result = run(empty_url, seats=10, seconds=2, pace=4, seed=7, say=lambda _line: None)
    return empty_url, result


def no_seat(**kw) -> dict:
    base = {"intake_keys": [], "order_numbers": [], "actions": [], "notes": [],
            "outbox_waiting": 0, "outbox_refused": 0, "operator_id": 0, "role": "seat_agent"}
    return {**base, **kw}


def test_a_run_does_the_shift_s_mix_and_keeps_every_rule(ran):
    _url, result = ran
    ops = result["operations"]
    # the seats' call (history, repeat check, draft, outcome) and the centre's desks
    for name in ("caller_history", "repeat_check", "draft", "answer_online", "list_unit",
                 "list_dispatch", "list_callback"):
        assert ops.get(name, {}).get("count", 0) > 0, name
    for figures in ops.values():
        assert figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"]
    assert result["ops_per_s"] > 0 and result["seats"] == 10
    integrity = result["integrity"]
    assert integrity["ok"], integrity
    assert integrity["acknowledged_outcomes"] > 0
    assert integrity["numbers_checked"] >= integrity["acknowledged_orders"]
    assert result["failures"] == []


def test_the_check_finds_a_gap_a_broken_chain_and_a_lost_write(ran):
    url, _result = ran
    since = datetime.now() - timedelta(hours=1)
    services = open_bench(url)
    try:
        engine = services.engine
        assert check(engine, since, [no_seat()])["ok"]
        # an acknowledged outcome that is not in the database
        lost = check(engine, since, [no_seat(intake_keys=["f" * 32])])
        assert not lost["ok"] and lost["missing"] == [("intake", "f" * 32)]
        # a seat that still holds an outcome
        assert not check(engine, since, [no_seat(outbox_waiting=1)])["ok"]
        with Session(engine) as s:
            desk = s.scalar(select(OrderEvent.actor_id).where(OrderEvent.action == "sign").limit(1))
            order = s.scalar(select(WorkOrder).order_by(WorkOrder.id.desc()).limit(1))
        # a desk's writes nobody was told of (here: all of a real desk's, unacknowledged)
        if desk is not None:
            ghost = check(engine, since, [no_seat(operator_id=desk, role="unit_liaison")])
            assert not ghost["ok"] and ghost["unacknowledged"][0][2] == "sign"
        if order is None:
            pytest.skip("no work order in so short a run")
        # tampering inside a transaction the check sees and that is rolled back after
        with engine.connect() as conn:
            tx = conn.begin()
            conn.execute(update(WorkOrder).where(WorkOrder.id == order.id).values(status="archived"))
            broken = check(conn, since, [no_seat()])
            assert not broken["ok"] and broken["event_problems"][0]["order_id"] == order.id
            conn.execute(delete(OrderEvent).where(OrderEvent.order_id == order.id))
            conn.execute(update(WorkOrder).where(WorkOrder.id == order.id)
                         .values(number=order.number[:10] + "999999"))
            gap = check(conn, since, [no_seat()])
            assert not gap["ok"] and gap["number_problems"]
            # a co-handler row whose copy of its order (what the unit queues read) is stale
            helper = conn.scalar(select(Unit.id).where(Unit.id != order.lead_unit_id).limit(1))
            conn.execute(insert(OrderCoHandler).values(
                order_id=order.id, unit_id=helper, order_created_at=order.created_at,
                order_status="办理中" if order.status != "办理中" else "待签收",
                order_due_at=order.due_at, order_level=order.supervision_level))
            assert check(conn, since, [no_seat()])["co_handler_copy_problems"] == 1
            tx.rollback()
        assert check(engine, since, [no_seat()])["ok"]
    finally:
        services.close()


def test_a_centre_s_database_is_refused(db_url, capsys):
    # the shipped demo accounts are in it: not a database of the benchmark's own
    with pytest.raises(BenchRefused):
        open_bench(db_url)
    assert cli_main(["bench", "load", "--db", db_url, "--seats", "1", "--seconds", "1"]) == 2
    assert "只能在单独的空数据库上运行" in capsys.readouterr().err


def test_the_json_line_is_last(ran, capsys):
    code = cli_main(["bench", "load", "--db", ran[0], "--seats", "2", "--seconds", "1",
                     "--json"])
    lines = capsys.readouterr().out.strip().splitlines()
    result = json.loads(lines[-1])
    assert code == (0 if result["integrity"]["ok"] else 1)
    assert set(result) >= {"seats", "seconds", "ops_per_s", "operations", "integrity"}
    assert result["seats"] == 2 and isinstance(result["integrity"]["ok"], bool)
    for figures in result["operations"].values():
        assert set(figures) >= {"count", "p50_ms", "p95_ms", "p99_ms"}
    assert any("完整性" in line for line in lines[:-1])


def test_bad_arguments_say_so_in_chinese(capsys):
    assert cli_main(["bench", "load", "--seats", "0"]) == 2
    assert "--seats 至少为1" in capsys.readouterr().err
