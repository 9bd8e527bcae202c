"""A desk's change is decided on the order as it is at commit time, not as it was read a
moment earlier: the order's row is locked for the change. (Found by ``bench load``: a unit's
contact note written with from_status 办理中 onto an order another liaison had just completed.)"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import insert, select, update

from agent_console.domain.workflow import Action
from agent_console.services.errors import ServiceError
from agent_console.store.models import OrderEvent, OrderNote, WorkOrder
from tests.services.test_orders import act, order  # noqa: F401 - the fixture


@pytest.fixture
def signed(services, order):  # noqa: F811 - the imported fixture
    liaison = services.accounts.authenticate("5001", "demo")
    act(services, liaison, order, Action.SIGN)
    return order, liaison


def test_a_note_waits_for_a_completion_in_flight_and_is_then_refused(services, signed):
    number, liaison = signed
    outcome: list = []
    with services.engine.connect() as conn:
        tx = conn.begin()  # another desk completes the order; not yet committed
        row = conn.execute(select(WorkOrder.id, WorkOrder.version, WorkOrder.created_by_id)
                           .where(WorkOrder.number == number)).one()
        conn.execute(update(WorkOrder).where(WorkOrder.id == row.id)
                     .values(status="已办结", version=row.version + 1))
        conn.execute(insert(OrderEvent).values(
            order_id=row.id, at=services.clock.now(), actor_id=liaison.id, action="complete",
            from_status="办理中", to_status="已办结", reason="已办理"))

        def note() -> None:
            try:
                services.orders.log_contact(liaison, number, "reached", "已电话联系诉求人")
                outcome.append("written")
            except ServiceError as exc:
                outcome.append(exc.message)

        thread = threading.Thread(target=note)
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive(), "the note did not wait for the change in flight"
        tx.commit()
    thread.join(timeout=30)
    assert outcome and outcome[0] != "written"
    with services.engine.connect() as conn:
        events = conn.execute(select(OrderEvent.action, OrderEvent.from_status)
                              .where(OrderEvent.order_id == row.id)
                              .order_by(OrderEvent.id)).all()
        notes = conn.execute(select(OrderNote.id).where(OrderNote.order_id == row.id)).all()
    assert events[-1] == ("complete", "办理中") and not notes
