"""A unit's queues (its liaison's orders screen): the orders it leads and those it co-handles,
each queue checked against the same orders picked out a second way from the centre's list."""

from __future__ import annotations

from datetime import timedelta

from agent_console.domain.enums import OrderStatus as S
from agent_console.domain.workflow import Action
from agent_console.services.records import QUEUE_PAGE
from agent_console.ui.screens.orders import SUPERVISED, UNIT_QUEUES
from tests.conftest import FROZEN_AT
from tests.services.helpers import HEATING_PATH, category_id, draft

DONE = {"resolution": "已解决", "caller_view": "满意"}


def act(services, who, number, action, reason="", **kw):
    _, version = services.orders.status_of(number)
    return services.orders.act(who, number, action, version, reason, **kw)


def _expected(services, unit_name: str, statuses, now) -> list[str]:
    """The queue picked out of every order the centre sees, by the rules the screen states."""
    everything = services.records.orders(limit=10_000)
    mine = [r for r in everything if r.lead_unit == unit_name or unit_name in r.co_handlers]
    if statuses is None:  # 超期: open and past the deadline, most overdue first
        rows = [r for r in mine if r.status in {s.value for s in OPEN} and r.due_at < now]
        return [r.number for r in sorted(rows, key=lambda r: (r.due_at, r.number))]
    if statuses == SUPERVISED:
        rows = [r for r in mine if r.status in {s.value for s in OPEN} and r.supervision_level]
        return [r.number for r in sorted(rows, key=lambda r: (r.due_at, r.number))]
    rows = [r for r in mine if not statuses or r.status in {s.value for s in statuses}]
    return [r.number for r in sorted(rows, key=lambda r: (r.created_at, r.number), reverse=True)]


OPEN = (S.AWAITING_DISPATCH, S.AWAITING_SIGN, S.IN_PROGRESS, S.RETURN_REVIEW,
        S.EXTENSION_REVIEW, S.TERMINATION_REVIEW)


def _queue(services, viewer, statuses, now) -> list[str]:
    rows = services.records.orders(
        limit=QUEUE_PAGE, viewer=viewer,
        statuses=tuple(s.value for s in statuses) if statuses and statuses != SUPERVISED else (),
        overdue_at=now if statuses is None else None, supervised=statuses == SUPERVISED)
    return [r.number for r in rows]


def test_every_unit_queue_holds_what_it_leads_and_co_handles_as_orders_move(services, agent,
                                                                           clock):
    cat = category_id(services, HEATING_PATH)
    heat = services.dispatch.propose(cat, "科尔沁区", "投诉", "一般", FROZEN_AT).lead
    other = services.catalog.unit_by_code("zjj")
    mine = services.accounts.authenticate("5001", "demo")  # the heating unit's liaison
    theirs = services.accounts.add_user("5003", "住建联络员", "unit_liaison", "long-password", "zjj")

    def order(lead, co=(), minutes=1):
        clock.advance(minutes=minutes)
        return services.intake.create_work_order(
            agent, draft(category_id=cat, region="科尔沁区", caller_number="13912345678"),
            clock.now(), lead.id, co).order_number

    led = [order(heat) for _ in range(3)]
    helped = [order(other, (heat.id,)) for _ in range(3)]
    unrelated = order(other)

    def check():
        now = clock.now()
        for name, statuses in UNIT_QUEUES:
            got = _queue(services, mine, statuses, now)
            assert got == _expected(services, heat.name, statuses, now), name
            assert unrelated not in got

    check()
    # the orders move: the copy on the co-handler rows follows each one
    act(services, mine, led[0], Action.SIGN)
    act(services, theirs, helped[0], Action.SIGN)
    act(services, theirs, helped[1], Action.SIGN)
    act(services, theirs, helped[1], Action.REQUEST_EXTENSION, "需协调多个部门现场处置",
        new_due_at=clock.now() + timedelta(days=30))
    services.orders.submit_part(mine, helped[0], "已督促供热企业整改")
    act(services, theirs, helped[0], Action.COMPLETE, "已整改，室温达标", **DONE)
    check()
    assert helped[0] in _queue(services, mine, (S.COMPLETED, S.CALLED_BACK), clock.now())
    assert helped[1] in _queue(services, mine, (S.RETURN_REVIEW, S.EXTENSION_REVIEW,
                                                S.TERMINATION_REVIEW), clock.now())
    # past the deadlines and raised by the scan (Art. 19): by deadline, co-handled ones too
    clock.advance(days=40)
    services.supervision.scan()
    overdue = _queue(services, mine, None, clock.now())
    assert helped[2] in overdue and led[1] in overdue
    assert helped[2] in _queue(services, mine, SUPERVISED, clock.now())
    check()
