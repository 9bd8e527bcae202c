"""Art. 14–15: presence, routing by the request's category, and each way a transfer ends
(answered, work order, handed back, taken back), with the seat's call record showing it."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from agent_console.domain.enums import Outcome, Presence, TransferOutcome, TransferStatus
from agent_console.services.errors import PermissionDenied, ServiceError, ValidationFailed
from agent_console.services.expert import PRESENCE_TTL
from agent_console.store.engine import make_session_factory
from agent_console.store.models import ExpertTransfer, IntakeRecord, KbRevision, WorkOrder
from tests.conftest import FROZEN_AT
from tests.services.helpers import HEATING_PATH, category_id, draft

PENSION = "社会保障/养老保险/养老金发放"


def one(services, model, **where):
    with make_session_factory(services.engine)() as s:
        return s.scalars(select(model).filter_by(**where)).one()


def count(services, model) -> int:
    with make_session_factory(services.engine)() as s:
        return s.scalar(select(func.count()).select_from(model))


def transfer(services, agent, path=HEATING_PATH, connection="三方通话"):
    d = draft(category_id=category_id(services, path))
    return services.intake.transfer_to_expert(agent, d, FROZEN_AT, None, True, connection), d


def test_nobody_logged_in_is_refused_and_nothing_written(services, agent):
    with pytest.raises(ServiceError, match="没有.*专家座席在岗"):
        transfer(services, agent)
    assert count(services, IntakeRecord) == 0 and count(services, ExpertTransfer) == 0


def test_routing_follows_the_category_roster(services, agent, expert):
    pension = services.accounts.authenticate("2001", "demo")
    services.expert.set_presence(pension, Presence.AVAILABLE)
    heat, _ = transfer(services, agent)
    assert heat.expert_name == expert.name  # 2002: 供热
    money, _ = transfer(services, agent, PENSION)
    assert money.expert_name == pension.name  # 2001: 社会保障
    # 教育 is on nobody's roster, whoever is logged in
    with pytest.raises(ServiceError, match="没有"):
        transfer(services, agent, "教育/入学招生/小学入学")
    picture = services.expert.on_duty(category_id(services, HEATING_PATH))
    assert [e.staff_no for e in picture.experts] == ["2002"] and picture.waiting == 1
    row = one(services, ExpertTransfer, id=heat.transfer_id)
    assert row.connection == "三方通话" and row.consent and row.seat_id == agent.id


def test_a_break_queues_the_call_for_the_category(services, agent, expert):
    services.expert.set_presence(expert, Presence.BREAK)
    queued, _ = transfer(services, agent)
    assert queued.expert_name is None and "专家队列" in queued.message
    assert one(services, ExpertTransfer, id=queued.transfer_id).expert_id is None
    assert [t.id for t in services.expert.queue(expert)] == [queued.transfer_id]
    other = services.accounts.authenticate("2001", "demo")  # 社会保障: not this category
    assert services.expert.queue(other) == []
    with pytest.raises(PermissionDenied):
        services.expert.accept(other, queued.transfer_id)
    services.expert.accept(expert, queued.transfer_id)
    assert services.expert.presence(expert.id) is Presence.BUSY


def test_a_silent_console_goes_offline(services, agent, expert, clock):
    clock.advance(seconds=PRESENCE_TTL.total_seconds() + 1)
    assert services.expert.presence(expert.id) is Presence.OFFLINE
    with pytest.raises(ServiceError, match="没有"):
        transfer(services, agent)
    assert services.expert.heartbeat(expert) is Presence.AVAILABLE
    assert transfer(services, agent)[0].expert_name == expert.name


def test_answered_by_the_expert_with_a_proposed_article(services, agent, expert):
    done, _ = transfer(services, agent)
    with pytest.raises(ServiceError, match="接听"):
        services.expert.answer(expert, done.transfer_id, "先接听才能答复")
    services.expert.accept(expert, done.transfer_id)
    with pytest.raises(ServiceError, match="另一通"):
        services.expert.accept(expert, transfer(services, agent)[0].transfer_id)
    with pytest.raises(ValidationFailed):
        services.expert.answer(expert, done.transfer_id, "短")
    answer = "室温不达标可申请测温，[bold]测温[/bold]后按规定退费 𠮷"
    services.expert.answer(expert, done.transfer_id, answer, None, propose=True)
    record = one(services, IntakeRecord, id=done.intake_id)
    assert record.outcome == Outcome.EXPERT and record.answer_text == answer
    seat = services.expert.seat_view(agent, done.transfer_id)
    assert seat.status == TransferStatus.CLOSED and seat.outcome == TransferOutcome.ANSWERED
    proposal = one(services, KbRevision, transfer_id=done.transfer_id)
    assert proposal.status == "pending" and proposal.source == "expert"
    assert proposal.data["answer"] == answer and proposal.data["category"] == HEATING_PATH
    assert services.expert.presence(expert.id) is Presence.AVAILABLE
    (call,) = [c for c in services.records.calls() if c.id == done.intake_id]
    assert call.outcome_label == "转专家座席→专家已答复"
    history = services.intake.caller_history(draft().caller_number)
    assert any(e.outcome_label == "转专家座席→专家已答复" for e in history.entries)


def test_the_expert_makes_the_work_order(services, agent, expert):
    done, d = transfer(services, agent)
    services.expert.accept(expert, done.transfer_id)
    proposal = services.dispatch.propose(d.category_id, d.region, d.request_type, d.urgency,
                                         FROZEN_AT)
    notes = "经核实为小区二次管网问题，请供热公司上门排查并回复诉求人"
    services.expert.make_order(expert, done.transfer_id, notes, proposal.lead.id)
    order = one(services, WorkOrder, intake_id=done.intake_id)
    assert order.content == notes and order.created_by_id == expert.id
    assert one(services, IntakeRecord, id=done.intake_id).content == d.content.strip()
    seat = services.expert.seat_view(agent, done.transfer_id)
    assert seat.outcome == TransferOutcome.WORK_ORDER and seat.order_number == order.number


def test_handed_back_the_seat_completes_the_same_record(services, agent, expert):
    done, d = transfer(services, agent)
    services.expert.accept(expert, done.transfer_id)
    with pytest.raises(ServiceError, match="不能收回"):
        services.expert.take_back(agent, done.transfer_id)
    services.expert.hand_back(expert, done.transfer_id, "不属于专家答复范围，请坐席派单")
    seat = services.expert.seat_view(agent, done.transfer_id)
    assert seat.back_at_seat and seat.note.startswith("不属于")
    back = replace(d, resumes_intake_id=done.intake_id)
    proposal = services.dispatch.propose(d.category_id, d.region, d.request_type, d.urgency,
                                         FROZEN_AT)
    result = services.intake.create_work_order(agent, back, FROZEN_AT, proposal.lead.id)
    assert result.intake_id == done.intake_id and count(services, IntakeRecord) == 1
    assert one(services, IntakeRecord, id=done.intake_id).outcome == Outcome.WORK_ORDER
    # the record is complete now: a second resume of it is refused
    with pytest.raises(ServiceError):
        services.intake.answer_online(agent, back, FROZEN_AT, None, "再答复一次试试看")


def test_taken_back_before_anyone_accepts(services, agent, expert):
    done, d = transfer(services, agent)
    other = services.accounts.authenticate("1001", "demo")
    state = services.expert.take_back(other, done.transfer_id)
    assert state.outcome == TransferOutcome.TAKEN_BACK and state.back_at_seat
    with pytest.raises(ServiceError, match="收回"):
        services.expert.accept(expert, done.transfer_id)
    result = services.intake.answer_online(agent, replace(d, resumes_intake_id=done.intake_id),
                                           FROZEN_AT, None, "已按供热政策当场答复诉求人")
    assert result.intake_id == done.intake_id
    assert one(services, IntakeRecord, id=done.intake_id).outcome == Outcome.ANSWERED


def test_another_seat_cannot_watch_or_take_back(services, agent, expert):
    done, _ = transfer(services, agent)
    stranger = services.accounts.authenticate("2001", "demo")  # not the seat that transferred
    with pytest.raises(PermissionDenied):
        services.expert.seat_view(stranger, done.transfer_id)
    with pytest.raises(PermissionDenied):
        services.expert.take_back(stranger, done.transfer_id)


def test_a_unit_places_experts_only_for_what_it_handles(services):
    """Art. 14(1): 2003 of the tax bureau cannot be put on duty for 教育."""
    supervisor = services.accounts.authenticate("3003", "demo")
    cats = services.catalog.categories()
    education = next(c.id for c in cats.values() if c.path == "教育")
    tax = next(c.id for c in cats.values() if c.path == "税务")
    with pytest.raises(ValidationFailed) as refused:
        services.expert.add_roster(supervisor, "2003", [education], FROZEN_AT.date())
    assert "不承办“教育”" in refused.value.errors["categories"]
    assert services.expert.add_roster(supervisor, "2003", [tax], FROZEN_AT.date())


def test_an_expert_who_leaves_or_goes_silent_does_not_strand_the_caller(services, agent,
                                                                        expert, clock):
    first, _ = transfer(services, agent)
    services.expert.accept(expert, first.transfer_id)
    assert services.expert.open_call(expert).id == first.transfer_id
    services.expert.leave(expert)  # Ctrl+Q: the call goes back to its seat
    seat = services.expert.seat_view(agent, first.transfer_id)
    assert seat.outcome == TransferOutcome.HANDED_BACK and "退出" in seat.note
    assert services.expert.presence(expert.id) is Presence.OFFLINE
    services.expert.heartbeat(expert)
    second, _ = transfer(services, agent)
    services.expert.accept(expert, second.transfer_id)
    with pytest.raises(ServiceError, match="不能收回"):
        services.expert.take_back(agent, second.transfer_id)
    clock.advance(seconds=PRESENCE_TTL.total_seconds() + 1)  # its console went quiet
    state = services.expert.take_back(agent, second.transfer_id)
    assert state.outcome == TransferOutcome.TAKEN_BACK
