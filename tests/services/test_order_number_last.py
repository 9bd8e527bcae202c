"""The day's order counter is taken as the intake transaction's last statement (issue 10): at
fifty seats the one counter row held for a whole intake serialised every order of the city."""

from __future__ import annotations

from sqlalchemy import event

from tests.services.helpers import HEATING_PATH, category_id, draft


def test_the_counter_is_the_last_statement_before_the_commit(services, agent):
    cat = category_id(services, HEATING_PATH)
    lead = services.dispatch.propose(cat, "科尔沁区", "投诉", "一般", services.clock.now()).lead
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()).upper())

    event.listen(services.engine, "before_cursor_execute", seen)
    try:
        first = services.intake.create_work_order(
            agent, draft(category_id=cat, region="科尔沁区"), services.clock.now(), lead.id)
    finally:
        event.remove(services.engine, "before_cursor_execute", seen)
    counter = [n for n, st in enumerate(statements) if "ORDER_COUNTERS" in st]
    assert len(counter) == 1
    after = statements[counter[0] + 1:]
    assert after and all(st.startswith("UPDATE WORK_ORDERS SET NUMBER") for st in after), after
    # numbers stay the day's sequence, the provisional one never shows
    second = services.intake.create_work_order(
        agent, draft(category_id=cat, region="科尔沁区", caller_number="13912345670"),
        services.clock.now(), lead.id)
    assert not first.order_number.startswith("~")
    assert int(second.order_number[-6:]) == int(first.order_number[-6:]) + 1
    assert services.orders.show(first.order_number).number == first.order_number
