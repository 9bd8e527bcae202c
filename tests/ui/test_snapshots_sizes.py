"""The seat and its F7, F8, F9 dialogs at 80×24 (a common terminal) and at 160×45."""

from __future__ import annotations

import pytest
from textual.widgets import TextArea

from tests.ui.helpers import login, make_app, no_blink, settle

SIZES = {"80x24": (80, 24), "160x45": (160, 45)}
FIRE = "家里着火了，厨房冒烟，我爸被烧伤了，在明仁小区5号楼"
HEAT = "小区暖气不热，家里只有十几度，投诉好几次了"


@pytest.fixture
def db_url(tmp_path):
    """Pictures are the same on every database: taken once, on SQLite."""
    return f"sqlite:///{tmp_path / 'console.sqlite3'}"


def _call(content: str, *keys: str):
    async def run_before(pilot):
        await login(pilot)
        no_blink(pilot.app)
        await pilot.press(*"13912345678")
        await pilot.press("f3")
        pilot.app.screen.query_one("#f-content", TextArea).insert(content)
        await settle(pilot, 0.8)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        no_blink(pilot.app)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_seat_during_an_emergency(snap_compare, services, size):
    assert snap_compare(make_app(services), terminal_size=SIZES[size], run_before=_call(FIRE))


@pytest.mark.parametrize("size", SIZES)
def test_seat_f7_dispatch(snap_compare, services, size):
    assert snap_compare(make_app(services), terminal_size=SIZES[size],
                        run_before=_call(HEAT, "f7"))


@pytest.mark.parametrize("size", SIZES)
def test_seat_f8_not_accepted(snap_compare, services, size):
    assert snap_compare(make_app(services), terminal_size=SIZES[size],
                        run_before=_call(HEAT, "f8"))


@pytest.mark.parametrize("size", SIZES)
def test_seat_f9_emergency_checklist(snap_compare, services, size):
    assert snap_compare(make_app(services), terminal_size=SIZES[size],
                        run_before=_call(FIRE, "f9"))
