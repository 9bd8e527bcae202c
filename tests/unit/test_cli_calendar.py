"""agent-console calendar show / import: what the centre's admin reads and types."""

from __future__ import annotations

import json

from agent_console.cli import main


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_show_a_year_without_a_schedule_says_so(capsys, settings):
    code, out, _ = run(capsys, "calendar", "show", "2027", "--db", settings.db_url)
    assert code == 0
    first = out.splitlines()[0]
    assert "2027年无节假日安排数据" in first and "calendar import" in first
    lines = out.splitlines()[1:]
    assert lines[0].split("\t") == ["日期", "星期", "类型", "名称", "来源"]
    assert "2027-02-08\t周一\t休息\t春节\t法定" in lines
    assert not any("\t上班\t" in line for line in lines)  # no 调休 known for 2027


def test_show_json_lists_make_up_days_with_their_source(capsys, settings):
    code, out, _ = run(capsys, "calendar", "show", "2026", "--json", "--db", settings.db_url)
    assert code == 0
    year = json.loads(out)
    assert year["year"] == 2026 and year["has_data"] and year["library_schedule"]
    assert {"date": "2026-02-14", "weekday": "周六", "kind": "上班",
            "name": "调休上班（2月20日休息）", "source": "法定"} in year["days"]
    assert {d["source"] for d in year["days"]} == {"法定"}


def test_import_then_show(capsys, settings, tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text("日期,类型,名称\n2027-02-11,休息,春节\n2027-02-20,上班,春节调休上班\n",
                    encoding="utf-8")
    code, out, err = run(capsys, "calendar", "import", str(path), "--db", settings.db_url)
    assert code == 0, err
    assert out.splitlines()[0] == "已导入 2027年中心日历：上班 1 天，休息 1 天（替换原有 0 条）"
    assert "2027-02-20  周六  上班  春节调休上班" in out
    code, out, _ = run(capsys, "calendar", "show", "2027", "--db", settings.db_url)
    assert out.splitlines()[0] == "2027年工作日历：中心导入"
    assert "2027-02-20\t周六\t上班\t春节调休上班\t中心导入" in out
    assert "2027-02-08\t周一\t休息\t春节\t法定" in out  # the statutory days stay


def test_import_of_a_bad_file_exits_2_with_the_line(capsys, settings, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("2027-02-11,休息,春节\n2027-13-01,上班,调休\n", encoding="utf-8")
    code, out, err = run(capsys, "calendar", "import", str(path), "--db", settings.db_url)
    assert code == 2 and out == ""
    assert "导入失败，文件未导入任何日期" in err and "第2行" in err and "2027-13-01" in err
    code, out, _ = run(capsys, "calendar", "show", "2027", "--json", "--db", settings.db_url)
    assert json.loads(out)["centre_entries"] == 0
    code, _, err = run(capsys, "calendar", "import", str(tmp_path / "none.csv"),
                       "--db", settings.db_url)
    assert code == 2 and "找不到文件" in err
