"""`agent-console user …` and demo mode on the command line: what an administrator runs."""

from __future__ import annotations

import io
import json
import sys

import pytest

from agent_console import config
from agent_console.cli import main
from agent_console.config import load_settings
from agent_console.domain.clock import FrozenClock, SystemClock
from agent_console.services.container import open_services


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


@pytest.fixture
def now_services(settings):
    """The CLI runs on the wall clock: lockouts made here must still hold when it looks."""
    svc = open_services(settings, FrozenClock(SystemClock().now()))
    yield svc
    svc.close()


def users(capsys, db_url) -> dict[str, dict]:
    code, out, _ = run(capsys, "user", "list", "--json", "--db", db_url)
    assert code == 0
    return {u["staff_no"]: u for u in json.loads(out)}


def test_user_list(capsys, settings, now_services):
    now_services.accounts.authenticate("5001", "demo")
    listed = users(capsys, settings.db_url)
    assert list(listed) == ["1001", "2001", "2002", "2003", "3001", "3002", "3003", "4001", "5001",
                            "9001"]
    liaison = listed["5001"]
    assert set(liaison) == {"staff_no", "name", "role", "role_label", "unit", "status", "active",
                            "locked_until", "failed_logins", "last_login_at"}
    assert liaison["role"] == "unit_liaison" and liaison["unit"] and liaison["status"] == "启用"
    assert liaison["last_login_at"] and listed["1001"]["last_login_at"] is None
    code, out, _ = run(capsys, "user", "list", "--db", settings.db_url)
    assert code == 0
    header = out.splitlines()[0].split("\t")
    assert header == ["工号", "姓名", "角色", "单位", "状态", "最近登录"]
    assert "王晓雯" in out and "启用" in out


def test_user_passwd(capsys, settings, monkeypatch, now_services):
    stdin(monkeypatch, "short\n")
    code, _, err = run(capsys, "user", "passwd", "--staff-no", "1001", "--password-stdin",
                       "--db", settings.db_url)
    assert code == 2 and "密码至少8位" in err
    stdin(monkeypatch, "a-new-password\n")
    code, out, _ = run(capsys, "user", "passwd", "--staff-no", "1001", "--password-stdin",
                       "--db", settings.db_url)
    assert code == 0 and "1001" in out
    assert now_services.accounts.authenticate("1001", "a-new-password").staff_no == "1001"
    # Typed twice when not from stdin; a mismatch changes nothing.
    answers = iter(["one-password", "another-one"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    code, _, err = run(capsys, "user", "passwd", "--staff-no", "1001", "--db", settings.db_url)
    assert code == 2 and "两次输入的密码不一致" in err
    answers = iter(["typed-twice-ok", "typed-twice-ok"])
    code, _, _ = run(capsys, "user", "passwd", "--staff-no", "1001", "--db", settings.db_url)
    assert code == 0
    assert now_services.accounts.authenticate("1001", "typed-twice-ok").staff_no == "1001"


def test_user_disable_enable_and_lockout(capsys, settings, now_services):
    from agent_console.services.errors import ServiceError

    code, out, _ = run(capsys, "user", "disable", "--staff-no", "3001", "--db", settings.db_url)
    assert code == 0 and "停用" in out
    assert users(capsys, settings.db_url)["3001"]["status"] == "停用"
    with pytest.raises(ServiceError, match="已停用"):
        now_services.accounts.authenticate("3001", "demo")
    code, out, _ = run(capsys, "user", "enable", "--staff-no", "3001", "--db", settings.db_url)
    assert code == 0 and "启用" in out
    now_services.accounts.authenticate("3001", "demo")
    for _ in range(5):
        with pytest.raises(ServiceError):
            now_services.accounts.authenticate("2001", "wrong-password")
    locked = users(capsys, settings.db_url)["2001"]
    assert locked["status"].startswith("锁定至 ") and locked["locked_until"]
    code, _, _ = run(capsys, "user", "enable", "--staff-no", "2001", "--db", settings.db_url)
    assert code == 0 and users(capsys, settings.db_url)["2001"]["status"] == "启用"
    assert now_services.accounts.authenticate("2001", "demo").staff_no == "2001"


def test_user_logins(capsys, settings, now_services):
    from agent_console.services.errors import ServiceError

    now_services.accounts.authenticate("1001", "demo")
    with pytest.raises(ServiceError):
        now_services.accounts.authenticate("7777", "demo")
    with pytest.raises(ServiceError):
        now_services.accounts.authenticate("1001", "wrong-password")
    code, out, _ = run(capsys, "user", "logins", "--json", "--db", settings.db_url)
    assert code == 0
    events = json.loads(out)
    assert [(e["staff_no"], e["result"]) for e in events] == [
        ("1001", "bad_password"), ("7777", "unknown"), ("1001", "ok")]  # newest first
    assert set(events[0]) == {"at", "staff_no", "name", "result", "result_label"}
    code, out, _ = run(capsys, "user", "logins", "--staff-no", "1001", "--limit", "1", "--json",
                       "--db", settings.db_url)
    assert [e["result"] for e in json.loads(out)] == ["bad_password"]
    code, out, _ = run(capsys, "user", "logins", "--db", settings.db_url)
    assert code == 0 and "密码错误" in out and "登录成功" in out


@pytest.mark.parametrize("argv", [("user", "passwd", "--password-stdin"), ("user", "disable"),
                                  ("user", "enable"), ("user", "logins")])
def test_unknown_staff_number(capsys, settings, monkeypatch, argv):
    stdin(monkeypatch, "long-enough-pw\n")
    code, _, err = run(capsys, *argv, "--staff-no", "7777", "--db", settings.db_url)
    assert code == 2 and "工号 7777 不存在" in err


def test_demo_and_production_use_different_default_files():
    production = load_settings(env={})
    demo = load_settings(env={}, demo=True)
    assert production.db_url.endswith("/console.sqlite3") and not production.demo
    assert demo.db_url.endswith("/demo.sqlite3") and demo.demo
    assert production.db_url.rsplit("/", 1)[0] == demo.db_url.rsplit("/", 1)[0]
    assert load_settings(env={"AGENT_CONSOLE_DEMO": "1"}) == demo
    assert load_settings(env={"AGENT_CONSOLE_DEMO": "0"}) == production
    # An explicit database is used as it is, in either mode.
    assert load_settings(env={"AGENT_CONSOLE_DB": "sqlite:///x.db"}, demo=True).db_url == \
        "sqlite:///x.db"
    assert load_settings("sqlite:///y.db", env={"AGENT_CONSOLE_DEMO": "yes"}).demo


def test_db_option_in_hints_masks_the_password():
    assert load_settings(env={}).db_option() == ""
    assert load_settings(env={}, demo=True).db_option().startswith("--db sqlite:///")
    pg = load_settings("postgresql+psycopg://seat:s3cret@db.example/hotline", env={})
    assert "s3cret" not in pg.db_option() and "db.example/hotline" in pg.db_option()


def test_seed_demo_and_user_add_pick_their_own_default_files(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(config, "user_data_dir", lambda: tmp_path)
    for var in ("AGENT_CONSOLE_DB", "AGENT_CONSOLE_DEMO"):
        monkeypatch.delenv(var, raising=False)
    code, out, _ = run(capsys, "seed", "--demo")
    assert code == 0 and "演示账号 10" in out
    assert (tmp_path / "demo.sqlite3").exists() and not (tmp_path / "console.sqlite3").exists()
    stdin(monkeypatch, "long-enough-pw\n")
    code, _, _ = run(capsys, "user", "add", "--staff-no", "9001", "--name", "赵管理", "--role",
                     "admin", "--password-stdin")
    assert code == 0 and (tmp_path / "console.sqlite3").exists()
    assert list(users(capsys, f"sqlite:///{tmp_path / 'console.sqlite3'}")) == ["9001"]
    code, out, _ = run(capsys, "--demo", "user", "list", "--json")
    assert len(json.loads(out)) == 10  # the demo file


def test_demo_refused_on_a_production_database(capsys, blank_db_url, monkeypatch):
    from agent_console.ui.app import ConsoleApp

    started = []
    monkeypatch.setattr(ConsoleApp, "run", lambda self, *a, **k: started.append(self))
    stdin(monkeypatch, "long-enough-pw\n")
    code, _, _ = run(capsys, "user", "add", "--staff-no", "9001", "--name", "赵管理", "--role",
                     "admin", "--password-stdin", "--db", blank_db_url)
    assert code == 0
    for argv in (("seed", "--demo"), ("--demo", "seed"), ("--demo",), ("--demo", "user", "list")):
        code, _, err = run(capsys, *argv, "--db", blank_db_url)
        assert code == 2, argv
        assert "不是以演示模式创建的" in err and "demo.sqlite3" in err
    assert started == []
    assert list(users(capsys, blank_db_url)) == ["9001"]  # no demo account got in
    code, _, _ = run(capsys, "--db", blank_db_url)  # production mode starts as before
    assert code == 0 and len(started) == 1
