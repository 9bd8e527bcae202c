"""Pinyin of characters (pypinyin), cached per character, and ASCII pinyin segmentation."""

from __future__ import annotations

import os
import threading
from functools import lru_cache

# Only single characters are looked up, which never needs pypinyin's phrase dictionary; skipping
# it saves about 0.1 s of start-up (import) time that would otherwise hold the GIL.
os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "1")

from pypinyin.contrib.tone_convert import to_normal  # noqa: E402
from pypinyin.pinyin_dict import pinyin_dict  # noqa: E402

MAX_READINGS = 1
_lock = threading.Lock()
_syllables: frozenset[str] | None = None


@lru_cache(maxsize=65536)
def readings(ch: str) -> tuple[str, ...]:
    """Toneless readings of one CJK character, most common first ('' for non-Han)."""
    if not ("\u3400" <= ch <= "\u9fff" or "\U00020000" <= ch <= "\U0003134f"):
        return ()
    found = pinyin_dict.get(ord(ch))
    if not found:
        return ()
    out: list[str] = []
    for r in found.split(","):
        r = to_normal(r.strip()).lower()
        if r and r.isascii() and r.isalpha() and r not in out:
            out.append(r)
    return tuple(out[:MAX_READINGS])


def initials(ch: str) -> tuple[str, ...]:
    """First letters of the readings: what an agent types for 'sb' (社保)."""
    return tuple(dict.fromkeys(r[0] for r in readings(ch)))


def syllables() -> frozenset[str]:
    """Every toneless syllable pypinyin knows (built once, lazily)."""
    global _syllables
    if _syllables is None:
        with _lock:
            if _syllables is None:
                found = set()
                for value in pinyin_dict.values():
                    for reading in value.split(","):
                        plain = to_normal(reading.strip()).replace("ü", "v")
                        if plain.isascii() and plain.isalpha():
                            found.add(plain)
                _syllables = frozenset(found - {"n", "ng", "m", "hm", "hng"})
    return _syllables


@lru_cache(maxsize=4096)
def segment(run: str) -> tuple[str, ...] | None:
    """Split an ASCII run into pinyin syllables ('gongjijin' → gong ji jin), or None."""
    run = run.lower()
    if not run.isalpha() or len(run) < 2:
        return None
    known = syllables()
    n = len(run)
    # best[i] = fewest syllables covering run[:i]
    best: list[tuple[str, ...] | None] = [None] * (n + 1)
    best[0] = ()
    for i in range(n):
        if best[i] is None:
            continue
        for j in range(min(n, i + 6), i, -1):
            piece = run[i:j]
            if piece in known:
                cand = best[i] + (piece,)
                if best[j] is None or len(cand) < len(best[j]):
                    best[j] = cand
    return best[n]
