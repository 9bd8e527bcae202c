"""The reference the engine is measured against in ``kb bench --baseline``: plain character
BM25 (unigrams and bigrams of the normalised text, the title counted twice, then the body),
scored by the bm25s package with its defaults. No synonyms, pinyin, words or rerank.

bm25s is a benchmark extra (``pip install 'agent-console[bench]'``), never needed to run the
console.
"""

from __future__ import annotations

import time

import numpy as np

from agent_console.domain.normalize import normalize
from agent_console.search.index import KbDocument

MISSING = ("未安装 bm25s，无法运行 --baseline（纯字符 BM25 对照）。"
           "请先安装基准测试扩展：pip install 'agent-console[bench]'（或 pip install bm25s==0.3.16）")


class BaselineUnavailable(RuntimeError):
    pass


def _bm25s():
    try:
        import bm25s
    except ImportError as exc:
        raise BaselineUnavailable(MISSING) from exc
    return bm25s


def check_available() -> None:
    """Raises BaselineUnavailable (message in Chinese) when bm25s cannot be imported."""
    _bm25s()


def char_tokens(text: str) -> list[str]:
    tokens: list[str] = []
    for run in normalize(text).split():
        tokens.extend(run)
        tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
    return tokens


class CharBM25:
    """bm25s over character unigrams and bigrams; ``search`` returns article ids, best first."""

    def __init__(self, docs: list[KbDocument]) -> None:
        bm25s = _bm25s()
        self.ids = [d.id for d in docs]
        corpus = [char_tokens(f"{d.title} {d.title} {d.body}") or [""] for d in docs]
        self.model = bm25s.BM25()
        self.model.index(corpus, show_progress=False)

    def search(self, query: str, limit: int = 10) -> list[str]:
        ids = self.model.get_tokens_ids(char_tokens(query))
        if not ids:
            return []
        scores = self.model.get_scores_from_ids(ids)
        k = min(limit, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [self.ids[i] for i in top if scores[i] > 0]


def build(docs: list[KbDocument]) -> tuple[CharBM25, float]:
    started = time.perf_counter()
    engine = CharBM25(docs)
    return engine, time.perf_counter() - started
