"""Search-quality and speed benchmark on a KB file and query files (no database involved)."""

from __future__ import annotations

import json
import random
import resource
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from agent_console.jsonl import read_jsonl
from agent_console.search.floor import RELEVANCE_FLOOR
from agent_console.search.index import KbDocument, KnowledgeIndex

PAD_HELP = (
    "把知识库补足到 N 条：每条补充条目取两条随机原条目，拼接前一条的前半与后一条的后半，"
    "再随机替换一个字（固定随机种子），正文取后一条的完整正文（保持真实长度），编号为“原编号#padK”。"
    "补充条目只作干扰项，不会是任何查询的正确答案。"
)


@dataclass
class VariantStats:
    n: int = 0
    r1: int = 0
    r5: int = 0
    r10: int = 0
    rr: float = 0.0
    latencies: list[float] | None = None

    def as_dict(self) -> dict:
        lat = sorted(self.latencies or [0.0])
        return {
            "n": self.n,
            "r1": round(self.r1 / max(self.n, 1), 4),
            "r5": round(self.r5 / max(self.n, 1), 4),
            "r10": round(self.r10 / max(self.n, 1), 4),
            "mrr10": round(self.rr / max(self.n, 1), 4),
            "p50_ms": round(percentile(lat, 50), 3),
            "p95_ms": round(percentile(lat, 95), 3),
            "p99_ms": round(percentile(lat, 99), 3),
        }


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return 0.0
    k = (len(sorted_values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def documents_from_rows(rows: list[dict]) -> list[KbDocument]:
    """Bench rows (``body``) or the console's own article files (``answer``)."""
    docs = []
    for i, row in enumerate(rows, 1):
        if "id" not in row or "title" not in row:
            raise ValueError(f"知识库第{i}行缺少 id 或 title")
        docs.append(KbDocument(
            id=str(row["id"]), title=str(row["title"]),
            body=str(row.get("body") or row.get("answer") or ""),
            phrasings=tuple(str(p) for p in row.get("phrasings") or ()),
            keywords=tuple(str(k) for k in row.get("keywords") or ()),
        ))
    return docs


def shipped_kb(data_dir: Path) -> tuple[list[KbDocument], dict[str, list[str]]]:
    """The articles and synonyms the console seeds from ``data_dir`` (data/kb/*.jsonl,
    data/synonyms.json), indexed as the console indexes them."""
    rows = [row for path in sorted((data_dir / "kb").glob("*.jsonl")) for row in read_jsonl(path)]
    if not rows:
        raise ValueError(f"{data_dir / 'kb'} 中没有知识库条目")
    syn_path = data_dir / "synonyms.json"
    synonyms = json.loads(syn_path.read_text(encoding="utf-8")) if syn_path.exists() else {}
    return documents_from_rows(rows), synonyms


def pad(docs: list[KbDocument], target: int, seed: int = 20261126) -> list[KbDocument]:
    """Perturbed copies up to ``target`` entries (see PAD_HELP)."""
    if target <= len(docs) or not docs:
        return docs
    rng = random.Random(seed)
    alphabet = [ch for d in docs[:5000] for ch in d.title]
    out = list(docs)
    for k in range(target - len(docs)):
        a, b = rng.choice(docs), rng.choice(docs)
        cut_a = rng.randint(1, max(1, len(a.title) - 1))
        cut_b = rng.randint(0, max(0, len(b.title) - 1))
        title = list(a.title[:cut_a] + b.title[cut_b:])
        if title:
            title[rng.randrange(len(title))] = rng.choice(alphabet)
        # the body is another article's whole answer: real lengths, as a real KB has
        out.append(KbDocument(id=f"{a.id}#pad{k}", title="".join(title), body=b.body))
    return out


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _expected(q: dict) -> set[str]:
    return {str(q["expected_id"]), *(str(a) for a in q.get("alt_ids") or ())}


def _score(stats: dict[str, VariantStats], q: dict, ranked: list[str], ms: float) -> int | None:
    st = stats.setdefault(q.get("variant") or "orig", VariantStats(latencies=[]))
    st.latencies.append(ms)
    st.n += 1
    expected = _expected(q)
    rank = next((i for i, doc_id in enumerate(ranked, 1) if doc_id in expected), None)
    if rank is not None:
        st.r1 += rank <= 1
        st.r5 += rank <= 5
        st.r10 += rank <= 10
        st.rr += 1 / rank
    return rank


def run_bench(kb_path: Path, query_paths: list[Path], scale: int | None = None,
              limit: int = 10, baseline: bool = False,
              off_topic: list[Path] | None = None,
              off_topic_kb: tuple[list[KbDocument], dict] | None = None,
              semantic: bool = False, vector_cache: Path | None = None) -> dict:
    """The engine on every query, one at a time. ``baseline``: plain character BM25 (bm25s) on
    the same files in the same run, and the relevance floor's figures. ``off_topic``: queries
    that should find nothing, searched against ``off_topic_kb`` (the console's own articles):
    the share shown as no match. ``semantic``: the same queries again with the meaning signal
    (search.semantic), vectors cached in ``vector_cache``; JSON ``"semantic"``."""
    docs = documents_from_rows(read_jsonl(kb_path))
    if scale:
        docs = pad(docs, scale)
    started = time.perf_counter()
    index = KnowledgeIndex.build(docs)
    build_s = time.perf_counter() - started
    queries = [q for path in query_paths for q in read_jsonl(path)]
    index.search("预热", limit)  # warm the caches once, as a running console would be
    stats: dict[str, VariantStats] = {}
    floor: dict[str, dict[str, int]] = {}
    for q in queries:
        t0 = time.perf_counter()
        hits = index.search(str(q["query"]), limit)
        ms = (time.perf_counter() - t0) * 1000
        rank = _score(stats, q, [h.id for h in hits], ms)
        fl = floor.setdefault(q.get("variant") or "orig", {"n": 0, "hidden": 0, "no_match": 0})
        fl["n"] += 1
        fl["hidden"] += rank is not None and not hits[rank - 1].relevant
        fl["no_match"] += not any(h.relevant for h in hits)
    result = {
        "n_kb": len(index),
        "build_s": round(build_s, 2),
        "rss_mb": round(peak_rss_mb(), 1),
        "variants": {name: st.as_dict() for name, st in stats.items()},
    }
    if baseline or off_topic:
        result["floor"] = {
            "threshold": RELEVANCE_FLOOR,
            # hidden: the labelled answer is in the top ``limit`` but below the floor;
            # no_match: nothing at or above the floor (the pane says 未找到匹配条目)
            "variants": {name: {"n": f["n"], "hidden": round(f["hidden"] / max(f["n"], 1), 4),
                                "no_match": round(f["no_match"] / max(f["n"], 1), 4)}
                         for name, f in floor.items()},
        }
        if off_topic:
            result["floor"]["off_topic"] = _off_topic(off_topic, off_topic_kb, limit)
    if baseline:
        result["baseline"] = _baseline(docs, queries, limit)
    if semantic:
        result["semantic"] = _semantic(index, docs, queries, limit, vector_cache)
    return result


def _semantic(index: KnowledgeIndex, docs: list[KbDocument], queries: list[dict], limit: int,
              vector_cache: Path | None) -> dict:
    from agent_console.search.semantic_bench import semantic_pass

    if vector_cache is None:
        raise ValueError("缺少向量缓存目录")
    return semantic_pass(index, docs, queries, limit, vector_cache)[0]


def _off_topic(paths: list[Path], kb: tuple[list[KbDocument], dict] | None, limit: int) -> dict:
    if kb is None:
        raise ValueError("缺少无关查询所用的知识库")
    docs, synonyms = kb
    index = KnowledgeIndex.build(docs, synonyms)
    queries = [q for path in paths for q in read_jsonl(path)]
    shown_none = sum(not any(h.relevant for h in index.search(str(q["query"]), limit))
                     for q in queries)
    return {"n_kb": len(index), "n": len(queries),
            "no_match": round(shown_none / max(len(queries), 1), 4)}


def _baseline(docs: list[KbDocument], queries: list[dict], limit: int) -> dict:
    from agent_console.search.baseline import build

    engine, build_s = build(docs)
    engine.search("预热", limit)
    stats: dict[str, VariantStats] = {}
    for q in queries:
        t0 = time.perf_counter()
        ranked = engine.search(str(q["query"]), limit)
        _score(stats, q, ranked, (time.perf_counter() - t0) * 1000)
    return {"engine": "bm25s " + _bm25s_version() + "（字符一元+二元，标题×2+正文）",
            "build_s": round(build_s, 2),
            "variants": {name: st.as_dict() for name, st in stats.items()}}


def _bm25s_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("bm25s")
    except PackageNotFoundError:
        return "?"


def format_report(result: dict) -> str:
    lines = [f"知识库 {result['n_kb']} 条，建索引 {result['build_s']} 秒，峰值内存 {result['rss_mb']} MB",
             f"{'variant':<10}{'n':>6}{'R@1':>8}{'R@5':>8}{'R@10':>8}{'MRR@10':>8}"
             f"{'p50ms':>8}{'p95ms':>8}{'p99ms':>8}"]
    for name, v in result["variants"].items():
        lines.append(f"{name:<10}{v['n']:>6}{v['r1']:>8.3f}{v['r5']:>8.3f}{v['r10']:>8.3f}"
                     f"{v['mrr10']:>8.3f}{v['p50_ms']:>8.2f}{v['p95_ms']:>8.2f}{v['p99_ms']:>8.2f}")
    if "baseline" in result:
        lines.extend(_baseline_lines(result))
    if "semantic" in result:
        lines.extend(_semantic_lines(result))
    if "floor" in result:
        lines.extend(_floor_lines(result["floor"]))
    return "\n".join(lines)


def _baseline_lines(result: dict) -> list[str]:
    base = result["baseline"]
    lines = ["", f"对照：{base['engine']}，建索引 {base['build_s']} 秒",
             "本引擎 − 对照（正数为本引擎更好；延迟为毫秒，负数为本引擎更快）",
             *_difference_table(result["variants"], base["variants"], "本引擎/对照 差值", latency=True)]
    return lines


def _difference_table(ours: dict, theirs: dict, label: str, latency: bool = False) -> list[str]:
    """Per variant: ours/theirs and the difference, for R@1, R@5, MRR@10 (and latency)."""
    names = ["R@1", "R@5", "MRR@10"] + (["p50ms", "p95ms"] if latency else [])
    lines = [f"{'variant':<10}" + "".join(f"{m:>22}" for m in names),
             f"{'':<10}" + "".join(_rjust(label, 22) for _ in names)]
    for name, v in ours.items():
        b = theirs.get(name)
        if b is None:
            continue
        cells = [f"{v[k]:.3f}/{b[k]:.3f} {v[k] - b[k]:+.3f}" for k in ("r1", "r5", "mrr10")]
        if latency:
            cells += [f"{v[k]:.2f}/{b[k]:.2f} {v[k] - b[k]:+.2f}" for k in ("p50_ms", "p95_ms")]
        lines.append(f"{name:<10}" + "".join(f"{c:>22}" for c in cells))
    return lines


def _semantic_lines(result: dict) -> list[str]:
    sem = result["semantic"]
    if "unavailable" in sem:
        return ["", f"语义检索不可用：{sem['unavailable']}（只有词面结果）"]
    blend = sem["blend"]
    lat = sem["latency"]
    lines = ["", f"语义重排：{sem['model']}，词面前 {blend['depth']} 条按 "
                 f"{1 - blend['cos_weight']:.2f}·词面/最高 + {blend['cos_weight']:.2f}·余弦 重排"
                 f"（条目向量 {sem['articles_s']} 秒，查询向量 {sem['queries_s']} 秒，含缓存）",
             "语义 − 词面（正数为加语义后更好）",
             *_difference_table(sem["variants"], result["variants"], "语义/词面 差值")]
    lines.append(f"延迟（{lat['n']} 条实时编码的查询，毫秒）：词面（取前 {blend['depth']} 条）"
                 f"p50 {lat['lexical']['p50_ms']} / p95 {lat['lexical']['p95_ms']}；"
                 f"查询编码 p50 {lat['encode']['p50_ms']} / p95 {lat['encode']['p95_ms']}；"
                 f"最终重排结果 p50 {lat['final']['p50_ms']} / p95 {lat['final']['p95_ms']}")
    return lines


def _cells(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _rjust(text: str, width: int) -> str:
    return " " * max(width - _cells(text), 0) + text


def _floor_lines(floor: dict) -> list[str]:
    lines = ["", f"相关度阈值 {floor['threshold']}：低于阈值的条目不作为匹配（知识库窗格显示“未找到匹配条目”）",
             f"{'variant':<10}" + _rjust("答案被隐藏", 14) + _rjust("无匹配", 10)]
    for name, f in floor["variants"].items():
        lines.append(f"{name:<10}" + _rjust(f"{f['hidden']:.1%}", 14) + _rjust(f"{f['no_match']:.1%}", 10))
    if "off_topic" in floor:
        o = floor["off_topic"]
        lines.append(f"无关查询 {o['n']} 条（对 {o['n_kb']} 条的知识库）：{o['no_match']:.1%} 显示为无匹配")
    return lines
