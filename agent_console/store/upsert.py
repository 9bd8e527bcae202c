"""INSERT … ON CONFLICT for the two databases the console runs on (SQLite, PostgreSQL), and
which of their errors mean "run the transaction again"."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


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
