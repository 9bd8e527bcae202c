"""Crashes are visible: a bug exits with status 1, its traceback in the log file and one
Chinese line on the screen; a database error reaching the app leaves the console running."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.exc import OperationalError
from textual.app import App

from agent_console.cli import main
from agent_console.logs import setup_logging
from agent_console.ui.app import ConsoleApp
from agent_console.ui.screens.seat import SeatScreen
from tests.ui.helpers import SIZE, login, make_app, screen_text, settle


async def test_a_database_error_in_a_timer_leaves_the_console_running(services):
    def broken():
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    app = make_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        app.set_timer(0.05, broken)
        await settle(pilot, 0.3)
        assert app.is_running and app.return_code is None
        # the header said so; the probe then found the database there and says that
        assert "数据库连接中断" in screen_text(app) or "数据库已恢复" in screen_text(app)
        assert app.services.health.state().since is not None
        await pilot.press("f1")  # and the seat still answers
        await settle(pilot)
        assert "坐席受理 · 快捷键" in screen_text(app) or app.screen.__class__.__name__ == "HelpScreen"


async def test_a_bug_in_showing_a_result_is_logged_and_the_console_goes_on(services, tmp_path):
    from agent_console.ui.work import run_db

    log_path = setup_logging(tmp_path / "log")
    app = make_app(services, log_path=log_path)
    with pytest.raises(ZeroDivisionError):  # kept for the test run, re-raised at its end
        async with app.run_test(size=SIZE) as pilot:
            await login(pilot)
            run_db(app.screen, lambda: 1, done=lambda _r: 1 / 0)
            await settle(pilot)
            assert app.is_running
            assert "发生内部错误" in " ".join(app.said)
    logging.shutdown()
    assert "ZeroDivisionError" in log_path.read_text(encoding="utf-8")


async def test_a_bug_exits_with_status_1_and_the_traceback_in_the_log(services, monkeypatch,
                                                                     tmp_path):
    log_path = setup_logging(tmp_path / "log")

    def broken(self):
        raise RuntimeError("a bug in a handler")

    monkeypatch.setattr(SeatScreen, "action_help", broken)
    app = make_app(services, log_path=log_path)
    printed: list = []
    original = app._fatal_error

    def fatal() -> None:  # what is printed on the terminal once the screen closes
        original()
        printed.extend(app._exit_renderables)

    app._fatal_error = fatal
    with pytest.raises(RuntimeError):
        async with app.run_test(size=SIZE) as pilot:
            await login(pilot)
            await pilot.press("f1")
            await settle(pilot)
    assert app.return_code == 1
    shown = " ".join(str(r) for r in printed)
    assert "工作台发生内部错误" in shown and str(log_path) in shown and "Traceback" not in shown
    logging.shutdown()
    text = log_path.read_text(encoding="utf-8")
    assert "Traceback" in text and "a bug in a handler" in text


def test_the_command_returns_non_zero_after_a_crash(settings, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("AGENT_CONSOLE_LOG_DIR", str(tmp_path / "log"))
    monkeypatch.setenv("AGENT_CONSOLE_STATE", str(tmp_path / "state"))

    def crash_on_start(self):
        raise RuntimeError("crash at start")

    monkeypatch.setattr(ConsoleApp, "on_mount", crash_on_start)
    monkeypatch.setattr(ConsoleApp, "run", lambda self, **kw: App.run(self, headless=True))
    code = main(["--db", settings.db_url])
    assert code == 1
    err = capsys.readouterr().err
    assert "工作台异常退出" in err and str(tmp_path / "log") in err
    logging.shutdown()
    text = (tmp_path / "log" / "console.log").read_text(encoding="utf-8")
    assert "crash at start" in text and "console exited with status 1" in text
