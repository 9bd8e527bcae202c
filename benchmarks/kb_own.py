"""Our own knowledge base: every common phrasing (常见问法) as a query for its article.

Two runs: with phrasings indexed (what the console does) and held out (phrasings removed from
the index, so the query never meets its own text: a fair test of paraphrase matching).
"""

from __future__ import annotations

import statistics
import time

from agent_console.config import seed_data_dir
from agent_console.search.bench import percentile
from agent_console.search.index import KbDocument, KnowledgeIndex
from agent_console.services.reference import load_reference
from agent_console.store.seed import load_articles


def evaluate(index: KnowledgeIndex, queries: list[tuple[str, str]]) -> dict:
    ranks, lat = [], []
    for query, expected in queries:
        t0 = time.perf_counter()
        hits = index.search(query, 10)
        lat.append((time.perf_counter() - t0) * 1000)
        ids = [h.id for h in hits]
        ranks.append(ids.index(expected) + 1 if expected in ids else None)
    n = len(queries)
    lat.sort()
    return {
        "n": n,
        "r1": sum(1 for r in ranks if r and r <= 1) / n,
        "r5": sum(1 for r in ranks if r and r <= 5) / n,
        "r10": sum(1 for r in ranks if r) / n,
        "mrr10": sum(1 / r for r in ranks if r) / n,
        "p50_ms": statistics.median(lat),
        "p95_ms": percentile(lat, 95),
    }


def main() -> None:
    data = seed_data_dir()
    articles = load_articles(data)
    synonyms = load_reference(data).synonyms
    queries = [(p, a["id"]) for a in articles for p in a["phrasings"]]
    full = [KbDocument(a["id"], a["title"], a["answer"], tuple(a["phrasings"]), tuple(a["keywords"]))
            for a in articles]
    held = [KbDocument(a["id"], a["title"], a["answer"], (), tuple(a["keywords"])) for a in articles]
    for name, docs in (("phrasings indexed", full), ("phrasings held out", held)):
        r = evaluate(KnowledgeIndex.build(docs, synonyms), queries)
        print(f"{name:<20} n={r['n']}  R@1 {r['r1']:.3f}  R@5 {r['r5']:.3f}  R@10 {r['r10']:.3f}  "
              f"MRR@10 {r['mrr10']:.3f}  p50 {r['p50_ms']:.2f} ms  p95 {r['p95_ms']:.2f} ms")


if __name__ == "__main__":
    main()
