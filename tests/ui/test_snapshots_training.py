"""Pictures of training: the simulated call with its transcript, the debrief, the trainer's
progress view (frozen clock, fixed size, seeded data)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from agent_console.domain.enums import Outcome
from agent_console.services.training_play import model_plan, perform
from tests.ui.helpers import SIZE, make_app, no_blink, settle
from tests.ui.test_training_ui import open_training, say, start

SMALL = (80, 24)


@pytest.fixture
def db_url(tmp_path):
    """Pictures are the same on every database: taken once, on SQLite."""
    return f"sqlite:///{tmp_path / 'console.sqlite3'}"


def _call_under_way():
    async def run_before(pilot):
        await open_training(pilot)
        practice = await start(pilot, "kb-streetlight")
        await say(pilot, practice, 20, "小区门口路灯坏了好几天，问归谁管")
        await pilot.press("f11")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot, 0.8)
        no_blink(pilot.app)

    return run_before


def test_practice_call_with_its_transcript(snap_compare, services):
    assert snap_compare(make_app(services), terminal_size=SIZE, run_before=_call_under_way())


def test_practice_call_at_80x24(snap_compare, services):
    assert snap_compare(make_app(services), terminal_size=SMALL, run_before=_call_under_way())


def test_debrief_of_a_wrong_handling(snap_compare, services):
    async def run_before(pilot):
        await open_training(pilot)
        practice = await start(pilot, "kb-streetlight")
        await say(pilot, practice, 20, "小区门口路灯坏了好几天，问归谁管")
        await pilot.press("f8")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_app(services), terminal_size=SIZE, run_before=run_before)


def _attempts(services):
    agent = services.accounts.authenticate("1001", "demo")
    for scenario_id, changes in (("kb-streetlight", {"action": Outcome.NOT_ACCEPTED, "reason": 1}),
                                 ("kb-streetlight", {}),
                                 ("na-1-out-of-jurisdiction", {"reason": 2}),
                                 ("na-1-out-of-jurisdiction", {})):
        scenario = services.training.scenario(scenario_id)
        call = services.practice.open(scenario, agent)
        try:
            handling, debrief, _m = perform(call, replace(model_plan(scenario), **changes))
        finally:
            call.close()
        services.training.record_attempt(agent, scenario, services.clock.now(), debrief, handling)


def test_trainer_progress_view(snap_compare, services):
    _attempts(services)

    async def run_before(pilot):
        screen = await open_training(pilot, "4001")
        screen.query_one("#training-tabs").active = "tab-progress"
        await settle(pilot)
        screen.query_one("#trainee-list").focus()
        await settle(pilot)

    assert snap_compare(make_app(services), terminal_size=SIZE, run_before=run_before)
