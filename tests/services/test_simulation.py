"""The simulator plays history through the services: every order's timeline is consistent."""

from __future__ import annotations

from sqlalchemy import select

from agent_console.domain.clock import FrozenClock
from agent_console.services.container import open_services
from agent_console.services.simulation import Simulator
from agent_console.store.engine import make_session_factory
from agent_console.store.models import IntakeRecord, OrderEvent, WorkOrder
from tests.conftest import FROZEN_AT


def test_simulated_history_obeys_the_rules(settings):
    clock = FrozenClock(FROZEN_AT)
    services = open_services(settings, clock)
    try:
        report = Simulator(services, clock, seed=7).run(days=6, calls_per_day=50)
        assert sum(report.calls.values()) == 300
        assert {"answered", "work_order", "not_accepted"} <= set(report.calls)
        assert report.transitions["sign"] and report.transitions["complete"]
        with make_session_factory(services.engine)() as s:
            orders = s.scalars(select(WorkOrder)).all()
            assert len(orders) == report.calls["work_order"] + report.calls["expert_then_order"] + sum(
                1 for o in orders if o.intake_id and s.get(IntakeRecord, o.intake_id).outcome == "emergency")
            for order in orders:
                events = s.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id)
                                   .order_by(OrderEvent.at, OrderEvent.id)).all()
                assert events[0].action == "create", order.number
                for before, after in zip(events, events[1:]):
                    assert after.from_status == before.to_status, order.number
                    assert after.at >= before.at
                assert events[-1].to_status == order.status, order.number
    finally:
        services.close()


# What a seat agent files an emergency or a utility fault under, written out from the
# catalogue (data/categories.json): the hand-off line → the category paths that fit its words.
EMERGENCY_CATEGORIES = {
    "119": {"公共安全/消防安全/火灾隐患", "其他/非受理事项/紧急事项转办"},
    "120": {"其他/非受理事项/紧急事项转办"},
    "110": {"公共安全/社会治安/寻衅滋事", "公共安全/社会治安/治安隐患",
            "其他/非受理事项/紧急事项转办"},
    "122": {"交通出行/道路交通管理/交通事故处理", "其他/非受理事项/紧急事项转办"},
}
EMERGENCY_UNITS = {"119": {"xfzd", "zsj"}, "120": {"zsj"}, "110": {"gaj", "zsj"},
                   "122": {"jjzd", "zsj"}}


def test_simulated_emergencies_and_utility_faults_are_routed_by_their_words(settings):
    """Issue 9: “路口发生车祸有人受伤了” was filed as 户口迁出 and sent to 公安局."""
    from agent_console.services.simulation import UTILITY_FAULTS
    from agent_console.store.models import EmergencyHandoff

    clock = FrozenClock(FROZEN_AT)
    services = open_services(settings, clock)
    try:
        Simulator(services, clock, seed=11).run(days=4, calls_per_day=60)
        triage = services.reference.triage
        cats = services.catalog.categories()
        units = {u.id: u.code for u in services.catalog.units().values()}
        faults = dict(UTILITY_FAULTS)
        with make_session_factory(services.engine)() as s:
            handoffs = s.scalars(select(EmergencyHandoff)).all()
            assert len(handoffs) >= 4
            for h in handoffs:
                record = s.get(IntakeRecord, h.intake_id)
                assert h.service in triage.classify(record.content).services, record.content
                path = cats[record.category_id].path
                assert path in EMERGENCY_CATEGORIES[h.service], (record.content, path)
                if h.follow_up_order_id:
                    order = s.get(WorkOrder, h.follow_up_order_id)
                    assert units[order.lead_unit_id] in EMERGENCY_UNITS[h.service], \
                        (record.content, units[order.lead_unit_id])
            orders = [o for o in s.scalars(select(WorkOrder)) if o.content in faults]
            assert orders, "no utility fault was simulated"
            for order in orders:
                assert cats[order.category_id].path == faults[order.content]
                assert order.immediate_dispatch  # Art. 12: dispatched at once
                domains = {d for d, _kw in triage.classify(order.content).utilities}
                assert cats[order.category_id].domain in domains, order.content
    finally:
        services.close()


def test_simulated_terminations_rest_on_spaced_attempts_and_evidence(settings):
    """Art. 18(6) in the simulated history too: no termination from two calls a minute apart."""
    from agent_console.domain.workflow import spaced_attempts
    from agent_console.store.models import OrderNote

    clock = FrozenClock(FROZEN_AT)
    services = open_services(settings, clock)
    try:
        Simulator(services, clock, seed=5).run(days=6, calls_per_day=50)
        rule = services.reference.termination
        with make_session_factory(services.engine)() as s:
            asked = s.scalars(select(OrderEvent).where(
                OrderEvent.action == "request_termination")).all()
            assert asked, "no termination was simulated"
            for event in asked:
                tries = [n.at for n in s.scalars(select(OrderNote).where(
                    OrderNote.order_id == event.order_id, OrderNote.kind == "contact",
                    OrderNote.result.in_(("no_answer", "refused")), OrderNote.at <= event.at))]
                assert spaced_attempts(tries, rule.min_hours_apart) >= rule.min_failed_contacts
                assert "证明材料：" in event.reason
    finally:
        services.close()
