"""`intake list` and `intake release`: a submission a crashed seat had taken, handed back now."""

from __future__ import annotations

import json

from agent_console.cli import main
from agent_console.services.container import open_services


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_list_and_release_a_taken_submission(capsys, settings):
    svc = open_services(settings)  # the wall clock, as the CLI's: the lease is still running
    svc.online.import_rows([{"channel": "微信", "id": "wx-9", "content": "[bold]路灯坏了[/bold]",
                             "phone": "13800001111", "received_at": "2026-11-26T08:00:00"}])
    taken = svc.online.take_next(svc.accounts.authenticate("1001", "demo"))
    svc.close()
    code, out, _ = run(capsys, "intake", "list", "--json", "--db", settings.db_url)
    assert code == 0
    (row,) = json.loads(out)
    assert row["id"] == taken.id and row["status"] == "taken" and row["taken_by"].startswith("1001")
    code, out, _ = run(capsys, "intake", "release", str(taken.id), "--db", settings.db_url)
    assert code == 0 and "已退回队列" in out and "待处理 1 件" in out
    code, _, err = run(capsys, "intake", "release", str(taken.id), "--db", settings.db_url)
    assert code == 2 and "无需退回" in err
    code, _, err = run(capsys, "intake", "release", "4242", "--db", settings.db_url)
    assert code == 2 and "不存在" in err
    code, out, _ = run(capsys, "intake", "list", "--db", settings.db_url)
    assert code == 0 and "待处理" in out and "wx-9" in out
