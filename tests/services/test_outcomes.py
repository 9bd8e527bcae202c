"""Every one-key outcome writes the rows the reports count, in one transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from agent_console.domain.enums import OrderStatus, Outcome, TransferStatus
from agent_console.services.errors import PermissionDenied, ServiceError, ValidationFailed
from agent_console.store.models import (
    CallDraft,
    CallerWarning,
    EmergencyHandoff,
    ExpertTransfer,
    IntakeRecord,
    OrderEvent,
    WorkOrder,
)
from tests.conftest import FROZEN_AT
from tests.services.helpers import HEATING_PATH, category_id, draft, heating_article


def count(services, model) -> int:
    with services.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def rows(services, model):
    from sqlalchemy.orm import selectinload

    from agent_console.store.engine import make_session_factory

    stmt = select(model)
    if model is WorkOrder:
        stmt = stmt.options(selectinload(WorkOrder.co_handlers))
    with make_session_factory(services.engine)() as s:
        return s.scalars(stmt).all()


def test_answer_online_records_the_article(services, agent):
    art = heating_article(services)
    services.intake.save_draft(agent, draft(), FROZEN_AT)
    result = services.intake.answer_online(agent, draft(), FROZEN_AT, art)
    assert result.outcome == Outcome.ANSWERED
    (record,) = rows(services, IntakeRecord)
    assert record.outcome == "answered" and record.kb_article_id == art
    assert record.operator_id == agent.id
    assert count(services, CallDraft) == 0  # the draft goes with the outcome


def test_answer_online_without_article_needs_own_answer(services, agent):
    with pytest.raises(ValidationFailed) as exc:
        services.intake.answer_online(agent, draft(), FROZEN_AT, None, "")
    assert "answer" in exc.value.errors
    result = services.intake.answer_online(agent, draft(), FROZEN_AT, None, "已告知测温流程")
    (record,) = rows(services, IntakeRecord)
    assert record.kb_article_id is None and record.answer_text == "已告知测温流程"
    assert "自拟" in result.message


def test_unknown_article_is_refused_and_nothing_written(services, agent):
    with pytest.raises(ServiceError):
        services.intake.answer_online(agent, draft(), FROZEN_AT, "KB-NOPE-1")
    assert count(services, IntakeRecord) == 0


def test_expert_transfer_needs_consent(services, agent, expert):
    art = heating_article(services)
    with pytest.raises(ServiceError, match="未同意"):
        services.intake.transfer_to_expert(agent, draft(), FROZEN_AT, art, consent=False)
    assert count(services, ExpertTransfer) == 0
    result = services.intake.transfer_to_expert(agent, draft(), FROZEN_AT, art, consent=True)
    assert result.expert_name == expert.name
    (transfer,) = rows(services, ExpertTransfer)
    assert transfer.domain == "供热" and transfer.consent and transfer.expert_id == expert.id
    queue = services.expert.queue(expert)
    assert [t.id for t in queue] == [transfer.id]
    services.expert.accept(expert, transfer.id)
    with pytest.raises(ServiceError):
        services.expert.accept(expert, transfer.id)
    with pytest.raises(PermissionDenied):
        services.expert.queue(agent)


def test_work_order_gets_number_deadline_event_and_co_handlers(services, agent):
    cat = category_id(services, HEATING_PATH)
    d = draft(category_id=cat, region="开鲁县")
    # as the seat previews it: a heating fault is dispatched at once (Art. 12)
    immediate = services.reference.triage.classify(d.content).immediate_dispatch
    proposal = services.dispatch.propose(cat, "开鲁县", d.request_type, d.urgency, FROZEN_AT,
                                         immediate=immediate)
    assert "供热" in proposal.lead.domains and "开鲁县" in proposal.lead.service_area
    co = [proposal.alternatives[0].id]
    result = services.intake.create_work_order(agent, d, FROZEN_AT, proposal.lead.id, co)
    assert result.order_number == "TL20261126000001"
    (order,) = rows(services, WorkOrder)
    assert order.status == OrderStatus.AWAITING_SIGN
    assert order.lead_unit_id == proposal.lead.id
    assert [c.unit_id for c in order.co_handlers] == co
    assert order.due_at == proposal.due_at and order.sign_by == proposal.sign_by
    assert order.immediate_dispatch  # a heating fault: Art. 12 immediate dispatch
    assert order.due_at == FROZEN_AT + timedelta(hours=24)  # on the real clock
    (event,) = rows(services, OrderEvent)
    assert event.action == "create" and event.to_status == OrderStatus.AWAITING_SIGN
    again = services.intake.create_work_order(agent, d, FROZEN_AT, proposal.lead.id)
    assert again.order_number == "TL20261126000002"


def test_work_order_refused_without_category_keeps_draft(services, agent):
    services.intake.save_draft(agent, draft(), FROZEN_AT)
    with pytest.raises(ValidationFailed) as exc:
        services.intake.create_work_order(agent, draft(), FROZEN_AT, 1)
    assert "category" in exc.value.errors
    assert count(services, IntakeRecord) == 0
    assert services.intake.load_draft(agent).draft == draft()


def test_bad_lead_unit_rolls_back_the_whole_call(services, agent):
    cat = category_id(services, HEATING_PATH)
    services.intake.save_draft(agent, draft(category_id=cat), FROZEN_AT)
    with pytest.raises(ServiceError):
        services.intake.create_work_order(agent, draft(category_id=cat), FROZEN_AT, 999_999)
    assert count(services, IntakeRecord) == 0
    assert count(services, WorkOrder) == 0
    assert services.intake.load_draft(agent) is not None  # nothing typed is lost


def test_routing_by_region_and_fallback(services):
    cat = category_id(services, HEATING_PATH)
    no_region = services.dispatch.propose(cat, None, "投诉", "一般", FROZEN_AT)
    assert "供热" in no_region.lead.domains
    local_leaf = next(c for c in services.catalog.leaf_categories() if c.routing == "local")
    local = services.dispatch.propose(local_leaf.id, "奈曼旗", "投诉", "一般", FROZEN_AT)
    assert local.lead.region == "奈曼旗"
    # co-handler candidates never include other regions' governments
    assert all(u.region in (None, "奈曼旗") for u in local.alternatives)


def test_not_accepted_records_reason_and_script(services, agent):
    result = services.intake.not_accepted(agent, draft(content="我的案子法院已经判了，想让热线改判"),
                                          FROZEN_AT, 2)
    (record,) = rows(services, IntakeRecord)
    assert record.outcome == "not_accepted" and record.not_accepted_code == 2
    assert "第十一条" in record.answer_text or len(record.answer_text) > 20
    assert "第十一条第（二）项" in result.message
    with pytest.raises(ServiceError):
        services.intake.not_accepted(agent, draft(), FROZEN_AT, 9)


def test_emergency_handoff_with_follow_up_order(services, agent):
    cat = category_id(services, HEATING_PATH)
    d = draft(content="楼道里暖气管爆了，着火冒烟了", category_id=cat)
    lead = services.dispatch.propose(cat, None, "求助", "一般", FROZEN_AT).lead.id
    result = services.intake.emergency_handoff(agent, d, FROZEN_AT, "119", "某小区楼道起火", lead)
    (handoff,) = rows(services, EmergencyHandoff)
    assert handoff.service == "119" and handoff.follow_up_order_id is not None
    assert result.order_number.startswith("TL20261126")
    with pytest.raises(ServiceError):
        services.intake.emergency_handoff(agent, d, FROZEN_AT, "999", "摘要内容", None)
    with pytest.raises(ValidationFailed):
        services.intake.emergency_handoff(agent, d, FROZEN_AT, "110", "", None)


def test_warning_flags_the_caller(services, agent):
    services.intake.warn_caller(agent, draft(content=""), FROZEN_AT, 4, "辱骂坐席")
    (warning,) = rows(services, CallerWarning)
    assert warning.code == 4 and warning.script
    history = services.intake.caller_history("139 1234 5678")
    assert history.flagged and history.warnings[0].code == 4


def test_repeat_request_names_the_earlier_record(services, agent, clock):
    first = services.intake.answer_online(agent, draft(), FROZEN_AT, None, "已解释测温流程")
    clock.advance(days=3)
    notice = services.intake.find_repeat("13912345678", "我家小区暖气不热，屋里只有十几度")
    assert notice is not None and notice.intake_id == first.intake_id
    assert services.intake.find_repeat("13912345678", "想问问公积金怎么提取") is None
    assert services.intake.find_repeat("13800000000", "小区暖气不热，家里只有十几度") is None
    services.intake.answer_online(agent, draft(content="我家小区暖气不热，屋里只有十几度"),
                                  clock.now(), None, "再次解释")
    latest = max(rows(services, IntakeRecord), key=lambda r: r.id)
    assert latest.repeat_of_id == first.intake_id
    clock.advance(days=40)
    assert services.intake.find_repeat("13912345678", "小区暖气不热，家里只有十几度") is None


def test_caller_history_lists_requests_and_open_orders(services, agent):
    assert services.intake.caller_history("abc") is None
    assert not services.intake.caller_history("13912345678").known
    cat = category_id(services, HEATING_PATH)
    lead = services.dispatch.propose(cat, None, "咨询", "一般", FROZEN_AT).lead.id
    services.intake.create_work_order(agent, draft(category_id=cat), FROZEN_AT, lead)
    history = services.intake.caller_history("13912345678")
    assert history.known and history.name == "张三"
    assert history.open_orders[0].number == "TL20261126000001"
    assert history.entries[0].order_number == "TL20261126000001"


def test_roles_without_intake_cannot_record(services):
    dispatcher = services.accounts.authenticate("3001", "demo")
    with pytest.raises(PermissionDenied):
        services.intake.answer_online(dispatcher, draft(), FROZEN_AT, None, "答复内容")


def test_drafts_survive_and_can_be_discarded(services, agent):
    d = draft(caller_name="𠮷田", content="[bold]暖气[/bold]不热 😡", confidential=True)
    services.intake.save_draft(agent, d, FROZEN_AT)
    services.intake.save_draft(agent, d, FROZEN_AT)
    saved = services.intake.load_draft(agent)
    assert saved.draft == d and saved.started_at == FROZEN_AT
    services.intake.discard_draft(agent)
    assert services.intake.load_draft(agent) is None
