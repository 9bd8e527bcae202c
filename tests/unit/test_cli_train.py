"""agent-console train validate / run: what a trainer checks a new scenario with."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from agent_console.cli import main
from agent_console.services.container import open_services

SHIPPED = Path(__file__).resolve().parents[2] / "data" / "training" / "kb-streetlight.yaml"


@pytest.fixture
def db(settings, clock, monkeypatch, tmp_path):
    open_services(settings, clock).close()
    monkeypatch.setenv("AGENT_CONSOLE_STATE", str(tmp_path / "state"))
    monkeypatch.setenv("AGENT_CONSOLE_CACHE", str(tmp_path / "cache"))
    return settings.db_url


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_validate_names_file_and_line(capsys, db, tmp_path):
    good = tmp_path / "s" / "good.yaml"
    good.parent.mkdir()
    shutil.copy(SHIPPED, good)
    code, out, err = run(capsys, "train", "validate", str(good.parent), "--db", db)
    assert (code, err) == (0, "") and "1 个场景全部通过检查" in out
    bad = good.parent / "bad.yaml"
    bad.write_text(SHIPPED.read_text(encoding="utf-8").replace("KB-UC-083", "KB-XX-999")
                   .replace("id: kb-streetlight", "id: kb-streetlight-2"), encoding="utf-8")
    code, out, err = run(capsys, "train", "validate", str(good.parent), "--db", db)
    lines = err.splitlines()
    assert code == 1
    assert lines[0] == f"{bad}:24: 知识库条目“KB-XX-999”不存在"
    assert lines[-1] == "共 2 个文件：1 个场景通过，1 处错误"


def test_validate_the_shipped_scenarios(capsys, db):
    code, out, err = run(capsys, "train", "validate", "--db", db)
    assert code == 0 and err == "" and "全部通过检查" in out


def test_run_plays_right_and_wrong(capsys, db, tmp_path):
    code, out, _ = run(capsys, "train", "run", "kb-streetlight", "--as", "1001", "--db", db,
                       "--json")
    assert code == 0 and "总分 100.0（通过）" in out
    assert "来电人：我们小区门口那个路灯坏了好几天了" in out
    result = json.loads(out.splitlines()[-1])
    assert result["total"] == 100.0 and result["handling"]["kb_article"] == "KB-UC-083"
    code, out, _ = run(capsys, "train", "run", "kb-streetlight", "--as", "1001", "--db", db,
                       "--action", "派发工单", "--unit", "cgj",
                       "--category", "城市管理/市政设施/路灯故障", "--json")
    # only the request type is right: the article and the time count with the right outcome only
    assert code == 0 and json.loads(out.splitlines()[-1])["total"] == 10.0
    assert "未通过" in out
    code, _out, err = run(capsys, "train", "run", "no-such", "--as", "1001", "--db", db)
    assert code == 2 and "培训场景 no-such 不存在" in err
    code, _out, err = run(capsys, "train", "run", "kb-streetlight", "--as", "7777", "--db", db)
    assert code == 2 and "工号 7777 不存在" in err
    code, _out, err = run(capsys, "train", "run", "kb-streetlight", "--as", "1001", "--db", db,
                          "--action", "紧急联动", "--services", "999")
    assert code == 2 and "999 不是" in err
    code, out, _ = run(capsys, "train", "export", str(tmp_path / "x.xlsx"), "--as", "1001",
                       "--db", db)
    assert code == 2  # a seat agent exports nothing
    code, out, _ = run(capsys, "train", "export", str(tmp_path / "x.xlsx"), "--as", "4001",
                       "--db", db)
    assert code == 0 and (tmp_path / "x.xlsx").exists()
    code, out, _ = run(capsys, "calls", "list", "--json", "--db", db)
    assert json.loads(out) == []  # nothing played reaches the real database
    assert not list((tmp_path / "state" / "practice").glob("call-*"))
