"""The relevance floor on the console's own shipped KB: an off-topic question finds nothing,
an on-topic one keeps its article, and the score does not grow with the length of the query."""

from __future__ import annotations

import pytest

from agent_console.config import seed_data_dir
from agent_console.search.bench import shipped_kb
from agent_console.search.floor import RELEVANCE_FLOOR
from agent_console.search.index import KbDocument, KnowledgeIndex, SearchHit, split_by_floor


@pytest.fixture(scope="module")
def shipped() -> KnowledgeIndex:
    docs, synonyms = shipped_kb(seed_data_dir())
    assert len(docs) >= 300  # the console's own articles, not a test stand-in
    return KnowledgeIndex.build(docs, synonyms)


def matches(index: KnowledgeIndex, query: str) -> list[SearchHit]:
    return [h for h in index.search(query, 10) if h.relevant]


def test_an_off_topic_question_finds_nothing_but_still_has_nearest_titles(shipped):
    hits = shipped.search("请问明天几点天亮", 10)
    assert hits, "the nearest titles are still returned, for the pane to show dimmed"
    assert not [h for h in hits if h.relevant]
    assert all(0.0 <= h.relevance < RELEVANCE_FLOOR for h in hits)


def test_an_on_topic_question_keeps_its_article(shipped):
    found = matches(shipped, "路灯不亮")
    assert found and "路灯" in found[0].title
    assert found[0].relevance >= RELEVANCE_FLOOR


@pytest.mark.parametrize("query, word", [
    ("暖气不热", "室温"),  # through the synonyms to 室温不达标
    ("gjj提取", "公积金"),  # initials
    ("公基金提取", "公积金"),  # a homophone slip
    ("社保卡丢了怎么办", "社保卡"),
])
def test_typed_variants_stay_above_the_floor(shipped, query, word):
    found = matches(shipped, query)
    assert found and word in found[0].title


def test_a_long_off_topic_utterance_is_not_rescued_by_its_length(shipped):
    long_text = ("请问明天几点天亮，我家孩子想早点起床去看日出，"
                 "女孩子都喜欢什么礼物，怎么才能让头发长得快一点")
    assert not matches(shipped, long_text)


def test_relevance_is_a_share_of_the_query():
    index = KnowledgeIndex.build([
        KbDocument("lamp", "路灯不亮怎么报修"),
        KbDocument("lift", "小区电梯困人"),
    ])
    full = {h.id: h.relevance for h in index.search("路灯不亮")}
    assert full["lamp"] == 1.0
    half = {h.id: h.relevance for h in index.search("路灯不亮电梯困人")}
    assert 0.2 < half["lamp"] < 0.8 and 0.2 < half["lift"] < 0.8


def test_split_by_floor_keeps_rank_order():
    hits = [SearchHit("a", 2.0, "甲", relevance=0.05), SearchHit("b", 1.5, "乙", relevance=0.9),
            SearchHit("c", 1.0, "丙", relevance=0.5)]
    shown, nearest = split_by_floor(hits)
    assert [h.id for h in shown] == ["b", "c"]
    assert [h.id for h in nearest] == ["a"]


@pytest.mark.parametrize("query", ["路灯坏了", "建国路和团结路交叉口路灯坏了好几天"])
def test_a_broken_street_light_finds_the_street_light_article_first(shipped, query):
    """Not the traffic-light article (路口红绿灯坏了 shares 灯坏了) nor the elevator one
    (电梯又坏了好几天没人修 shares 坏了好几天): what a fault is about is its subject."""
    found = matches(shipped, query)
    assert found and found[0].title.startswith("路灯")


def test_a_shared_complaint_alone_is_no_match(shipped):
    """坏了好几天 is said of any fault: the elevator article holding it, and nothing of 路灯,
    is not a match, so it can neither decide the category nor propose its unit."""
    hits = shipped.search("建国路和团结路交叉口路灯坏了好几天", 10)
    lift = [h for h in hits if "电梯" in h.title]
    assert lift and not any(h.relevant for h in lift)


def test_keyword_share_counts_whole_keywords_and_not_the_complaint():
    from agent_console.search.index import keyword_share

    idf = {ch: 1.0 for ch in "路灯坏了红绿"}
    assert keyword_share("路灯坏了", ("路灯", "照明"), idf) == 1.0  # 坏了 frames it
    assert keyword_share("路灯坏了", ("红绿灯", "信号灯"), idf) == 0.0
    assert keyword_share("路灯坏了", (), idf) == 0.0
    assert 0 < keyword_share("红绿灯路灯", ("路灯",), idf) < 1
