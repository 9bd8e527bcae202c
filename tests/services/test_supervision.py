from __future__ import annotations


import pytest

from agent_console.services.errors import PermissionDenied
from tests.conftest import FROZEN_AT
from tests.services.helpers import HEATING_PATH, category_id, draft


def make_order(services, agent, phone="13912345678"):
    cat = category_id(services, HEATING_PATH)
    lead = services.dispatch.propose(cat, "科尔沁区", "咨询", "一般", FROZEN_AT).lead
    return services.intake.create_work_order(
        agent, draft(category_id=cat, region="科尔沁区", caller_number=phone), FROZEN_AT,
        lead.id).order_number


def test_overdue_orders_are_raised_once_per_tier(services, agent, clock):
    number = make_order(services, agent)
    assert services.supervision.scan().raised == 0  # not due yet
    clock.advance(days=8)  # 3 working days + weekend: overdue by a few days
    report = services.supervision.scan()
    assert report.raised == 1
    level = services.orders.show(number).supervision_level
    assert level >= 1
    assert services.supervision.scan().raised == 0  # same tier: nothing new
    clock.advance(days=20)
    assert services.supervision.scan().raised == 1
    view = services.orders.show(number)
    assert view.supervision_level == 3
    auto = [e for e in view.events if e.action == "supervise"]
    assert len(auto) == 2 and "第十九条" in auto[0].reason
    assert {e.actor for e in auto} == {"3003 周建军"}  # signed by the supervisor on duty


def test_scan_needs_the_supervision_desk(services, agent):
    for staff_no in ("1001", "3001", "3002", "5001"):
        with pytest.raises(PermissionDenied, match="只有督办员"):
            services.supervision.scan(actor=services.accounts.authenticate(staff_no, "demo"))
    assert services.supervision.scan(actor=services.accounts.authenticate("3003", "demo")).raised == 0


def test_ranking_and_stale_articles(services, agent, clock):
    make_order(services, agent)
    clock.advance(days=10)
    services.supervision.scan()
    ranking = services.supervision.ranking()
    heat = next(u for u in ranking if u.open_orders)
    assert heat.overdue == 1 and heat.supervised == 1
    stale = services.supervision.stale_articles()
    assert stale and all(valid < clock.now().date() for *_x, valid in stale)
    assert any(u.stale_articles for u in ranking)


def _act(services, who, number, action, reason="", **kw):
    _, version = services.orders.status_of(number)
    return services.orders.act(who, number, action, version, reason, **kw)


def test_unsigned_past_the_sign_for_deadline_is_raised_once(services, agent, clock):
    number = make_order(services, agent)
    view = services.orders.show(number)
    clock.advance(hours=3)  # sign-for deadline (2 working hours) passed, due date not yet
    assert clock.now() > view.sign_by and clock.now() < view.due_at
    assert services.supervision.scan().raised == 1
    view = services.orders.show(number)
    assert view.supervision_level == 1
    assert "仍未签收（第十九条第（一）项），督办级别 0→1" in view.events[-1].reason
    assert services.supervision.scan().raised == 0  # once
    from agent_console.domain.workflow import Action

    liaison = services.accounts.authenticate("5001", "demo")
    _act(services, liaison, number, Action.SIGN)  # signed late: nothing more to raise
    assert services.supervision.scan().raised == 0


def test_returning_again_after_a_rejection_raises_a_notice_signed_by_the_system(
        services, agent, clock):
    """Art. 17, 19(1): a rejected return is the centre's ruling, no supervision; asking to
    return the same order again is refusing it, raised by the rules and signed by the system
    (as the scan signs), not by the liaison who asked or the dispatcher who rejected."""
    from agent_console.domain.workflow import Action

    number = make_order(services, agent)
    other = make_order(services, agent, phone="13800001111")
    liaison = services.accounts.authenticate("5001", "demo")
    dispatcher = services.accounts.authenticate("3001", "demo")
    _act(services, liaison, number, Action.REQUEST_RETURN, "不属本公司供热范围")
    view = _act(services, dispatcher, number, Action.REJECT_RETURN, "属供热公司职责范围")
    assert view.status == "办理中" and view.supervision_level == 0
    assert [e.action for e in view.events][-1] == "reject_return"
    assert services.supervision.notices() == [n for n in services.supervision.notices()
                                              if n.status == "知识库"]
    view = _act(services, liaison, number, Action.REQUEST_RETURN, "仍认为不属本公司供热范围")
    assert view.status == "退回审核" and view.supervision_level == 1
    assert [(e.action, e.actor) for e in view.events][-2:] == [
        ("request_return", f"5001 {liaison.name}"), ("supervise", "3003 周建军")]
    assert "拒不接受诉求工单（第十九条第（一）项）" in view.events[-1].reason
    # approved and redispatched: the new lead starts with a clean slate
    view = _act(services, dispatcher, number, Action.APPROVE_RETURN, "理由成立")
    view = _act(services, dispatcher, number, Action.DISPATCH, "改派", lead_unit_id=view.lead_unit_id)
    _act(services, liaison, number, Action.REQUEST_RETURN, "再议")
    assert services.orders.show(number).supervision_level == 1
    clock.advance(hours=1)
    supervisor = services.accounts.authenticate("3003", "demo")
    _act(services, supervisor, other, Action.SUPERVISE, "人工督办：诉求人多次来电催办")
    notices = services.supervision.notices()
    assert [n.number for n in notices] == [other, number]  # newest first
    assert notices[0].actor == "3003 周建军" and notices[0].reason == "人工督办：诉求人多次来电催办"
    unit = services.catalog.unit_by_code("heat_city")
    assert len(services.supervision.notices(unit_id=unit.id)) == 2
    assert services.supervision.notices(unit_id=services.catalog.unit_by_code("zjj").id) == []
    # a liaison sees only the own unit's notices, whatever it asks for
    assert len(services.supervision.notices(unit_id=None, viewer=liaison)) == 2
    ranking = {u.unit: u for u in services.supervision.ranking()}
    assert ranking[unit.name].unit_id == unit.id and ranking[unit.name].supervised == 2


def test_out_of_date_kb_articles_raise_a_unit_notice_once_per_tier(services, clock):
    report = services.supervision.scan()
    stale = services.supervision.stale_articles()
    units = {unit for unit, *_rest in stale}
    assert report.raised == 0 and report.kb_units == len(units) > 0
    notices = services.supervision.notices()
    kb = [n for n in notices if n.status == "知识库"]
    assert {n.unit for n in kb} == units and all(n.number == "" for n in kb)
    oldest = min(valid for *_x, valid in stale)
    assert all("第十九条第（四）项" in n.reason for n in kb)
    age = (clock.now().date() - oldest).days
    assert max(n.level for n in kb) == (3 if age >= 90 else 2 if age >= 30 else 1)
    assert services.supervision.scan().kb_units == 0  # same tier: no second notice
    heat = services.catalog.unit_by_code("heat_city")
    own = services.supervision.notices(unit_id=heat.id)
    assert all(n.unit == heat.name for n in own)


def test_stale_notices_follow_reviewed_edits_and_retirements(services, clock):
    """Art. 19(4) on the units' own KB: a reviewed new validity date, or a reviewed
    retirement, takes the article off the stale list the notices count."""
    clock.advance(days=10)
    stale = services.supervision.stale_articles()
    assert len(stale) >= 2
    (_unit, renewed, *_r), (_unit2, retired, *_r2) = stale[0], stale[1]
    reviewer = services.accounts.authenticate("3003", "demo")
    admin = services.accounts.authenticate("9001", "demo")  # may edit any unit's article
    data = dict(services.kb_review.current(admin, renewed), valid_until="2030-12-31")
    services.kb_review.approve(reviewer, services.kb_review.submit(admin, renewed, data))
    services.kb_review.approve(reviewer, services.kb_review.retire(admin, retired, "政策已废止"))
    left = {article for _u, article, *_x in services.supervision.stale_articles()}
    assert renewed not in left and retired not in left
    ranking = {u.unit_id: u.stale_articles for u in services.supervision.ranking()}
    assert sum(ranking.values()) == len(left)
