"""Log-in protection: lockout after five wrong passwords, the log-in record, account changes,
and production databases that start without (demo) accounts."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from agent_console.services.accounts import AccountService, NoAccounts
from agent_console.services.container import open_services
from agent_console.services.errors import NotFound, ServiceError, ValidationFailed
from agent_console.store.engine import make_session_factory
from agent_console.store.models import Operator
from agent_console.store.seed import NotADemoDatabase, seed
from tests.conftest import FROZEN_AT

BAD = "工号或密码不正确"


def fail(accounts, staff_no: str = "1001", password: str = "wrong-pass") -> str:
    with pytest.raises(ServiceError) as exc:
        accounts.authenticate(staff_no, password)
    return exc.value.message


def failed_logins(services, staff_no: str = "1001") -> int:
    with make_session_factory(services.engine)() as s:
        return s.scalar(select(Operator.failed_logins).where(Operator.staff_no == staff_no))


def results(services, staff_no: str | None = "1001") -> list[str]:
    return [e.result for e in services.accounts.login_events(staff_no)]


def test_five_wrong_passwords_lock_for_fifteen_minutes(services, clock):
    accounts = services.accounts
    assert [fail(accounts) for _ in range(4)] == [BAD] * 4
    message = fail(accounts)
    assert message == "连续5次密码错误，账号已锁定，请于 09:45 后再试或联系管理员解锁"
    # While locked even the right password is refused, with the time it unlocks.
    clock.advance(minutes=14, seconds=59)
    assert "请于 09:45 后再试" in fail(accounts, password="demo")
    assert "账号已锁定" in fail(accounts, password="still-wrong")
    clock.advance(seconds=1)
    assert accounts.authenticate("1001", "demo").staff_no == "1001"
    # Other accounts were never affected.
    assert accounts.authenticate("2001", "demo").staff_no == "2001"


def test_a_success_resets_the_counter_and_an_expired_lock_starts_afresh(services, clock):
    accounts = services.accounts
    for _ in range(4):
        fail(accounts)
    assert failed_logins(services) == 4
    accounts.authenticate("1001", "demo")
    assert failed_logins(services) == 0
    assert [fail(accounts) for _ in range(4)] == [BAD] * 4  # four again: not locked
    assert "账号已锁定" in fail(accounts)
    clock.advance(minutes=15)
    assert fail(accounts) == BAD  # the first of a new run of five, not an instant relock
    assert failed_logins(services) == 1


def test_unknown_number_reads_like_a_wrong_password(services):
    assert fail(services.accounts, "7777", "demo") == fail(services.accounts, "1001", "nope-nope")
    for _ in range(6):
        assert fail(services.accounts, "7777", "demo") == BAD


def test_concurrent_failures_all_count(services):
    """Consoles failing at the same moment: every failure counts, exactly one lockout."""
    accounts = [AccountService(make_session_factory(services.engine), services.clock)
                for _ in range(4)]
    barrier = threading.Barrier(len(accounts))
    errors: list[BaseException] = []

    def attempt(service):
        try:
            barrier.wait()
            fail(service)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=attempt, args=(a,)) for a in accounts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert failed_logins(services) == 4
    # Twelve more at once: one counts, the fifth failure locks, the other eleven meet the lock.
    accounts = accounts * 3
    barrier = threading.Barrier(len(accounts))
    threads = [threading.Thread(target=attempt, args=(a,)) for a in accounts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    counts = Counter(results(services))
    assert counts == {"bad_password": 5, "lockout": 1, "locked": 11}


def test_every_attempt_is_recorded(services, clock):
    accounts = services.accounts
    accounts.authenticate("1001", "demo")
    fail(accounts, "7777", "demo")
    accounts.disable("3001")
    fail(accounts, "3001", "demo")
    for _ in range(5):
        clock.advance(seconds=1)
        fail(accounts, "2001")
    clock.advance(seconds=1)
    fail(accounts, "2001", "demo")
    events = accounts.login_events()
    assert [(e.staff_no, e.result) for e in events] == [
        ("2001", "locked"), ("2001", "lockout"), ("2001", "bad_password"),
        ("2001", "bad_password"), ("2001", "bad_password"), ("2001", "bad_password"),
        ("2001", "bad_password"), ("3001", "disabled"), ("7777", "unknown"), ("1001", "ok")]
    assert events[-1].name == "王晓雯" and events[-1].at == FROZEN_AT
    assert events[-2].name == ""  # an unknown number has no account
    assert events[1].result_label.startswith("连续5次密码错误")
    assert [e.result for e in accounts.login_events("2001", limit=2)] == ["locked", "lockout"]
    with pytest.raises(NotFound, match="工号 7777 不存在"):
        accounts.login_events("7777")


def test_disable_enable_and_passwd(services, clock):
    accounts = services.accounts
    assert accounts.disable("1001").status == "停用"
    assert fail(accounts, "1001", "demo") == "该账号已停用，请联系管理员"
    assert fail(accounts, "1001", "wrong-pass") == BAD  # no hint without the right password
    assert accounts.enable("1001").status == "启用"
    accounts.authenticate("1001", "demo")
    for _ in range(5):
        fail(accounts, "2001")
    row = next(r for r in accounts.list_users() if r.staff_no == "2001")
    assert row.status == "锁定至 2026-11-26 09:45" and row.active
    assert accounts.enable("2001").status == "启用"  # enable lifts the lockout
    accounts.authenticate("2001", "demo")
    with pytest.raises(ValidationFailed, match="密码至少8位"):
        accounts.set_password("1001", "short")
    accounts.set_password("1001", "a-new-password")
    assert fail(accounts, "1001", "demo") == BAD
    assert accounts.authenticate("1001", "a-new-password").staff_no == "1001"
    for call in (accounts.disable, accounts.enable):
        with pytest.raises(NotFound, match="工号 7777 不存在"):
            call("7777")
    with pytest.raises(NotFound):
        accounts.set_password("7777", "long-enough")


def test_list_users_shows_status_unit_and_last_login(services, clock):
    services.accounts.authenticate("5001", "demo")
    clock.advance(hours=1)
    services.accounts.authenticate("5001", "demo")
    fail(services.accounts, "5001")
    rows = {r.staff_no: r for r in services.accounts.list_users()}
    assert list(rows) == sorted(rows) and len(rows) == 10
    liaison = rows["5001"]
    assert liaison.unit and liaison.role == "unit_liaison" and liaison.role_label
    assert liaison.last_login_at == FROZEN_AT + timedelta(hours=1)
    assert liaison.failed_logins == 1 and liaison.status == "启用"
    assert rows["1001"].last_login_at is None and rows["1001"].unit == ""


def test_a_production_database_starts_without_accounts(production_settings, clock):
    services = open_services(production_settings, clock)
    try:
        assert not services.accounts.is_demo()
        assert services.accounts.demo_accounts() == []
        assert services.accounts.list_users() == []
        assert not services.accounts.has_active_accounts()
        with pytest.raises(NoAccounts) as exc:
            services.accounts.authenticate("9001", "demo")
        assert "agent-console user add --staff-no 9001 --name 姓名 --role admin" in exc.value.message
        assert [e.result for e in services.accounts.login_events()] == ["unknown"]
        services.accounts.add_user("9001", "赵管理", "admin", "first-admin-pw")
        assert services.accounts.has_active_accounts()
        assert fail(services.accounts, "9002", "first-admin-pw") == BAD  # no more hint
        # Demo accounts never go into it: not by seeding, not by starting in demo mode.
        with pytest.raises(NotADemoDatabase, match="不是以演示模式创建的"):
            seed(make_session_factory(services.engine), production_settings.data_dir,
                 demo=True, now=FROZEN_AT)
        assert [r.staff_no for r in services.accounts.list_users()] == ["9001"]
    finally:
        services.close()
    from dataclasses import replace

    with pytest.raises(NotADemoDatabase):
        open_services(replace(production_settings, demo=True), clock)


def test_a_seeded_production_database_without_accounts_is_not_turned_into_a_demo(
        production_settings, clock):
    from dataclasses import replace

    open_services(production_settings, clock).close()
    with pytest.raises(NotADemoDatabase):
        open_services(replace(production_settings, demo=True), clock)


def test_demo_mode_again_on_a_demo_database_is_fine(services, settings, clock):
    services.accounts.add_user("1234", "周敏", "dispatcher", "long-enough-pw")
    report = seed(make_session_factory(services.engine), settings.data_dir, demo=True,
                  now=FROZEN_AT)
    assert report.demo_accounts == 0
    open_services(settings, clock).close()  # settings.demo is True
