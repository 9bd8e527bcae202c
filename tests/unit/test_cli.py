"""The CLI that scripts and admins rely on: JSON keys are a contract."""

from __future__ import annotations

import io
import json
import sys

import pytest

from agent_console.cli import main
from agent_console.config import Settings
from agent_console.services.container import open_services
from tests.conftest import FROZEN_AT
from tests.services.helpers import HEATING_PATH, category_id, draft, heating_article


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def populated(settings: Settings, clock):
    svc = open_services(settings, clock)
    agent = svc.accounts.authenticate("1001", "demo")
    cat = category_id(svc, HEATING_PATH)
    lead = svc.dispatch.propose(cat, None, "咨询", "一般", FROZEN_AT).lead
    svc.intake.create_work_order(agent, draft(category_id=cat), FROZEN_AT, lead.id)
    svc.intake.answer_online(agent, draft(content="想问一下暖气费怎么交"), FROZEN_AT,
                             heating_article(svc))
    svc.close()
    return settings, lead


def test_orders_list_json(capsys, populated):
    settings, lead = populated
    code, out, _ = run(capsys, "orders", "list", "--json", "--db", settings.db_url)
    assert code == 0
    (order,) = json.loads(out)
    assert order["number"] == "TL20261126000001"
    assert order["status"] == "待签收"
    assert order["lead_unit"] == lead.name
    assert order["request_type"] == "咨询"
    assert order["created_at"].startswith("2026-11-26T09:30")
    assert {"co_handlers", "due_at", "sign_by", "category", "region"} <= set(order)


def test_calls_list_json_and_tables(capsys, populated):
    settings, _ = populated
    code, out, _ = run(capsys, "--db", settings.db_url, "calls", "list", "--json")
    assert code == 0
    calls = json.loads(out)
    assert {c["outcome"] for c in calls} == {"work_order", "answered"}
    answered = next(c for c in calls if c["outcome"] == "answered")
    assert answered["kb_article_id"] and answered["outcome_label"] == "直接答复"
    code, out, _ = run(capsys, "calls", "list", "--db", settings.db_url)
    assert code == 0 and "直接答复" in out
    code, out, _ = run(capsys, "orders", "list", "--db", settings.db_url)
    assert "TL20261126000001" in out


def test_env_var_selects_database(capsys, populated, monkeypatch):
    settings, _ = populated
    monkeypatch.setenv("AGENT_CONSOLE_DB", settings.db_url)
    code, out, _ = run(capsys, "orders", "list", "--json")
    assert code == 0 and len(json.loads(out)) == 1


def test_db_upgrade_seed_and_user_add(capsys, tmp_path, monkeypatch):
    from agent_console.store import migrate

    url = f"sqlite:///{tmp_path / 'admin.sqlite3'}"
    code, out, _ = run(capsys, "db", "upgrade", "--db", url)
    assert code == 0 and migrate.HEAD in out
    code, out, _ = run(capsys, "seed", "--db", url)
    assert code == 0 and "承办单位" in out and "演示账号 0" in out  # production: no demo accounts
    monkeypatch.setattr(sys, "stdin", io.StringIO("long-enough-pw\n"))
    code, out, _ = run(capsys, "user", "add", "--staff-no", "1234", "--name", "周敏",
                       "--role", "dispatcher", "--password-stdin", "--db", url)
    assert code == 0 and "1234" in out
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    code, _, err = run(capsys, "user", "add", "--staff-no", "1235", "--name", "周敏",
                       "--role", "dispatcher", "--password-stdin", "--db", url)
    assert code == 2 and "密码至少8位" in err
    code, out, _ = run(capsys, "orders", "list", "--db", url)
    assert "暂无工单" in out
    code, out, _ = run(capsys, "user", "list", "--json", "--db", url)
    assert [u["staff_no"] for u in json.loads(out)] == ["1234"]


def test_kb_bench_on_a_small_fixture(capsys):
    from pathlib import Path

    fixtures = Path(__file__).parent.parent / "fixtures"
    code, out, _ = run(capsys, "kb", "bench", "--kb", str(fixtures / "bench_kb.jsonl"),
                       "--queries", str(fixtures / "bench_queries.jsonl"), "--json")
    assert code == 0
    result = json.loads(out.strip().splitlines()[-1])
    assert result["n_kb"] == 6
    assert set(result["variants"]) == {"orig", "typo", "initials", "prefix"}
    orig = result["variants"]["orig"]
    assert orig["n"] == 3 and orig["r5"] == 1.0
    assert set(orig) == {"n", "r1", "r5", "r10", "mrr10", "p50_ms", "p95_ms", "p99_ms"}
    assert result["variants"]["typo"]["r1"] == 1.0
    assert result["variants"]["initials"]["r1"] == 1.0
    assert "build_s" in result and result["rss_mb"] > 0
    code, out, _ = run(capsys, "kb", "bench", "--kb", str(fixtures / "bench_kb.jsonl"),
                       "--queries", str(fixtures / "bench_queries.jsonl"), "--scale", "50",
                       "--json")
    assert json.loads(out.strip().splitlines()[-1])["n_kb"] == 50


def test_kb_bench_reports_bad_files(capsys, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    code, _, err = run(capsys, "kb", "bench", "--kb", str(bad), "--queries", str(bad))
    assert code == 2 and "JSON" in err


def test_kb_search_import_export(capsys, settings, tmp_path):
    code, out, _ = run(capsys, "kb", "search", "暖气不热", "--json", "--db", settings.db_url)
    assert code == 0
    hits = json.loads(out)
    assert hits and "暖" in hits[0]["title"] or "供暖" in hits[0]["title"] or "室温" in hits[0]["title"]
    path = tmp_path / "out.csv"
    code, out, _ = run(capsys, "kb", "export", str(path), "--db", settings.db_url)
    assert code == 0 and path.exists()
    code, out, _ = run(capsys, "kb", "import", str(path), "--db", settings.db_url)
    assert code == 0 and "更新" in out
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "X", "title": ""}\n', encoding="utf-8")
    code, _, err = run(capsys, "kb", "import", str(bad), "--db", settings.db_url)
    assert code == 2 and "第1行" in err


def test_orders_show_json_has_the_event_timeline(capsys, populated):
    settings, lead = populated
    code, out, _ = run(capsys, "orders", "show", "TL20261126000001", "--json", "--db", settings.db_url)
    assert code == 0
    order = json.loads(out)
    assert order["number"] == "TL20261126000001" and order["lead_unit"] == lead.name
    (event,) = order["events"]
    assert set(event) == {"at", "actor", "action", "from_status", "to_status", "reason"}
    assert event["action"] == "create" and event["to_status"] == "待签收"
    code, _, err = run(capsys, "orders", "show", "TL20990101000001", "--db", settings.db_url)
    assert code == 2 and "不存在" in err


def test_supervise_scan_and_ranking(capsys, populated):
    settings, lead = populated
    code, out, _ = run(capsys, "supervise", "scan", "--json", "--db", settings.db_url)
    report = json.loads(out)
    assert code == 0 and set(report) == {"scanned", "raised", "skipped_busy", "kb_units"}
    assert report["kb_units"] > 0  # the seeded KB has articles past their validity
    code, out, _ = run(capsys, "supervise", "ranking", "--json", "--db", settings.db_url)
    assert code == 0
    ranking = json.loads(out)
    assert any(u["unit"] == lead.name and u["open_orders"] == 1 for u in ranking)
    code, out, _ = run(capsys, "supervise", "notices", "--json", "--db", settings.db_url)
    notices = json.loads(out)
    kb = [n for n in notices if n["status"] == "知识库"]
    assert code == 0 and len(kb) == report["kb_units"]
    assert all(n["number"] == "" and "第十九条第（四）项" in n["reason"] for n in kb)
    code, out, _ = run(capsys, "supervise", "notices", "--unit", "heat_city", "--db",
                       settings.db_url)
    assert code == 0 and "督办事由" in out
    code, _, err = run(capsys, "supervise", "notices", "--unit", "[bold]x", "--db",
                       settings.db_url)
    assert code == 2 and "没有代码为“[bold]x”的承办单位" in err


def test_intake_import_and_watch(capsys, settings, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"channel": "网站", "id": "w1", "content": "路灯不亮"},
                               ensure_ascii=False) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, "intake", "import", str(path), "--db", settings.db_url)
    assert code == 0 and "1 件" in out
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "x.jsonl").write_text(json.dumps({"channel": "微信", "id": "x1", "content": "噪音扰民"},
                                             ensure_ascii=False), encoding="utf-8")
    code, out, _ = run(capsys, "intake", "watch", str(drop), "--once", "--db", settings.db_url)
    assert code == 0 and "x.jsonl" in out and (drop / "processed" / "x.jsonl").exists()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"channel": "电报", "id": "1", "content": "x"}', encoding="utf-8")
    code, _, err = run(capsys, "intake", "import", str(bad), "--db", settings.db_url)
    assert code == 2 and "第1行" in err


def test_simulate_command(capsys, settings):
    code, out, _ = run(capsys, "simulate", "--days", "2", "--calls-per-day", "20", "--db",
                       settings.db_url)
    assert code == 0 and "模拟 2 天" in out and "工单状态" in out
    code, _, err = run(capsys, "simulate", "--days", "0", "--db", settings.db_url)
    assert code == 2


def test_demo_flag_reaches_every_subcommand(capsys, tmp_path, monkeypatch):
    """`--demo orders list` reads the demo database: it used to open (and create) the
    production console.sqlite3 beside it and say 暂无工单."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.delenv("AGENT_CONSOLE_DB", raising=False)
    monkeypatch.delenv("AGENT_CONSOLE_DEMO", raising=False)
    code, _out, _err = run(capsys, "--demo", "seed")
    assert code == 0
    folder = tmp_path / "agent-console"
    assert (folder / "demo.sqlite3").exists()
    for command in (["orders", "list"], ["calls", "list"], ["intake", "list"],
                    ["calendar", "show", "2027"]):
        code, _out, _err = run(capsys, "--demo", *command)
        assert code == 0, command
    assert not (folder / "console.sqlite3").exists()
