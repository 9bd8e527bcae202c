"""The meaning signal in ``kb bench --semantic``: vectors for the bench's articles and queries
(cached on disk by text, so a rerun encodes nothing), the blend fitted on the bench's own
queries with two-fold cross-validation, and the re-sorted results scored like the lexical ones."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agent_console.search.vectorcache import VectorCache, text_key


def encode_cached(encoder, cache: VectorCache, kind: str, texts: list[str],
                  progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """(len(texts), dim) float32; only texts the cache lacks go through the model."""
    out = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    missing: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        vec = cache.get(text_key(encoder.model_id, kind, text))
        if vec is None:
            missing.setdefault(text, []).append(i)
        else:
            out[i] = vec
    for n, (text, rows) in enumerate(missing.items(), 1):
        vec = encoder.query(text) if kind == "query" else encoder.passages([text])[0]
        cache.put(text_key(encoder.model_id, kind, text), vec)
        out[rows] = vec
        if n % 200 == 0:
            cache.flush()
            if progress is not None:
                progress(n, len(missing))
    cache.flush()
    return out


def stderr_progress(label: str) -> Callable[[int, int], None]:
    started = time.perf_counter()

    def report(done: int, total: int) -> None:
        rate = done / max(time.perf_counter() - started, 1e-9)
        print(f"{label}: {done}/{total}，约剩 {(total - done) / max(rate, 1e-9):.0f} 秒",
              file=sys.stderr, flush=True)
    return report


# ---------------------------------------------------------------------------- the bench pass
DEPTHS = (10, 20, 50, 100)
WEIGHTS = tuple(round(0.05 * k, 2) for k in range(21))
LATENCY_SAMPLE = 300  # queries encoded live for the latency figures (the rest from the cache)


@dataclass
class QueryRecord:
    """One query's lexical top ``depth`` and the cosine of each hit with the query."""

    variant: str
    group: str  # the query before its variant suffix: orig/typo/prefix/initials go together
    expected: frozenset[str]
    ids: list[str]
    lex: np.ndarray
    relevant: np.ndarray
    cos: np.ndarray


def semantic_pass(index, docs, queries: list[dict], limit: int, cache_dir: Path,
                  blend=None, encoder=None, latency_sample: int = LATENCY_SAMPLE,
                  body_chars: int | None = None) -> tuple[dict, list[QueryRecord]]:
    """The engine's results re-sorted by the meaning signal: the figures for the JSON, and
    one record a query for fitting. Article and query vectors come from ``cache_dir``."""
    from agent_console.search.bench import VariantStats, _score, percentile
    from agent_console.search.semantic import (
        BLEND,
        PASSAGE_BODY_CHARS,
        ArticleVectors,
        load_encoder,
        resort,
    )

    blend = blend or BLEND
    if encoder is None:
        encoder, reason = load_encoder()
        if encoder is None:
            return {"unavailable": reason}, []
    started = time.perf_counter()
    vectors = ArticleVectors(lambda: (encoder, None), cache_dir,
                             body_chars=PASSAGE_BODY_CHARS if body_chars is None else body_chars)
    vectors.start(index, docs)
    vectors.wait()
    vectors.stop()
    articles_s = time.perf_counter() - started
    qcache = VectorCache(cache_dir / _slug(encoder.model_id), encoder.dim)
    qcache.load()
    texts = [str(q["query"]) for q in queries]
    t0 = time.perf_counter()
    qvecs = encode_cached(encoder, qcache, "query", texts, stderr_progress("查询向量"))
    queries_s = time.perf_counter() - t0
    depth = max(blend.depth, max(DEPTHS), limit)
    live = set(range(0, len(queries), max(len(queries) // max(latency_sample, 1), 1)))
    stats: dict[str, VariantStats] = {}
    records: list[QueryRecord] = []
    lexical_ms, encode_ms, final_ms = [], [], []
    for i, q in enumerate(queries):
        text = texts[i]
        t0 = time.perf_counter()
        hits = index.search(text, depth)
        t1 = time.perf_counter()
        if i in live:
            qvec = encoder.query(text)
        else:
            qvec = qvecs[i]
        t2 = time.perf_counter()
        cos = vectors.cosines([h.id for h in hits], qvec)
        ranked = resort(hits, cos, blend)[:limit]
        t3 = time.perf_counter()
        if i in live:
            lexical_ms.append((t1 - t0) * 1000)
            encode_ms.append((t2 - t1) * 1000)
            final_ms.append((t3 - t0) * 1000)
        _score(stats, q, [h.id for h in ranked], (t3 - t2 + t1 - t0) * 1000)
        records.append(QueryRecord(
            variant=q.get("variant") or "orig", group=_group(q),
            expected=frozenset(_expected_ids(q)), ids=[h.id for h in hits],
            lex=np.array([h.score for h in hits], dtype=np.float64),
            relevant=np.array([h.relevant for h in hits], dtype=bool),
            cos=np.asarray(cos, dtype=np.float64)))

    def pcts(values: list[float]) -> dict:
        s = sorted(values)
        return {"p50_ms": round(percentile(s, 50), 2), "p95_ms": round(percentile(s, 95), 2)}

    result = {
        "model": encoder.model_id,
        "blend": {"cos_weight": blend.cos_weight, "depth": blend.depth},
        "articles_s": round(articles_s, 1), "queries_s": round(queries_s, 1),
        "variants": {name: st.as_dict() for name, st in stats.items()},
        # over ``latency_sample`` queries encoded live: the lexical search at the re-sort's
        # depth, the query's encoding, and the whole (lexical + encoding + re-sort)
        "latency": {"n": len(final_ms), "lexical": pcts(lexical_ms),
                    "encode": pcts(encode_ms), "final": pcts(final_ms)},
    }
    return result, records


def _group(q: dict) -> str:
    qid = str(q.get("qid") or q["query"])
    variant = q.get("variant") or "orig"
    return qid[: -len(variant) - 1] if qid.endswith("-" + variant) else qid


def _expected_ids(q: dict) -> set[str]:
    return {str(q["expected_id"]), *(str(a) for a in q.get("alt_ids") or ())}


def _slug(model_id: str) -> str:
    from agent_console.search.semantic import _slug as slug

    return slug(model_id)


# ---------------------------------------------------------------------------- fitting
def rank_of(rec: QueryRecord, cos_weight: float | None, depth: int) -> int | None:
    """The labelled answer's rank (1-based) after the re-sort (``cos_weight`` None: lexical),
    exactly as ``semantic.resort`` orders; None if not in the list."""
    n = len(rec.ids)
    order = np.arange(n)
    if cos_weight is not None:
        top = np.flatnonzero(rec.relevant)[:depth]
        cos = rec.cos[top]
        known = np.isfinite(cos)
        if len(top) >= 2 and known.sum() >= 2:
            cos = np.where(known, cos, np.median(cos[known]))
            lex = rec.lex[top]
            best = lex.max() if lex.max() > 0 else 1.0
            final = (1 - cos_weight) * lex / best + cos_weight * cos
            first = top[np.argsort(-final, kind="stable")]
            rest = np.setdiff1d(order, top, assume_unique=True)
            order = np.concatenate([first, rest[rec.relevant[rest]], rest[~rec.relevant[rest]]])
    for r, i in enumerate(order[:10], 1):
        if rec.ids[i] in rec.expected:
            return r
    return None


def metrics(records: list[QueryRecord], cos_weight: float | None, depth: int) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for rec in records:
        m = out.setdefault(rec.variant, {"n": 0, "r1": 0, "r5": 0, "mrr10": 0.0})
        rank = rank_of(rec, cos_weight, depth)
        m["n"] += 1
        if rank is not None:
            m["r1"] += rank <= 1
            m["r5"] += rank <= 5
            m["mrr10"] += 1 / rank
    return {v: {"n": m["n"], "r1": round(m["r1"] / m["n"], 4), "r5": round(m["r5"] / m["n"], 4),
                "mrr10": round(m["mrr10"] / m["n"], 4)} for v, m in out.items()}


def objective(sets: dict[str, list[QueryRecord]], cos_weight: float, depth: int) -> float:
    """Mean MRR@10 over every variant of every set, each set weighing the same."""
    per_set = []
    for records in sets.values():
        m = metrics(records, cos_weight, depth)
        per_set.append(sum(v["mrr10"] for v in m.values()) / max(len(m), 1))
    return sum(per_set) / max(len(per_set), 1)


def fit(sets: dict[str, list[QueryRecord]]) -> tuple[float, int]:
    best = max(((objective(sets, w, d), -abs(w - 0.5), w, d) for w in WEIGHTS for d in DEPTHS))
    return best[2], best[3]


def halves(records: list[QueryRecord]) -> tuple[list[QueryRecord], list[QueryRecord]]:
    """Split by query group (a query's variants stay together), by a stable hash."""
    import zlib

    a = [r for r in records if zlib.crc32(r.group.encode()) % 2 == 0]
    b = [r for r in records if zlib.crc32(r.group.encode()) % 2 == 1]
    return a, b


def cross_validate(sets: dict[str, list[QueryRecord]]) -> dict:
    """Fit on half of every set, test on the other half, both directions; the held-out
    figures with and without the meaning signal, and the fit on everything."""
    split = {name: halves(recs) for name, recs in sets.items()}
    folds = []
    for train, test in ((0, 1), (1, 0)):
        w, d = fit({n: s[train] for n, s in split.items()})
        folds.append({
            "fit_on": "AB"[train], "cos_weight": w, "depth": d,
            "test": {n: {"lexical": metrics(s[test], None, d), "semantic": metrics(s[test], w, d)}
                     for n, s in split.items()},
        })
    w, d = fit(sets)
    # diagnostic: the weight each variant of each set would pick alone (at the fitted depth)
    alone = {n: {v: max(WEIGHTS, key=lambda x, v=v, r=r: metrics(
                 [q for q in r if q.variant == v], x, d)[v]["mrr10"])
                 for v in sorted({q.variant for q in r})} for n, r in sets.items()}
    return {"folds": folds, "per_variant_weight": alone, "all": {"cos_weight": w, "depth": d,
                                    "sets": {n: {"lexical": metrics(r, None, d),
                                                 "semantic": metrics(r, w, d)}
                                             for n, r in sets.items()}}}
