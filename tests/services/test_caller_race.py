"""Two seats take the first two calls of a new number at the same moment: both are recorded,
under one caller row (a plain INSERT raised IntegrityError callers_phone_key on PostgreSQL)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from agent_console.store.engine import make_session_factory
from agent_console.store.models import Caller, IntakeRecord
from tests.services.helpers import draft

NUMBERS = [f"1390000{n:04d}" for n in range(8)]
SEATS = 4


def test_first_calls_of_a_new_number_at_once_share_one_caller(services, agent):
    errors: list[BaseException] = []
    for number in NUMBERS:
        barrier = threading.Barrier(SEATS)

        def call(number=number, barrier=barrier) -> None:
            try:
                barrier.wait()
                services.intake.answer_online(agent, draft(caller_number=number),
                                              services.clock.now(), None, "已解答：按规定办理")
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=call) for _ in range(SEATS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    with make_session_factory(services.engine)() as s:
        for number in NUMBERS:
            callers = s.scalars(select(Caller).where(Caller.phone == number)).all()
            assert len(callers) == 1
            assert s.scalar(select(func.count()).select_from(IntakeRecord)
                            .where(IntakeRecord.caller_id == callers[0].id)) == SEATS
            assert callers[0].name == "张三"
