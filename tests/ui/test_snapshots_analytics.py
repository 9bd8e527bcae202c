"""Pictures of 统计分析 (Ctrl+Y) at 80×24 and 160×45 on a simulated history (fixed seed,
frozen clock): the dashboard's 总览 for this month, and its 趋势 (calls and orders per day
and per hour; at 80×24 one chart at a time)."""

from __future__ import annotations

import pytest

from agent_console.services.simulation import Simulator
from tests.conftest import FROZEN_AT
from tests.ui.helpers import SIZE, login, make_app, no_blink, settle

SMALL = (80, 24)
SIZES = pytest.mark.parametrize("size", [SMALL, SIZE], ids=["80x24", "160x45"])


@pytest.fixture
def db_url(tmp_path):
    """Pictures are the same on every database: taken once, on SQLite."""
    return f"sqlite:///{tmp_path / 'console.sqlite3'}"


@pytest.fixture
def history(services, clock):
    Simulator(services, clock, seed=3).run(days=10, calls_per_day=15)
    clock.set(FROZEN_AT)
    return services


def _open(*keys: str):
    async def run_before(pilot):
        await login(pilot, "3003")
        await pilot.press("ctrl+y")
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        await settle(pilot, 0.2)  # the charts draw at their size once laid out
        no_blink(pilot.app)

    return run_before


@SIZES
def test_the_dashboard_this_month(snap_compare, history, size):
    assert snap_compare(make_app(history), terminal_size=size, run_before=_open("m"))


@SIZES
def test_the_trend_charts(snap_compare, history, size):
    assert snap_compare(make_app(history), terminal_size=size, run_before=_open("m", "5"))
