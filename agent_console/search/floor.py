"""The relevance floor: how much of the query an article accounts for, comparable across queries.

``relevance`` is the share of the query's information that the article matches, in [0, 1].
Every Han character of the query weighs its IDF in the index; it counts as matched when a
character pair it is part of is in the article, as written or as a homophone pair (the pinyin
terms), scaled by how strongly the article has it (a title or phrasing match counts fully, one
mention in a long answer about a third: the field-weighted, saturated term frequency of the
postings). A run of letters is one unit weighing its own IDF, matched as typed or through the
initials or the full pinyin it stands for. A synonym in the query counts as matched where the
article has what it stands for. What says nothing of the subject weighs nothing: words that
only frame a question (请问, 几点, 怎么 …) and the pairs they are part of. A two-character word
of the query that the article has only across its own word boundary counts little
(白天亮灯 is 白天|亮灯: it has the pair 天亮 but not the word). A character matched on its
own, with no pair around it, counts for nothing: scattered characters are what any long answer
has.

Unlike a raw BM25 score this does not grow with the length of the query, so one constant
separates "the knowledge base has this" from "nothing here is about it" for any query. It is
computed for the hits shown only (the top ``limit``), with one vectorised binary search over
their postings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agent_console.search.analysis import MAX_ASCII_RUN, is_ascii_run, runs, words
from agent_console.search.pinyin import readings

if TYPE_CHECKING:
    from agent_console.search.analysis import QueryPlan
    from agent_console.search.index import KnowledgeIndex

# A hit below the floor is not a match (search.index.SearchHit.relevant). Calibrated with
# `agent-console kb bench --baseline --off-topic lcqmc_queries.jsonl` on the dev sets in
# ../shared/bench/ (2026-12, issue 11; answers weighted 1.0 and indexed on characters and
# pairs), the floor applied to each of the top 10 hits:
# - gov-dev (4,674 citizen messages; 1,000 queries a variant): the labelled answer is in the
#   top 10 but below the floor for orig 1.7 %, typo 2.7 %, prefix 1.4 %, initials 1.6 % of the
#   queries (limit: 3 %; typo binds: 0.12 hides 3.2 %);
# - LCQMC's 1,000 queries (open-domain, most not government services) against the console's own
#   359 shipped articles: 36.1 % shown as no match (gov-dev's openings, real requests from
#   another province: 47.4 %).
# It must stay above IN_WORD_PAIR: a query whose words an article has only across its own word
# boundaries (请问明天几点天亮 and 白天亮灯) scores exactly that.
# Measure again after changing the analysis, the ranking or this module.
RELEVANCE_FLOOR = 0.11
FULL_MATCH = 1.0  # field-weighted saturated term frequency that counts as a full match
IN_WORD_PAIR = 0.1  # what a two-character word of the query counts as a pair, not a word
# Words that frame a question but say nothing of its subject (in the folded forms of
# analysis.canonical): they weigh nothing, so 请问明天几点天亮 is judged on 天亮 alone.
FRAME_WORDS = frozenset({
    "请问", "你好", "您好", "想问", "问问", "我想", "一下", "咨询", "可以", "什么", "怎么",
    "怎么办", "为什么", "能不能", "是不是", "有无", "多少", "多久", "几点", "时候", "什么时候",
    "今天", "明天", "昨天", "现在",
})
# How long or how badly, said of any fault (路灯坏了好几天 is about 路灯): found as written,
# since the segmenter cuts them (坏|了|好|几天).
FAULT_WORDS = ("坏了", "好几天", "几天了", "一直", "没人管", "没人修", "找谁")


def frame_positions(q: str) -> set[int]:
    """Positions of ``q`` (compact, normalised) inside question-frame words."""
    out: set[int] = set()
    at = 0
    for run in runs(q):
        start = q.find(run, at)
        at = start + len(run)
        if is_ascii_run(run):
            continue
        _, frame = _words_of(run)
        out.update(start + j for j in frame)
    return out


def relevance(index: KnowledgeIndex, plan: QueryPlan, rows: list[int]) -> list[float]:
    """The relevance (see the module doc) of each article row in ``rows`` for ``plan``."""
    k = len(rows)
    if not k:
        return []
    all_runs = runs(plan.norm)
    # Every term looked at has a slot; slot 0 is "nothing" (always 0).
    slots: dict[str, int] = {"": 0}
    looked_up: set[int] = set()  # the slots whose postings matter (not only their df)

    def slot(term: str, postings: bool = True) -> int:
        i = slots.setdefault(term, len(slots))
        if postings:
            looked_up.add(i)
        return i

    chars: list[int] = []  # slot of each Han character of the query, run after run
    framed: list[bool] = []  # inside a question-frame word (weighs nothing)
    left: list[int] = []  # the pair ending at this character (row of pair_strength, 0 = none)
    right: list[int] = []
    alone: list[int] = []  # slot of the character's own term when it is a run by itself
    pairs: list[tuple[int, int, int]] = [(0, 0, 0)]  # slots: as written, as homophones, its word
    where: dict[tuple[int, int], int] = {}  # (run, position) → index in ``chars``
    ascii_runs: list[tuple[int, list[list[int]]]] = []  # (a-term, alternatives: slots all needed)
    for r, run in enumerate(all_runs):
        if is_ascii_run(run):
            run = run[:MAX_ASCII_RUN]
            alts = []
            if run in plan.ascii_initials:
                alts.append([slot(f"i{x}{y}") for x, y in zip(run, run[1:])])
            for syl in plan.ascii_pinyin:
                if "".join(syl) == run:
                    alts.append([slot(f"p{x} {y}") for x, y in zip(syl, syl[1:])])
            ascii_runs.append((slot("a" + run), [a for a in alts if a]))
            continue
        inside, frame = _words_of(run)
        for j, ch in enumerate(run):
            where[(r, j)] = len(chars)
            chars.append(slot("c" + ch, postings=len(run) == 1))
            framed.append(j in frame)
            alone.append(chars[-1] if len(run) == 1 else 0)
            left.append(len(pairs) - 1 if j > 0 else 0)
            if j == len(run) - 1:
                right.append(0)
                continue
            right.append(len(pairs))
            if j in frame or j + 1 in frame:  # 有什么 → 有什 says nothing either
                pairs.append((0, 0, 0))
                continue
            a, b = run[j], run[j + 1]
            homophone = [f"p{x} {y}" for x in readings(a) for y in readings(b)]
            word = inside.get(j)
            pairs.append((slot("b" + a + b), slot(homophone[0]) if homophone else 0,
                          slot("w" + word) if word else 0))
    expansions = [(key, [slot(t) for t in targets]) for key, targets in plan.expansions if targets]

    n = max(index.n_base, 1)
    terms = list(slots)
    tids = _term_ids(index, plan, terms)
    size = len(index.df)
    known = (tids >= 0) & (tids < size)
    known[0] = False
    df = np.zeros(len(terms), dtype=np.float64)
    df[known] = index.df[tids[known]]
    idf = np.log1p((n - df + 0.5) / (df + 0.5))
    strength = _strengths(index, terms, tids, known & _mask(len(terms), looked_up), idf, rows)

    got = np.zeros(k)
    total = 0.0
    for a_slot, alts in ascii_runs:
        best = strength[a_slot]
        for alt in alts:
            best = np.maximum(best, strength[alt].mean(axis=0))
        total += float(idf[a_slot])
        got += idf[a_slot] * best
    if chars:
        weight = np.where(framed, 0.0, idf[chars])
        written, homophone, word = np.array(pairs).T
        pair_strength = np.maximum(strength[written], strength[homophone])
        # a two-character word of the query that the article has only across its own words:
        # 白天亮灯 (白天|亮灯) has the pair 天亮 but not the word
        pair_strength[word > 0] *= IN_WORD_PAIR
        pair_strength = np.maximum(pair_strength, strength[word])
        cover = np.maximum(pair_strength[left], pair_strength[right])
        cover = np.maximum(cover, strength[alone])
        for key, targets in expansions:
            share = strength[targets].mean(axis=0)
            for r, run in enumerate(all_runs):
                at = run.find(key) if not is_ascii_run(run) else -1
                while at != -1:
                    for j in range(at, at + len(key)):
                        g = where[(r, j)]
                        cover[g] = np.maximum(cover[g], share)
                    at = run.find(key, at + 1)
        total += float(weight.sum())
        got += weight @ cover
    if total <= 0:
        return [0.0] * k
    return [round(float(x), 4) for x in np.minimum(got / total, 1.0)]


def _mask(size: int, on: set[int]) -> np.ndarray:
    mask = np.zeros(size, dtype=bool)
    mask[list(on)] = True
    return mask


def _term_ids(index: KnowledgeIndex, plan: QueryPlan, terms: list[str]) -> np.ndarray:
    """Vocabulary ids of ``terms``: those the candidate search already looked up are reused
    (hashing a term costs more than everything else here)."""
    seen = plan.term_ids
    missing = [t for t in terms if t not in seen]
    if missing:
        seen.update(zip(missing, (int(x) for x in index.vocab.ids(missing))))
    return np.fromiter((seen[t] for t in terms), dtype=np.int64, count=len(terms))


def _strengths(index: KnowledgeIndex, terms: list[str], tids: np.ndarray, wanted: np.ndarray,
               idf: np.ndarray, rows: list[int]) -> np.ndarray:
    """[slot, row]: how strongly each row has the term, 0 not at all, 1 a full match
    (FULL_MATCH or more). One binary search for all terms and rows at once: postings are
    ascending by row within a term."""
    k = len(rows)
    out = np.zeros((len(terms), k))
    want = np.asarray(rows, dtype=np.int64)
    sel = np.flatnonzero(wanted)
    if len(sel):
        t = tids[sel]
        start, end = index.offsets[t].astype(np.int64), index.offsets[t + 1].astype(np.int64)
        lo = np.repeat(start[:, None], k, axis=1)
        hi = np.repeat(end[:, None], k, axis=1)
        docs = index.post_docs
        last = len(docs) - 1
        for _ in range(int((end - start).max(initial=0)).bit_length() + 1):
            active = lo < hi
            if not active.any():
                break
            mid = (lo + hi) >> 1
            less = docs[np.minimum(mid, last)] < want
            lo = np.where(active & less, mid + 1, lo)
            hi = np.where(active & ~less, mid, hi)
        at = np.minimum(lo, last)
        hit = (lo < end[:, None]) & (docs[at] == want) & (want < index.n_base)
        values = np.where(hit, index.strengths(at), 0.0)
        out[sel] = values
    if index._delta:  # articles added or edited since the build
        for i, term in enumerate(terms):
            found = dict(index._delta.get(term, ()))
            for j, row in enumerate(rows):
                if row in found:
                    out[i, j] = found[row] / idf[i]
    out[0] = 0.0
    np.minimum(out / FULL_MATCH, 1.0, out=out)
    return out


def _words_of(run: str) -> tuple[dict[int, str], set[int]]:
    """(position i → the two-character word of the query that is run[i:i+2], the positions
    inside question-frame words)."""
    pairs: dict[int, str] = {}
    frame: set[int] = set()
    at = 0
    for word in words(run):
        start = run.find(word, at)
        if start < 0:
            continue
        if len(word) == 2:
            pairs[start] = word
        if word in FRAME_WORDS:
            frame.update(range(start, start + len(word)))
        at = start + len(word)
    for word in FAULT_WORDS:
        start = run.find(word)
        while start != -1:
            frame.update(range(start, start + len(word)))
            start = run.find(word, start + 1)
    return pairs, frame
