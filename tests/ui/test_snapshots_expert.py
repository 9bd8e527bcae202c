"""Pictures of the seat's side of an expert transfer: the F6 dialog with who is on duty, and
the wait (frozen clock, both sizes)."""

from __future__ import annotations

import pytest
from textual.widgets import TextArea

from agent_console.domain.enums import Presence
from tests.ui.helpers import login, make_app, no_blink, settle

SIZES = {"80x24": (80, 24), "160x45": (160, 45)}
HEAT = "小区暖气不热，家里只有十几度"


@pytest.fixture
def db_url(tmp_path):
    """Pictures are the same on every database: taken once, on SQLite."""
    return f"sqlite:///{tmp_path / 'console.sqlite3'}"


def _on_duty(services) -> None:
    """2002, the expert for 供热, logged in and available."""
    services.expert.set_presence(services.accounts.authenticate("2002", "demo"),
                                 Presence.AVAILABLE)


def _f6(then_yes: bool):
    async def run_before(pilot):
        await login(pilot)
        no_blink(pilot.app)
        pilot.app.screen.query_one("#f-number").value = "13912345678"
        await pilot.press("f3")
        pilot.app.screen.query_one("#f-content", TextArea).insert(HEAT)
        await settle(pilot, 0.8)
        await pilot.press("f6")
        await settle(pilot)
        if then_yes:
            await pilot.press("y")
            await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_f6_dialog_shows_who_is_on_duty(snap_compare, services, size):
    _on_duty(services)
    assert snap_compare(make_app(services), terminal_size=SIZES[size], run_before=_f6(False))


@pytest.mark.parametrize("size", SIZES)
def test_seat_waits_for_the_expert(snap_compare, services, size):
    _on_duty(services)
    assert snap_compare(make_app(services), terminal_size=SIZES[size], run_before=_f6(True))
