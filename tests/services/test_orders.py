"""Transitions through the service: events, deadlines, optimistic locking, races."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from agent_console.domain.enums import OrderStatus
from agent_console.domain.workflow import Action
from agent_console.services.errors import PermissionDenied, ValidationFailed
from agent_console.services.orders import StaleOrder
from tests.conftest import FROZEN_AT
from tests.services.helpers import HEATING_PATH, category_id, draft


@pytest.fixture
def order(services, agent):
    cat = category_id(services, HEATING_PATH)
    lead = services.dispatch.propose(cat, "科尔沁区", "投诉", "一般", FROZEN_AT).lead
    result = services.intake.create_work_order(agent, draft(category_id=cat, region="科尔沁区",
                                                            request_type="投诉"), FROZEN_AT, lead.id)
    return result.order_number


@pytest.fixture
def liaison(services):
    return services.accounts.authenticate("5001", "demo")  # 城区供热 liaison


@pytest.fixture
def dispatcher(services):
    return services.accounts.authenticate("3001", "demo")


@pytest.fixture
def callback(services):
    return services.accounts.authenticate("3002", "demo")


DONE = {"resolution": "已解决", "caller_view": "满意"}  # Art. 18(3) on completion


def act(services, who, number, action, reason="", **kw):
    _, version = services.orders.status_of(number)
    return services.orders.act(who, number, action, version, reason, **kw)


def test_full_life_with_events(services, order, liaison, dispatcher, callback, clock):
    view = act(services, liaison, order, Action.SIGN)
    assert view.status == OrderStatus.IN_PROGRESS
    clock.advance(hours=3)
    with pytest.raises(ValidationFailed, match="诉求人对办理结果的意见"):
        act(services, liaison, order, Action.COMPLETE, "已上门测温", resolution="已解决")
    with pytest.raises(ValidationFailed, match="办理结果"):
        act(services, liaison, order, Action.COMPLETE, "已上门测温", caller_view="满意")
    view = act(services, liaison, order, Action.COMPLETE, "已上门测温并调整阀门，诉求人认可", **DONE)
    assert view.events[-1].reason == "办理结果：已解决；诉求人意见：满意；已上门测温并调整阀门，诉求人认可"
    with pytest.raises(PermissionDenied, match="派单员无权对工单回访"):
        act(services, dispatcher, order, Action.CALLBACK, satisfaction="满意")
    with pytest.raises(ValidationFailed, match="请裁定诉求是否合理合法"):
        act(services, callback, order, Action.CALLBACK, satisfaction="不满意")
    view = act(services, callback, order, Action.CALLBACK, "室温仍低于18℃",
               satisfaction="不满意", ruling="合理合法")
    # Art. 20: reasonable and lawful → reopened to the unit with a new deadline, one step
    assert view.status == OrderStatus.IN_PROGRESS and view.reopen_count == 1
    assert view.due_at > FROZEN_AT + timedelta(hours=3)
    actions = [e.action for e in view.events]
    assert actions == ["create", "sign", "complete", "callback", "reopen", "supervise"]
    assert view.events[3].reason == "满意度：不满意；裁定：诉求合理合法；室温仍低于18℃"
    assert (view.events[4].from_status, view.events[4].to_status) == ("已回访", "办理中")
    assert "第二十条" in view.events[4].reason
    # Art. 19(3): a lawful request left unresolved raises a supervision notice at once
    assert view.supervision_level == 1 and "第十九条第（三）项" in view.events[5].reason
    assert all(e.actor for e in view.events)


def test_unreasonable_ruling_needs_a_reason_and_keeps_the_order_closed(services, order, liaison,
                                                                         callback):
    act(services, liaison, order, Action.SIGN)
    act(services, liaison, order, Action.COMPLETE, "已答复：该诉求超出供热合同约定", **DONE)
    with pytest.raises(ValidationFailed, match="须说明理由"):
        act(services, callback, order, Action.CALLBACK, satisfaction="不满意", ruling="不合理或不合法")
    with pytest.raises(ValidationFailed, match="只有不满意"):
        act(services, callback, order, Action.CALLBACK, satisfaction="满意", ruling="合理合法")
    view = act(services, callback, order, Action.CALLBACK, "要求超出合同约定的供暖期",
               satisfaction="不满意", ruling="不合理或不合法")
    assert view.status == OrderStatus.CALLED_BACK and view.reopen_count == 0
    assert view.events[-1].reason == "满意度：不满意；裁定：诉求不合理或不合法；要求超出合同约定的供暖期"
    assert len(view.events) == 4  # create, sign, complete, callback: nothing half-written


def test_extension_moves_deadline_only_when_approved(services, order, liaison, dispatcher):
    act(services, liaison, order, Action.SIGN)
    before = services.orders.show(order).due_at
    wanted = before + timedelta(days=5)
    with pytest.raises(ValidationFailed):
        act(services, liaison, order, Action.REQUEST_EXTENSION, "需更换管道", new_due_at=before)
    view = act(services, liaison, order, Action.REQUEST_EXTENSION, "需更换管道", new_due_at=wanted)
    assert view.due_at == before and view.requested_due_at == wanted
    view = act(services, dispatcher, order, Action.APPROVE_EXTENSION, "理由成立")
    assert view.due_at == wanted and view.requested_due_at is None


def test_refusals_name_the_reason(services, order, liaison, dispatcher, agent):
    with pytest.raises(PermissionDenied, match="不能"):
        act(services, liaison, order, Action.COMPLETE, "x", **DONE)  # not signed yet
    with pytest.raises(PermissionDenied, match="无权"):
        act(services, agent, order, Action.SIGN)
    with pytest.raises(ValidationFailed):
        act(services, liaison, order, Action.REQUEST_RETURN, "")  # a return needs reasons
    other = services.accounts.add_user("5002", "赵六", "unit_liaison", "long-password", "gjj")
    with pytest.raises(PermissionDenied, match="牵头单位"):
        act(services, other, order, Action.SIGN)
    with pytest.raises(PermissionDenied):
        services.orders.show(order, viewer=other)


def test_stale_version_gets_fresh_state_not_a_lost_update(services, order, liaison):
    _, version = services.orders.status_of(order)
    services.orders.act(liaison, order, Action.SIGN, version)
    with pytest.raises(StaleOrder) as exc:
        services.orders.act(liaison, order, Action.REQUEST_RETURN, version, "不属于本单位职责")
    assert exc.value.fresh.status == OrderStatus.IN_PROGRESS
    assert "已被他人处理" in exc.value.message
    assert [e.action for e in services.orders.show(order).events] == ["create", "sign"]


def test_two_threads_race_on_one_order(services, order, liaison):
    _, version = services.orders.status_of(order)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def attempt(action, reason):
        barrier.wait()
        try:
            services.orders.act(liaison, order, action, version, reason)
            outcomes.append("ok")
        except StaleOrder:
            outcomes.append("stale")

    threads = [threading.Thread(target=attempt, args=(Action.SIGN, "")),
               threading.Thread(target=attempt, args=(Action.REQUEST_RETURN, "非本单位职责"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "stale"]
    events = services.orders.show(order).events
    assert len(events) == 2  # create + exactly one of the two


EVIDENCE = "两次致电均未接通，通话记录截图已留存"


def test_termination_needs_logged_contact_attempts(services, order, liaison, dispatcher, clock):
    act(services, liaison, order, Action.SIGN)
    with pytest.raises(ValidationFailed, match="第十八条"):
        act(services, liaison, order, Action.REQUEST_TERMINATION, "联系不上", evidence=EVIDENCE)
    with pytest.raises(ValidationFailed, match="请选择联系结果"):
        services.orders.log_contact(liaison, order, "maybe")
    services.orders.log_contact(liaison, order, "no_answer", "上午致电未接")
    clock.advance(minutes=1)
    services.orders.log_contact(liaison, order, "refused")
    # two attempts a minute apart are one try (data/workflow_rules.json: 4 hours or another day)
    with pytest.raises(ValidationFailed, match="相隔至少4小时") as refused:
        act(services, liaison, order, Action.REQUEST_TERMINATION, "联系不上", evidence=EVIDENCE)
    assert set(refused.value.errors) == {"reason"}
    clock.advance(hours=4)
    services.orders.log_contact(liaison, order, "no_answer", "下午再次致电未接")
    with pytest.raises(ValidationFailed, match="证明材料说明不能为空") as refused:
        act(services, liaison, order, Action.REQUEST_TERMINATION, "两次联系未果")
    assert set(refused.value.errors) == {"evidence"}
    view = act(services, liaison, order, Action.REQUEST_TERMINATION, "两次联系未果",
               evidence=EVIDENCE)
    assert view.status == OrderStatus.TERMINATION_REVIEW
    assert view.termination_evidence == EVIDENCE  # what the reviewing dispatcher is shown
    assert view.events[-1].reason == f"两次联系未果；证明材料：{EVIDENCE}"
    view = act(services, dispatcher, order, Action.APPROVE_TERMINATION, "证据齐全")
    assert view.termination_evidence is None
    assert view.status == OrderStatus.TERMINATED
    kinds = [e.action for e in view.events]
    assert kinds.count("contact") == 3
    with pytest.raises(PermissionDenied, match="已终止"):  # nothing more to log on a closed order
        services.orders.log_contact(liaison, order, "no_answer")


def test_co_handlers_parts_before_completion(services, agent, dispatcher):
    cat = category_id(services, HEATING_PATH)
    proposal = services.dispatch.propose(cat, "科尔沁区", "投诉", "一般", FROZEN_AT)
    co_unit = services.catalog.unit_by_code("zjj")
    number = services.intake.create_work_order(
        agent, draft(category_id=cat, region="科尔沁区"), FROZEN_AT, proposal.lead.id,
        (co_unit.id,)).order_number
    lead = services.accounts.authenticate("5001", "demo")
    helper = services.accounts.add_user("5003", "住建联络员", "unit_liaison", "long-password", "zjj")
    act(services, lead, number, Action.SIGN)
    services.orders.log_contact(helper, number, "reached", "配合单位也联系了诉求人")
    with pytest.raises(ValidationFailed, match="配合单位尚未提交"):
        act(services, lead, number, Action.COMPLETE, "处理完毕", **DONE)
    with pytest.raises(PermissionDenied):
        services.orders.submit_part(lead, number, "牵头单位不是配合单位")
    services.orders.submit_part(helper, number, "已督促供热企业整改")
    view = act(services, lead, number, Action.COMPLETE, "汇总：已整改，室温达标", **DONE)
    assert view.status == OrderStatus.COMPLETED


def test_consultation_record_before_dispatch(services, order, liaison, dispatcher):
    act(services, liaison, order, Action.REQUEST_RETURN, "非本单位职责")
    units = (services.catalog.unit_by_code("zjj").id, services.catalog.unit_by_code("kerqin").id)
    with pytest.raises(ValidationFailed):
        services.orders.record_consultation(dispatcher, order, (), "无单位")
    view = services.orders.record_consultation(dispatcher, order, units, "由科尔沁区政府牵头")
    assert view.events[-1].action == "consult" and "科尔沁区人民政府" in view.events[-1].reason
    with pytest.raises(PermissionDenied):
        services.orders.record_consultation(liaison, order, units, "联络员不能登记协商")
