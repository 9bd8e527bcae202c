"""An inverted index with BM25F-style field weights and a rapidfuzz rerank of the best few."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from agent_console.domain.normalize import normalize
from agent_console.search.tokens import tokenize

FIELD_WEIGHTS = {"title": 3.0, "phrasings": 2.5, "keywords": 2.0, "body": 0.5}
TERM_KIND_WEIGHTS = {"u": 0.35, "b": 1.0, "w": 1.2}
K1 = 1.2
B = 0.6
RERANK = 40
MAX_QUERY_CHARS = 300


@dataclass(frozen=True)
class KbDocument:
    id: str
    title: str
    body: str = ""
    phrasings: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchHit:
    id: str
    score: float
    title: str
    # (start, end) character spans in the title that match the query, for highlighting.
    title_spans: tuple[tuple[int, int], ...] = ()
    matched_terms: tuple[str, ...] = field(default=())


def _field_texts(doc: KbDocument) -> dict[str, str]:
    return {
        "title": doc.title,
        "phrasings": "\n".join(doc.phrasings),
        "keywords": " ".join(doc.keywords),
        "body": doc.body,
    }


def match_spans(text: str, query: str) -> tuple[tuple[int, int], ...]:
    """Spans of ``text`` covered by any 2-character piece (or ASCII word) of the query."""
    if not text or not query:
        return ()
    qnorm = normalize(query)
    pieces = set()
    for run in qnorm.split():
        if run.isascii():
            if len(run) >= 2:
                pieces.add(run)
            continue
        for i in range(len(run) - 1):
            pieces.add(run[i : i + 2])
    if not pieces:
        return ()
    lowered = text.lower()
    covered = [False] * len(text)
    for piece in pieces:
        start = lowered.find(piece)
        while start != -1:
            for j in range(start, start + len(piece)):
                covered[j] = True
            start = lowered.find(piece, start + 1)
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        if covered[i]:
            j = i
            while j < len(text) and covered[j]:
                j += 1
            spans.append((i, j))
            i = j
        else:
            i += 1
    return tuple(spans)


class KnowledgeIndex:
    """Build once from documents; ``search`` is read-only and safe to call from a worker."""

    def __init__(self, synonyms: dict[str, list[str]] | None = None) -> None:
        self._docs: list[KbDocument] = []
        self._pos: dict[str, int] = {}
        self._postings: dict[str, list[tuple[int, float]]] = {}
        self._rerank_text: list[str] = []
        self._synonyms = {normalize(k): v for k, v in (synonyms or {}).items() if normalize(k)}

    def __len__(self) -> int:
        return len(self._docs)

    @classmethod
    def build(cls, docs: list[KbDocument], synonyms: dict[str, list[str]] | None = None) -> KnowledgeIndex:
        index = cls(synonyms)
        index._build(docs)
        return index

    def _build(self, docs: list[KbDocument]) -> None:
        self._docs = list(docs)
        self._pos = {d.id: i for i, d in enumerate(self._docs)}
        field_tfs: list[dict[str, Counter]] = []
        lengths: dict[str, list[int]] = {f: [] for f in FIELD_WEIGHTS}
        df: Counter = Counter()
        for doc in self._docs:
            per_field = {}
            seen: set[str] = set()
            for name, text in _field_texts(doc).items():
                terms = tokenize(text)
                per_field[name] = Counter(terms)
                lengths[name].append(len(terms))
                seen.update(terms)
            field_tfs.append(per_field)
            df.update(seen)
        n = max(len(self._docs), 1)
        avg = {f: (sum(v) / len(v) if v and sum(v) else 1.0) for f, v in lengths.items()}
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, per_field in enumerate(field_tfs):
            weighted: dict[str, float] = defaultdict(float)
            for name, counts in per_field.items():
                length = lengths[name][i]
                norm = K1 * (1 - B + B * length / avg[name])
                w = FIELD_WEIGHTS[name]
                for term, tf in counts.items():
                    weighted[term] += w * tf * (K1 + 1) / (tf + norm)
            for term, value in weighted.items():
                idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
                postings[term].append((i, value * idf * TERM_KIND_WEIGHTS[term[0]]))
        self._postings = dict(postings)
        self._rerank_text = [normalize(d.title + " " + " ".join(d.phrasings)) for d in self._docs]

    def upsert(self, doc: KbDocument) -> None:
        """Add or replace one article (rebuilds the statistics; cheap at a city KB's size)."""
        docs = [d for d in self._docs if d.id != doc.id]
        docs.append(doc)
        self._build(docs)

    def remove(self, doc_id: str) -> None:
        self._build([d for d in self._docs if d.id != doc_id])

    def _expand(self, qnorm: str) -> str:
        extra = [" ".join(v) for k, v in self._synonyms.items() if k in qnorm]
        return qnorm + (" " + " ".join(extra) if extra else "")

    def search(self, query: str, limit: int = 10) -> list[SearchHit]:
        qnorm = normalize(query[:MAX_QUERY_CHARS * 4])[:MAX_QUERY_CHARS]
        if not qnorm or not self._docs:
            return []
        base_terms = Counter(tokenize(qnorm))
        syn_terms = Counter(tokenize(self._expand(qnorm))) - base_terms
        scores: dict[int, float] = defaultdict(float)
        for terms, factor in ((base_terms, 1.0), (syn_terms, 0.6)):
            for term, qtf in terms.items():
                plist = self._postings.get(term)
                if not plist:
                    continue
                boost = factor * (1 + 0.2 * (qtf - 1))
                for doc_i, value in plist:
                    scores[doc_i] += value * boost
        if not scores:
            return []
        top = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:RERANK]
        best = top[0][1] or 1.0
        reranked = []
        for doc_i, score in top:
            fuzzy = fuzz.partial_ratio(qnorm, self._rerank_text[doc_i]) / 100.0
            reranked.append((doc_i, score / best + 0.35 * fuzzy))
        reranked.sort(key=lambda kv: kv[1], reverse=True)
        hits = []
        for doc_i, score in reranked[:limit]:
            doc = self._docs[doc_i]
            hits.append(SearchHit(id=doc.id, score=round(score, 4), title=doc.title,
                                  title_spans=match_spans(doc.title, qnorm)))
        return hits
