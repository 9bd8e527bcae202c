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
            assert len(orders) == report.calls["work_order"] + sum(
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
