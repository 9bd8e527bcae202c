"""Knowledge-base index and ranking: pure Python + rapidfuzz; no database, no UI."""

from agent_console.search.index import KbDocument, KnowledgeIndex, SearchHit

__all__ = ["KbDocument", "KnowledgeIndex", "SearchHit"]
