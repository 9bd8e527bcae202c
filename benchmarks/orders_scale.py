"""Work-order lists, queue refreshes and the overdue scan with 1,000,000 orders on SQLite.

A few days are first played through the services (simulate), then the order table is grown
to the target size with rows shaped like the simulated ones (a mix of ages and states), in
bulk, so the figures are about reading and scanning at scale."""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from agent_console.config import Settings, seed_data_dir
from agent_console.domain.clock import FrozenClock, SystemClock
from agent_console.domain.enums import OrderStatus as S
from agent_console.search.bench import percentile
from agent_console.services.container import open_services
from agent_console.services.simulation import Simulator
from agent_console.store.engine import make_session_factory
from agent_console.store.models import IntakeRecord, WorkOrder

# Older orders are mostly finished; the open share is what a real centre carries.
MIX = ((S.ARCHIVED, 70), (S.CALLED_BACK, 12), (S.COMPLETED, 3), (S.IN_PROGRESS, 8),
       (S.AWAITING_SIGN, 3), (S.AWAITING_DISPATCH, 1), (S.RETURN_REVIEW, 1),
       (S.EXTENSION_REVIEW, 1), (S.TERMINATION_REVIEW, 0.5), (S.TERMINATED, 0.5))


def grow(services, clock, target: int, rng: random.Random) -> None:
    factory = make_session_factory(services.engine)
    with factory() as s:
        have = s.scalar(select(func.count()).select_from(WorkOrder))
        intakes = s.execute(select(IntakeRecord.id, IntakeRecord.caller_id)).all()
        operator = s.scalar(select(WorkOrder.created_by_id).limit(1))
    units = sorted(services.catalog.units())
    statuses, weights = zip(*MIX)
    now = clock.now()
    batch = []
    seq_by_day: dict[str, int] = {}
    for i in range(target - have):
        created = now - timedelta(days=rng.uniform(0, 365), minutes=rng.randint(0, 600))
        status = rng.choices(statuses, weights)[0].value
        day = f"{created:%Y%m%d}"
        seq_by_day[day] = seq_by_day.get(day, 500000) + 1
        intake_id, caller_id = intakes[i % len(intakes)]
        batch.append(dict(
            number=f"TL{day}{seq_by_day[day]:06d}", intake_id=intake_id, caller_id=caller_id,
            lead_unit_id=rng.choice(units), category_id=None, request_type="投诉",
            urgency="一般", region=None, content="历史工单 " + str(i), confidential=False,
            immediate_dispatch=False, status=status,
            sign_by=created + timedelta(hours=2), due_at=created + timedelta(days=rng.randint(3, 20)),
            created_at=created, created_by_id=operator, supervision_level=0, reopen_count=0,
            version=1,
        ))
        if len(batch) >= 20000:
            with factory.begin() as s:
                s.execute(insert(WorkOrder), batch)
            batch.clear()
    if batch:
        with factory.begin() as s:
            s.execute(insert(WorkOrder), batch)


def timed(fn, runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), percentile(samples, 95)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="agent-console-orders-"))
    settings = Settings(db_url=f"sqlite:///{tmp / 'orders.sqlite3'}", data_dir=seed_data_dir(),
                        cache_dir=tmp / "cache", demo=True, state_dir=tmp / "state")
    clock = FrozenClock(SystemClock().now())
    services = open_services(settings, clock)
    t = time.perf_counter()
    Simulator(services, clock, seed=1).run(days=3, calls_per_day=200)
    grow(services, clock, args.orders, random.Random(1))
    with make_session_factory(services.engine)() as s:
        total = s.scalar(select(func.count()).select_from(WorkOrder))
    print(f"工单 {total} 件（模拟 3 天后批量扩充），准备用时 {time.perf_counter() - t:.0f} 秒")
    dispatcher = services.accounts.authenticate("3001", "demo")
    supervisor = services.accounts.authenticate("3003", "demo")
    liaison = services.accounts.authenticate("5001", "demo")
    rec = services.records
    now = clock.now()
    cases = [
        ("列表首页（全部，最新50件）", lambda: rec.orders(limit=50, viewer=dispatcher)),
        ("列表 500 件", lambda: rec.orders(limit=500, viewer=dispatcher)),
        ("待派单队列", lambda: rec.orders(limit=500, statuses=(S.AWAITING_DISPATCH.value,))),
        ("退回审核队列", lambda: rec.orders(limit=500, statuses=(S.RETURN_REVIEW.value,))),
        ("延期审核队列", lambda: rec.orders(limit=500, statuses=(S.EXTENSION_REVIEW.value,))),
        ("待回访队列", lambda: rec.orders(limit=500, statuses=(S.COMPLETED.value,))),
        ("超期队列", lambda: rec.orders(limit=500, overdue_at=now)),
        ("承办单位本单位工单", lambda: rec.orders(limit=500, viewer=liaison)),
        ("按工单号搜索", lambda: rec.orders(limit=50, search="TL2026")),
    ]
    for name, fn in cases:
        p50, p95 = timed(fn, args.runs)
        print(f"{name:<18} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
    t = time.perf_counter()
    first = services.supervision.scan(actor=supervisor)
    first_s = time.perf_counter() - t
    print(f"超期扫描（首次，提升 {first.raised} 件）：{first_s:.2f} 秒")
    p50, p95 = timed(lambda: services.supervision.scan(actor=supervisor), 5)
    print(f"超期扫描（稳定状态，首次提升后再扫）：p50 {p50 / 1000:.2f} 秒  "
          f"p95 {p95 / 1000:.2f} 秒")
    heat = services.catalog.unit_by_code("heat_city").id
    for name, fn in (
        ("被督办队列", lambda: rec.orders(limit=500, supervised=True)),
        ("本单位被督办", lambda: rec.orders(limit=500, supervised=True, viewer=liaison)),
        ("督办通知（全部）", lambda: services.supervision.notices(limit=200)),
        ("督办通知（一个单位）", lambda: services.supervision.notices(unit_id=heat, limit=200)),
        ("单位排名", lambda: services.supervision.ranking()),
    ):
        p50, p95 = timed(fn, args.runs)
        print(f"{name:<18} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
    services.close()


if __name__ == "__main__":
    main()
