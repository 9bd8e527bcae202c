"""An existing database with rows in it upgrades in place (no table rebuild that breaks the
rows referencing it), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text

from agent_console.store import migrate
from agent_console.store.engine import make_engine, make_session_factory
from agent_console.store.models import CalendarDayRow
from tests.conftest import FROZEN_AT, pg_database


@pytest.fixture
def old_url(db_url, tmp_path):
    """An empty database of the same kind (the migrations start from nothing)."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"
        return
    with pg_database("old") as url:
        yield url


def test_upgrade_from_0007_keeps_calls_and_orders(old_url):
    engine = make_engine(old_url)
    migrate.upgrade(engine, "0007")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO units (id, code, name, kind, service_area, domains) "
                          "VALUES (1, 'u1', '单位', 'city_department', '[]', '[]')"))
        conn.execute(text("INSERT INTO operators (id, staff_no, name, role, password_hash, active,"
                          " created_at) VALUES (1, '1001', '坐席', 'seat_agent', 'x', true, "
                          "'2026-11-01 09:00:00')"))
        conn.execute(text("INSERT INTO callers (id, phone, name, warning_count, created_at) "
                          "VALUES (1, '13912345678', '', 0, '2026-11-01 09:00:00')"))
        conn.execute(text(
            "INSERT INTO intake_records (id, caller_id, operator_id, channel, request_type, "
            "urgency, content, address, caller_name, confidential, outcome, answer_text, "
            "immediate_dispatch, started_at, ended_at) VALUES (1, 1, 1, '12345电话', '咨询', "
            "'一般', '暖气不热', '', '', false, 'work_order', '', false, '2026-11-01 09:00:00', "
            "'2026-11-01 09:05:00')"))
        conn.execute(text(
            "INSERT INTO work_orders (id, number, intake_id, caller_id, lead_unit_id, "
            "request_type, urgency, content, confidential, immediate_dispatch, status, sign_by, "
            "due_at, created_at, created_by_id, supervision_level, reopen_count, version) VALUES "
            "(1, 'TL20261101000001', 1, 1, 1, '咨询', '一般', '暖气不热', false, false, '待签收', "
            "'2026-11-01 11:00:00', '2026-11-04 17:30:00', '2026-11-01 09:05:00', 1, 0, 0, 1)"))
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.HEAD
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM work_orders")).scalar() == 1
        assert conn.execute(text("SELECT idempotency_key FROM intake_records")).scalar() is None
        assert conn.execute(text("SELECT failed_logins FROM operators")).scalar() == 0
    engine.dispose()


def test_upgrade_from_0009_adds_calendar_days(old_url):
    engine = make_engine(old_url)
    try:
        migrate.upgrade(engine, "0009")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO units (id, code, name, kind, service_area, domains) "
                              "VALUES (1, 'u1', '单位', 'city_department', '[]', '[]')"))
        assert migrate.needs_upgrade(engine)
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.HEAD
        factory = make_session_factory(engine)
        with factory.begin() as s:
            s.add(CalendarDayRow(day=date(2027, 2, 20), kind="上班", name="春节调休上班",
                                 imported_at=FROZEN_AT))
        with factory() as s:
            assert s.scalar(select(func.count()).select_from(CalendarDayRow)) == 1
            assert s.scalar(text("SELECT count(*) FROM units")) == 1
        migrate.upgrade(engine, migrate.HEAD)  # idempotent at head
        from alembic import command

        cfg = migrate.alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0009")
        assert migrate.current_revision(engine) == "0009"
    finally:
        engine.dispose()
