"""Features of a (query, candidate text) pair and the linear reranker over them.

All features are language-level signals in [0, 1]: character and pinyin similarity, how much
of the query the candidate covers and the other way round (weighted by rarity), word overlap
and prefix agreement (the agent is often still typing). The weights were fitted once on a
paraphrase dev set with two-fold cross-validation, then rounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import LCSseq

from agent_console.search.analysis import words
from agent_console.search.pinyin import readings

FEATURES = ("bm25", "ratio", "pinyin", "partial", "q_cover", "t_cover", "bigram_jaccard",
            "prefix", "syl_cover", "len_ratio", "lcs_q", "lcs_t", "len_full", "idf_cover",
            "word_cover")
WEIGHTS = (0.45, 0.0, 0.03, 0.0, 0.10, 0.40, 0.0, 0.10, 0.40, 0.05, 0.0, 0.0, 0.10, 0.30, 0.20)
TYPED_SHARE = 0.6  # while typing, the query is often about this share of the question


@lru_cache(maxsize=65536)
def syllables_of(text: str) -> tuple[str, ...]:
    return tuple((readings(ch) or (ch,))[0] for ch in text)


def syllable_list(text: str) -> list[str]:
    return list(syllables_of(text))


@dataclass(frozen=True)
class QuerySide:
    """What the features need of the query, computed once per query text."""

    q: str
    chars: frozenset[str]
    pairs: frozenset[str]
    syl: str
    syl_set: frozenset[str]
    words: tuple[str, ...]
    idf_total: float
    idf: dict


def query_side(q: str, char_idf: dict[str, float]) -> QuerySide:
    chars = frozenset(q)
    syl = syllables_of(q)
    return QuerySide(
        q=q, chars=chars, pairs=frozenset(q[i : i + 2] for i in range(len(q) - 1)),
        syl=" ".join(syl), syl_set=frozenset(syl), words=words(q),
        idf_total=sum(char_idf.get(ch, 1.0) for ch in chars), idf=char_idf,
    )


def features(qs: QuerySide, t: str, bm25: float) -> tuple[float, ...]:
    q = qs.q
    if not q or not t:
        return (bm25,) + (0.0,) * (len(FEATURES) - 1)
    t_syl = syllables_of(t)
    ts = set(t)
    common = qs.chars & ts
    tb = {t[i : i + 2] for i in range(len(t) - 1)}
    union_b = len(qs.pairs | tb)
    ratio = fuzz.ratio(q, t) / 100
    lcs = LCSseq.similarity(q, t)
    full = len(q) / TYPED_SHARE
    return (
        bm25,
        ratio,
        fuzz.ratio(qs.syl, " ".join(t_syl)) / 100,
        fuzz.partial_ratio(q, t) / 100 if len(q) < len(t) else ratio,
        len(common) / len(qs.chars),
        len(common) / len(ts),
        len(qs.pairs & tb) / union_b if union_b else 0.0,
        fuzz.ratio(q, t[: len(q)]) / 100,
        len(qs.syl_set.intersection(t_syl)) / len(qs.syl_set) if qs.syl_set else 0.0,
        min(len(q), len(t)) / max(len(q), len(t)),
        lcs / len(q),
        lcs / len(t),
        max(0.0, 1 - abs(len(t) - full) / max(len(t), full)),
        sum(qs.idf.get(ch, 1.0) for ch in common) / qs.idf_total if qs.idf_total else 0.0,
        sum(1 for w in qs.words if w in t) / len(qs.words) if qs.words else 0.0,
    )


def score(f: tuple[float, ...], weights: tuple[float, ...] = WEIGHTS) -> float:
    return sum(w * x for w, x in zip(weights, f) if w)


_W = dict(zip(FEATURES, WEIGHTS))


@lru_cache(maxsize=4096)  # hot texts only: at 200k a larger one thrashes and loads the GC
def text_side(t: str) -> tuple[frozenset[str], str, frozenset[str], int]:
    """What the features need of a candidate text: its characters, its syllables (joined and
    as a set) and its length, computed once per text."""
    syl = syllables_of(t)
    return frozenset(t), " ".join(syl), frozenset(syl), len(t)


def batch_scores(qs: QuerySide, texts: list[str], bm25s: list[float]) -> list[float]:
    """``score(features(qs, t, bm25))`` for every text at once, computing only the features
    with a weight (the search path; ``features`` stays whole for fitting). The two string
    ratios run over all texts in one rapidfuzz call. A test keeps the two equal."""
    q = qs.q
    if not q:
        return [_W["bm25"] * b for b in bm25s]
    sides = [text_side(t) for t in texts]
    nq = len(q)
    pinyin = process.cdist([qs.syl], [s[1] for s in sides], scorer=fuzz.ratio,
                           dtype=np.float64)[0].tolist()
    prefix = process.cdist([q], [t[:nq] for t in texts], scorer=fuzz.ratio,
                           dtype=np.float64)[0].tolist()
    full = nq / TYPED_SHARE
    idf = qs.idf
    n_chars = len(qs.chars)
    n_syl = len(qs.syl_set)
    n_words = len(qs.words)
    out = []
    for t, (ts, _, t_syl, nt), bm25, py, pre in zip(texts, sides, bm25s, pinyin, prefix):
        if not nt:
            out.append(_W["bm25"] * bm25)
            continue
        common = qs.chars & ts
        out.append(
            _W["bm25"] * bm25
            + _W["pinyin"] * py / 100
            + _W["q_cover"] * len(common) / n_chars
            + _W["t_cover"] * len(common) / len(ts)
            + _W["prefix"] * pre / 100
            + (_W["syl_cover"] * len(qs.syl_set & t_syl) / n_syl if n_syl else 0.0)
            + _W["len_ratio"] * min(nq, nt) / max(nq, nt)
            + _W["len_full"] * max(0.0, 1 - abs(nt - full) / max(nt, full))
            + (_W["idf_cover"] * sum(idf.get(ch, 1.0) for ch in common) / qs.idf_total
               if qs.idf_total else 0.0)
            + (_W["word_cover"] * sum(1 for w in qs.words if w in t) / n_words if n_words else 0.0)
        )
    return out


assert {n for n, w in _W.items() if w} == {"bm25", "pinyin", "q_cover", "t_cover", "prefix",
                                          "syl_cover", "len_ratio", "len_full", "idf_cover",
                                          "word_cover"}, "batch_scores must compute every weighted feature"
