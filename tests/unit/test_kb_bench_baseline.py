"""`kb bench --baseline`: plain character BM25 (bm25s) beside the engine in the same run, the
relevance floor's figures, and a clear refusal when bm25s is not installed."""

from __future__ import annotations

import json
import sys

import pytest

from agent_console.cli import main

KB = [
    {"id": "k1", "title": "住房公积金怎么提取", "body": "购房、租房、退休可以提取"},
    {"id": "k2", "title": "社保卡丢了怎么补办", "body": "先挂失再补办"},
    {"id": "k3", "title": "路灯不亮怎么报修", "body": "说明路名和灯杆编号"},
    {"id": "k4", "title": "小区电梯故障困人", "body": "拨打电梯应急电话"},
]
QUERIES = [
    {"query": "公积金如何提取", "expected_id": "k1", "variant": "orig"},
    {"query": "社保卡丢失", "expected_id": "k2", "variant": "orig"},
    {"query": "公基金提取", "expected_id": "k1", "variant": "typo"},
    {"query": "路灯不", "expected_id": "k3", "variant": "prefix"},
    {"query": "sbk丢了", "expected_id": "k2", "variant": "initials"},
]
OFF_TOPIC = [{"query": "请问明天几点天亮"}, {"query": "女孩子都喜欢什么礼物"}]


def write_jsonl(path, rows) -> str:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    return str(path)


@pytest.fixture
def files(tmp_path):
    data = tmp_path / "data"
    (data / "kb").mkdir(parents=True)
    write_jsonl(data / "kb" / "a.jsonl", [
        {"id": "L1", "title": "路灯不亮或白天亮灯", "answer": "请说明路名", "phrasings": ["路灯坏了"]},
        {"id": "L2", "title": "如何查询停水通知", "answer": "可拨打12345",
         "phrasings": ["明天停不停水在哪看"]},
    ])
    (data / "synonyms.json").write_text("{}", encoding="utf-8")
    return {"kb": write_jsonl(tmp_path / "kb.jsonl", KB),
            "queries": write_jsonl(tmp_path / "q.jsonl", QUERIES),
            "off": write_jsonl(tmp_path / "off.jsonl", OFF_TOPIC),
            "data": str(data)}


def bench(capsys, files, *extra) -> tuple[int, str, str]:
    code = main(["kb", "bench", "--kb", files["kb"], "--queries", files["queries"], "--json", *extra])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_baseline_and_floor_in_the_json(capsys, files):
    pytest.importorskip("bm25s")
    code, out, _ = bench(capsys, files, "--baseline", "--off-topic", files["off"],
                         "--off-topic-kb", files["data"])
    assert code == 0
    result = json.loads(out.strip().splitlines()[-1])
    variants = {"orig", "typo", "prefix", "initials"}
    assert set(result["variants"]) == variants
    base = result["baseline"]
    assert set(base["variants"]) == variants
    assert set(base["variants"]["orig"]) >= {"n", "r1", "r5", "mrr10", "p50_ms", "p95_ms"}
    assert base["variants"]["orig"]["n"] == 2 and base["variants"]["orig"]["r5"] == 1.0
    floor = result["floor"]
    assert set(floor["variants"]) == variants
    for figures in floor["variants"].values():
        assert 0.0 <= figures["hidden"] <= 1.0 and 0.0 <= figures["no_match"] <= 1.0
    assert floor["variants"]["orig"]["hidden"] == 0.0
    assert floor["off_topic"]["n"] == 2 and floor["off_topic"]["n_kb"] == 2
    assert floor["off_topic"]["no_match"] == 1.0
    text = out.rsplit("\n", 2)[0]
    assert "对照" in text and "相关度阈值" in text  # the difference table is printed too


def test_without_baseline_nothing_changes(capsys, files):
    code, out, _ = bench(capsys, files)
    assert code == 0
    result = json.loads(out.strip().splitlines()[-1])
    assert "baseline" not in result and "floor" not in result
    assert "对照" not in out


def test_baseline_without_bm25s_says_so(capsys, files, monkeypatch):
    monkeypatch.setitem(sys.modules, "bm25s", None)  # import bm25s now raises ImportError
    code, out, err = bench(capsys, files, "--baseline")
    assert code != 0
    assert "未安装 bm25s" in err and "agent-console[bench]" in err
    assert out == ""  # refused before the engine's run, not after it
