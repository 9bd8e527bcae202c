"""SIGKILL of a real console process (tests/ui/kill_driver.py) around an outcome and around
F12, then a restart: the outcome is in the database exactly once or not at all with the form
intact, the next call's draft is back, and no online submission is left orphaned."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from textual.widgets import Input, TextArea

from agent_console.services.container import open_services
from agent_console.store.models import IntakeRecord, OnlineSubmission, WorkOrder
from tests.ui.helpers import SIZE, login, make_app, settle
from tests.ui.kill_driver import FIRST, NEXT

ROOT = Path(__file__).resolve().parents[2]


class Console:
    def __init__(self, settings, mode: str = "f7") -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.ui.kill_driver", settings.db_url,
             str(settings.state_dir), str(settings.cache_dir), mode],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def wait_for(self, word: str, timeout: float = 90.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError(f"console ended before {word}: {self.proc.stderr.read()}")
            if line.strip() == word:
                return
        raise AssertionError(f"no {word} within {timeout} s")

    def kill(self, after: float = 0.0) -> None:
        if after:
            time.sleep(after)
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.proc.stdout.close()
        self.proc.stderr.close()


def counts(services) -> tuple[int, int]:
    with services.engine.connect() as conn:
        return (conn.execute(select(func.count()).select_from(IntakeRecord)).scalar_one(),
                conn.execute(select(func.count()).select_from(WorkOrder)).scalar_one())


async def restart(settings, clock, check) -> None:
    """The agent starts the console again; what waited on this machine is delivered."""
    services = open_services(settings, clock)
    try:
        app = make_app(services)
        async with app.run_test(size=SIZE) as pilot:
            await login(pilot)
            end = time.monotonic() + 20
            while (app.outbox_counts[0] or services.outbox.counts()[0]) \
                    and time.monotonic() < end:
                await pilot.pause(0.2)
            await settle(pilot, 0.5)
            await check(app, services)
    finally:
        services.close()


def form(app) -> tuple[str, str]:
    return (app.screen.query_one("#f-number", Input).value,
            app.screen.query_one("#f-content", TextArea).text)


async def test_killed_right_after_an_outcome_the_outcome_is_there_once_and_the_draft_back(
        settings, clock):
    console = Console(settings)
    console.wait_for("TYPED")
    console.kill()

    async def check(app, services):
        assert counts(services) == (1, 1)
        assert form(app) == NEXT  # the next call, as it was being typed

    await restart(settings, clock, check)


@pytest.mark.parametrize("after", [0.0, 0.05, 0.2])
async def test_killed_within_200ms_of_f7_enter_it_is_all_or_nothing(settings, clock, after):
    console = Console(settings)
    console.wait_for("ENTER")
    console.kill(after)

    async def check(app, services):
        recorded = counts(services)
        assert recorded in ((0, 0), (1, 1)), recorded  # never half, never twice
        if recorded == (0, 0):
            assert form(app) == FIRST  # not recorded: the call is still in the form
        else:
            assert form(app) == ("", "")  # recorded: the form was cleared with it

    await restart(settings, clock, check)


async def test_killed_right_after_f12_the_submission_is_not_orphaned(settings, clock):
    services = open_services(settings, clock)
    services.online.import_rows([{"channel": "网站", "id": "W-77", "content": "小区路灯不亮了",
                                  "phone": "13912345678"}])
    services.close()
    console = Console(settings, mode="f12")
    console.wait_for("F12")
    console.kill()

    async def check(app, services):
        with services.engine.connect() as conn:
            status, taken_by = conn.execute(select(OnlineSubmission.status,
                                                   OnlineSubmission.taken_by_id)).one()
        if form(app)[1]:  # the draft was saved before the kill: the seat still has it
            assert form(app)[1] == "小区路灯不亮了" and status == "taken"
        else:  # no draft: back in the queue at this seat's start
            assert status == "pending" and taken_by is None

    await restart(settings, clock, check)
