"""Fit the meaning signal's blend (search.semantic.BLEND) on gov-dev and LCQMC together, with
two-fold cross-validation (fit on half of each set, test on the other half, both directions),
and print R@1/R@5/MRR@10 per variant with and without it.

    python benchmarks/semantic_fit.py [--cache /tmp/scratch-sem] [--body-chars 0] [--json out.json]

The dev sets are read from ../shared/bench/ at run time; vectors are cached by text in --cache.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from agent_console.jsonl import read_jsonl
from agent_console.search.bench import documents_from_rows
from agent_console.search.index import KnowledgeIndex
from agent_console.search.semantic import BLEND, load_encoder
from agent_console.search.semantic_bench import cross_validate, semantic_pass

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT.parent / "shared" / "bench"
SETS = {
    "gov-dev": ("gov-dev/gov_dev_kb.jsonl", ["gov-dev/gov_dev_queries.jsonl",
                                             "gov-dev/gov_dev_queries_noisy.jsonl"]),
    "lcqmc": ("lcqmc/lcqmc_kb.jsonl", ["lcqmc/lcqmc_queries.jsonl",
                                       "lcqmc/lcqmc_queries_noisy.jsonl"]),
}


def table(title: str, lexical: dict, semantic: dict) -> list[str]:
    lines = [title, f"{'variant':<10}{'R@1 词面→语义':>22}{'R@5 词面→语义':>22}{'MRR 词面→语义':>22}"]
    for name, lex in lexical.items():
        sem = semantic[name]
        cells = [f"{lex[k]:.3f}→{sem[k]:.3f} {sem[k] - lex[k]:+.3f}" for k in ("r1", "r5", "mrr10")]
        lines.append(f"{name:<10}" + "".join(f"{c:>22}" for c in cells))
    return lines


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default="/tmp/scratch-sem")
    ap.add_argument("--body-chars", type=int, default=None)
    ap.add_argument("--json", default=None)
    ap.add_argument("--records", default=None, help="also keep the per-query records (pickle)")
    args = ap.parse_args()
    encoder, reason = load_encoder()
    if encoder is None:
        raise SystemExit(f"语义检索不可用：{reason}")
    records, passes = {}, {}
    for name, (kb, qfiles) in SETS.items():
        docs = documents_from_rows(read_jsonl(BENCH / kb))
        index = KnowledgeIndex.build(docs)
        queries = [q for f in qfiles for q in read_jsonl(BENCH / f)]
        passes[name], records[name] = semantic_pass(index, docs, queries, 10, Path(args.cache),
                                                    encoder=encoder, body_chars=args.body_chars)
    if args.records:
        import pickle

        Path(args.records).write_bytes(pickle.dumps(records))
    cv = cross_validate(records)
    out = [f"当前 BLEND：cos_weight={BLEND.cos_weight} depth={BLEND.depth}"]
    for fold in cv["folds"]:
        out.append(f"\n拟合于 {fold['fit_on']} 半：cos_weight={fold['cos_weight']} depth={fold['depth']}，"
                   "在另一半上：")
        for name, t in fold["test"].items():
            out += table(f"[{name}]", t["lexical"], t["semantic"])
    a = cv["all"]
    out.append(f"\n全部数据拟合：cos_weight={a['cos_weight']} depth={a['depth']}")
    for name, t in a["sets"].items():
        out += table(f"[{name}]", t["lexical"], t["semantic"])
    out.append(f"\n各 variant 单独拟合的 cos_weight（诊断）：{json.dumps(cv['per_variant_weight'])}")
    for name, p in passes.items():
        out.append(f"\n[{name}] 当前 BLEND 延迟：{json.dumps(p['latency'], ensure_ascii=False)}")
    print("\n".join(out))
    if args.json:
        Path(args.json).write_text(json.dumps({"cv": cv, "passes": passes}, ensure_ascii=False,
                                              indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
