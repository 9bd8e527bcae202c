"""The knowledge-base engine: normalisation, pinyin, homophones, synonyms, prefixes,
highlights, in-place updates, the disk cache and absurd queries."""

from __future__ import annotations

import pytest
from pathlib import Path

from agent_console.domain.normalize import normalize
from agent_console.search.analysis import canonical, plan_query
from agent_console.search.index import KbDocument, KnowledgeIndex
from agent_console.search.pinyin import initials, readings, segment
from agent_console.search.store import load_index, save_index

DOCS = [
    KbDocument("gjj", "住房公积金提取条件和材料", body="购房、租房、退休可以提取住房公积金。",
               phrasings=("公积金怎么取出来", "我想把公积金提出来"), keywords=("公积金", "提取")),
    KbDocument("sbk", "社会保障卡丢失补办", body="社保卡丢失后先挂失再补办。",
               phrasings=("社保卡丢了怎么办",), keywords=("社保卡", "补卡")),
    KbDocument("heat", "供暖温度不达标怎么办", body="供暖期室温应不低于18℃，可申请测温。",
               phrasings=("暖气不热家里冷",), keywords=("供暖", "测温")),
    KbDocument("jsz", "机动车驾驶证到期换证", body="驾驶证有效期满前九十日内申请换证。",
               keywords=("驾驶证", "换证")),
    KbDocument("hk", "新生儿户口登记办理", body="出生一个月内办理出生登记。", keywords=("上户口",)),
    KbDocument("wage", "拖欠工资投诉渠道", body="可向劳动保障监察机构投诉。", keywords=("欠薪",)),
]
SYNONYMS = {"欠工资": ["拖欠工资", "欠薪"], "房本": ["不动产权证书"]}


@pytest.fixture(scope="module")
def index() -> KnowledgeIndex:
    return KnowledgeIndex.build(DOCS, SYNONYMS)


def top(index, query, n=1):
    return [h.id for h in index.search(query, n)]


def test_one_normalisation_for_index_and_query():
    assert normalize("ＧＪＪ，公积金！") == "gjj 公积金"
    assert normalize("  供暖\u3000温度  ") == "供暖 温度"
    assert canonical("如何提取公积金呢") == "怎么提取公积金"
    assert canonical("啥时候来暖气") == "什么时候来暖气"


def test_pinyin_and_initials():
    assert readings("社") == ("she",)
    assert initials("保") == ("b",)
    assert segment("gongjijin") == ("gong", "ji", "jin")
    assert segment("sb") is None
    assert readings("a") == ()


def test_exact_and_paraphrase_queries(index):
    assert top(index, "公积金怎么提取") == ["gjj"]
    assert top(index, "社保卡丢了") == ["sbk"]
    assert top(index, "驾驶证过期了怎么换") == ["jsz"]


def test_homophone_slips_still_find_the_article(index):
    assert top(index, "公基金提取") == ["gjj"]  # 基 for 积
    assert top(index, "社保卡丢失不办") == ["sbk"]  # 不 for 补


def test_initials_and_full_pinyin(index):
    assert top(index, "sb卡丢了") == ["sbk"]
    assert top(index, "我想提取gjj") == ["gjj"]
    assert top(index, "gongjijin") == ["gjj"]
    assert top(index, "SBK") != []  # upper case and no Chinese at all still searches


def test_colloquial_words_reach_official_terms(index):
    assert top(index, "老板欠工资不给") == ["wage"]
    assert top(index, "家里暖气不热") == ["heat"]


def test_prefix_while_typing(index):
    assert top(index, "驾驶") == ["jsz"]
    assert top(index, "新生") == ["hk"]
    assert "gjj" in top(index, "住房公", 3)


def test_highlights_explain_the_match(index):
    hit = index.search("公基金提取")[0]
    covered = "".join(hit.title[s:e] for s, e in hit.title_spans)
    assert "公积金" in covered and "提取" in covered
    hit = index.search("我想提取gjj")[0]
    covered = "".join(hit.title[s:e] for s, e in hit.title_spans)
    assert "公积金" in covered


@pytest.mark.parametrize("query", ["", "   ", "，。！？", "😀😀😀", "a", "的", "暖" * 5000,
                                   "[bold]暖气[/bold]", "'; DROP TABLE kb_articles; --", "𠮷"])
def test_absurd_queries_are_safe_and_fast(index, query):
    hits = index.search(query, 10)
    assert isinstance(hits, list) and len(hits) <= 10


def test_long_query_is_capped():
    plan = plan_query("暖" * 5000)
    assert len(plan.norm) <= 200


def test_in_place_update_add_edit_remove():
    idx = KnowledgeIndex.build(DOCS)
    assert top(idx, "电动自行车上牌") != ["ebike"]
    idx.upsert(KbDocument("ebike", "电动自行车登记上牌", keywords=("电动车", "上牌")))
    assert top(idx, "电动自行车上牌") == ["ebike"]
    assert len(idx) == len(DOCS) + 1
    idx.upsert(KbDocument("gjj", "住房公积金贷款额度", keywords=("贷款",)))
    assert top(idx, "公积金贷款额度") == ["gjj"]
    assert idx.search("公积金贷款额度")[0].title == "住房公积金贷款额度"
    assert len(idx) == len(DOCS) + 1  # edited, not duplicated
    idx.remove("sbk")
    assert "sbk" not in top(idx, "社保卡丢失补办", 10)


def test_disk_cache_round_trip(tmp_path, index):
    path = tmp_path / "kb.npz"
    save_index(index, path)
    loaded = load_index(path)
    for q in ("公基金提取", "sb卡丢了", "老板欠工资不给", "驾驶"):
        assert top(loaded, q, 3) == top(index, q, 3)


def test_damaged_cache_is_refused(tmp_path):
    path = tmp_path / "kb.npz"
    path.write_bytes(b"not an index")
    with pytest.raises(Exception):
        load_index(path)


def test_an_updated_index_cannot_be_saved(tmp_path):
    idx = KnowledgeIndex.build(DOCS)
    idx.upsert(KbDocument("x", "新条目"))
    with pytest.raises(ValueError):
        save_index(idx, tmp_path / "kb.npz")


def test_cache_format_versions_agree():
    from agent_console.search.store import FORMAT
    from agent_console.services.knowledge import INDEX_FORMAT

    assert FORMAT == INDEX_FORMAT


def test_a_loaded_index_takes_in_place_updates(tmp_path, index):
    """The packed, loaded form accepts upserts and removals like a freshly built one."""
    path = tmp_path / "kb.npz"
    save_index(index, path)
    loaded = load_index(path)
    loaded.upsert(KbDocument("ebike", "电动自行车登记上牌", keywords=("电动车", "上牌")))
    assert top(loaded, "电动自行车上牌") == ["ebike"]
    loaded.remove("sbk")
    assert "sbk" not in top(loaded, "社保卡丢失补办", 10)
    assert len(loaded) == len(index)  # one added, one removed


def test_cache_with_inconsistent_arrays_is_refused(tmp_path, index):
    import numpy as np

    path = tmp_path / "kb.npz"
    save_index(index, path)
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["titles_offsets"] = arrays["titles_offsets"][:-1]  # one title short
    bad = tmp_path / "bad.npz"
    with open(bad, "wb") as fh:
        np.savez(fh, **arrays)
    with pytest.raises(ValueError, match="损坏"):
        load_index(bad)


def test_packed_strings_and_term_vocabulary():
    import numpy as np

    from agent_console.search.packed import PackedStrings
    from agent_console.search.terms import TermKeys, Vocabulary, hash43

    items = ["社保卡", "", "𠮷野家", "a\x1fb", "😀"]
    packed = PackedStrings.of(items)
    assert list(packed) == items and len(packed) == 5
    assert packed[2] == "𠮷野家" and packed[-1] == "😀" and packed[1:3] == ["", "𠮷野家"]
    packed.append("新")
    assert packed[5] == "新" and len(packed) == 6
    with pytest.raises(IndexError):
        packed[6]
    with pytest.raises(ValueError):
        packed.arrays()  # appended items are not part of a saved file
    blob, offsets = PackedStrings.of(items).arrays()
    assert list(PackedStrings.from_arrays(blob, offsets)) == items
    with pytest.raises(ValueError):
        PackedStrings.from_arrays(blob, offsets[::-1])
    # the hash is stable across processes (Python's hash() is not)
    assert hash43("社保卡") == 0xA2D689ABC8  # a saved index depends on it never changing
    keys = TermKeys(("bao", "she"))
    assert keys.key("b社保") != keys.key("b社") and keys.key("pshe bao") != keys.key("pbao she")
    assert keys.key("pshe xyz") != keys.key("pshe bao")  # an unknown syllable matches nothing
    # every kind has its own key space: a character is not the pair it starts
    assert len({keys.key(t) for t in ("c社", "x社", "w社", "a社", "bab", "iab", "wab")}) == 7
    vocab = Vocabulary(np.sort(keys.keys(["c社", "b社保", "w社保卡"])), keys)
    found = vocab.ids(["b社保", "b不存在", "w社保卡"])
    assert found[1] == -1 and found[0] >= 0 and found[2] >= 0 and found[0] != found[2]
    assert vocab.get("c社") is not None and vocab.get("c无") is None
    assert list(Vocabulary(np.zeros(0, dtype=np.uint64), keys).ids(["c社"])) == [-1]


AWKWARD_TEXTS = [
    "", " ", "  两个  空格  ", "\n\n换行\n", "ΑΣ ΟΔΟΣ", "e\u0301cole", "ﬁne ㎡ ㈱", "𠮷野家😀",
    "[bold]加粗[/bold] [@click=app.quit]x[/]", "①② ＡＢＣ１２３，。", "한국어", "İstanbul",
    "\x1f\x00控制\x07字符", "𝐀𝐁 \U0002F800", "'; DROP TABLE kb_articles; --", "gjj 怎么提取 sb卡",
    "如何办理居住证呢吗", "a" * 300, "路灯" * 200,
]


def test_bulk_normalisation_equals_normalize():
    """search.fold does for many texts what domain.normalize does for one."""
    from agent_console.domain.normalize import normalize
    from agent_console.search.bench import shipped_kb
    from agent_console.search.fold import fold_texts

    docs, _ = shipped_kb(Path(__file__).resolve().parents[2] / "data")
    texts = AWKWARD_TEXTS + [t for d in docs for t in (d.title, d.body, *d.phrasings)]
    for lo in range(0, len(texts), 97):
        part = texts[lo : lo + 97]
        cp, lengths = fold_texts(part)
        got = cp.tobytes().decode("utf-32-le").split("\n")
        assert got == [normalize(t) for t in part]
        assert list(lengths) == [len(normalize(t)) for t in part]


@pytest.mark.parametrize("chunk", [1 << 11, 7])
def test_bulk_build_equals_one_article_at_a_time(monkeypatch, chunk):
    """The numpy build (search.build) gives every article exactly the terms and weights that
    an edited article gets (KnowledgeIndex._doc_weights), whatever the chunking."""
    import numpy as np

    from agent_console.search import build
    from agent_console.search.bench import shipped_kb
    from agent_console.search.index import KbDocument, KnowledgeIndex

    monkeypatch.setattr(build, "CHUNK", chunk)
    docs, synonyms = shipped_kb(Path(__file__).resolve().parents[2] / "data")
    docs = docs[:60] + [KbDocument(f"odd-{i}", t, AWKWARD_TEXTS[-1 - i], (t,), (t[:4],))
                        for i, t in enumerate(AWKWARD_TEXTS)]
    index = KnowledgeIndex.build(docs, synonyms)
    expected = 0
    for row, doc in enumerate(docs):
        weights = index._doc_weights(doc)
        for (term, sat), tid in zip(weights.items(), index.vocab.ids(list(weights))):
            assert tid >= 0, term
            start, end = index.offsets[tid], index.offsets[tid + 1]
            if start == end:
                assert term.startswith("c")  # a character too common to be looked up
                continue
            expected += 1
            found = index.post_docs[start:end]
            at = int(np.searchsorted(found, row))
            assert found[at] == row, term
            assert abs(index.strengths(np.array([start + at]))[0] - sat) <= 0.02 * sat + 1e-3
    assert expected == len(index.post_docs)


def test_batch_scores_equal_the_weighted_features():
    from agent_console.search.rerank import batch_scores, features, query_side, score

    texts = ["路灯不亮或白天亮灯", "公积金提取", "居住证办理", "𠮷野家", "b", "路口红绿灯坏了", "",
             "[bold]路灯[/bold]😀"]
    for q in ("路灯坏了", "gjj怎么提取", "怎么办理居住证", "𠮷", "a", ""):
        side = query_side(q, {ch: 1.0 + i for i, ch in enumerate(q)})
        for bm25 in (0.0, 0.4, 1.0):
            got = batch_scores(side, texts, [bm25] * len(texts))
            assert len(got) == len(texts)
            for t, value in zip(texts, got):
                assert abs(value - score(features(side, t, bm25))) < 1e-9, (q, t)
