"""Search-quality and speed benchmark on a KB file and query files (no database involved)."""

from __future__ import annotations

import random
import resource
import time
from dataclasses import dataclass
from pathlib import Path

from agent_console.jsonl import read_jsonl
from agent_console.search.index import KbDocument, KnowledgeIndex

PAD_HELP = (
    "把知识库补足到 N 条：每条补充条目取两条随机原条目，拼接前一条的前半与后一条的后半，"
    "再随机替换一个字（固定随机种子），编号为“原编号#padK”。补充条目只作干扰项，不会是任何查询的正确答案。"
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
    docs = []
    for i, row in enumerate(rows, 1):
        if "id" not in row or "title" not in row:
            raise ValueError(f"知识库第{i}行缺少 id 或 title")
        docs.append(KbDocument(
            id=str(row["id"]), title=str(row["title"]), body=str(row.get("body") or ""),
            phrasings=tuple(str(p) for p in row.get("phrasings") or ()),
            keywords=tuple(str(k) for k in row.get("keywords") or ()),
        ))
    return docs


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
        out.append(KbDocument(id=f"{a.id}#pad{k}", title="".join(title),
                              body=b.body[: len(b.body) // 2]))
    return out


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_bench(kb_path: Path, query_paths: list[Path], scale: int | None = None,
              limit: int = 10) -> dict:
    docs = documents_from_rows(read_jsonl(kb_path))
    if scale:
        docs = pad(docs, scale)
    started = time.perf_counter()
    index = KnowledgeIndex.build(docs)
    build_s = time.perf_counter() - started
    queries = [q for path in query_paths for q in read_jsonl(path)]
    index.search("预热", limit)  # warm the caches once, as a running console would be
    stats: dict[str, VariantStats] = {}
    for q in queries:
        variant = q.get("variant") or "orig"
        st = stats.setdefault(variant, VariantStats(latencies=[]))
        expected = {str(q["expected_id"]), *(str(a) for a in q.get("alt_ids") or ())}
        t0 = time.perf_counter()
        hits = index.search(str(q["query"]), limit)
        st.latencies.append((time.perf_counter() - t0) * 1000)
        st.n += 1
        rank = next((i for i, h in enumerate(hits, 1) if h.id in expected), None)
        if rank is not None:
            st.r1 += rank <= 1
            st.r5 += rank <= 5
            st.r10 += rank <= 10
            st.rr += 1 / rank
    return {
        "n_kb": len(index),
        "build_s": round(build_s, 2),
        "rss_mb": round(peak_rss_mb(), 1),
        "variants": {name: st.as_dict() for name, st in stats.items()},
    }


def format_report(result: dict) -> str:
    lines = [f"知识库 {result['n_kb']} 条，建索引 {result['build_s']} 秒，峰值内存 {result['rss_mb']} MB",
             f"{'variant':<10}{'n':>6}{'R@1':>8}{'R@5':>8}{'R@10':>8}{'MRR@10':>8}"
             f"{'p50ms':>8}{'p95ms':>8}{'p99ms':>8}"]
    for name, v in result["variants"].items():
        lines.append(f"{name:<10}{v['n']:>6}{v['r1']:>8.3f}{v['r5']:>8.3f}{v['r10']:>8.3f}"
                     f"{v['mrr10']:>8.3f}{v['p50_ms']:>8.2f}{v['p95_ms']:>8.2f}{v['p99_ms']:>8.2f}")
    return "\n".join(lines)
