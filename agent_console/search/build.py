"""Building the postings of many articles at once, with numpy.

The terms of a field are computed from the code points of all the chunk's texts in a few array
operations (characters, character pairs, their pinyin and initials: ``search.terms`` keys); only
word segmentation (rjieba) and runs of letters go through Python, and only for the fields that
have them. Every occurrence becomes one 64-bit value ``key << 18 | row << 2 | field``; one sort
of those gives each (term, article) its frequency per field, in term order. Chunks of articles
are sorted one by one and spilled to a temporary directory, then laid out term-major into the
final arrays, so the peak memory stays near the size of the index itself.

The result is exactly what ``analysis.document_terms`` and ``KnowledgeIndex._doc_weights`` give
one article at a time (a test compares them), which is what an edited article uses.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agent_console.domain.normalize import normalize
from agent_console.search.analysis import canonical, is_ascii_run, runs, words
from agent_console.search.fold import fold_texts
from agent_console.search.terms import (KEY_BITS, PAYLOAD_BITS, TAGS, ascii_key, first_char_key,
                                        syllable_table, word_key)

CHUNK = 1 << 11  # articles per sort (row bits below: at most 1 << 16)
_ASCII = re.compile(r"[a-z0-9]+")
_ROW_BITS = 16
_FIELD_BITS = 2


@dataclass(frozen=True)
class FieldSpec:
    name: str
    weight: float
    b: float
    full: bool  # all term kinds (a short field), or only characters, pairs and letter runs


@dataclass
class Postings:
    keys: np.ndarray  # sorted uint64: term id = position
    df: np.ndarray  # int32: articles having the term
    offsets: np.ndarray  # int64, len(keys) + 1
    docs: np.ndarray  # int32, ascending within a term
    strength: np.ndarray  # uint8: the saturated field-weighted frequency, quantised (encode)


def encode(sat: np.ndarray, k1: float) -> np.ndarray:
    """A saturated frequency in (0, k1 + 1) as one byte, on a square-root scale (a mention in a
    long answer, about 0.05, keeps two digits), never 0."""
    q = np.rint(np.sqrt(np.clip(sat / (k1 + 1), 0.0, 1.0)) * 255)
    return np.maximum(q, 1).astype(np.uint8)


def decode_table(k1: float) -> np.ndarray:
    """Byte → saturated frequency (float32), the inverse of ``encode``."""
    return ((np.arange(256, dtype=np.float64) / 255) ** 2 * (k1 + 1)).astype(np.float32)


def _clean(text: str) -> str:
    return " ".join(canonical(normalize(text)).split())


def _field_values(raw: list[str], rows: np.ndarray, f: int, full: bool,
                  tables: tuple[np.ndarray, np.ndarray]) -> list[np.ndarray]:
    """The occurrence values (key << 18 | row << 2 | field) of one field of a chunk."""
    syl, ini = tables
    if full:  # short texts: words come from Python anyway
        texts = [_clean(t) if t else "" for t in raw]
        lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
        cp = np.frombuffer("\n".join(texts).encode("utf-32-le"), dtype=np.uint32)
    else:  # long texts: normalised as arrays, not folded (analysis.document_terms)
        cp, lengths = fold_texts(raw)
        texts = None
    row_of = np.repeat(rows.astype(np.uint32), lengths + 1)[: len(cp)]
    alnum = ((cp >= 48) & (cp <= 57)) | ((cp >= 97) & (cp <= 122))
    other = (cp != 32) & (cp != 10) & ~alnum  # what analysis.runs calls a run of characters
    del alnum
    shift = np.uint64(_ROW_BITS + _FIELD_BITS)
    out: list[np.ndarray] = []

    def emit(tag: str, payload: np.ndarray, at: np.ndarray) -> None:
        value = payload.astype(np.uint64)
        value |= np.uint64(TAGS[tag] << PAYLOAD_BITS)
        value <<= shift
        value |= row_of[at].astype(np.uint64) << np.uint64(_FIELD_BITS)
        value |= np.uint64(f)
        out.append(value)

    at = np.flatnonzero(other)
    emit("c", cp[at], at)
    pair = np.flatnonzero(other[:-1] & other[1:])
    del other
    emit("b", (cp[pair].astype(np.uint64) << np.uint64(21)) | cp[pair + 1], pair)
    if full:
        inside = np.minimum(cp, len(syl) - 1)
        known = cp < len(syl)
        s = np.where(known, syl[inside], -1).astype(np.int32)
        n = np.where(known, ini[inside], -1).astype(np.int32)
        del inside, known
        both = pair[(s[pair] >= 0) & (s[pair + 1] >= 0)]
        emit("p", s[both] << 12 | s[both + 1], both)
        emit("i", n[both] << 5 | n[both + 1], both)
    # letter runs in every field; words (and their first characters) in the full fields
    extra_keys: list[int] = []
    extra_rows: list[int] = []
    if texts is None:
        letters = cp.tobytes().decode("utf-32-le")
        starts = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
        found = [(m.start(), m.group()) for m in _ASCII.finditer(letters)]
        if found:
            at_rows = rows[np.searchsorted(starts, [a for a, _ in found], side="right") - 1]
            extra_keys.extend(ascii_key(run) for _, run in found)
            extra_rows.extend(at_rows.tolist())
    for text, row in zip(texts or (), rows.tolist()):
        if not text:
            continue
        for run in _ASCII.findall(text):
            extra_keys.append(ascii_key(run))
            extra_rows.append(row)
        if full:
            for run in runs(text):
                if is_ascii_run(run):
                    continue
                for w in words(run):
                    extra_keys.append(word_key(w))
                    extra_keys.append(first_char_key(w[0]))
                    extra_rows.extend((row, row))
    if extra_keys:
        k = np.array(extra_keys, dtype=np.uint64)
        r = np.array(extra_rows, dtype=np.uint64)
        out.append((k << np.uint64(_ROW_BITS + _FIELD_BITS)) | (r << np.uint64(_FIELD_BITS))
                   | np.uint64(f))
    return out


def _chunk(texts_by_field: list[list[str]], factors: np.ndarray, specs: Sequence[FieldSpec],
           k1: float, tables) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(keys, rows, saturated weight) of every (term, article) of the chunk, in term order."""
    n = len(texts_by_field[0])
    rows = np.arange(n, dtype=np.int64)
    parts: list[np.ndarray] = []
    for f, spec in enumerate(specs):
        parts.extend(_field_values(texts_by_field[f], rows, f, spec.full, tables))
    if not parts:
        return np.zeros(0, np.uint64), np.zeros(0, np.int32), np.zeros(0, np.float32)
    values = np.concatenate(parts)
    del parts
    values.sort()
    starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
    tf = np.diff(np.append(starts, len(values))).astype(np.float64)
    unique = values[starts]
    del values, starts
    field = (unique & np.uint64(3)).astype(np.int64)
    row = ((unique >> np.uint64(_FIELD_BITS)) & np.uint64((1 << _ROW_BITS) - 1)).astype(np.int64)
    contribution = tf * factors[field, row]
    pair = unique >> np.uint64(_FIELD_BITS)
    first = np.flatnonzero(np.concatenate(([True], pair[1:] != pair[:-1])))
    acc = np.add.reduceat(contribution, first) if len(first) else np.zeros(0)
    sat = (acc * (k1 + 1) / (acc + k1)).astype(np.float32)
    keys = unique[first] >> np.uint64(_ROW_BITS + _FIELD_BITS)
    return keys, row[first].astype(np.int32), sat


def build_postings(fields: Callable[[int], Sequence[str]], n: int, specs: Sequence[FieldSpec],
                   avg_len: dict[str, float], k1: float, skip: Callable[[np.ndarray, np.ndarray], np.ndarray],
                   chunk: int | None = None) -> Postings:
    """Postings of articles 0..n-1; ``fields(i)`` gives article i's texts in ``specs`` order.
    ``skip(keys, df)`` marks terms whose postings are not kept (their df is)."""
    chunk = chunk or CHUNK
    _big_arrays_mapped()
    assert chunk <= 1 << _ROW_BITS
    tables = (syllable_table()[0], syllable_table()[2])
    with tempfile.TemporaryDirectory(prefix="kb-build-") as tmp:
        spilled: list[Path | tuple] = []
        vocab_parts: list[np.ndarray] = []
        count_parts: list[np.ndarray] = []
        for lo in range(0, n, chunk):
            hi = min(lo + chunk, n)
            raw = [fields(i) for i in range(lo, hi)]
            factors = np.empty((len(specs), hi - lo))
            texts_by_field = []
            for f, spec in enumerate(specs):
                lengths = np.fromiter((len(r[f]) for r in raw), dtype=np.float64, count=hi - lo)
                factors[f] = spec.weight / (1 - spec.b + spec.b * lengths / avg_len[spec.name])
                texts_by_field.append([r[f] for r in raw])
            del raw
            keys, rows, sat = _chunk(texts_by_field, factors, specs, k1, tables)
            del texts_by_field
            rows += lo
            if len(keys):
                starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
                vocab_parts.append(keys[starts])
                count_parts.append(np.diff(np.append(starts, len(keys))).astype(np.int32))
                if len(vocab_parts) >= 16:  # each chunk's vocabulary is mostly the others'
                    merged, counts = _merge(vocab_parts, count_parts)
                    vocab_parts, count_parts = [merged], [counts]
            if n > chunk:
                path = Path(tmp) / f"{lo}.npz"
                np.savez(path, keys=keys, rows=rows, sat=sat)
                spilled.append(path)
            else:
                spilled.append((keys, rows, sat))
            del keys, rows, sat
        return _lay_out(spilled, vocab_parts, count_parts, skip, k1)


def _merge(vocab_parts: list[np.ndarray], count_parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """One sorted vocabulary with the summed counts of the parts."""
    if not vocab_parts:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    vocab = np.concatenate(vocab_parts)
    vocab.sort()
    vocab = vocab[np.concatenate(([True], vocab[1:] != vocab[:-1]))]
    counts = np.zeros(len(vocab), dtype=np.int64)
    for keys, part in zip(vocab_parts, count_parts):
        counts += np.bincount(np.searchsorted(vocab, keys), weights=part,
                              minlength=len(vocab)).astype(np.int64)
    return vocab, counts


def _big_arrays_mapped() -> None:
    """Let glibc map every array over 256 KiB on its own, so a chunk's freed arrays go back to
    the system at once. By default its threshold grows to 32 MiB after the first big free, and
    the chunks' arrays then stay in the heap, fragmented by the Python objects between them
    (measured: 170 MB of a 200k build's peak). No effect where malloc is not glibc's."""
    global _MAPPED
    if _MAPPED:
        return
    _MAPPED = True
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(-3, 256 * 1024)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


_MAPPED = False


_SLICE = 1 << 17


def _place(vocab, kept, cursor, docs, strength, keys, rows, sat, k1: float) -> None:
    """Write postings (in term order) at each term's cursor, and move the cursors on."""
    tid = np.searchsorted(vocab, keys)
    starts = np.flatnonzero(np.concatenate(([True], tid[1:] != tid[:-1])))
    counts = np.diff(np.append(starts, len(tid)))
    group_tid = tid[starts]
    keep = kept[tid] > 0
    dest = cursor[tid] + (np.arange(len(tid)) - np.repeat(starts, counts))
    docs[dest[keep]] = rows[keep]
    strength[dest[keep]] = encode(sat[keep], k1)
    cursor[group_tid] += np.where(kept[group_tid] > 0, counts, 0)


def _lay_out(spilled, vocab_parts, count_parts, skip, k1: float) -> Postings:
    vocab, df = _merge(vocab_parts, count_parts)
    del vocab_parts, count_parts
    kept = np.where(skip(vocab, df), 0, df)
    offsets = np.zeros(len(vocab) + 1, dtype=np.int64)
    np.cumsum(kept, out=offsets[1:])
    docs = np.empty(int(offsets[-1]), dtype=np.int32)
    strength = np.empty(int(offsets[-1]), dtype=np.uint8)
    cursor = offsets[:-1].copy()
    for item in spilled:
        if isinstance(item, Path):
            with np.load(item) as data:
                keys, rows, sat = data["keys"], data["rows"], data["sat"]
            item.unlink()
        else:
            keys, rows, sat = item
        for lo in range(0, len(keys), _SLICE):  # in slices: the temporaries stay small
            _place(vocab, kept, cursor, docs, strength, keys[lo : lo + _SLICE],
                   rows[lo : lo + _SLICE], sat[lo : lo + _SLICE], k1)
        del keys, rows, sat
    return Postings(vocab, df.astype(np.int32), offsets, docs, strength)


assert KEY_BITS + _ROW_BITS + _FIELD_BITS == 64
