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

_lock = threading.Lock()
_syllables: frozenset[str] | None = None


@lru_cache(maxsize=65536)
def readings(ch: str) -> tuple[str, ...]:
    """Toneless readings of one CJK character, most common first ('' for non-Han)."""
    found = first_reading(ch, pinyin_dict.get(ord(ch)))
    return (found,) if found else ()


def first_reading(ch: str, value: str | None) -> str | None:
    """The first toneless ASCII reading of ``ch`` among pypinyin's ``value`` ("zhōng,zhòng")."""
    if not value or not ("\u3400" <= ch <= "\u9fff" or "\U00020000" <= ch <= "\U0003134f"):
        return None
    for r in value.split(","):
        plain = _toneless(r.strip())
        if plain:
            return plain
    return None


@lru_cache(maxsize=4096)
def _toneless(reading: str) -> str | None:
    r = to_normal(reading).lower()  # slow (pypinyin's regexes): cached
    return r if r and r.isascii() and r.isalpha() else None


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
                toned = {r.strip() for value in pinyin_dict.values() for r in value.split(",")}
                for reading in toned:  # about 1,500 distinct toned readings for 41,000 entries
                    plain = to_normal(reading).replace("ü", "v")
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
