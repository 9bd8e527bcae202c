from __future__ import annotations

import threading

import pytest

from agent_console.domain.enums import Role
from agent_console.domain.workflow import Action
from agent_console.services.dispatch import next_order_number
from agent_console.services.errors import ServiceError, ValidationFailed
from agent_console.store.engine import make_session_factory
from agent_console.store.seed import seed
from tests.conftest import FROZEN_AT
from tests.services.helpers import HEATING_PATH, category_id, draft


def test_login_checks_password_and_format(services):
    op = services.accounts.authenticate("1001", "demo")
    assert op.role is Role.SEAT_AGENT
    with pytest.raises(ServiceError, match="工号或密码不正确"):
        services.accounts.authenticate("1001", "wrong")
    with pytest.raises(ValidationFailed):
        services.accounts.authenticate("", "")
    with pytest.raises(ValidationFailed):
        services.accounts.authenticate("10'--", "demo")
    assert services.accounts.is_demo()
    assert [a[0] for a in services.accounts.demo_accounts()] == [
        "1001", "2001", "2002", "2003", "3001", "3002", "3003", "4001", "5001", "9001"]


def test_add_user_validates_and_refuses_duplicates(services):
    info = services.accounts.add_user("1002", "李四", "seat_agent", "s3cret-pass")
    assert services.accounts.authenticate("1002", "s3cret-pass").id == info.id
    with pytest.raises(ServiceError, match="已存在"):
        services.accounts.add_user("1002", "李四", "seat_agent", "s3cret-pass")
    with pytest.raises(ValidationFailed) as exc:
        services.accounts.add_user("x", "😀", "boss", "short")
    assert set(exc.value.errors) == {"staff_no", "name", "role", "password"}
    with pytest.raises(ValidationFailed):
        services.accounts.add_user("5002", "王五", "unit_liaison", "s3cret-pass")


def test_order_numbers_are_unique_under_concurrency(services):
    factory = make_session_factory(services.engine)
    numbers: list[str] = []
    lock = threading.Lock()
    errors: list[Exception] = []

    def worker():
        try:
            for _ in range(25):
                with factory.begin() as s:
                    n = next_order_number(s, FROZEN_AT.date())
                with lock:
                    numbers.append(n)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(numbers) == 100 and len(set(numbers)) == 100
    assert max(numbers) == "TL20261126000100"


def test_liaison_sees_only_own_unit_and_confidential_is_masked(services, agent):
    cat = category_id(services, HEATING_PATH)
    heat = services.dispatch.propose(cat, "科尔沁区", "咨询", "一般", FROZEN_AT).lead
    services.intake.create_work_order(agent, draft(category_id=cat, confidential=True,
                                                   region="科尔沁区"), FROZEN_AT, heat.id)
    other = services.catalog.unit_by_code("gjj")
    services.intake.create_work_order(agent, draft(category_id=cat, caller_number="13800001111"),
                                      FROZEN_AT, other.id)
    liaison = services.accounts.authenticate("5001", "demo")
    seen = services.records.orders(viewer=liaison)
    assert [r.lead_unit for r in seen] == [heat.name]
    assert seen[0].caller_phone == "139****5678"
    assert len(services.records.orders()) == 2


def test_seed_is_idempotent(services, settings):
    before = {c.path for c in services.catalog.categories().values()}
    report = seed(make_session_factory(services.engine), settings.data_dir, demo=True,
                  now=FROZEN_AT)
    assert report.demo_accounts == 0
    services.catalog._categories = None
    assert {c.path for c in services.catalog.categories().values()} == before
    assert len(services.catalog.articles()) == report.articles


def test_supervised_queue_lists_open_orders_under_supervision(services, agent, clock):
    cat = category_id(services, HEATING_PATH)
    lead = services.dispatch.propose(cat, "科尔沁区", "投诉", "一般", FROZEN_AT).lead
    numbers = [services.intake.create_work_order(
        agent, draft(category_id=cat, region="科尔沁区", request_type="投诉"), FROZEN_AT,
        lead.id).order_number for _ in range(2)]
    assert services.records.orders(supervised=True) == []
    liaison = services.accounts.authenticate("5001", "demo")
    _, version = services.orders.status_of(numbers[0])
    services.orders.act(liaison, numbers[0], Action.SIGN, version)  # signed in time
    clock.advance(hours=3)
    services.supervision.scan()
    rows = services.records.orders(supervised=True)
    assert [r.number for r in rows] == [numbers[1]] and rows[0].supervision_level == 1
    assert [r.number for r in services.records.orders(supervised=True, viewer=liaison)] == \
        [numbers[1]]
