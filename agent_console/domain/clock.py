"""Injected time: deadlines, timers and snapshots are testable with a frozen clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Local wall-clock time, naive (the hotline works in China Standard Time)."""

    def now(self) -> datetime:
        return datetime.now().replace(microsecond=0)


class FrozenClock:
    """A clock for tests and snapshots; advance it by hand."""

    def __init__(self, at: datetime) -> None:
        self._at = at

    def now(self) -> datetime:
        return self._at

    def advance(self, **kwargs: float) -> None:
        self._at += timedelta(**kwargs)

    def set(self, at: datetime) -> None:
        self._at = at
