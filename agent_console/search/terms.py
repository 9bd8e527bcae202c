"""Index terms as 64-bit keys, computed the same way from a term string (a query, an edited
article) and in bulk from code points (building the index, ``search.build``).

A key is ``tag << 43 | payload``; the tag is the term's kind (see ``search.analysis``):

  c, x  one code point                 b  two code points (21 bits each)
  p     two syllable ids (12 bits each; the ids are the positions in the index's own list of
        syllables, saved with it, so a cached index never depends on the installed pypinyin)
  i     two initials (a-z, 5 bits each)
  w, a  a 43-bit hash of the word (two words sharing a hash share a posting list: at 10^6
        distinct words that happens for about one pair in 20, and costs that pair nothing
        worse than a near-tie)

Structured keys are what makes the bulk build possible: numpy computes them from arrays of code
points with no Python object per term.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

PAYLOAD_BITS = 43
KEY_BITS = 46  # tag (3 bits) + payload
TAGS = {"c": 1, "b": 2, "p": 3, "i": 4, "x": 5, "w": 6, "a": 7}
UNKNOWN_SYLLABLE = (1 << 12) - 1
_MASK = (1 << PAYLOAD_BITS) - 1


@lru_cache(maxsize=1 << 16)
def hash43(text: str) -> int:
    """A stable 43-bit hash (Python's own hash() changes from process to process)."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") & _MASK


@lru_cache(maxsize=1)
def syllable_table() -> tuple[np.ndarray, tuple[str, ...], np.ndarray]:
    """(syllable id of every code point's first reading, -1 for none; the syllables in id
    order; the initial of every code point as 0-25, -1 for none), from ``pinyin.readings``."""
    from pypinyin.pinyin_dict import pinyin_dict

    from agent_console.search.pinyin import first_reading

    size = 0x31350
    first: dict[int, str] = {}
    for cp, value in pinyin_dict.items():
        if cp < size:
            found = first_reading(chr(cp), value)
            if found:
                first[cp] = found
    names = tuple(sorted(set(first.values())))
    sid = {s: i for i, s in enumerate(names)}
    syl = np.full(size, -1, dtype=np.int16)
    ini = np.full(size, -1, dtype=np.int8)
    for cp, reading in first.items():
        syl[cp] = sid[reading]
        ini[cp] = ord(reading[0]) - 97
    return syl, names, ini


class TermKeys:
    """Term string → key, with the syllable ids of one index."""

    __slots__ = ("syllables", "_sid")

    def __init__(self, syllables: Sequence[str]) -> None:
        self.syllables = tuple(syllables)
        self._sid = {s: i for i, s in enumerate(self.syllables)}

    @classmethod
    def current(cls) -> TermKeys:
        return cls(syllable_table()[1])

    def key(self, term: str) -> int:
        kind, body = term[:1], term[1:]
        tag = TAGS.get(kind, 6)
        if kind in "cx" and len(body) == 1:
            return tag << PAYLOAD_BITS | ord(body)
        if kind == "b" and len(body) == 2:
            return tag << PAYLOAD_BITS | ord(body[0]) << 21 | ord(body[1])
        if kind == "p":
            x, _, y = body.partition(" ")
            a, b = self._sid.get(x, UNKNOWN_SYLLABLE), self._sid.get(y, UNKNOWN_SYLLABLE)
            return tag << PAYLOAD_BITS | a << 12 | b
        if kind == "i" and len(body) == 2 and "a" <= body[0] <= "z" and "a" <= body[1] <= "z":
            return tag << PAYLOAD_BITS | (ord(body[0]) - 97) << 5 | (ord(body[1]) - 97)
        return tag << PAYLOAD_BITS | hash43(body)

    def keys(self, terms: Sequence[str]) -> np.ndarray:
        return np.fromiter((self.key(t) for t in terms), dtype=np.uint64, count=len(terms))


def word_key(word: str) -> int:
    return TAGS["w"] << PAYLOAD_BITS | hash43(word)


def ascii_key(run: str) -> int:
    return TAGS["a"] << PAYLOAD_BITS | hash43(run)


def first_char_key(ch: str) -> int:
    return TAGS["x"] << PAYLOAD_BITS | ord(ch)


class Vocabulary:
    """Term → term id by binary search over the index's sorted keys (term id = rank).

    Ids once looked up are remembered (queries typed one key at a time share nearly all their
    terms, and hashing a term costs more than the search for it); the keys never change, a new
    build makes a new vocabulary."""

    __slots__ = ("keys", "terms", "_seen")
    REMEMBER = 50_000  # term ids kept; past this the memory starts afresh

    def __init__(self, keys: np.ndarray, terms: TermKeys | None = None) -> None:
        self.keys = keys
        self.terms = terms or TermKeys.current()
        self._seen: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.keys)

    def ids(self, terms: Sequence[str]) -> np.ndarray:
        """Term ids for ``terms``, -1 where a term is not in the vocabulary."""
        if not len(self.keys) or not terms:
            return np.full(len(terms), -1, dtype=np.int64)
        seen = self._seen
        missing = [t for t in terms if t not in seen]
        if missing:
            if len(seen) + len(missing) > self.REMEMBER:
                seen = self._seen = {}
            k = self.terms.keys(missing)
            at = np.searchsorted(self.keys, k)
            at_c = np.minimum(at, len(self.keys) - 1)
            seen.update(zip(missing, np.where(self.keys[at_c] == k, at_c, -1).tolist()))
        return np.fromiter((seen[t] for t in terms), dtype=np.int64, count=len(terms))

    def get(self, term: str) -> int | None:
        tid = int(self.ids([term])[0])
        return tid if tid >= 0 else None
