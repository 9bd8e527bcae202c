"""The knowledge-base index: BM25F over an inverted index in compact numpy arrays, then a
rapidfuzz rerank of the best few candidates on characters and on pinyin.

Build once (in a worker), then ``search`` is read-only; ``upsert``/``remove`` add a small
delta segment in place, so an edited article is searchable at once without a rebuild.
"""

from __future__ import annotations

import math
import threading
from functools import lru_cache
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from agent_console.domain.normalize import normalize
from agent_console.search.analysis import QueryPlan, canonical, document_terms, plan_query
from agent_console.search.floor import RELEVANCE_FLOOR, frame_positions, relevance
from agent_console.search.build import FieldSpec, build_postings, decode_table
from agent_console.search.packed import PackedStrings
from agent_console.search.pinyin import initials, readings
from agent_console.search.rerank import batch_scores, query_side, syllables_of
from agent_console.search.terms import PAYLOAD_BITS, TAGS, Vocabulary

FIELDS = ("title", "phrasings", "keywords", "body")
FIELD_WEIGHTS = {"title": 2.0, "phrasings": 1.6, "keywords": 1.2, "body": 1.0}
FIELD_B = {"title": 0.75, "phrasings": 0.6, "keywords": 0.3, "body": 0.75}
K1 = 1.5
SHORT_FIELDS = frozenset({"title", "phrasings", "keywords"})  # all term kinds; body: fewer
RERANK = 50  # measured on both dev sets: 50 ranks as 100 did (±0.1 point), in half the time
# a keyword of the article held whole by the query (keyword_share), in rerank-score units;
# measured with benchmarks/kb_own.py (the dev sets have no keywords: no effect there)
KEYWORD_WEIGHT = 0.8
COMMON_CHAR_SHARE = 0.15  # single characters in more docs than this carry no signal
DECODE = decode_table(K1)
# rows whose split texts the rerank keeps at hand: the articles a centre searches all day; more
# only thrashes at 200k and costs the cyclic GC (measured: p95 34 → 21 ms at 200k)
ROWS_REMEMBERED = 4096
TEXT_SEP = "\x1f"  # between an article's title and phrasings in ``texts``


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
    # (start, end) character spans of the title that explain the match, for highlighting.
    title_spans: tuple[tuple[int, int], ...] = ()
    matched_terms: tuple[str, ...] = field(default=())
    # how much of the query the article accounts for, comparable across queries (search.floor)
    relevance: float = 1.0

    @property
    def relevant(self) -> bool:
        """At or above the relevance floor: shown as a match, may be read as the answer and
        may decide the category and the unit. Below it: at most a dimmed "nearest" title."""
        return self.relevance >= RELEVANCE_FLOOR


def split_by_floor(hits: list[SearchHit]) -> tuple[list[SearchHit], list[SearchHit]]:
    """(the matches, the nearest titles below the floor), each in rank order."""
    return [h for h in hits if h.relevant], [h for h in hits if not h.relevant]


def _fields(doc: KbDocument) -> dict[str, str]:
    return {
        "title": doc.title,
        "phrasings": "\n".join(doc.phrasings),
        "keywords": " ".join(doc.keywords),
        "body": doc.body,
    }


def _compact(text: str) -> str:
    return canonical(normalize(text)).replace(" ", "")


@lru_cache(maxsize=65536)
def _initials_string(text: str) -> str:
    return "".join((initials(ch) or (ch,))[0] for ch in text)


class KnowledgeIndex:
    def __init__(self, synonyms: dict[str, list[str]] | None = None) -> None:
        self._synonyms = {
            normalize(k): tuple(v) for k, v in (synonyms or {}).items() if len(normalize(k)) >= 2
        }
        self.ids = PackedStrings()
        self.titles = PackedStrings()
        self.texts = PackedStrings()  # compact title + phrasings joined by TEXT_SEP, for the rerank
        self.keywords = PackedStrings()  # the article's own keywords, compact, joined by TEXT_SEP
        self._pos: dict[str, int] | None = None  # id → row, built on the first update
        self.vocab = Vocabulary(np.zeros(0, dtype=np.uint64))
        self.offsets = np.zeros(1, dtype=np.int64)
        self.post_docs = np.zeros(0, dtype=np.int32)
        self.post_q = np.zeros(0, dtype=np.uint8)  # saturated frequency, one byte (build.encode)
        self.df = np.zeros(0, dtype=np.int32)
        self._idf: np.ndarray | None = None
        self.avg_len = {f: 1.0 for f in FIELDS}
        self.alive = np.zeros(0, dtype=bool)
        self.n_base = 0
        self._dead = 0
        self._delta: dict[str, list[tuple[int, float]]] = {}
        self._lock = threading.Lock()
        self._rows: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {}

    def __len__(self) -> int:
        return len(self.ids) - self._dead

    # ------------------------------------------------------------------ building
    @classmethod
    def build(cls, docs, synonyms: dict[str, list[str]] | None = None) -> KnowledgeIndex:
        index = cls(synonyms)
        index._build(list(docs))
        return index

    def _doc_weights(self, doc: KbDocument) -> dict[str, float]:
        acc: dict[str, float] = {}
        for name, text in _fields(doc).items():
            if not text:
                continue
            b = FIELD_B[name]
            norm = 1 - b + b * len(text) / self.avg_len[name]
            weight = FIELD_WEIGHTS[name]
            for term, tf in Counter(document_terms(text, name in SHORT_FIELDS)).items():
                acc[term] = acc.get(term, 0.0) + weight * tf / norm
        return {t: a * (K1 + 1) / (a + K1) for t, a in acc.items()}

    @staticmethod
    def _joined_texts(doc: KbDocument) -> str:
        texts = (_compact(doc.title), *(_compact(p) for p in doc.phrasings))
        return TEXT_SEP.join(t.replace(TEXT_SEP, " ") for t in texts if t)

    @staticmethod
    def _joined_keywords(doc: KbDocument) -> str:
        found = (_compact(k).replace(TEXT_SEP, " ") for k in doc.keywords)
        return TEXT_SEP.join(k for k in found if len(k) >= 2)

    def doc_keywords(self, i: int) -> tuple[str, ...]:
        joined = self.keywords[i]
        return tuple(joined.split(TEXT_SEP)) if joined else ()

    def doc_texts(self, i: int) -> tuple[str, ...]:
        joined = self.texts[i]
        return tuple(joined.split(TEXT_SEP)) if joined else ()

    def _row(self, i: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(texts, keywords) of row ``i``, remembered: a row's content never changes (an edit
        appends a new row)."""
        got = self._rows.get(i)
        if got is None:
            if len(self._rows) >= ROWS_REMEMBERED:
                self._rows = {}
            got = self._rows[i] = (self.doc_texts(i), self.doc_keywords(i))
        return got

    @property
    def pos(self) -> dict[str, int]:
        if self._pos is None:
            self._pos = {doc_id: i for i, doc_id in enumerate(self.ids)}
        return self._pos

    def _remember(self, doc: KbDocument) -> int:
        i = len(self.ids)
        self.pos[doc.id] = i
        self.ids.append(doc.id)
        self.titles.append(doc.title)
        self.texts.append(self._joined_texts(doc))
        self.keywords.append(self._joined_keywords(doc))
        return i

    def _build(self, docs: list[KbDocument]) -> None:
        unique: dict[str, KbDocument] = {}
        for doc in docs:
            unique[doc.id] = doc  # the last version of an id wins
        docs = list(unique.values())
        n = len(docs)
        for name in FIELDS:
            total = sum(len(_fields(d)[name]) for d in docs)
            self.avg_len[name] = max(total / max(n, 1), 1.0)
        self.ids = PackedStrings.of(d.id for d in docs)
        self.titles = PackedStrings.of(d.title for d in docs)
        self.texts = PackedStrings.of(self._joined_texts(d) for d in docs)
        self.keywords = PackedStrings.of(self._joined_keywords(d) for d in docs)
        self._pos = None
        self._rows = {}
        specs = [FieldSpec(name, FIELD_WEIGHTS[name], FIELD_B[name], name in SHORT_FIELDS)
                 for name in FIELDS]
        common = COMMON_CHAR_SHARE * max(n, 1)

        def skip(keys: np.ndarray, df: np.ndarray) -> np.ndarray:
            # single characters this common are never looked up (see ``candidates``)
            return ((keys >> np.uint64(PAYLOAD_BITS)) == TAGS["c"]) & (df > common)

        def fields(i: int) -> tuple[str, ...]:
            values = _fields(docs[i])
            return tuple(values[name] for name in FIELDS)

        built = build_postings(fields, n, specs, self.avg_len, K1, skip)
        self.vocab = Vocabulary(built.keys)
        self.df, self.offsets = built.df, built.offsets
        self.post_docs, self.post_q = built.docs, built.strength
        self.alive = np.ones(n, dtype=bool)
        self.n_base = n

    @property
    def idf(self) -> np.ndarray:
        """Every term's IDF over the articles as built (float64)."""
        if self._idf is None or len(self._idf) != len(self.df):
            n = max(self.n_base, 1)
            self._idf = np.log1p((n - self.df + 0.5) / (self.df + 0.5))
        return self._idf

    def strengths(self, at: np.ndarray) -> np.ndarray:
        """The saturated frequencies of postings ``at`` (positions in ``post_docs``)."""
        return DECODE[self.post_q[at]]

    # ------------------------------------------------------------------ in-place updates
    def upsert(self, doc: KbDocument) -> None:
        """Add or replace one article; searchable at once (statistics stay as built)."""
        with self._lock:
            self._kill(doc.id)
            i = self._remember(doc)
            self.alive = np.append(self.alive, True)
            n = max(self.n_base, 1)
            weights = self._doc_weights(doc)
            tids = self.vocab.ids(list(weights))
            for (term, sat), tid in zip(weights.items(), tids):
                df = int(self.df[tid]) if 0 <= tid < len(self.df) else 0
                idf = math.log1p((n - df + 0.5) / (df + 0.5))
                self._delta.setdefault(term, []).append((i, sat * idf))

    def remove(self, doc_id: str) -> None:
        with self._lock:
            self._kill(doc_id)

    def _kill(self, doc_id: str) -> None:
        old = self.pos.pop(doc_id, None)
        if old is not None and self.alive[old]:
            self.alive[old] = False
            self._dead += 1

    # ------------------------------------------------------------------ searching
    def plan(self, query: str) -> QueryPlan:
        return plan_query(query, self._synonyms)

    def candidates(self, plan: QueryPlan, k: int = RERANK) -> list[tuple[int, float]]:
        total = len(self.ids)
        if not plan.terms or total == 0:
            return []
        limit = COMMON_CHAR_SHARE * max(self.n_base, 1)
        idf = self.idf
        scores: np.ndarray | None = None
        extra: dict[int, float] = {}
        tids = self.vocab.ids(list(plan.terms))
        plan.term_ids.update(zip(plan.terms, tids.tolist()))
        size = len(self.df)
        starts: list[int] = []
        ends: list[int] = []
        weights: list[float] = []
        for (term, qw), tid in zip(plan.terms.items(), tids.tolist()):
            if qw <= 0:
                continue
            if 0 <= tid < size:
                if term[0] == "c" and self.df[tid] > limit:
                    continue
                starts.append(tid)
                weights.append(qw * idf[tid])
            if self._delta:
                for doc_i, w in self._delta.get(term, ()):
                    extra[doc_i] = extra.get(doc_i, 0.0) + w * qw
        if starts:
            at = np.asarray(starts)
            lo, hi = self.offsets[at].tolist(), self.offsets[at + 1].tolist()
            scores = np.zeros(total)
            # a term's postings name each article once: a plain indexed add per term is exact,
            # and nothing the size of all the query's postings is ever built (bincount over
            # groups of terms was faster at 20k and slower at 200k, where each group costs a
            # pass over all 200k scores)
            for j, w in enumerate(weights):
                s, e = lo[j], hi[j]
                if e > s:
                    scores[self.post_docs[s:e]] += DECODE[self.post_q[s:e]] * w
        if scores is None and not extra:
            return []
        if scores is None:
            scores = np.zeros(total)
        for doc_i, w in extra.items():
            scores[doc_i] += w
        if self._dead:
            scores[: len(self.alive)][~self.alive] = 0.0
        if len(scores) > k:
            top = np.argpartition(scores, len(scores) - k)[len(scores) - k:]
        else:
            top = np.arange(len(scores))
        top = top[scores[top] > 0]
        # best first; equal scores by row, as a stable sort of the rows would give
        top = top[np.lexsort((top, -scores[top]))]
        return list(zip(top.tolist(), scores[top].tolist()))

    def search(self, query: str, limit: int = 10) -> list[SearchHit]:
        plan = self.plan(query)
        if not plan.norm:
            return []
        cands = self.candidates(plan)
        if not cands:
            return []
        best = cands[0][1] or 1.0
        q = plan.norm.replace(" ", "")
        idf = self._char_idf(q)
        qchars = set(q)
        # (query as reconstructed for the text) → the candidates' texts and their BM25 shares
        groups: dict[str, tuple[list[int], list[str], list[float]]] = {}
        typed_letters = bool(plan.ascii_initials or plan.ascii_pinyin)
        rows = [self._row(doc_i) for doc_i, _ in cands]
        for ci, ((doc_i, bm25), (texts, _)) in enumerate(zip(cands, rows)):
            if len(texts) > 2:
                # only the two texts sharing most characters with the query get the full features
                texts = sorted(texts, key=lambda t: len(qchars.intersection(t)), reverse=True)[:2]
            for text in texts:
                qr = _reconstruct(q, text, plan) if typed_letters else q
                at, group_texts, shares = groups.setdefault(qr, ([], [], []))
                at.append(ci)
                group_texts.append(text)
                shares.append(bm25 / best)
        values = [0.0] * len(cands)
        for qr, (at, group_texts, shares) in groups.items():
            side = query_side(qr, idf if qr == q else self._char_idf(qr))
            for ci, value in zip(at, batch_scores(side, group_texts, shares)):
                if value > values[ci]:
                    values[ci] = value
        rescored = []
        for ci, ((doc_i, _), (_, keywords)) in enumerate(zip(cands, rows)):
            value = values[ci]
            if keywords:
                value += KEYWORD_WEIGHT * keyword_share(q, keywords, idf)
            rescored.append((doc_i, value))
        rescored.sort(key=lambda kv: kv[1], reverse=True)
        top = rescored[:limit]
        shares = relevance(self, plan, [doc_i for doc_i, _ in top])
        hits = []
        pinyin_pairs = {t for t in plan.terms if t.startswith("p")}
        for (doc_i, value), share in zip(top, shares):
            title = self.titles[doc_i]
            hits.append(SearchHit(self.ids[doc_i], round(value, 4), title,
                                  match_spans(title, query, plan, pinyin_pairs),
                                  relevance=share))
        return hits

    def _char_idf(self, q: str) -> dict[str, float]:
        n = max(self.n_base, 1)
        chars = list(set(q))
        out = {}
        for ch, tid in zip(chars, self.vocab.ids(["c" + ch for ch in chars])):
            df = int(self.df[tid]) if 0 <= tid < len(self.df) else 0
            out[ch] = math.log1p((n - df + 0.5) / (df + 0.5))
        return out


def keyword_share(q: str, keywords: tuple[str, ...], idf: dict[str, float]) -> float:
    """The IDF-weighted share of the query's characters inside the article's own keywords that
    the query holds whole (路灯坏了 holds 路灯, a keyword of the street-light article, and none of
    the traffic-light article's 红绿灯, 信号灯): the units chose them to say what it is about."""
    covered = [False] * len(q)
    for k in keywords:
        at = q.find(k)
        while at != -1:
            for j in range(at, at + len(k)):
                covered[j] = True
            at = q.find(k, at + 1)
    if not any(covered):
        return 0.0
    # what only frames the request (请问, 坏了好几天 …) is no part of what it is about
    framed = frame_positions(q)
    chars = {ch for j, ch in enumerate(q) if j not in framed} or set(q)
    total = sum(idf.get(ch, 1.0) for ch in chars)
    hit = {ch for ch, c in zip(q, covered) if c}
    return sum(idf.get(ch, 1.0) for ch in hit) / total if total else 0.0


def _reconstruct(q: str, text: str, plan: QueryPlan) -> str:
    """Replace what was typed in Latin letters by the characters of ``text`` it stands for."""
    if not plan.ascii_initials and not plan.ascii_pinyin:
        return q
    ini = None
    for run in plan.ascii_initials:
        if run not in q:
            continue
        ini = ini or _initials_string(text)
        at = ini.find(run)
        if at >= 0:
            q = q.replace(run, text[at : at + len(run)], 1)
    for syl in plan.ascii_pinyin:
        typed = "".join(syl)
        if typed not in q:
            continue
        seq = syllables_of(text)
        for at in range(len(seq) - len(syl) + 1):
            if seq[at : at + len(syl)] == syl:
                q = q.replace(typed, text[at : at + len(syl)], 1)
                break
    return q


def match_spans(title: str, query: str, plan: QueryPlan | None = None,
                pinyin_pairs: set[str] | None = None) -> tuple[tuple[int, int], ...]:
    """Spans of the title that explain the match: shared characters pairs, homophone pairs,
    and the characters that typed initials or pinyin stand for (``pinyin_pairs``: the plan's
    pinyin pair terms, when the caller has them already)."""
    if not title or not query:
        return ()
    plan = plan or plan_query(query)
    q = plan.norm.replace(" ", "")
    lowered = title.lower()
    covered = [False] * len(title)
    pairs = {q[i : i + 2] for i in range(len(q) - 1)}
    if pinyin_pairs is None:
        pinyin_pairs = {t for t in plan.terms if t.startswith("p")}
    homophones = _title_pinyin_pairs(title) if pinyin_pairs else ()
    for i in range(len(title) - 1):
        if lowered[i : i + 2] in pairs or (homophones and not pinyin_pairs.isdisjoint(homophones[i])):
            covered[i] = covered[i + 1] = True
    if plan.ascii_initials or plan.ascii_pinyin:
        compact = _compact(title)
        if _reconstruct(q, compact, plan) != q:
            for run in plan.ascii_initials:
                at = _initials_string(compact).find(run)
                if at >= 0:
                    _cover(covered, lowered, compact[at : at + len(run)])
            for syl in plan.ascii_pinyin:
                seq = [(readings(ch) or (ch,))[0] for ch in compact]
                for at in range(len(seq) - len(syl) + 1):
                    if tuple(seq[at : at + len(syl)]) == syl:
                        _cover(covered, lowered, compact[at : at + len(syl)])
    for word in q.split():
        if word.isascii() and len(word) >= 2:
            _cover(covered, lowered, word)
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(title):
        if covered[i]:
            j = i
            while j < len(title) and covered[j]:
                j += 1
            spans.append((i, j))
            i = j
        else:
            i += 1
    return tuple(spans)


@lru_cache(maxsize=2048)
def _title_pinyin_pairs(title: str) -> tuple[frozenset[str], ...]:
    """For each position i of ``title``, the pinyin pair terms title[i:i+2] can be read as."""
    return tuple(
        frozenset(f"p{x} {y}" for x in readings(title[i]) for y in readings(title[i + 1]))
        for i in range(len(title) - 1)
    )


def _cover(covered: list[bool], text: str, piece: str) -> None:
    start = text.find(piece)
    while piece and start != -1:
        for j in range(start, start + len(piece)):
            covered[j] = True
        start = text.find(piece, start + 1)
