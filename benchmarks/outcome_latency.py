"""What the local outbox costs a seat: time from an outcome key to 已记录, through the outbox
(committed locally with fsync, then delivered) against a direct service call, and the time to
deliver a backlog kept during an outage. Interleaved in one run, so both see the same machine.

    python benchmarks/outcome_latency.py [--calls 200] [--backlog 200] [--db URL]

Without --db a throw-away SQLite file; with a PostgreSQL URL a fresh database is created in it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agent_console.config import Settings, seed_data_dir  # noqa: E402
from agent_console.domain.intake import IntakeDraft  # noqa: E402
from agent_console.services.container import open_services  # noqa: E402
from agent_console.services.seat_outbox import SeatCommand  # noqa: E402

HEAT = "供热/供暖质量/供暖温度不达标"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def line(name: str, ms: list[float]) -> str:
    return (f"{name:<34} n={len(ms):<5} p50 {statistics.median(ms):7.2f} ms  "
            f"p95 {pct(ms, 95):7.2f} ms  p99 {pct(ms, 99):7.2f} ms")


def database(url: str | None, tmp: Path) -> str:
    if url is None:
        return f"sqlite:///{tmp / 'bench.sqlite3'}"
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--backlog", type=int, default=200)
    parser.add_argument("--db", default=None, help="PostgreSQL admin URL (default: SQLite)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="agent-console-outcome-"))
    url = database(args.db, tmp)
    services = open_services(Settings(db_url=url, data_dir=seed_data_dir(),
                                      cache_dir=tmp / "cache", demo=True,
                                      state_dir=tmp / "state"))
    agent = services.accounts.authenticate("1001", "demo")
    cat = next(c.id for c in services.catalog.categories().values() if c.path == HEAT)
    lead = services.dispatch.propose(cat, "科尔沁区", "投诉", "一般", services.clock.now()).lead.id

    def draft(i: int) -> IntakeDraft:
        return IntakeDraft(caller_number=f"139{i:08d}", content=f"小区暖气不热第{i}次反映",
                           category_id=cat, region="科尔沁区", request_type="投诉")

    via_outbox, direct = [], []
    now = services.clock.now()
    for i in range(args.calls):  # interleaved: the same machine state for both
        t = time.perf_counter()
        sent = services.outbox.record(SeatCommand("create_work_order", agent, draft(2 * i), now,
                                                  {"lead_unit_id": lead}))
        via_outbox.append((time.perf_counter() - t) * 1000)
        assert sent.status == "delivered", sent
        t = time.perf_counter()
        services.intake.create_work_order(agent, draft(2 * i + 1), now, lead,
                                          key=uuid.uuid4().hex)
        direct.append((time.perf_counter() - t) * 1000)

    # an outage: outcomes kept locally only, then delivered in one go
    services.health.failed(ConnectionError("benchmark: database away"))
    kept = []
    for i in range(args.backlog):
        t = time.perf_counter()
        sent = services.outbox.record(SeatCommand("create_work_order", agent,
                                                  draft(10_000 + i), now, {"lead_unit_id": lead}))
        kept.append((time.perf_counter() - t) * 1000)
        assert sent.status == "pending", sent
    services.health.ok()
    t = time.perf_counter()
    report = services.outbox.flush()
    flush_s = time.perf_counter() - t
    assert len(report.delivered) == args.backlog and not report.outage
    services.close()
    print(f"数据库：{url.split('@')[-1] if '@' in url else url}")
    print(line("派发工单，经本机待提交（含送达）", via_outbox))
    print(line("派发工单，直接调用服务", direct))
    print(line("中断期间：记入本机（已记录）", kept))
    print(f"恢复后送达积压 {args.backlog} 件：{flush_s:.2f} 秒"
          f"（{flush_s / args.backlog * 1000:.1f} ms/件）")


if __name__ == "__main__":
    main()
