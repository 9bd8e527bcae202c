"""An existing database with rows in it upgrades in place (no table rebuild that breaks the
rows referencing it), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from agent_console.store import migrate
from agent_console.store.engine import make_engine
from tests.conftest import pg_database


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
