"""What both benchmarks share: a database of their own (never a centre's real one), the
operators they log in as, and how figures are summed up and printed."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass

from sqlalchemy import func, select

from agent_console.config import load_settings
from agent_console.search.bench import percentile
from agent_console.services.container import Services, open_services
from agent_console.store.engine import make_session_factory
from agent_console.store.models import AppMeta, Operator

BENCH_MARK = "bench_database"  # app_meta key: this database was made by a benchmark
BENCH_PASSWORD = "bench-password-1"  # the benchmark's own accounts only
BENCH_STAFF_PREFIX = "7"  # bench operators' staff numbers: 7xxxxx, never a real account's


class BenchRefused(Exception):
    """The database holds a centre's data: a benchmark writes thousands of orders and does
    not run there. The message is Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


NOT_A_BENCH_DATABASE = (
    "该数据库已有正式数据（账号或工单），基准测试会写入大量模拟数据，只能在单独的空数据库上运行。"
    "请用 --db 指定一个新建的数据库，例如 createdb agent_bench 后使用 "
    "postgresql+psycopg://…/agent_bench。"
)


def open_bench(url: str) -> Services:
    """Services on a benchmark database: a new database is migrated, seeded with the shipped
    reference data (no demo accounts) and marked; a marked one is used again; any other
    refuses."""
    settings = load_settings(url, env={})
    services = open_services(settings, prepare=False) if _has_tables(url) else None
    if services is not None:
        with make_session_factory(services.engine)() as s:
            marked = s.get(AppMeta, BENCH_MARK) is not None
            has_operators = s.scalar(select(func.count()).select_from(Operator)) > 0
        if not marked and has_operators:
            services.close()
            raise BenchRefused(NOT_A_BENCH_DATABASE)
        services.close()
    services = open_services(settings)
    with make_session_factory(services.engine)() as s, s.begin():
        if s.get(AppMeta, BENCH_MARK) is None:
            s.add(AppMeta(key=BENCH_MARK, value="1"))
    return services


def _has_tables(url: str) -> bool:
    from sqlalchemy import inspect

    from agent_console.store.engine import make_engine

    engine = make_engine(url)
    try:
        return inspect(engine).has_table("app_meta")
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Figures:
    count: int
    p50_ms: float
    p95_ms: float
    p99_ms: float

    def as_dict(self) -> dict:
        return {"count": self.count, "p50_ms": round(self.p50_ms, 2),
                "p95_ms": round(self.p95_ms, 2), "p99_ms": round(self.p99_ms, 2)}


def figures(samples_ms: list[float]) -> Figures:
    ordered = sorted(samples_ms)
    return Figures(len(ordered), percentile(ordered, 50), percentile(ordered, 95),
                   percentile(ordered, 99))


def print_json_last(result: dict) -> None:
    """The machine-readable line, always the last line of the output."""
    sys.stdout.flush()
    print(json.dumps(result, ensure_ascii=False, sort_keys=False), flush=True)
