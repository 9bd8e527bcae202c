"""Many seats making work orders at the same moment, from one number and from new ones: every
order gets its own number, the day's numbers run 1…N with no gap, the counter ends at N, and
no seat sees an IntegrityError (the counter is taken last, callers by ON CONFLICT)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from agent_console.store.engine import make_session_factory
from agent_console.store.models import Caller, OrderCounter, WorkOrder
from tests.conftest import FROZEN_AT
from tests.services.helpers import HEATING_PATH, category_id, draft

SEATS, EACH = 8, 6
SHARED = "13900001111"


def test_orders_at_once_from_one_number_and_from_new_ones(services, agent):
    cat = category_id(services, HEATING_PATH)
    lead = services.dispatch.propose(cat, "科尔沁区", "投诉", "一般", FROZEN_AT).lead
    barrier = threading.Barrier(SEATS)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def seat(i: int) -> None:
        try:
            barrier.wait()
            for j in range(EACH):
                phone = SHARED if (i + j) % 2 else f"1370000{i:02d}{j:02d}"
                result = services.intake.create_work_order(
                    agent, draft(caller_number=phone, category_id=cat, region="科尔沁区",
                                 request_type="投诉"), FROZEN_AT, lead.id)
                with lock:
                    numbers.append(result.order_number)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=seat, args=(i,)) for i in range(SEATS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    total = SEATS * EACH
    day = f"{FROZEN_AT:%Y%m%d}"
    assert sorted(numbers) == [f"TL{day}{n:06d}" for n in range(1, total + 1)]
    with make_session_factory(services.engine)() as s:
        assert s.get(OrderCounter, day).last == total
        assert s.scalar(select(func.count()).select_from(WorkOrder)) == total
        assert s.scalar(select(func.count()).select_from(Caller)
                        .where(Caller.phone == SHARED)) == 1
        assert s.scalar(select(func.count()).select_from(Caller)
                        .where(Caller.phone.like("1370000%"))) == total // 2
