"""Turning text into index terms; the same code for articles and for queries.

Term kinds (the first character of a term):
  c  one character             b  two adjacent characters       w  a word (rjieba)
  a  an ASCII word             p  two adjacent pinyin syllables i  two adjacent pinyin initials
Pinyin terms make homophone slips (公基金 → 公积金), typed initials (gjj) and typed full
pinyin (gongjijin) meet the article's own characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from agent_console.domain.normalize import normalize
from agent_console.search.pinyin import readings, segment

_RUN = re.compile(r"[a-z0-9]+|[^\sa-z0-9]+")

# Function words that Chinese questions swap freely (如何/怎么/怎样, 啥/什么 ...): folded to one
# form for matching only, so paraphrases meet. Longest first. Displayed text is never changed.
_CANON = (
    ("怎么样", "怎么"), ("怎样", "怎么"), ("如何", "怎么"), ("咋样", "怎么"), ("咋", "怎么"),
    ("为何", "为什么"), ("为啥", "为什么"), ("干啥", "干什么"), ("干嘛", "干什么"), ("啥", "什么"),
    ("哪些", "哪"), ("哪个", "哪"), ("哪里", "哪"), ("哪儿", "哪"),
    ("可不可以", "能不能"), ("能否", "能不能"), ("可否", "能不能"), ("可以吗", "能不能"),
    ("是否", "是不是"), ("有没有", "有无"), ("有木有", "有无"),
)
_CANON_RE = re.compile("|".join(re.escape(a) for a, _ in _CANON))
_CANON_MAP = dict(_CANON)
_TRAILING = "吗呢啊呀吧哦嘛哈啦"


def canonical(norm: str) -> str:
    """Fold interchangeable question words and drop sentence-final particles (matching only)."""
    folded = _CANON_RE.sub(lambda m: _CANON_MAP[m.group(0)], norm)
    out = []
    for run in folded.split(" "):
        while len(run) > 1 and run[-1] in _TRAILING:
            run = run[:-1]
        out.append(run)
    return " ".join(out)
MAX_QUERY_CHARS = 200
MAX_ASCII_RUN = 24


def runs(norm: str) -> list[str]:
    return _RUN.findall(norm)


def is_ascii_run(run: str) -> bool:
    """A run of letters and digits (the other kind of run may start with a control character)."""
    first = run[0]
    return "a" <= first <= "z" or "0" <= first <= "9"


@lru_cache(maxsize=8192)
def words(run: str) -> tuple[str, ...]:
    if len(run) < 2:
        return ()
    # rjieba loads its dictionary on import (~0.1 s); a cached index loads without it.
    import rjieba

    return tuple(w for w in rjieba.cut(run) if len(w) >= 2)


def _pinyin_pairs(run: str) -> set[str]:
    out: set[str] = set()
    for a, b in zip(run, run[1:]):
        ra, rb = readings(a), readings(b)
        for x in ra:
            for y in rb:
                out.add(f"p{x} {y}")
    return out


def document_terms(text: str, full: bool = True) -> list[str]:
    """Terms of one field of an article (with repeats: term frequency counts). ``full``: all
    kinds (the short fields); otherwise characters, pairs and letter runs only (the answer: its
    pinyin and words would double a long text's postings for little, measured on gov-dev; and
    question words are not folded: an answer is not matched on them)."""
    terms: list[str] = []
    norm = normalize(text)
    for run in runs(canonical(norm) if full else norm):
        if is_ascii_run(run):
            terms.append("a" + run)
            continue
        terms.extend("c" + ch for ch in run)
        terms.extend("b" + run[i : i + 2] for i in range(len(run) - 1))
        if not full:
            continue
        ws = words(run)
        terms.extend("w" + w for w in ws)
        terms.extend("x" + w[0] for w in ws)
        for a, b in zip(run, run[1:]):
            ra, rb = readings(a), readings(b)
            if ra and rb:
                terms.append(f"p{ra[0]} {rb[0]}")
                terms.append(f"i{ra[0][0]}{rb[0][0]}")
    return terms


@dataclass
class QueryPlan:
    """Weighted terms of a query plus what the reranker needs."""

    norm: str
    terms: dict[str, float] = field(default_factory=dict)
    ascii_initials: list[str] = field(default_factory=list)  # runs typed as initials
    ascii_pinyin: list[tuple[str, ...]] = field(default_factory=list)  # runs typed as pinyin
    # (synonym key found in the query, the pair terms of one thing it stands for)
    expansions: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    term_ids: dict[str, int] = field(default_factory=dict)  # vocabulary ids, once looked up

    def add(self, term: str, weight: float) -> None:
        if weight > self.terms.get(term, 0.0):
            self.terms[term] = weight


QUERY_WEIGHTS = {"c": 1.0, "b": 1.0, "w": 0.5, "a": 1.0, "p": 0.1, "x": 0.5}


def plan_query(query: str, synonyms: dict[str, tuple[str, ...]] | None = None) -> QueryPlan:
    norm = canonical(normalize(query[: MAX_QUERY_CHARS * 4])[:MAX_QUERY_CHARS])
    plan = QueryPlan(norm)
    all_runs = runs(norm)
    for n_run, run in enumerate(all_runs):
        if is_ascii_run(run):
            _plan_ascii(plan, run[:MAX_ASCII_RUN])
            continue
        if n_run == len(all_runs) - 1:
            # The agent may be mid-word: the last character likely starts a word.
            plan.add("x" + run[-1], QUERY_WEIGHTS["x"])
        for ch in run:
            plan.add("c" + ch, QUERY_WEIGHTS["c"])
        for i in range(len(run) - 1):
            plan.add("b" + run[i : i + 2], QUERY_WEIGHTS["b"])
        for w in words(run):
            plan.add("w" + w, QUERY_WEIGHTS["w"])
        for t in _pinyin_pairs(run):
            plan.add(t, QUERY_WEIGHTS["p"])
    if synonyms:
        for key, targets in synonyms.items():
            if key in norm:
                for target in targets:
                    pair_terms: list[str] = []
                    for run in runs(normalize(target)):
                        if is_ascii_run(run):
                            continue
                        for i in range(len(run) - 1):
                            plan.add("b" + run[i : i + 2], 0.6)
                            pair_terms.append("b" + run[i : i + 2])
                        for w in words(run):
                            plan.add("w" + w, 0.5)
                    if pair_terms:
                        plan.expansions.append((key, tuple(pair_terms)))
    return plan


def _plan_ascii(plan: QueryPlan, run: str) -> None:
    plan.add("a" + run, QUERY_WEIGHTS["a"])
    if not run.isalpha():
        return
    syl = segment(run)
    if syl and len(syl) >= 2:
        plan.ascii_pinyin.append(syl)
        for x, y in zip(syl, syl[1:]):
            plan.add(f"p{x} {y}", 1.0)
    if 2 <= len(run) <= 8:
        plan.ascii_initials.append(run)
        for x, y in zip(run, run[1:]):
            plan.add(f"i{x}{y}", 0.9)
