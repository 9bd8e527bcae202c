"""Live queues: a change committed by one console reaches another console's feed within 2 s —
by NOTIFY on PostgreSQL (with what changed), by the file's change counter on SQLite."""

from __future__ import annotations

import queue
import time

import pytest
from sqlalchemy import select

from agent_console.domain.workflow import Action
from agent_console.store.engine import make_session_factory
from agent_console.store.models import WorkOrder
from agent_console.store.notify import ANY, ONLINE, ORDERS, TRANSFERS, Change, parse
from tests.conftest import FROZEN_AT
from tests.services.helpers import HEATING_PATH, category_id, draft

WITHIN = 2.0


@pytest.fixture
def second(other_console):
    return other_console


def listen(services) -> queue.Queue[Change]:
    heard: queue.Queue[Change] = queue.Queue()
    feed = services.watch_changes(heard.put)
    assert feed is not None
    assert feed.listening.wait(5), "the feed never started listening"
    return heard


def heard_within(heard: queue.Queue[Change], want, seconds: float = WITHIN) -> Change:
    end = time.monotonic() + seconds
    seen = []
    while (left := end - time.monotonic()) > 0:
        try:
            change = heard.get(timeout=left)
        except queue.Empty:
            break
        if want(change):
            return change
        seen.append(change)
    raise AssertionError(f"nothing wanted within {seconds} s; heard {seen}")


def pg(services) -> bool:
    return services.engine.dialect.name == "postgresql"


def make_order(services, agent) -> tuple[str, int]:
    cat = category_id(services, HEATING_PATH)
    lead = services.dispatch.propose(cat, "科尔沁区", "投诉", "一般", FROZEN_AT).lead
    result = services.intake.create_work_order(
        agent, draft(category_id=cat, region="科尔沁区", request_type="投诉"), FROZEN_AT, lead.id)
    return result.order_number, lead.id


def test_a_work_order_reaches_the_other_consoles_queue(services, second, agent):
    heard = listen(second)
    number, lead = make_order(services, agent)
    if pg(services):
        change = heard_within(heard, lambda c: c.topic == ORDERS)
        assert lead in change.ids
        # the lead unit's liaison reads again; another unit's does not, the centre does
        assert change.concerns(ORDERS, lead) and change.concerns(ORDERS, None)
        assert not change.concerns(ORDERS, lead + 1000)
        assert not change.concerns(TRANSFERS)
    else:
        heard_within(heard, lambda c: c.topic == ANY)
    assert number


def test_a_sign_is_heard_with_the_order_s_unit(services, second, agent):
    number, _lead = make_order(services, agent)
    liaison = services.accounts.authenticate("5001", "demo")
    with make_session_factory(services.engine)() as s:
        row = s.scalar(select(WorkOrder).where(WorkOrder.number == number))
    if row.lead_unit_id != liaison.unit_id:
        pytest.skip("the heating order went to another unit than 5001's")
    heard = listen(second)
    _, version = services.orders.status_of(number)
    services.orders.act(liaison, number, Action.SIGN, version)
    change = heard_within(heard, lambda c: c.topic in (ORDERS, ANY))
    assert change.concerns(ORDERS, liaison.unit_id)


def test_a_transfer_reaches_the_expert_s_queue(services, second, agent, expert):
    heard = listen(second)
    cat = category_id(services, HEATING_PATH)
    services.intake.transfer_to_expert(agent, draft(category_id=cat), FROZEN_AT, None, True)
    change = heard_within(heard, lambda c: c.topic in (TRANSFERS, ANY))
    assert change.concerns(TRANSFERS, expert.id)
    if pg(services):  # the expert it waits for and the seat that watches the wait
        assert change.ids == frozenset({expert.id, agent.id})
        assert not change.concerns(TRANSFERS, expert.id + 1000)


def test_a_rolled_back_change_is_never_heard(services, second, agent):
    if not pg(services):
        pytest.skip("SQLite's change counter moves only on commit; nothing to tell apart")
    heard = listen(second)
    factory = make_session_factory(services.engine)
    with factory() as s:
        row = s.scalar(select(WorkOrder).limit(1))
        if row is None:
            make_order(services, agent)
            heard_within(heard, lambda c: c.topic == ORDERS)
            row = s.scalar(select(WorkOrder).limit(1))
        row.content = row.content + "（改）"
        s.flush()  # the NOTIFY is sent here, inside the transaction
        s.rollback()
    with pytest.raises(queue.Empty):
        heard.get(timeout=1.0)


def test_the_listener_comes_back_after_losing_its_connection(services, second, agent):
    if not pg(services):
        pytest.skip("PostgreSQL's listening connection")
    heard = listen(second)
    with services.engine.connect() as conn:
        conn.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE query LIKE 'LISTEN%%' AND datname = current_database()")
    # back within a second or two, and says "anything may have changed" for what it missed
    heard_within(heard, lambda c: c.topic == ANY, seconds=8)
    make_order(services, agent)
    heard_within(heard, lambda c: c.topic == ORDERS)


def test_payloads():
    assert parse("orders:3,5") == Change(ORDERS, frozenset({3, 5}))
    assert parse("online") == Change(ONLINE)
    assert parse("*").concerns(TRANSFERS, 7)
    assert parse("orders").concerns(ORDERS, 7)  # unknown units: anyone may need it
    assert parse("orders:x,,4") == Change(ORDERS, frozenset({4}))


def test_the_listen_connection_may_bypass_a_pooler(tmp_path):
    """Queries through a transaction-pooling pgbouncer, LISTEN straight to the server
    (AGENT_CONSOLE_LISTEN_DB): a pooler cannot keep a LISTEN across transactions."""
    from agent_console.config import load_settings
    from agent_console.store.engine import make_engine
    from agent_console.store.notify import PgListener, SqlitePoller, change_feed

    pooled = "postgresql+psycopg://console@pgbouncer.local:6432/hotline"
    direct = "postgresql+psycopg://console@db.local:5432/hotline"
    settings = load_settings(pooled, env={"AGENT_CONSOLE_LISTEN_DB": direct})
    assert settings.listen_url == direct
    engine = make_engine(pooled)
    feed = change_feed(engine, lambda _c: None, settings.listen_url)
    assert isinstance(feed, PgListener) and feed._dsn == "postgresql://console@db.local:5432/hotline"
    assert change_feed(engine, lambda _c: None)._dsn.startswith("postgresql://console@pgbouncer")
    sqlite = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert isinstance(change_feed(sqlite, lambda _c: None), SqlitePoller)
    engine.dispose()
    sqlite.dispose()
