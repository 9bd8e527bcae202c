"""Engine and session factory; SQLite gets WAL, foreign keys and a busy timeout."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

# PostgreSQL: one console's threads (the seat, its outbox, the watch timer, a worker or two)
PG_POOL_SIZE = 5
PG_MAX_OVERFLOW = 5
STATEMENT_TIMEOUT_MS = 30_000
LOCK_TIMEOUT_MS = 10_000
IDLE_IN_TX_MS = 60_000
# A pooled connection that sat idle this long is pinged before it is handed out (a restart or
# failover of the server, a pooler or firewall dropping idle sessions); one given back within
# the last second is handed out as it is. Pinging every checkout cost a round trip a session,
# about 1 ms of a 5 ms caller-history read here.
PING_IDLE_SECONDS = 1.0
READING = "agent_console_reading"  # the execution option of make_read_factory's sessions


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
            # Let SQLAlchemy issue BEGIN itself so BEGIN IMMEDIATE is possible.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn) -> None:  # pragma: no cover - trivial
            # Writers queue up front instead of failing on lock upgrade. A reading session
            # (make_read_factory) begins a plain snapshot: under WAL it never holds the write
            # lock, so a month's statistics do not stop the seats' saves meanwhile.
            if conn.get_execution_options().get(READING):
                conn.exec_driver_sql("BEGIN")
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    engine = create_engine(
        url, pool_size=PG_POOL_SIZE, max_overflow=PG_MAX_OVERFLOW,
        pool_timeout=10, pool_recycle=1800,
        # every statement of a console is milliseconds: one stuck behind a lock is cut off
        # and said as a database error instead of hanging a seat; a session left inside a
        # transaction (a crash between statements) is closed by the server
        connect_args={"options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS} "
                                 f"-c lock_timeout={LOCK_TIMEOUT_MS} "
                                 f"-c idle_in_transaction_session_timeout={IDLE_IN_TX_MS}"})

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_conn, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_when_idle(dbapi_conn, record, _proxy) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < PING_IDLE_SECONDS:
            return  # just connected, or given back a moment ago
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as err:
            # the pool throws this connection away and hands out a new one
            raise exc.DisconnectionError(str(err)) from err

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def make_read_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for the console's reads (queues, caller history, an order's view, the
    statistics). On PostgreSQL they run without BEGIN and ROLLBACK: under READ COMMITTED every
    statement has a snapshot of its own either way, so a read-only transaction only added two
    round trips (a caller-history read went from 5.1 to 1.3 ms here). On SQLite they begin a
    deferred transaction, not the writers' BEGIN IMMEDIATE: a read held the write lock until
    its session closed, and every seat's save waited behind a supervisor's monthly figures
    (1.4 s at 1,000,000 orders) or report. Such a session refuses to write."""
    if engine.dialect.name == "postgresql":
        reading = engine.execution_options(isolation_level="AUTOCOMMIT")
    else:
        reading = engine.execution_options(**{READING: True})
    factory = sessionmaker(reading, expire_on_commit=False)
    event.listen(factory, "before_flush", _refuse_writes)
    return factory


def _refuse_writes(session, _flush_context, _instances) -> None:
    raise RuntimeError("a reading session does not write: use the session factory's begin()")
