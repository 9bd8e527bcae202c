"""agent-console orders count: a month's work orders by status and by lead unit."""

from __future__ import annotations

import json

from tests.unit.test_cli import populated, run  # noqa: F401 - the fixture is used by name


def test_a_month_counted_in_json_and_as_tables(capsys, populated):  # noqa: F811
    settings, lead = populated
    code, out, _ = run(capsys, "orders", "count", "--month", "2026-11", "--json",
                       "--db", settings.db_url)
    counts = json.loads(out)
    assert code == 0 and counts["month"] == "2026-11" and counts["created"] == 1
    assert counts["by_status"] == [["待签收", 1]]
    (unit,) = counts["by_unit"]
    assert unit["unit"] == lead.name and unit["created"] == unit["open"] == 1
    code, out, _ = run(capsys, "orders", "count", "--month", "2026-11", "--db", settings.db_url)
    assert code == 0 and "2026-11 创建工单 1 件" in out and lead.name in out
    code, out, _ = run(capsys, "orders", "count", "--month", "2026-10", "--db", settings.db_url)
    assert code == 0 and "创建工单 0 件" in out


def test_a_bad_month_is_said_in_chinese(capsys, populated):  # noqa: F811
    settings, _ = populated
    for bad in ("2026-13", "11/2026", "[bold]", "2026-1'--"):
        code, _, err = run(capsys, "orders", "count", "--month", bad, "--db", settings.db_url)
        assert code == 2 and "月份格式不正确" in err
