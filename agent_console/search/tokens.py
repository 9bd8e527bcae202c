"""Tokenisation shared by index and query: CJK unigrams + bigrams, ASCII words."""

from __future__ import annotations

import re

from agent_console.domain.normalize import normalize

_RUN = re.compile(r"[a-z0-9]+|[^\sa-z0-9]+")


def _is_ascii_run(run: str) -> bool:
    return run[0].isascii()


def tokenize(text: str) -> list[str]:
    """Terms of already-normalised or raw text: 'u:字', 'b:字字', 'w:word'."""
    terms: list[str] = []
    for run in _RUN.findall(normalize(text)):
        if _is_ascii_run(run):
            terms.append("w:" + run)
            continue
        for i, ch in enumerate(run):
            terms.append("u:" + ch)
            if i + 1 < len(run):
                terms.append("b:" + run[i : i + 2])
    return terms
