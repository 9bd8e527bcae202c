"""Pictures of the units' knowledge base (frozen clock, fixed size, seeded data): the centre's
review with a change's diff, and the liaison's articles and changes, at 160×45 and 80×24."""

from __future__ import annotations

import pytest

from tests.services.helpers import HEATING_PATH
from tests.ui.helpers import SIZE, login, make_app, no_blink, settle

SMALL = (80, 24)


@pytest.fixture
def db_url(tmp_path):
    """Pictures are the same on every database: taken once, on SQLite."""
    return f"sqlite:///{tmp_path / 'console.sqlite3'}"


def _changes(services) -> None:
    """An edit of KB-UC-005 (answer, title, validity), then a new article, both waiting; one
    earlier change of KB-UC-006 sent back with a reason."""
    liaison = services.accounts.authenticate("5001", "demo")
    reviewer = services.accounts.authenticate("3003", "demo")
    review = services.kb_review
    data = review.current(liaison, "KB-UC-006")
    rejected = review.submit(liaison, "KB-UC-006", dict(data, title="上门测温申请"))
    review.reject(reviewer, rejected, "标题过于简略，请写明“如何申请上门测温”")
    services.clock.advance(minutes=10)
    data = review.current(liaison, "KB-UC-005")
    review.submit(liaison, "KB-UC-005", dict(
        data, title="室温低于18℃怎么办", valid_until="2028-04-30",
        answer=data["answer"].replace("不低于18℃", "不低于20℃"),
        keywords=data["keywords"] + ["20度"]))
    services.clock.advance(minutes=10)
    review.submit(liaison, None, {
        "title": "蒙速办缴纳供热费的办理流程", "phrasings": ["蒙速办怎么交暖气费"],
        "answer": "城区居民可以通过蒙速办App首页的“供热缴费”栏目缴纳供热费，电子票据即时发送。",
        "policy_basis": "通辽市2026年供热工作通知", "keywords": ["蒙速办", "缴费"],
        "valid_until": "2027-04-30", "domain": "供热", "category": HEATING_PATH})


def _open(staff_no: str, *keys: str):
    async def run_before(pilot):
        await login(pilot, staff_no)
        await pilot.press("ctrl+k")
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        no_blink(pilot.app)
        await settle(pilot)

    return run_before


def test_review_with_a_change_s_diff(snap_compare, services):
    _changes(services)
    assert snap_compare(make_app(services), terminal_size=SIZE, run_before=_open("3003"))


def test_review_at_80x24(snap_compare, services):
    _changes(services)
    assert snap_compare(make_app(services), terminal_size=SMALL, run_before=_open("3003"))


def test_liaison_s_articles(snap_compare, services):
    _changes(services)
    assert snap_compare(make_app(services), terminal_size=SIZE, run_before=_open("5001"))


def test_liaison_s_changes_with_a_rejection_at_80x24(snap_compare, services):
    _changes(services)
    assert snap_compare(make_app(services), terminal_size=SMALL,
                        run_before=_open("5001", "2", "down", "down"))


def test_liaison_s_editor_with_a_refused_field_at_80x24(snap_compare, services):
    async def refused(pilot):
        await _open("5001", "n")(pilot)
        screen = pilot.app.screen
        screen.query_one("#kbe-title").value = "蒙速办缴纳供热费"
        screen.query_one("#kbe-valid_until").value = "2027-02-30"
        await pilot.press("ctrl+s")
        await settle(pilot)
        no_blink(pilot.app)

    assert snap_compare(make_app(services), terminal_size=SMALL, run_before=refused)
