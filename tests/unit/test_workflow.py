"""The work order's rules without a database: every action × status × role against a table
written out here from the regulation, and every refusal reason with its wording."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import pytest

from agent_console.domain.calendar import WorkCalendar
from agent_console.domain.deadlines import DeadlineRule
from agent_console.domain.enums import OrderStatus as S
from agent_console.domain.enums import Role
from agent_console.domain.workflow import (
    COMMANDS,
    Action,
    ApproveExtension,
    AutoSupervise,
    Callback,
    Complete,
    Create,
    Decision,
    Dispatch,
    Facts,
    LogContact,
    Note,
    OrderState,
    RecordConsultation,
    Refusal,
    RejectReturn,
    Reopen,
    RequestExtension,
    RequestReturn,
    RequestTermination,
    Sign,
    SubmitPart,
    Supervise,
    TerminationRule,
    command_for,
    decide,
    may_view,
    permitted,
    supervision_due,
)

NOW = datetime(2026, 11, 26, 9, 30)  # a Thursday, a working day
LEAD, CO, OTHER, NEW_LEAD = 51, 52, 53, 54
RULES = (DeadlineRule("投诉", "一般", 2, 10, None), DeadlineRule("咨询", "一般", 2, 3, None),
         DeadlineRule("", "一般", 1, None, 24, immediate=True))  # Art. 12: dispatched at once
FACTS = Facts(now=NOW, deadlines=RULES, calendar=WorkCalendar.weekdays_only(),
              units={LEAD: "城区供热", CO: "科尔沁区住建局", OTHER: "公积金中心",
                     NEW_LEAD: "水务公司"},
              failed_contacts=(NOW - timedelta(days=2), NOW - timedelta(days=1)),
              termination=TerminationRule(min_failed_contacts=2, min_hours_apart=4),
              parts_from=frozenset({CO}))
EVIDENCE = "11月24日、25日两次致电均未接通，通话记录已留存"


@dataclass(frozen=True)
class Who:
    role: Role
    unit_id: int | None = None


DISPATCHER, CALLBACK, SUPERVISOR, ADMIN = (Who(Role.DISPATCHER), Who(Role.CALLBACK),
                                           Who(Role.SUPERVISOR), Who(Role.ADMIN))
LEAD_LIAISON, CO_LIAISON = Who(Role.UNIT_LIAISON, LEAD), Who(Role.UNIT_LIAISON, CO)
OTHER_LIAISON = Who(Role.UNIT_LIAISON, OTHER)
SEAT, EXPERT, TRAINER = Who(Role.SEAT_AGENT), Who(Role.EXPERT), Who(Role.TRAINER)
EVERYONE = (SEAT, EXPERT, DISPATCHER, CALLBACK, SUPERVISOR, TRAINER, LEAD_LIAISON, CO_LIAISON,
            OTHER_LIAISON, ADMIN)

# The regulation's table, written out independently of the code:
# action → (statuses it may start from, where it goes (None: stays), who may, needs a reason)
DESK_D, DESK_C, DESK_S = {DISPATCHER, ADMIN}, {CALLBACK, ADMIN}, {SUPERVISOR, ADMIN}
UNIT_HOLDS = (S.AWAITING_SIGN, S.IN_PROGRESS, S.RETURN_REVIEW, S.EXTENSION_REVIEW,
              S.TERMINATION_REVIEW)
SPEC = {
    Action.DISPATCH: ((S.AWAITING_DISPATCH,), S.AWAITING_SIGN, DESK_D, False),
    Action.SIGN: ((S.AWAITING_SIGN,), S.IN_PROGRESS, {LEAD_LIAISON}, False),
    Action.REQUEST_RETURN: ((S.AWAITING_SIGN, S.IN_PROGRESS), S.RETURN_REVIEW, {LEAD_LIAISON},
                            True),
    Action.APPROVE_RETURN: ((S.RETURN_REVIEW,), S.AWAITING_DISPATCH, DESK_D, True),
    Action.REJECT_RETURN: ((S.RETURN_REVIEW,), S.IN_PROGRESS, DESK_D, True),
    Action.REQUEST_EXTENSION: ((S.IN_PROGRESS,), S.EXTENSION_REVIEW, {LEAD_LIAISON}, True),
    Action.APPROVE_EXTENSION: ((S.EXTENSION_REVIEW,), S.IN_PROGRESS, DESK_D, True),
    Action.REJECT_EXTENSION: ((S.EXTENSION_REVIEW,), S.IN_PROGRESS, DESK_D, True),
    Action.REQUEST_TERMINATION: ((S.IN_PROGRESS,), S.TERMINATION_REVIEW, {LEAD_LIAISON}, True),
    Action.APPROVE_TERMINATION: ((S.TERMINATION_REVIEW,), S.TERMINATED, DESK_D, True),
    Action.REJECT_TERMINATION: ((S.TERMINATION_REVIEW,), S.IN_PROGRESS, DESK_D, True),
    Action.COMPLETE: ((S.IN_PROGRESS,), S.COMPLETED, {LEAD_LIAISON}, True),
    Action.CALLBACK: ((S.COMPLETED,), S.CALLED_BACK, DESK_C, False),
    Action.REOPEN: ((S.COMPLETED, S.CALLED_BACK), S.IN_PROGRESS, DESK_C, True),
    Action.SUPERVISE: (UNIT_HOLDS, None, DESK_S, True),
    Action.ARCHIVE: ((S.CALLED_BACK, S.TERMINATED), S.ARCHIVED, DESK_D | DESK_C, False),
    Action.CONTACT: ((S.AWAITING_SIGN, S.IN_PROGRESS), None, {LEAD_LIAISON, CO_LIAISON}, False),
    Action.PART: ((S.IN_PROGRESS,), None, {CO_LIAISON}, False),
    Action.CONSULT: ((S.AWAITING_DISPATCH, S.RETURN_REVIEW), None, DESK_D, False),
}
# A valid command for each action (a reason where one is needed)
VALID = {
    Action.DISPATCH: Dispatch(lead_unit_id=LEAD, co_handler_ids=(CO,)),
    Action.REQUEST_EXTENSION: RequestExtension(reason="需更换管道",
                                               new_due_at=datetime(2026, 12, 30, 17, 30)),
    Action.COMPLETE: Complete(reason="已上门处理", resolution="已解决", caller_view="满意"),
    Action.CALLBACK: Callback(satisfaction="满意"),
    Action.CONTACT: LogContact(result="reached"),
    Action.REQUEST_TERMINATION: RequestTermination(reason="联系不上", evidence=EVIDENCE),
    Action.PART: SubmitPart(reason="已核实管网压力正常"),
    Action.CONSULT: RecordConsultation(reason="由住建局牵头", unit_ids=(CO, OTHER)),
}


def state(status: S, **kw) -> OrderState:
    base = dict(status=status, lead_unit_id=LEAD, co_handler_ids=(CO,), request_type="投诉",
                urgency="一般", sign_by=NOW + timedelta(hours=2), due_at=NOW + timedelta(days=14),
                requested_due_at=NOW + timedelta(days=20) if status is S.EXTENSION_REVIEW else None,
                satisfaction="不满意" if status is S.CALLED_BACK else None)
    return OrderState(**{**base, **kw})


def valid_command(action: Action):
    return VALID.get(action) or COMMANDS[action](reason="理由和依据")


def role_refusal(action: Action, who: Who) -> str:
    if action in (Action.CONTACT, Action.PART, Action.CONSULT):
        return f"{who.role.label}无权登记{action.label}"
    return f"{who.role.label}无权对工单{action.label}"


CASES = list(itertools.product([a for a in Action if a is not Action.CREATE], S, EVERYONE))


@pytest.mark.parametrize(("action", "status", "who"), CASES,
                         ids=[f"{a.value}-{s.value}-{w.role.value}{w.unit_id or ''}"
                              for a, s, w in CASES])
def test_every_action_status_role(action, status, who):
    sources, target, allowed, _needs = SPEC[action]
    result = decide(state(status), valid_command(action), who, FACTS)
    if status not in sources:
        label = f"登记{action.label}" if action in (Action.CONTACT, Action.PART,
                                                   Action.CONSULT) else action.label
        assert result == Refusal(f"工单处于“{status.value}”状态，不能{label}")
        assert action not in permitted(state(status), who)
        return
    if who in allowed:
        assert isinstance(result, Decision), result
        assert result.events[0].action is action
        assert result.events[0].from_status is status
        assert result.state.status is (target or status)
        assert result.events[0].to_status is (target or status)
        assert action in permitted(state(status), who)
        return
    assert isinstance(result, Refusal) and result.field is None
    assert action not in permitted(state(status), who)
    if who.role is Role.UNIT_LIAISON and who.role in {w.role for w in allowed}:
        expected = {Action.CONTACT: "这张工单不属于您的单位",
                    Action.PART: "只有配合单位可以提交配合意见"}.get(action, "只有牵头单位可以进行此操作")
        assert result.reason == expected
    else:
        assert result.reason == role_refusal(action, who)


@pytest.mark.parametrize("action", [a for a, spec in SPEC.items() if spec[3]])
def test_a_reason_is_required_where_the_table_says(action):
    sources, _target, allowed, _ = SPEC[action]
    who = sorted(allowed, key=lambda w: w.role.value)[0]
    command = replace(valid_command(action), reason="  ")
    assert decide(state(sources[0]), command, who, FACTS) == \
        Refusal(f"{action.label}须填写理由", "reason")


def test_the_life_of_an_order():
    create = decide(None, Create(lead_unit_id=LEAD, co_handler_ids=(CO, LEAD, CO),
                                 request_type="投诉", urgency="一般", immediate_dispatch=True),
                    SEAT, FACTS)
    assert isinstance(create, Decision)
    s = create.state
    assert s.status is S.AWAITING_SIGN and s.co_handler_ids == (CO,)
    # Art. 12, dispatched at once: on the real clock, not 10 working days
    assert (s.sign_by, s.due_at) == (NOW + timedelta(hours=1), NOW + timedelta(hours=24))
    assert create.events[0].reason == ("坐席派单：牵头 城区供热；配合 科尔沁区住建局；"
                                       "水电气热/突发事件，立即转派（第十二条）")
    path = [(Sign(), LEAD_LIAISON, S.IN_PROGRESS),
            (SubmitPart(reason="配合完成"), CO_LIAISON, S.IN_PROGRESS),
            (VALID[Action.COMPLETE], LEAD_LIAISON, S.COMPLETED),
            (Callback(satisfaction="满意"), CALLBACK, S.CALLED_BACK),
            (command_for(Action.ARCHIVE), CALLBACK, S.ARCHIVED)]
    for command, who, expected in path:
        d = decide(s, command, who, FACTS)
        assert isinstance(d, Decision), d
        s = d.state
        assert s.status is expected


def test_create_is_for_call_takers_and_known_units():
    ok = Create(lead_unit_id=LEAD, request_type="咨询", urgency="一般")
    for who in (SEAT, EXPERT, ADMIN):
        assert isinstance(decide(None, ok, who, FACTS), Decision)
    for who in (DISPATCHER, CALLBACK, SUPERVISOR, TRAINER, LEAD_LIAISON):
        assert decide(None, ok, who, FACTS) == Refusal(f"{who.role.label}无权受理来电")
    assert decide(None, replace(ok, lead_unit_id=999), SEAT, FACTS) == \
        Refusal("牵头单位不存在，请重新选择", "lead_unit")
    assert decide(None, replace(ok, co_handler_ids=(999,)), SEAT, FACTS) == \
        Refusal("配合单位不存在，请重新选择", "co_handlers")
    assert decide(None, replace(ok, urgency="特急"), SEAT, FACTS) == \
        Refusal("时限表中没有“咨询/特急”的规定")
    handed = decide(None, replace(ok, to_dispatcher=True), SEAT, FACTS)
    assert handed.state.status is S.AWAITING_DISPATCH
    assert handed.events[0].reason == "坐席交派单员：承办单位难以确定，建议牵头 城区供热"


def test_dispatch_picks_units_and_restarts_the_clock():
    old = state(S.AWAITING_DISPATCH, due_at=NOW - timedelta(days=3))
    d = decide(old, Dispatch(lead_unit_id=NEW_LEAD, co_handler_ids=(NEW_LEAD, CO, 999),
                             reason="协商确定"), DISPATCHER, FACTS)
    assert d.state.lead_unit_id == NEW_LEAD and d.state.co_handler_ids == (CO,)
    assert d.state.due_at == datetime(2026, 12, 10, 17, 30)
    assert d.events[0].reason == "牵头：水务公司；配合：科尔沁区住建局；协商确定"
    assert decide(old, Dispatch(lead_unit_id=None), DISPATCHER, FACTS) == \
        Refusal("请选择牵头单位", "lead_unit")
    assert decide(old, Dispatch(lead_unit_id=999), DISPATCHER, FACTS) == \
        Refusal("请选择牵头单位", "lead_unit")


def test_extension_moves_the_deadline_only_when_approved():
    s = state(S.IN_PROGRESS)
    assert decide(s, RequestExtension(reason="x", new_due_at=s.due_at), LEAD_LIAISON, FACTS) == \
        Refusal("延期后的时限须晚于当前办理时限", "new_due_at")
    assert decide(s, RequestExtension(reason="x"), LEAD_LIAISON, FACTS).field == "new_due_at"
    asked = decide(s, RequestExtension(reason="x", new_due_at=s.due_at + timedelta(days=5)),
                   LEAD_LIAISON, FACTS).state
    assert asked.due_at == s.due_at and asked.requested_due_at == s.due_at + timedelta(days=5)
    approved = decide(asked, ApproveExtension(reason="成立"), DISPATCHER, FACTS).state
    assert approved.due_at == s.due_at + timedelta(days=5) and approved.requested_due_at is None
    rejected = decide(asked, command_for(Action.REJECT_EXTENSION, "不成立"), DISPATCHER, FACTS)
    assert rejected.state.due_at == s.due_at and rejected.state.requested_due_at is None


H = timedelta(hours=1)
MORNING = datetime(2026, 11, 25, 9, 0)
# Art. 18(6), written out: the failed contacts' times (the table asks for 2, on different days
# or at least 4 hours apart), the evidence note, and the refusal (None: goes to review).
TOO_FEW = "终止办理须先登记至少2次未能联系或诉求人拒不配合的联系记录（第十八条第（六）项），目前{}次"
TOO_CLOSE = ("终止办理须有至少2次未能联系的记录分别在不同日期或相隔至少4小时（第十八条第（六）项），"
             "目前登记的{}次只算1次")
TERMINATION_CASES = [
    ((), EVIDENCE, Refusal(TOO_FEW.format(0), "reason")),
    ((MORNING,), EVIDENCE, Refusal(TOO_FEW.format(1), "reason")),
    ((MORNING, MORNING + timedelta(minutes=1)), EVIDENCE, Refusal(TOO_CLOSE.format(2), "reason")),
    ((MORNING, MORNING + 3 * H + timedelta(minutes=59)), EVIDENCE,
     Refusal(TOO_CLOSE.format(2), "reason")),
    ((MORNING, MORNING + H, MORNING + 2 * H), EVIDENCE, Refusal(TOO_CLOSE.format(3), "reason")),
    ((MORNING, MORNING + 4 * H), EVIDENCE, None),  # same day, 4 hours apart
    ((MORNING + 14 * H + 50 * timedelta(minutes=1), MORNING + 15 * H + 10 * timedelta(minutes=1)),
     EVIDENCE, None),  # 23:50 and 00:10 the next day: different days
    ((MORNING + 4 * H, MORNING), EVIDENCE, None),  # in any order
    ((MORNING, MORNING + timedelta(days=1)), "", Refusal("证明材料说明不能为空", "evidence")),
    ((MORNING, MORNING + timedelta(days=1)), "   ", Refusal("证明材料说明不能为空", "evidence")),
    ((MORNING, MORNING + timedelta(days=1)), "见附件",
     Refusal("证明材料说明过短，至少需要5个字", "evidence")),
    ((MORNING, MORNING + timedelta(days=1)), "记" * 501,
     Refusal("证明材料说明过长：501字，最多500字", "evidence")),
]


@pytest.mark.parametrize(("times", "evidence", "expected"), TERMINATION_CASES)
def test_termination_needs_spaced_failed_contacts_and_evidence(times, evidence, expected):
    facts = replace(FACTS, failed_contacts=times)
    result = decide(state(S.IN_PROGRESS), RequestTermination(reason="联系不上", evidence=evidence),
                    LEAD_LIAISON, facts)
    if expected is not None:
        assert result == expected
        return
    assert result.state.status is S.TERMINATION_REVIEW
    assert result.events[0].reason == f"联系不上；证明材料：{EVIDENCE}"
    assert result.note == Note(Action.REQUEST_TERMINATION, EVIDENCE)  # kept for the reviewer


def test_termination_follows_the_table_and_needs_one():
    close = replace(FACTS, failed_contacts=(MORNING, MORNING + 2 * H))
    command = RequestTermination(reason="联系不上", evidence=EVIDENCE)
    assert isinstance(decide(state(S.IN_PROGRESS), command, LEAD_LIAISON, close), Refusal)
    lenient = replace(close, termination=TerminationRule(min_failed_contacts=2, min_hours_apart=2))
    assert isinstance(decide(state(S.IN_PROGRESS), command, LEAD_LIAISON, lenient), Decision)
    assert decide(state(S.IN_PROGRESS), command, LEAD_LIAISON,
                  replace(FACTS, termination=None)) == Refusal("规则表中没有终止办理的规定")


def test_completion_needs_every_part_and_the_result():
    s = state(S.IN_PROGRESS, co_handler_ids=(CO, OTHER))
    assert decide(s, VALID[Action.COMPLETE], LEAD_LIAISON, FACTS) == \
        Refusal("配合单位尚未提交配合意见：公积金中心；汇总后方可办结", "reason")
    s = state(S.IN_PROGRESS)
    assert decide(s, Complete(reason="x", caller_view="满意"), LEAD_LIAISON, FACTS) == \
        Refusal("请选择办理结果：已解决或暂时无法解决", "resolution")
    assert decide(s, Complete(reason="x", resolution="已解决"), LEAD_LIAISON, FACTS) == \
        Refusal("请选择诉求人对办理结果的意见（第十八条第（三）项）", "caller_view")
    done = decide(s, VALID[Action.COMPLETE], LEAD_LIAISON, FACTS)
    assert done.events[0].reason == "办理结果：已解决；诉求人意见：满意；已上门处理"


def test_callback_rulings_art_20():
    s = state(S.COMPLETED, due_at=NOW - timedelta(days=1))
    assert decide(s, Callback(satisfaction="不满意"), CALLBACK, FACTS) == \
        Refusal("诉求人不满意：请裁定诉求是否合理合法（第二十条）", "ruling")
    assert decide(s, Callback(satisfaction="满意", ruling="合理合法"), CALLBACK, FACTS) == \
        Refusal("只有不满意的回访需要裁定诉求是否合理合法", "ruling")
    assert decide(s, Callback(satisfaction="不满意", ruling="不合理或不合法"), CALLBACK, FACTS) == \
        Refusal("裁定不合理或不合法须说明理由", "reason")
    assert decide(s, Callback(satisfaction="还行"), CALLBACK, FACTS) == \
        Refusal("请选择满意度：满意、基本满意或不满意", "satisfaction")
    kept = decide(s, Callback(satisfaction="不满意", ruling="不合理或不合法", reason="超出合同"),
                  CALLBACK, FACTS)
    assert kept.state.status is S.CALLED_BACK and len(kept.events) == 1
    assert kept.events[0].reason == "满意度：不满意；裁定：诉求不合理或不合法；超出合同"
    reopened = decide(s, Callback(satisfaction="不满意", ruling="合理合法", reason="室温仍低"),
                      CALLBACK, FACTS)
    assert [e.action for e in reopened.events] == [Action.CALLBACK, Action.REOPEN,
                                                   Action.SUPERVISE]
    assert [(e.from_status, e.to_status) for e in reopened.events] == [
        (S.COMPLETED, S.CALLED_BACK), (S.CALLED_BACK, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.IN_PROGRESS)]
    r = reopened.state
    assert r.status is S.IN_PROGRESS and r.reopen_count == 1 and r.satisfaction is None
    assert r.due_at == datetime(2026, 12, 10, 17, 30) and r.supervision_level == 1
    assert "第十九条第（三）项" in reopened.events[2].reason
    assert [e.by_system for e in reopened.events] == [False, False, True]


def test_reopen_by_hand_restarts_the_clock():
    s = state(S.CALLED_BACK, due_at=NOW - timedelta(days=1), reopen_count=1)
    r = decide(s, Reopen(reason="诉求人补充新情况"), CALLBACK, FACTS).state
    assert r.reopen_count == 2 and r.satisfaction is None and r.due_at > NOW


def test_a_rejected_return_alone_raises_no_supervision():
    d = decide(state(S.RETURN_REVIEW), RejectReturn(reason="属供热职责"), DISPATCHER, FACTS)
    assert [e.action for e in d.events] == [Action.REJECT_RETURN]
    assert d.state.supervision_level == 0 and d.state.status is S.IN_PROGRESS
    first = decide(state(S.IN_PROGRESS), RequestReturn(reason="不属本单位"), LEAD_LIAISON, FACTS)
    assert [e.action for e in first.events] == [Action.REQUEST_RETURN]


def test_asking_to_return_again_after_a_rejection_is_refusing_the_order_art_19_1():
    again = replace(FACTS, rejected_returns=1)
    d = decide(state(S.IN_PROGRESS), RequestReturn(reason="仍不属本单位"), LEAD_LIAISON, again)
    assert [e.action for e in d.events] == [Action.REQUEST_RETURN, Action.SUPERVISE]
    assert [e.by_system for e in d.events] == [False, True]  # signed by the system
    assert d.state.status is S.RETURN_REVIEW and d.state.supervision_level == 1
    assert d.events[1].reason == ("自动督办：申请退回已被驳回1次仍再次申请退回，属职责范围但拒不接受"
                                  "诉求工单（第十九条第（一）项），督办级别 0→1")
    top = decide(state(S.AWAITING_SIGN, supervision_level=3), RequestReturn(reason="x"),
                 LEAD_LIAISON, again)
    assert top.state.supervision_level == 3 and top.events[1].reason.endswith("3→3")


def test_supervision_by_hand_and_by_the_scan():
    s = state(S.IN_PROGRESS, supervision_level=2)
    assert decide(s, Supervise(reason="群众反映强烈"), SUPERVISOR, FACTS).state.supervision_level == 3
    assert decide(replace(s, supervision_level=3), Supervise(reason="再督"), SUPERVISOR, FACTS) == \
        Refusal("已是最高督办级别（3级）")
    assert decide(s, AutoSupervise(reason="自动督办", level=2), SUPERVISOR, FACTS) == \
        Refusal("督办级别已是2级")
    raised = decide(s, AutoSupervise(reason="自动督办：超期", level=3), SUPERVISOR, FACTS)
    assert raised.events[0].reason == "自动督办：超期，督办级别 2→3"


def test_supervision_due_by_tier():
    due = NOW
    fresh = state(S.IN_PROGRESS, due_at=due, sign_by=due - timedelta(hours=1))
    assert supervision_due(fresh, due - timedelta(seconds=1)) is None
    assert supervision_due(fresh, due).level == 1
    assert supervision_due(fresh, due + timedelta(days=4)).level == 2
    assert supervision_due(fresh, due + timedelta(days=30)).level == 3
    assert "第十九条第（二）项" in supervision_due(fresh, due + timedelta(days=4)).reason
    assert supervision_due(replace(fresh, supervision_level=2), due + timedelta(days=4)) is None
    unsigned = state(S.AWAITING_SIGN, sign_by=NOW - timedelta(hours=5))
    assert supervision_due(unsigned, NOW).level == 1
    assert "签收时限5小时仍未签收（第十九条第（一）项）" in supervision_due(unsigned, NOW).reason
    for closed in (S.AWAITING_DISPATCH, S.COMPLETED, S.ARCHIVED, S.TERMINATED):
        assert supervision_due(state(closed, due_at=NOW - timedelta(days=30)), NOW) is None


def test_notes_and_their_records():
    s = state(S.IN_PROGRESS)
    assert decide(s, LogContact(result="maybe"), LEAD_LIAISON, FACTS) == \
        Refusal("请选择联系结果：已联系上、未接通或诉求人拒不配合", "result")
    d = decide(s, LogContact(result="no_answer", reason="上午致电未接"), CO_LIAISON, FACTS)
    assert d.events[0].reason == "未接通；上午致电未接" and d.state == s
    assert d.note.kind is Action.CONTACT and d.note.result == "no_answer"
    assert decide(s, SubmitPart(reason=""), CO_LIAISON, FACTS).field == "content"
    c = state(S.AWAITING_DISPATCH)
    assert decide(c, RecordConsultation(reason="由住建局牵头"), DISPATCHER, FACTS) == \
        Refusal("请选择参与协商的单位", "units")
    d = decide(c, VALID[Action.CONSULT], DISPATCHER, FACTS)
    assert d.events[0].reason == "协商单位：科尔沁区住建局、公积金中心；结论：由住建局牵头"
    assert d.note.unit_ids == (CO, OTHER)


@pytest.mark.parametrize("bad", ["x" * 1001, "带\x00控制符", "带\u202e反向"])
def test_odd_reasons_are_refused_with_the_field(bad):
    refusal = decide(state(S.IN_PROGRESS), RequestReturn(reason=bad), LEAD_LIAISON, FACTS)
    assert isinstance(refusal, Refusal) and refusal.field == "reason" and refusal.reason


def test_markup_and_rare_characters_are_kept_as_typed():
    text = "[@click=app.quit]点我[/] [bold]𠮷😀 '; DROP TABLE work_orders; --"
    d = decide(state(S.IN_PROGRESS), RequestReturn(reason=text), LEAD_LIAISON, FACTS)
    assert d.events[0].reason == text


def test_what_a_liaison_may_do_and_see():
    s = state(S.IN_PROGRESS)
    assert permitted(s, LEAD_LIAISON) == (Action.REQUEST_RETURN, Action.REQUEST_EXTENSION,
                                          Action.REQUEST_TERMINATION, Action.COMPLETE,
                                          Action.CONTACT)
    assert permitted(s, CO_LIAISON) == (Action.CONTACT, Action.PART)
    assert permitted(s, OTHER_LIAISON) == ()
    assert may_view(s, LEAD_LIAISON) and may_view(s, CO_LIAISON) and may_view(s, DISPATCHER)
    assert not may_view(s, OTHER_LIAISON)


def test_the_administrator_stands_in_for_every_desk():
    for status in S:
        admin = set(permitted(state(status), ADMIN))
        desks = set().union(*(permitted(state(status), w)
                              for w in (DISPATCHER, CALLBACK, SUPERVISOR)))
        assert admin == desks


def test_unknown_status_is_refused():
    assert decide(state("乱码"), Sign(), LEAD_LIAISON, FACTS) == Refusal("未知的工单状态：乱码")
