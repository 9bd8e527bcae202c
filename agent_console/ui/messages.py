"""Messages posted from worker threads back to the UI (dataclass payloads)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual.message import Message

from typing import TYPE_CHECKING

from agent_console.services.dto import CallerHistory, RepeatNotice
from agent_console.store.notify import Change

if TYPE_CHECKING:
    from agent_console.search.index import KnowledgeIndex, SearchHit
    from agent_console.search.semantic import SemanticStatus


@dataclass
class IndexReady(Message):
    index: KnowledgeIndex
    seconds: float
    source: str
    version: str
    synced_at: datetime


@dataclass
class SemanticProgress(Message):
    """The meaning signal's state changed (search.semantic.SemanticStatus), from its thread."""

    status: SemanticStatus


@dataclass
class KbResults(Message):
    query: str
    hits: list[SearchHit]


@dataclass
class HistoryLoaded(Message):
    phone: str
    history: CallerHistory | None


@dataclass
class RepeatChecked(Message):
    content: str
    notice: RepeatNotice | None


@dataclass
class DataChanged(Message):
    """Another console (or this one) committed a change the live queues may show."""

    change: Change
