"""A month's counts of work orders (agent-console orders count; bench volume times it),
checked against the same orders counted a second way from the full list."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from agent_console.domain.enums import OPEN_ORDER_STATUSES
from agent_console.domain.workflow import Action
from tests.conftest import FROZEN_AT
from tests.services.helpers import HEATING_PATH, category_id, draft


def act(services, who, number, action, reason="", **kw):
    _, version = services.orders.status_of(number)
    return services.orders.act(who, number, action, version, reason, **kw)


def test_a_month_is_counted_by_status_and_unit_as_the_orders_stand_now(services, agent, clock):
    cat = category_id(services, HEATING_PATH)
    heat = services.dispatch.propose(cat, "科尔沁区", "投诉", "一般", FROZEN_AT).lead
    other = services.catalog.unit_by_code("zjj")
    liaison = services.accounts.authenticate("5001", "demo")

    def order(lead):
        return services.intake.create_work_order(
            agent, draft(category_id=cat, region="科尔沁区"), clock.now(), lead.id).order_number

    clock.set(FROZEN_AT.replace(day=30, hour=23, minute=50) - timedelta(days=31))  # October
    october = order(heat)
    clock.set(FROZEN_AT)  # November
    mine = [order(heat) for _ in range(3)]
    theirs = [order(other) for _ in range(2)]
    act(services, liaison, mine[0], Action.SIGN)
    clock.set(FROZEN_AT.replace(day=30, hour=23, minute=59))
    last = order(heat)  # the last minute of the month still counts
    clock.set(FROZEN_AT + timedelta(days=6))  # December: some deadlines have passed
    order(heat)

    now = clock.now()
    counts = services.records.month_counts(2026, 11, now)
    month = [r for r in services.records.orders(limit=10_000) if r.created_at.month == 11]
    assert {r.number for r in month} == {*mine, *theirs, last} and october not in \
        {r.number for r in month}
    assert counts.month == "2026-11" and counts.created == len(month) == 6
    assert dict(counts.by_status) == Counter(r.status for r in month)
    open_values = {s.value for s in OPEN_ORDER_STATUSES}
    for unit in counts.by_unit:
        rows = [r for r in month if r.lead_unit == unit.unit]
        assert unit.created == len(rows)
        assert unit.open == sum(r.status in open_values for r in rows)
        assert unit.overdue == sum(r.status in open_values and r.due_at < now for r in rows)
    assert [u.unit for u in counts.by_unit] == [heat.name, other.name]  # most orders first
    assert counts.by_unit[0].overdue >= 1  # the sign-for deadlines of November's have passed
    # a liaison counts the own unit's orders only
    own = services.records.month_counts(2026, 11, now, viewer=liaison)
    assert [u.unit for u in own.by_unit] == [heat.name] and own.created == 4
