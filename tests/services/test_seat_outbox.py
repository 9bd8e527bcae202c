"""Seat outcomes through the local outbox: kept before 已记录, delivered in order and exactly
once, waiting through a real outage (SQLite file unwritable, PostgreSQL server stopped)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from agent_console.config import Settings
from agent_console.domain.clock import FrozenClock
from agent_console.services.container import open_services
from agent_console.services.health import DbHealth, is_outage
from agent_console.services.seat_outbox import DELIVERED, PENDING, REFUSED, SeatCommand, SeatOutbox
from agent_console.store.models import IntakeRecord, OnlineSubmission, WorkOrder
from agent_console.store.outbox import Outbox, outbox_path
from tests.conftest import FROZEN_AT
from tests.outage import sqlite_path, unwritable
from tests.services.helpers import HEATING_PATH, category_id, draft, heating_article


def count(services, model, *where) -> int:
    with services.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


@pytest.fixture
def box(services, clock, tmp_path) -> SeatOutbox:
    return SeatOutbox(services.intake, Outbox(tmp_path / "local" / "outbox.sqlite3"),
                      DbHealth(clock), clock)


def answer(services, agent, phone="13912345678", **kw) -> SeatCommand:
    return SeatCommand("answer_online", agent, draft(caller_number=phone, **kw), FROZEN_AT,
                       {"article_id": heating_article(services)})


def work_order(services, agent, phone="13700000002") -> SeatCommand:
    cat = category_id(services, HEATING_PATH)
    lead = services.dispatch.propose(cat, "科尔沁区", "投诉", "一般", FROZEN_AT).lead
    return SeatCommand("create_work_order", agent,
                       draft(caller_number=phone, category_id=cat, region="科尔沁区",
                             request_type="投诉"), FROZEN_AT, {"lead_unit_id": lead.id})


def test_an_outcome_is_delivered_and_the_outbox_remembers_it(services, agent, box):
    sent = box.record(answer(services, agent))
    assert sent.status == DELIVERED and sent.result.outcome == "answered"
    assert count(services, IntakeRecord) == 1
    assert box.counts() == (0, 0)
    (entry,) = box.entries()
    assert entry.status == "delivered" and entry.result["intake_id"] == sent.result.intake_id


def test_the_same_key_is_recorded_once(services, agent, box):
    command = work_order(services, agent)
    first = box.record(command)
    again = services.intake.create_work_order(agent, command.draft, command.started_at,
                                              key=command.key, **command.args)
    assert again.intake_id == first.result.intake_id
    assert again.order_number == first.result.order_number
    assert count(services, IntakeRecord) == 1 and count(services, WorkOrder) == 1


def test_two_deliveries_of_one_key_at_once_record_one(services, agent):
    command = work_order(services, agent)
    results, errors = [], []

    def deliver():
        try:
            results.append(services.intake.create_work_order(
                agent, command.draft, command.started_at, key=command.key, **command.args))
        except Exception as exc:  # noqa: BLE001 - the test reports it
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({r.order_number for r in results}) == 1
    assert count(services, IntakeRecord) == 1 and count(services, WorkOrder) == 1


def test_a_rule_refusal_keeps_the_form_and_nothing_waits(services, agent, box):
    bad = SeatCommand("answer_online", agent, draft(), FROZEN_AT, {"article_id": "KB-NOPE"})
    sent = box.record(bad)
    assert sent.status == REFUSED and "不存在" in sent.error.message
    assert box.counts() == (0, 0) and count(services, IntakeRecord) == 0
    assert box.load_draft(agent).draft == bad.draft  # the form as it was, kept locally


def test_outcomes_wait_while_the_sqlite_file_is_unwritable(services, agent, box, db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("the PostgreSQL outage is the next test")
    assert box.record(answer(services, agent)).status == DELIVERED
    second, third = answer(services, agent, "13800000001"), work_order(services, agent)
    with unwritable(sqlite_path(db_url)):
        assert box.record(second).status == PENDING
        assert not box._health.up
        assert box._health.state().message in ("数据库文件不可写", "数据库文件写入失败（磁盘已满或不可写）")
        assert box.record(third).status == PENDING  # not even tried: the database is away
        assert box.counts() == (2, 0)
        assert box.save_draft(agent, draft(content="断开期间继续输入的诉求"), FROZEN_AT) is False
        assert box.flush().outage
    assert box.load_draft(agent).draft.content == "断开期间继续输入的诉求"
    report = box.flush()
    assert [c.key for c, _r in report.delivered] == [second.key, third.key]  # in order
    assert not report.outage and box.counts() == (0, 0) and box._health.up
    assert count(services, IntakeRecord) == 3 and count(services, WorkOrder) == 1
    # a crash between the database's commit and the outbox's mark: delivered again, once
    box._send(third)
    assert count(services, IntakeRecord) == 3 and count(services, WorkOrder) == 1


def test_outcomes_wait_while_postgresql_is_stopped(private_pg, data_dir, tmp_path):
    clock = FrozenClock(FROZEN_AT)
    services = open_services(Settings(db_url=private_pg.url, data_dir=data_dir,
                                      cache_dir=tmp_path / "cache", demo=True), clock)
    try:
        agent = services.accounts.authenticate("1001", "demo")
        box = SeatOutbox(services.intake, Outbox(tmp_path / "local" / "outbox.sqlite3"),
                         DbHealth(clock), clock)
        assert box.record(answer(services, agent)).status == DELIVERED
        second, third = answer(services, agent, "13800000001"), work_order(services, agent)
        private_pg.stop()
        assert box.record(second).status == PENDING
        assert box._health.state().message == "数据库连接中断"
        assert box.record(third).status == PENDING
        assert box.flush().outage and box.counts() == (2, 0)
        private_pg.start()
        report = box.flush()
        assert [c.key for c, _r in report.delivered] == [second.key, third.key]
        assert box._health.up and box.counts() == (0, 0)
        assert count(services, IntakeRecord) == 3 and count(services, WorkOrder) == 1
    finally:
        services.close()


def test_a_later_refusal_is_kept_for_the_agent_to_redo(services, agent, box):
    sub = services.online.import_rows([{"channel": "网站", "id": "W-1", "content": "路灯不亮了",
                                        "phone": "13912345678"}])
    assert sub.added == 1
    taken = services.online.take_next(agent)
    command = answer(services, agent, submission_id=taken.id)
    box._outbox.put(command.key, agent.id, command.kind, command.payload(), FROZEN_AT)
    with services.engine.begin() as conn:  # meanwhile another seat processed it
        conn.execute(OnlineSubmission.__table__.update().values(status="processed"))
    report = box.flush()
    assert report.refused and "已处理过" in report.refused[0][1]
    assert box.counts() == (0, 1)
    back = box.take_back(command.key)
    assert back.draft == command.draft and box.counts() == (0, 0)


def test_drafts_newest_wins_and_a_discard_is_remembered(services, agent, box, clock):
    box.save_draft(agent, draft(content="本机草稿"), FROZEN_AT)
    clock.advance(minutes=1)
    services.intake.save_draft(agent, draft(content="另一座席上的草稿"), FROZEN_AT)
    assert box.load_draft(agent).draft.content == "另一座席上的草稿"
    clock.advance(minutes=1)
    box.discard_draft(agent)
    assert box.load_draft(agent) is None
    assert services.intake.load_draft(agent) is None


def test_outbox_files_are_per_database(tmp_path):
    a = outbox_path(tmp_path, "postgresql+psycopg://u:secret@db1/hotline")
    b = outbox_path(tmp_path, "postgresql+psycopg://u:other@db1/hotline")
    c = outbox_path(tmp_path, "postgresql+psycopg://u:secret@db2/hotline")
    assert a == b and a != c and "secret" not in a.name


def test_what_the_agent_is_told_of_an_outage():
    from sqlalchemy.exc import OperationalError

    from agent_console.services.health import outage_message

    def said(words: str) -> str:
        return outage_message(OperationalError("INSERT", {}, Exception(words)))

    assert said("database or disk is full") == "数据库所在磁盘已满"
    assert said("attempt to write a readonly database") == "数据库文件不可写"
    assert said("disk I/O error") == "数据库文件写入失败（磁盘已满或不可写）"
    assert said("database is locked") == "数据库被占用（锁等待超时）"
    assert said("connection refused") == "数据库连接中断"


def test_what_counts_as_an_outage():
    from sqlalchemy.exc import IntegrityError, OperationalError

    assert is_outage(OperationalError("SELECT 1", {}, Exception("connection refused")))
    assert is_outage(OSError("No space left on device"))
    assert not is_outage(IntegrityError("INSERT", {}, Exception("disk UNIQUE failed")))
    assert not is_outage(ValueError("bug"))


def test_the_probe_is_a_real_write(services, db_url):
    """A database that still reads but cannot write is not back: the probe changes a row (an
    unchanged one is not even written by SQLite), also on a connection opened before."""
    if not db_url.startswith("sqlite"):
        pytest.skip("the file is made unwritable; PostgreSQL's outage is a stopped server")
    services.ping()  # a pooled connection, opened while the file was writable
    with unwritable(sqlite_path(db_url)):
        for _ in range(2):
            with pytest.raises(Exception) as exc:
                services.ping()
            assert is_outage(exc.value)
    services.ping()


def test_an_unexpected_failure_is_kept_tried_again_then_refused(services, agent, box,
                                                               monkeypatch):
    """Not an outage, not a rule (a constraint race with another seat, a bug): the outcome
    stays here and is tried again in order; after five failures it is refused for the agent."""
    from sqlalchemy.exc import IntegrityError

    from agent_console.services.seat_outbox import MAX_ATTEMPTS

    calls = []

    def racing(*args, **kwargs):
        calls.append(1)
        raise IntegrityError("INSERT INTO callers", {}, Exception("callers_phone_key"))

    real = services.intake.answer_online
    monkeypatch.setattr(services.intake, "answer_online", racing)
    command = answer(services, agent)
    assert box.record(command).status == PENDING  # the screen says 已记录 (kept here)
    assert box.load_draft(agent) is None  # the form went with it
    monkeypatch.setattr(services.intake, "answer_online", real)
    report = box.flush()  # the race is over: delivered once
    assert [c.key for c, _r in report.delivered] == [command.key]
    assert count(services, IntakeRecord) == 1
    monkeypatch.setattr(services.intake, "answer_online", racing)
    other = answer(services, agent, "13800000009")
    box.record(other)  # the first attempt
    refused = [r for _ in range(MAX_ATTEMPTS - 1) for r in box.flush().refused]
    assert box.counts() == (0, 1) and [why for _c, why in refused] == ["系统错误，详情见日志"]
