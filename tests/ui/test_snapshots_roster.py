"""Pictures of 专家值班 at 80×24 and 160×45: the roster (experts of three units, one on a
break, one placed for a month with a note) and the Art. 14(2) ranking (a busy category
answered less often than the centre is marked for an on-site expert; a quiet one, however
poorly answered, is not). Frozen clock, fixed sizes, theme and data."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agent_console.domain.enums import Presence
from tests.conftest import FROZEN_AT
from tests.services.helpers import HEATING_PATH, category_id, draft, units_also_handle
from tests.ui.helpers import SIZE, login, make_app, no_blink, settle

SMALL = (80, 24)
SIZES = pytest.mark.parametrize("size", [SMALL, SIZE], ids=["80x24", "160x45"])
PENSION = "社会保障/养老保险/养老金发放"
EDUCATION = "教育/入学招生/小学入学"


@pytest.fixture
def db_url(tmp_path):
    """Pictures are the same on every database: taken once, on SQLite."""
    return f"sqlite:///{tmp_path / 'console.sqlite3'}"


def _roster(services) -> None:
    units_also_handle(services, "教育")  # the demo experts' units, here
    supervisor = services.accounts.authenticate("3003", "demo")
    services.expert.add_roster(supervisor, "2003", [category_id(services, "教育")],
                               FROZEN_AT.date() - timedelta(days=3),
                               FROZEN_AT.date() + timedelta(days=27),
                               note="开学季派驻，[bold]周末[/bold]不在岗")
    for staff_no, status in (("2001", Presence.BREAK), ("2002", Presence.AVAILABLE)):
        services.expert.set_presence(services.accounts.authenticate(staff_no, "demo"), status)


def _calls(services) -> None:
    """52 calls in 30 days: 养老金发放 22 (20 answered, 12 this week), 供暖温度不达标 24
    (8 answered, 10 this week), 小学入学 6 (2 answered, all this week); the centre answers
    30 of 52 (58%)."""
    agent = services.accounts.authenticate("1001", "demo")
    clock = services.clock
    plan = ((PENSION, 22, 20, 12), (HEATING_PATH, 24, 8, 10), (EDUCATION, 6, 2, 6))
    n = 0
    for path, calls, answered, this_week in plan:
        cat = category_id(services, path)
        for i in range(calls):
            n += 1
            clock.set(FROZEN_AT - timedelta(days=1 + i % 6 if i < this_week else 8 + i % 20,
                                            hours=1))
            d = draft(caller_number=f"139{n:08d}", category_id=cat, region="科尔沁区",
                      request_type="投诉")
            if i < answered:
                services.intake.answer_online(agent, d, clock.now(), None, "已按政策当场答复")
            else:
                lead = services.dispatch.propose(cat, "科尔沁区", "投诉", "一般", clock.now()).lead
                services.intake.create_work_order(agent, d, clock.now(), lead.id)
    clock.set(FROZEN_AT)


def _open(tab_key: str):
    async def run_before(pilot):
        await login(pilot, "3003")
        await pilot.press("ctrl+b")
        await settle(pilot)
        await pilot.press(tab_key)
        await settle(pilot)
        no_blink(pilot.app)

    return run_before


@SIZES
def test_the_roster(snap_compare, services, size):
    _roster(services)
    assert snap_compare(make_app(services), terminal_size=size, run_before=_open("1"))


@SIZES
def test_the_attention_ranking(snap_compare, services, size):
    _calls(services)
    ranking = services.expert.attention()
    assert [(r.category, r.calls_7, r.calls_30, r.answered_30, r.flagged) for r in ranking] == [
        (PENSION, 12, 22, 20, False), (HEATING_PATH, 10, 24, 8, True),
        (EDUCATION, 6, 6, 2, False)]
    assert snap_compare(make_app(services), terminal_size=size, run_before=_open("3"))
