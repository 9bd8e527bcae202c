"""``domain.normalize.normalize`` for many texts at once, as numpy code points.

Most characters normalise on their own: NFKC gives one character, lower case one, and that is
either kept or, being punctuation or space, becomes a space. A lookup table over the Basic
Multilingual Plane does those; characters outside it are kept as they are (CJK extensions, emoji)
unless they are in a block NFKC changes. A text holding any character that does not normalise
on its own (a combining mark, a ligature, the final-sigma rule, a compatibility ideograph …)
goes through ``normalize`` itself. Runs of spaces then collapse to one and the ends are
stripped, as ``normalize`` does. A test compares the two on every text of the dev sets.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import numpy as np

from agent_console.domain.normalize import _PUNCT, normalize

SEP = 10  # "\n" between texts; never left inside a normalised text (it is a space)
_SPECIAL = np.uint32(0xFFFFFFFF)
# outside the BMP, the blocks NFKC changes: mathematical letters and digits, enclosed
# alphanumerics and ideographic supplement, CJK compatibility ideographs supplement
_ASTRAL_CHANGED = ((0x1D400, 0x1D7FF), (0x1F100, 0x1F2FF), (0x1FBF0, 0x1FBF9), (0x2F800, 0x2FA1F))


@lru_cache(maxsize=1)
def fold_table() -> np.ndarray:
    table = np.empty(0x10000, dtype=np.uint32)
    for cp in range(0x10000):
        ch = chr(cp)
        if 0xD800 <= cp <= 0xDFFF:
            table[cp] = _SPECIAL
            continue
        out = unicodedata.normalize("NFKC", ch).lower()
        if (len(out) != 1 or unicodedata.combining(ch) or unicodedata.category(ch).startswith("M")
                or 0x1100 <= cp <= 0x11FF or 0xA960 <= cp <= 0xA97F or 0xD7B0 <= cp <= 0xD7FF
                or 0xAC00 <= cp <= 0xD7A3 or ch in "Σς"):
            table[cp] = _SPECIAL  # composes, decomposes, or depends on its neighbours
        elif _PUNCT.fullmatch(out):
            table[cp] = 32
        else:
            table[cp] = ord(out)
    return table


def fold_texts(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(the normalised texts' code points joined by SEP, each normalised text's length)."""
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    cp = np.frombuffer("\n".join(texts).encode("utf-32-le"), dtype=np.uint32)
    if not len(cp):
        return cp.copy(), np.zeros(len(texts), dtype=np.int64)
    table = fold_table()
    row = np.repeat(np.arange(len(texts)), lengths + 1)[: len(cp)]
    bmp = cp < 0x10000
    folded = np.where(bmp, table[np.where(bmp, cp, 0)], cp)
    astral = ~bmp
    if astral.any():
        for lo, hi in _ASTRAL_CHANGED:
            folded[astral & (cp >= lo) & (cp <= hi)] = _SPECIAL
    bounds = np.cumsum(lengths + 1)[:-1] - 1  # the separators' positions
    folded[bounds] = SEP
    bad = np.unique(row[folded == _SPECIAL])
    if len(bad):  # those texts the slow, exact way
        fixed = list(texts)
        for i in bad.tolist():
            fixed[i] = normalize(texts[i])
        return _collapse(np.frombuffer("\n".join(fixed).encode("utf-32-le"), dtype=np.uint32).copy(),
                         np.fromiter((len(t) for t in fixed), dtype=np.int64, count=len(fixed)),
                         pre_normalised=bad)
    return _collapse(folded, lengths)


def _collapse(cp: np.ndarray, lengths: np.ndarray,
              pre_normalised: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Runs of spaces → one space, none at either end of a text."""
    row = np.repeat(np.arange(len(lengths)), lengths + 1)[: len(cp)]
    if pre_normalised is not None:
        # texts already normalised keep their code points; the others are folded here
        table = fold_table()
        redo = ~np.isin(row, pre_normalised)
        bmp = cp < 0x10000
        mask = redo & bmp
        cp[mask] = table[cp[mask]]
        bounds = np.cumsum(lengths + 1)[:-1] - 1
        cp[bounds] = SEP
    space = cp == 32
    edge = np.concatenate(([True], cp[:-1] == SEP))  # a text starts here
    end = np.concatenate((cp[1:] == SEP, [True]))  # a text ends here
    # the last position of each run of spaces, and whether the run touches a text's end
    prev_space = np.concatenate(([False], space[:-1]))
    drop = space & prev_space  # keep the first space of a run ...
    run_start = np.flatnonzero(space & ~prev_space)
    if len(run_start):
        # ... unless the run starts a text or ends one
        run_id = np.cumsum(space & ~prev_space) - 1
        starts_text = edge[run_start]
        last = np.flatnonzero(space & ~np.concatenate((space[1:], [False])))
        ends_text = end[last]
        bad_run = starts_text | ends_text
        drop |= space & bad_run[np.maximum(run_id, 0)]
    keep = ~drop
    new_lengths = np.bincount(row[keep & (cp != SEP)], minlength=len(lengths))
    return cp[keep], new_lengths.astype(np.int64)
