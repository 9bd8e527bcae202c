"""INSERT … ON CONFLICT for the two databases the console runs on (SQLite, PostgreSQL), and
which of their errors mean "run the transaction again"."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

T = TypeVar("T")
TX_ATTEMPTS = 4  # a deadlock victim or a serialisation failure is tried again this often


def dialect_insert(session: Session, model):
    """The ``insert(model)`` of the session's database, which has ``on_conflict_do_*``."""
    dialect = session.connection().dialect.name
    if dialect == "sqlite":
        return sqlite.insert(model)
    if dialect == "postgresql":
        return postgresql.insert(model)
    raise ValueError(f"不支持的数据库：{dialect}")  # pragma: no cover - only these two ship


# PostgreSQL's serialization_failure and deadlock_detected: the transaction was rolled back as
# a whole and may simply be run again
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


def is_retryable(error: BaseException) -> bool:
    orig = getattr(error, "orig", None)
    return getattr(orig, "sqlstate", None) in RETRYABLE_SQLSTATES


def retried(transaction: Callable[[], T], attempts: int = TX_ATTEMPTS) -> T:
    """``transaction()`` (one whole transaction), run again after a short random pause when
    PostgreSQL chose it as a deadlock victim or could not serialise it: nothing of it was
    kept. Every other error goes up at once."""
    for attempt in range(1, attempts + 1):
        try:
            return transaction()
        except DBAPIError as exc:
            if attempt == attempts or not is_retryable(exc):
                raise
            time.sleep(random.uniform(0.01, 0.05) * attempt)
    raise AssertionError("unreachable")  # pragma: no cover
