"""Art. 12 end to end through the services: what a call's text triggers (services, the unit
that must sign the follow-up, urgency) and the clock the order runs on, on a Friday night."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from agent_console.store.engine import make_session_factory
from agent_console.store.models import EmergencyHandoff, WorkOrder
from tests.services.helpers import draft

FRIDAY_NIGHT = datetime(2026, 11, 27, 19, 0)  # a Friday, after office hours

# text → services, follow-up unit code (None: no follow-up from the text), urgency,
# minutes to sign, hours to complete (both on the real clock)
TABLE = [
    ("家里着火了，厨房冒烟", ("119",), "xfzd", "特急", 15, 2),
    ("家里着火了，我爸被烧伤了", ("119", "120"), "xfzd", "特急", 15, 2),
    ("家里燃气泄漏了，满屋子煤气味", ("119",), "gas_city", "特急", 15, 2),
    ("路口发生车祸有人受伤了", ("122", "120"), "jjzd", "特急", 15, 2),
    ("我们小区停电了", (), "power", "紧急", 30, 12),
    ("街上水管爆裂了，水漫到路上", (), "water_city", "紧急", 30, 12),
]
NOT_EMERGENCIES = ["建国路的路灯坏了好几天", "楼上装修噪音太大，晚上也不停", "燃气灶打不着火"]


@pytest.mark.parametrize("text,services_,unit,urgency,sign_minutes,due_hours", TABLE)
def test_triage_table(services, text, services_, unit, urgency, sign_minutes, due_hours):
    triage = services.reference.triage.classify(text)
    assert triage.services == services_
    assert triage.immediate_dispatch or services_  # Art. 12: to the unit at once
    follow = services.dispatch.follow_up(triage, None, "科尔沁区", "咨询", "一般", FRIDAY_NIGHT)
    assert follow is not None
    assert services.catalog.units()[follow.dispatch.lead.id].code == unit
    assert follow.urgency == urgency
    # on the clock: signed within minutes, done within hours, Friday night included
    assert follow.dispatch.sign_by == FRIDAY_NIGHT + timedelta(minutes=sign_minutes)
    assert follow.dispatch.due_at <= FRIDAY_NIGHT + timedelta(hours=due_hours)
    assert "全天候计时" in follow.dispatch.rule_text


@pytest.mark.parametrize("text", NOT_EMERGENCIES)
def test_ordinary_requests_are_not_emergencies(services, text):
    triage = services.reference.triage.classify(text)
    assert triage.services == () and not triage.kinds


def test_an_ordinary_order_counts_office_hours_and_an_immediate_one_the_clock(services):
    noise = services.reference.triage.classify("楼上装修噪音太大")
    cat = next(c.id for c in services.catalog.leaf_categories() if "噪声" in c.path)
    ordinary = services.dispatch.propose(cat, "科尔沁区", "投诉", "一般", FRIDAY_NIGHT,
                                         immediate=noise.immediate_dispatch)
    assert ordinary.sign_by >= datetime(2026, 11, 30, 8, 30)  # Monday morning
    leak = services.reference.triage.classify("家里燃气泄漏了")
    gas = services.dispatch.follow_up(leak, None, "科尔沁区", "投诉", "一般", FRIDAY_NIGHT)
    assert gas.dispatch.sign_by.date() == FRIDAY_NIGHT.date()


def test_a_fire_with_an_injured_person_goes_to_119_and_120_with_one_order(services, agent):
    text = "家里着火了，我爸被烧伤了"
    triage = services.reference.triage.classify(text)
    now = services.clock.now()  # the order is made now, as the dialog showed
    follow = services.dispatch.follow_up(triage, None, "科尔沁区", "咨询", "一般", now)
    d = draft(content=text, category_id=follow.category_id, region="科尔沁区",
              request_type=follow.request_type, urgency=follow.urgency)
    result = services.intake.emergency_handoff(agent, d, now, ["119", "120"],
                                               "明仁小区5号楼厨房着火，一人烧伤",
                                               follow.dispatch.lead.id)
    assert "119、120" in result.message and "消防救援支队" in result.message
    with make_session_factory(services.engine)() as s:
        handoffs = s.scalars(select(EmergencyHandoff).order_by(EmergencyHandoff.id)).all()
        order = s.scalar(select(WorkOrder))
    assert [h.service for h in handoffs] == ["119", "120"]
    assert {h.follow_up_order_id for h in handoffs} == {order.id}
    assert order.urgency == "特急" and order.immediate_dispatch
    assert (order.sign_by, order.due_at) == (follow.dispatch.sign_by, follow.dispatch.due_at)


def test_one_service_as_kept_by_an_older_outbox_entry_still_records(services, agent):
    d = draft(content="楼道起火了，很大的烟")
    services.intake.emergency_handoff(agent, d, FRIDAY_NIGHT, summary="楼道起火", service="119")
    with make_session_factory(services.engine)() as s:
        assert [h.service for h in s.scalars(select(EmergencyHandoff))] == ["119"]
