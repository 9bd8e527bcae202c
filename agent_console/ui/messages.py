"""Messages posted from worker threads back to the UI (dataclass payloads)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from agent_console.search.index import KnowledgeIndex, SearchHit
from agent_console.services.dto import CallerHistory, RepeatNotice


@dataclass
class IndexReady(Message):
    index: KnowledgeIndex
    seconds: float


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
