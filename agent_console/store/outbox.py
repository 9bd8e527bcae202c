"""The seat's local outbox: a small SQLite file in the user data dir, one per database the
console points at. A seat outcome is committed here before the screen says 已记录, then
delivered to the database; while the database is away outcomes wait here, in order, and the
form being typed is kept here too, so neither an outage nor a crash loses anything.

Plain ``sqlite3`` (no ORM): the file must open when nothing else does."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

PENDING, DELIVERED, REFUSED = "pending", "delivered", "refused"
KEEP_DELIVERED = 500  # delivered entries kept for the list, newest first

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    operator_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    result TEXT,
    done_at TEXT
);
CREATE INDEX IF NOT EXISTS ix_outbox_status ON outbox (status, seq);
CREATE TABLE IF NOT EXISTS drafts (
    operator_id INTEGER PRIMARY KEY,
    data TEXT NOT NULL,
    started_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""


def outbox_path(state_dir: Path, db_url: str) -> Path:
    """One file per database (password left out of the key), so a console pointed at another
    database never delivers there what was meant for this one."""
    url = make_url(db_url).render_as_string(hide_password=True)
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
    return state_dir / f"outbox-{digest}.sqlite3"


@dataclass(frozen=True)
class Entry:
    seq: int
    key: str
    operator_id: int
    kind: str
    payload: dict
    created_at: datetime
    status: str
    attempts: int
    last_error: str
    result: dict | None
    done_at: datetime | None


@dataclass(frozen=True)
class LocalDraft:
    data: dict
    started_at: datetime
    updated_at: datetime


def _entry(row: sqlite3.Row) -> Entry:
    return Entry(row["seq"], row["key"], row["operator_id"], row["kind"],
                 json.loads(row["payload"]), datetime.fromisoformat(row["created_at"]),
                 row["status"], row["attempts"], row["last_error"],
                 json.loads(row["result"]) if row["result"] else None,
                 datetime.fromisoformat(row["done_at"]) if row["done_at"] else None)


class Outbox:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._con: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._con is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(self.path, timeout=10, isolation_level=None,
                                  check_same_thread=False)
            try:
                con.row_factory = sqlite3.Row
                con.execute("PRAGMA journal_mode=WAL")
                con.execute("PRAGMA synchronous=FULL")  # committed means on disk
                con.executescript(SCHEMA)
            except BaseException:
                con.close()
                raise
            self._con = con
        return self._con

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """One transaction on the file's connection (one per console, used under a lock);
        after an error the connection is dropped and the next call opens it again."""
        with self._lock:
            con = self._connection()
            try:
                con.execute("BEGIN IMMEDIATE")
                try:
                    yield con
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
                con.execute("COMMIT")
            except sqlite3.Error:
                self.close_locked()
                raise

    def close_locked(self) -> None:
        if self._con is not None:
            try:
                self._con.close()
            finally:
                self._con = None

    def close(self) -> None:
        with self._lock:
            self.close_locked()

    # ------------------------------------------------------------------ outcomes
    def put(self, key: str, operator_id: int, kind: str, payload: dict, at: datetime,
            blank_draft: dict | None = None) -> None:
        """Committed when this returns; putting the same key twice keeps the first. With
        ``blank_draft`` the operator's draft is cleared in the same transaction: after a crash
        there is either the outcome here or the draft, never both and never neither."""
        with self._db() as con:
            con.execute("INSERT OR IGNORE INTO outbox (key, operator_id, kind, payload, "
                        "created_at, status) VALUES (?, ?, ?, ?, ?, ?)",
                        (key, operator_id, kind, json.dumps(payload, ensure_ascii=False),
                         at.isoformat(), PENDING))
            if blank_draft is not None:
                self._draft(con, operator_id, blank_draft, at, at)

    def withdraw(self, key: str, operator_id: int, draft: dict, started_at: datetime,
                 at: datetime) -> None:
        """An outcome refused while its form is still open: gone from here, the draft back."""
        with self._db() as con:
            con.execute("DELETE FROM outbox WHERE key = ?", (key,))
            self._draft(con, operator_id, draft, started_at, at)

    def get(self, key: str) -> Entry | None:
        with self._db() as con:
            row = con.execute("SELECT * FROM outbox WHERE key = ?", (key,)).fetchone()
        return _entry(row) if row else None

    def pending(self) -> list[Entry]:
        """Oldest first: the order they are delivered in."""
        with self._db() as con:
            rows = con.execute("SELECT * FROM outbox WHERE status = ? ORDER BY seq",
                               (PENDING,)).fetchall()
        return [_entry(r) for r in rows]

    def entries(self, limit: int = 200) -> list[Entry]:
        """Waiting and refused first (oldest first), then delivered (newest first)."""
        with self._db() as con:
            open_rows = con.execute("SELECT * FROM outbox WHERE status != ? ORDER BY seq",
                                    (DELIVERED,)).fetchall()
            done = con.execute("SELECT * FROM outbox WHERE status = ? ORDER BY seq DESC "
                               "LIMIT ?", (DELIVERED, limit)).fetchall()
        return [_entry(r) for r in [*open_rows, *done]][:max(limit, len(open_rows))]

    def counts(self) -> tuple[int, int]:
        """(waiting, refused)."""
        with self._db() as con:
            rows = dict(con.execute("SELECT status, count(*) FROM outbox GROUP BY status")
                        .fetchall())
        return rows.get(PENDING, 0), rows.get(REFUSED, 0)

    def attempted(self, key: str, error: str) -> None:
        with self._db() as con:
            con.execute("UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE key = ?",
                        (error[:500], key))

    def delivered(self, key: str, result: dict, at: datetime) -> None:
        with self._db() as con:
            con.execute("UPDATE outbox SET status = ?, result = ?, done_at = ?, last_error = '', "
                        "attempts = attempts + 1 WHERE key = ?",
                        (DELIVERED, json.dumps(result, ensure_ascii=False), at.isoformat(), key))
            con.execute("DELETE FROM outbox WHERE status = ? AND seq NOT IN (SELECT seq FROM "
                        "outbox WHERE status = ? ORDER BY seq DESC LIMIT ?)",
                        (DELIVERED, DELIVERED, KEEP_DELIVERED))

    def refused(self, key: str, reason: str, at: datetime) -> None:
        """The database answered with a rule: kept for the agent to look at and redo."""
        with self._db() as con:
            con.execute("UPDATE outbox SET status = ?, last_error = ?, done_at = ?, "
                        "attempts = attempts + 1 WHERE key = ?",
                        (REFUSED, reason[:500], at.isoformat(), key))

    def remove(self, key: str) -> None:
        with self._db() as con:
            con.execute("DELETE FROM outbox WHERE key = ?", (key,))

    # ------------------------------------------------------------------ drafts
    def save_draft(self, operator_id: int, data: dict, started_at: datetime,
                   updated_at: datetime) -> None:
        with self._db() as con:
            self._draft(con, operator_id, data, started_at, updated_at)

    @staticmethod
    def _draft(con: sqlite3.Connection, operator_id: int, data: dict, started_at: datetime,
               updated_at: datetime) -> None:
        con.execute("INSERT INTO drafts (operator_id, data, started_at, updated_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (operator_id) DO UPDATE SET "
                    "data = excluded.data, started_at = excluded.started_at, "
                    "updated_at = excluded.updated_at",
                    (operator_id, json.dumps(data, ensure_ascii=False),
                     started_at.isoformat(), updated_at.isoformat()))

    def load_draft(self, operator_id: int) -> LocalDraft | None:
        with self._db() as con:
            row = con.execute("SELECT * FROM drafts WHERE operator_id = ?",
                              (operator_id,)).fetchone()
        if row is None:
            return None
        return LocalDraft(json.loads(row["data"]), datetime.fromisoformat(row["started_at"]),
                          datetime.fromisoformat(row["updated_at"]))

    def discard_draft(self, operator_id: int) -> None:
        with self._db() as con:
            con.execute("DELETE FROM drafts WHERE operator_id = ?", (operator_id,))
