"""Live queues: a change one console commits reaches the queues of every other console.

On PostgreSQL each transaction that writes a work order, an expert transfer or an online
submission also sends ``NOTIFY agent_console`` with a short payload; the server delivers it to
the listeners at commit, never for a rollback, once per distinct payload. Each console keeps
one connection of its own (outside the pool) that LISTENs and hands each change to the screens.
SQLite has no notifications: a console there watches the file's ``data_version`` (cheap, changes
whenever another connection commits) about once a second.

Payloads: ``orders:3,5`` (the units an order concerns: its lead unit before and after the
change and its co-handlers), ``transfers:12,3`` (the expert it is queued for and the seat it came from; no ids while
it waits in a category's queue), ``online``, ``kb`` (an article published or sent for review); a
listener that lost its connection says ``*`` once it is back (anything may have changed)."""

from __future__ import annotations

import logging
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm.base import NO_VALUE

from agent_console.store.models import ExpertTransfer, OnlineSubmission, WorkOrder

log = logging.getLogger(__name__)

CHANNEL = "agent_console"
ORDERS, TRANSFERS, ONLINE, KB, ANY = "orders", "transfers", "online", "kb", "*"
POLL_SECONDS = 1.0  # SQLite: how often the file's data_version is read
LISTEN_WAIT = 0.5   # PostgreSQL: longest wait for a notification before checking for stop
RECONNECT_SECONDS = (0.5, 1.0, 2.0, 5.0)


@dataclass(frozen=True)
class Change:
    """What changed, as much as the payload says. ``ids`` are unit ids for orders and the
    expert's operator id for transfers; empty when not known (then it may concern anyone)."""

    topic: str
    ids: frozenset[int] = frozenset()

    def concerns(self, topic: str, own_id: int | None = None) -> bool:
        """Whether a queue of ``topic`` (seen by ``own_id``'s unit or expert, None: the whole
        centre) needs reading again."""
        if self.topic == ANY:
            return True
        if self.topic != topic:
            return False
        return own_id is None or not self.ids or own_id in self.ids


def parse(payload: str) -> Change:
    topic, _, rest = payload.partition(":")
    ids = frozenset(int(p) for p in rest.split(",") if p.isdigit())
    return Change(topic or ANY, ids)


def _payload(topic: str, ids) -> str:
    clean = sorted({i for i in ids if isinstance(i, int)})
    return f"{topic}:{','.join(map(str, clean))}" if clean else topic


def _notify(connection, payload: str) -> None:
    if connection.dialect.name != "postgresql":
        return
    # sent inside the writing transaction: delivered at commit, dropped on rollback
    connection.exec_driver_sql("SELECT pg_notify(%(c)s, %(p)s)", {"c": CHANNEL, "p": payload})


def _order_units(target: WorkOrder) -> list[int]:
    state = inspect(target)
    units = [target.lead_unit_id, *state.attrs.lead_unit_id.history.deleted]
    co = state.attrs.co_handlers.loaded_value  # never loaded here: that would query mid-flush
    if co is not NO_VALUE:
        units += [c.unit_id for c in co]
    return units


@event.listens_for(WorkOrder, "after_insert")
@event.listens_for(WorkOrder, "after_update")
def _order_written(_mapper, connection, target: WorkOrder) -> None:
    _notify(connection, _payload(ORDERS, _order_units(target)))


@event.listens_for(ExpertTransfer, "after_insert")
@event.listens_for(ExpertTransfer, "after_update")
def _transfer_written(_mapper, connection, target: ExpertTransfer) -> None:
    # queued for a category (no expert yet): every expert may take it, so no ids
    ids = [target.expert_id, target.seat_id] if target.expert_id is not None else []
    _notify(connection, _payload(TRANSFERS, ids))


@event.listens_for(OnlineSubmission, "after_insert")
@event.listens_for(OnlineSubmission, "after_update")
def _submission_written(_mapper, connection, _target) -> None:
    _notify(connection, ONLINE)


def notify_in(session, topic: str, ids=()) -> None:
    """Inside a session's transaction (sent at its commit): for guarded UPDATE statements and
    for changes of tables without a hook (the knowledge base's reviews)."""
    _notify(session.connection(), _payload(topic, ids))


def notify(engine: Engine, topic: str, ids=()) -> None:
    """For writes that do not go through the mapped classes (bulk statements)."""
    with engine.begin() as conn:
        _notify(conn, _payload(topic, ids))


class ChangeFeed(ABC):
    """Calls ``on_change(Change)`` from a thread of its own until ``stop()``."""

    def __init__(self, on_change: Callable[[Change], None]) -> None:
        self._on_change = on_change
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.listening = threading.Event()  # set once the feed watches (tests wait on it)

    def start(self) -> ChangeFeed:
        self._thread = threading.Thread(target=self._run, name=type(self).__name__, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=3)

    def _emit(self, change: Change) -> None:
        try:
            self._on_change(change)
        except Exception:  # a closed app, a screen gone: the feed outlives both
            log.exception("change feed: handler failed")

    @abstractmethod
    def _run(self) -> None:
        """The thread's loop: watch the database and ``_emit`` what it says."""


class PgListener(ChangeFeed):
    def __init__(self, dsn: str, on_change: Callable[[Change], None]) -> None:
        super().__init__(on_change)
        self._dsn = dsn

    def _run(self) -> None:
        import psycopg

        failures = 0
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._dsn, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    if failures:
                        self._emit(Change(ANY))  # what was sent while away is lost
                    failures = 0
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=LISTEN_WAIT):
                            self._emit(parse(note.payload))
            except psycopg.Error as exc:
                self.listening.clear()
                wait = RECONNECT_SECONDS[min(failures, len(RECONNECT_SECONDS) - 1)]
                failures += 1
                log.warning("change feed: %s; listening again in %.1f s", exc.__class__.__name__, wait)
                self._stop.wait(wait)


class SqlitePoller(ChangeFeed):
    def __init__(self, path: str, on_change: Callable[[Change], None],
                 every: float = POLL_SECONDS) -> None:
        super().__init__(on_change)
        self._path = path
        self._every = every

    def _run(self) -> None:
        seen = None
        conn = None
        while not self._stop.is_set():
            try:
                if conn is None:
                    conn = sqlite3.connect(self._path, timeout=5, check_same_thread=False)
                version = conn.execute("PRAGMA data_version").fetchone()[0]
                self.listening.set()
                if seen is not None and version != seen:
                    self._emit(Change(ANY))
                seen = version
            except sqlite3.Error:
                if conn is not None:
                    conn.close()
                conn, seen = None, None
                self.listening.clear()
            self._stop.wait(self._every)
        if conn is not None:
            conn.close()


def change_feed(engine: Engine, on_change: Callable[[Change], None],
                listen_url: str | None = None) -> ChangeFeed | None:
    """The feed for this database, not started; None for an in-memory SQLite database.
    ``listen_url``: the PostgreSQL server to LISTEN on when the engine's URL is a pooler."""
    url = make_url(listen_url) if listen_url else engine.url
    if url.get_backend_name() == "postgresql":
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        return PgListener(dsn, on_change)
    if url.database and url.database != ":memory:":
        return SqlitePoller(url.database, on_change)
    return None
