"""The console through a real outage: a PostgreSQL server stopped and started again, a SQLite
file made unwritable. The seat keeps typing and recording; the header says what happened;
the outcomes land in the database exactly once when it is back."""

from __future__ import annotations

import time

from sqlalchemy import func, select
from textual.widgets import TextArea

from agent_console.config import Settings
from agent_console.domain.clock import FrozenClock
from agent_console.services.container import open_services
from agent_console.store.models import IntakeRecord, WorkOrder
from agent_console.ui.widgets.header import ConsoleHeader
from tests.conftest import FROZEN_AT
from tests.outage import FullDisk, small_disk, sqlite_path, unwritable
from tests.ui.helpers import SIZE, login, make_app, screen_text, settle, type_call

CALLS = [("13900001111", "小区暖气不热，家里只有十几度"),
         ("13900002222", "暖气片不热，屋里温度不到十八度"),
         ("13900003333", "我家暖气不热，供热公司不给处理"),
         ("13900004444", "楼道灯坏了好几天")]


def header(app) -> str:
    return str(app.screen.query_one(ConsoleHeader).render())


def status(app) -> str:
    """What the header says of the database and the outbox (it comes before 工号)."""
    return header(app).split("工号")[0].split("  ", 2)[-1].strip()


def counts(services) -> tuple[int, int, int]:
    with services.engine.connect() as conn:
        calls = conn.execute(select(func.count()).select_from(IntakeRecord)).scalar_one()
        keys = conn.execute(select(func.count(func.distinct(IntakeRecord.idempotency_key)))
                            ).scalar_one()
        orders = conn.execute(select(func.count()).select_from(WorkOrder)).scalar_one()
    return calls, keys, orders


async def answer(pilot) -> None:
    """F5 on the selected article, Enter on 确认答复."""
    await pilot.press("f5")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def work_order(pilot) -> None:
    await pilot.press("f7")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def wait_until(pilot, predicate, timeout: float = 30.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        await pilot.pause(0.2)
    return predicate()


async def live_through(pilot, app, services, stop, start, timeline: list) -> None:
    """What a seat does before, during and after the outage."""
    t0 = time.monotonic()

    def mark(what: str) -> None:
        timeline.append(f"{time.monotonic() - t0:6.1f}s  {what}")

    await login(pilot)
    assert await wait_until(pilot, lambda: app.kb_index is not None)
    await type_call(pilot, *CALLS[0])
    await answer(pilot)
    assert app.screen.last_result is not None
    mark("通话1 直接答复，已入库")
    stop()
    mark("数据库停止")
    await type_call(pilot, *CALLS[1])
    assert await wait_until(pilot, lambda: "数据库" in header(app) and "起" in header(app)), \
        header(app)
    mark(f"页眉：{status(app)}")
    await answer(pilot)
    assert app.screen.last_pending is not None
    assert "保存在本机" in screen_text(app)
    mark("通话2 直接答复：已记录（保存在本机）")
    await type_call(pilot, *CALLS[2])
    await work_order(pilot)
    assert app.screen.last_pending.command.kind == "create_work_order"
    await pilot.pause(4)  # more than one probe: the database is not taken for back too soon
    assert "起）" in header(app) and "已恢复" not in header(app), header(app)
    assert "待提交 2 件" in header(app)
    mark(f"通话3 派发工单：已记录；页眉：{status(app)}")
    await type_call(pilot, *CALLS[3])  # the next call, typed during the outage
    assert app.is_running
    start()
    mark("数据库恢复")
    assert await wait_until(pilot, lambda: app.outbox_counts == (0, 0))
    assert "数据库已恢复" in header(app)
    mark(f"页眉：{status(app)}；待提交的 2 件已提交")
    assert app.screen.query_one("#f-content", TextArea).text == CALLS[3][1]  # nothing lost
    assert app.is_running


async def test_the_seat_outlives_a_postgresql_outage(private_pg, data_dir, tmp_path, capsys):
    services = open_services(Settings(db_url=private_pg.url, data_dir=data_dir,
                                      cache_dir=tmp_path / "cache", demo=True,
                                      state_dir=tmp_path / "state"), FrozenClock(FROZEN_AT))
    timeline: list[str] = []
    try:
        app = make_app(services)
        async with app.run_test(size=SIZE) as pilot:
            await live_through(pilot, app, services, private_pg.stop, private_pg.start, timeline)
        assert counts(services) == (3, 3, 1)  # each outcome exactly once
    finally:
        services.close()
        with capsys.disabled():
            print("\nPostgreSQL 停机时间线：\n" + "\n".join(timeline))


async def test_the_seat_outlives_an_unwritable_sqlite_file(services, db_url, capsys):
    if not db_url.startswith("sqlite"):
        import pytest

        pytest.skip("the PostgreSQL outage has its own test, with a server of its own")
    lock = unwritable(sqlite_path(db_url))
    locked = []

    def stop() -> None:
        lock.__enter__()
        locked.append(True)

    def start() -> None:
        locked.clear()
        lock.__exit__(None, None, None)

    timeline: list[str] = []
    app = make_app(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await live_through(pilot, app, services, stop, start, timeline)
    finally:
        if locked:
            start()
    assert counts(services) == (3, 3, 1)
    with capsys.disabled():
        print("\nSQLite 不可写时间线：\n" + "\n".join(timeline))


async def test_the_seat_outlives_a_full_disk_under_sqlite(sqlite_template, data_dir, tmp_path,
                                                         capsys):
    import shutil

    with small_disk() as disk:
        db_file = disk / "console.sqlite3"
        shutil.copyfile(sqlite_template, db_file)
        services = open_services(Settings(db_url=f"sqlite:///{db_file}", data_dir=data_dir,
                                          cache_dir=tmp_path / "cache", demo=True,
                                          state_dir=tmp_path / "state"), FrozenClock(FROZEN_AT))
        full = FullDisk(disk, db_file)
        timeline: list[str] = []
        filled: list = []
        try:
            app = make_app(services)
            async with app.run_test(size=SIZE) as pilot:
                await live_through(pilot, app, services,
                                   lambda: filled.append(full.__enter__()),
                                   lambda: filled.pop().__exit__(None, None, None), timeline)
            assert counts(services) == (3, 3, 1)
            assert any("磁盘已满" in line for line in timeline)
        finally:
            if filled:
                filled.pop().__exit__(None, None, None)
            services.close()
        with capsys.disabled():
            print("\nSQLite 磁盘已满时间线：\n" + "\n".join(timeline))
