"""How each console talks to PostgreSQL (issue 10): a pooled connection, pinged before use after a second idle, with a
statement, lock and idle-in-transaction timeout; a deadlock victim is run again."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from agent_console.store import engine as engine_module
from agent_console.store.engine import make_read_factory, make_session_factory
from agent_console.store.models import IntakeRecord
from agent_console.store.upsert import is_retryable
from tests.services.helpers import draft


class _Orig(Exception):
    def __init__(self, sqlstate):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def db_error(sqlstate: str) -> OperationalError:
    return OperationalError("UPDATE …", {}, _Orig(sqlstate))


def test_which_errors_are_run_again():
    assert is_retryable(db_error("40P01")) and is_retryable(db_error("40001"))
    assert not is_retryable(db_error("23505")) and not is_retryable(db_error(None))


def test_the_session_settings_on_postgresql(services):
    if services.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no statement timeout; its writers queue on BEGIN IMMEDIATE")
    def ms(setting: str) -> int:  # PostgreSQL shows 30s, 1min …; the setting is in ms
        return int(conn.execute(text("SELECT setting FROM pg_settings WHERE name = :n"),
                                {"n": setting}).scalar())

    with services.engine.connect() as conn:
        assert ms("statement_timeout") == engine_module.STATEMENT_TIMEOUT_MS
        assert ms("idle_in_transaction_session_timeout") == engine_module.IDLE_IN_TX_MS
        assert ms("lock_timeout") == engine_module.LOCK_TIMEOUT_MS
    assert services.engine.pool.size() == engine_module.PG_POOL_SIZE


def test_a_deadlock_victim_is_recorded_once_on_the_next_try(services, agent, monkeypatch):
    real = services.intake._record
    failures = iter([db_error("40P01")])

    def flaky(*args, **kwargs):
        error = next(failures, None)
        if error is not None:
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(services.intake, "_record", flaky)
    result = services.intake.answer_online(agent, draft(), services.clock.now(), None,
                                           "已解答：按规定办理", key="k-deadlock")
    with make_session_factory(services.engine)() as s:
        assert s.scalar(select(func.count()).select_from(IntakeRecord)) == 1
    assert result.intake_id


def test_other_database_errors_are_not_run_again(services, agent, monkeypatch):
    calls = []

    def broken(*args, **kwargs):
        calls.append(1)
        raise db_error("23505")

    monkeypatch.setattr(services.intake, "_record", broken)
    with pytest.raises(OperationalError):
        services.intake.answer_online(agent, draft(), services.clock.now(), None, "已解答：按规定办理")
    assert calls == [1]


def test_an_order_action_chosen_as_deadlock_victim_is_run_again(services, agent, monkeypatch):
    from agent_console.domain.workflow import Action
    from agent_console.store import orders as order_store
    from agent_console.store.models import OrderEvent
    from tests.ui.helpers import make_order

    number = make_order(services, agent)
    liaison = services.accounts.authenticate("5001", "demo")
    real = order_store.save
    failures = iter([db_error("40001"), db_error("40P01")])

    def flaky(*args, **kwargs):
        error = next(failures, None)
        if error is not None:
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(order_store, "save", flaky)
    _, version = services.orders.status_of(number)
    view = services.orders.act(liaison, number, Action.SIGN, version)
    assert view.status == "办理中"
    with make_session_factory(services.engine)() as s:
        signs = s.scalar(select(func.count()).select_from(OrderEvent)
                         .where(OrderEvent.action == "sign"))
    assert signs == 1


def test_a_connection_dropped_while_idle_in_the_pool_is_replaced_before_use(services,
                                                                          monkeypatch):
    if services.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to drop a connection")
    monkeypatch.setattr(engine_module, "PING_IDLE_SECONDS", 0.0)
    with services.engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    # the server (a restart, a pooler, a firewall) drops the session while it sits in the pool
    admin = create_engine(services.engine.url, poolclass=NullPool)
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
    admin.dispose()
    # the next reading is served by a new connection, not an error
    assert services.records.orders() == []
    with services.engine.connect() as conn:
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != pid


def test_a_reading_session_refuses_to_write(services):
    reads = make_read_factory(services.engine)
    with reads() as s, pytest.raises(RuntimeError, match="does not write"):
        s.add(IntakeRecord())
        s.flush()


def test_a_reading_session_does_not_hold_the_seats_saves_back(services, agent):
    """On SQLite every session began with BEGIN IMMEDIATE, a read's too: while a supervisor's
    statistics were read, a seat's save waited for the write lock (or failed after the busy
    timeout). A read now keeps its snapshot and lets the write through."""
    reads = make_read_factory(services.engine)
    count = select(func.count()).select_from(IntakeRecord)
    with reads() as s:
        before = s.scalar(count)
        other = create_engine(services.engine.url, poolclass=NullPool,
                              connect_args={"timeout": 0.5} if s.bind.dialect.name == "sqlite"
                              else {"options": "-c lock_timeout=500"})
        try:
            with other.begin() as conn:
                conn.execute(IntakeRecord.__table__.delete().where(IntakeRecord.id < 0))
                conn.execute(text("CREATE TABLE read_probe (x INTEGER)"))
        finally:
            other.dispose()
        assert s.scalar(count) == before
    services.intake.answer_online(agent, draft(), services.clock.now(), None,
                                  "已解答：按规定办理", key="k-after-read")
