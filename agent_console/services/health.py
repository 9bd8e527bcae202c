"""Is the database there? One shared answer for every screen: set by whatever failed or
succeeded last, read by the header, probed while it is away."""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exc as sa_exc

from agent_console.domain.clock import Clock

log = logging.getLogger(__name__)


def is_outage(error: BaseException) -> bool:
    """A database that is away, locked, read-only or out of disk, not a rule or a bug: the
    work waits and is tried again."""
    if isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError,
                          sa_exc.DisconnectionError, sqlite3.OperationalError,
                          ConnectionError, TimeoutError)):
        return True
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, (sa_exc.IntegrityError, sa_exc.DataError, sa_exc.ProgrammingError)):
        return False
    if isinstance(error, sa_exc.DatabaseError):
        text = str(getattr(error, "orig", None) or error).lower()  # the driver's words, no SQL
        return any(s in text for s in ("disk", "readonly", "read-only", "locked", "i/o error",
                                        "server closed", "terminating connection"))
    return isinstance(error, OSError)


def outage_message(error: BaseException) -> str:
    """The Chinese line an agent sees; the technical text goes to the log."""
    text = str(getattr(error, "orig", None) or error).lower()
    if "disk is full" in text or "no space" in text:
        return "数据库所在磁盘已满"
    if "readonly" in text or "read-only" in text:
        return "数据库文件不可写"
    if "i/o error" in text:  # SQLite says this of a full disk and of a file it may not write
        return "数据库文件写入失败（磁盘已满或不可写）"
    if "locked" in text:
        return "数据库被占用（锁等待超时）"
    return "数据库连接中断"


@dataclass(frozen=True)
class HealthState:
    up: bool
    since: datetime | None  # when the outage began (down) or ended (up, after an outage)
    message: str


class DbHealth:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._up = True
        self._since: datetime | None = None
        self._message = ""

    @property
    def up(self) -> bool:
        return self._up

    def state(self) -> HealthState:
        with self._lock:
            return HealthState(self._up, self._since, self._message)

    def failed(self, error: BaseException) -> bool:
        """Record an outage; True if it has just begun."""
        with self._lock:
            began = self._up
            if began:
                self._up = False
                self._since = self._clock.now()
            self._message = outage_message(error)
        if began:
            log.warning("database unavailable: %s", error)
        return began

    def ok(self) -> bool:
        """Record that the database answered; True if an outage has just ended."""
        with self._lock:
            ended = not self._up
            if ended:
                self._up = True
                self._since = self._clock.now()
                self._message = ""
        if ended:
            log.warning("database available again")
        return ended
