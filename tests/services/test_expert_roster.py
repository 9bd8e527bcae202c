"""Art. 14: the experts the handling units place at the centre and the duty roster routing
reads (14(1)): adding and ending a placement, what is refused and why, who counts as on duty
(the roster's dates, the expert's presence, a console gone silent); and the centre's ranking
of categories by attention and direct answers (14(2)), checked against a count of its own."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from agent_console.domain.enums import Outcome, Presence, TransferOutcome
from agent_console.services import expert as expert_rules
from agent_console.services.errors import (
    PermissionDenied,
    ServiceError,
    ValidationFailed,
)
from agent_console.services.expert import PRESENCE_TTL
from agent_console.services.simulation import Simulator
from agent_console.store.engine import make_session_factory
from agent_console.store.models import ExpertRoster, ExpertTransfer, IntakeRecord
from agent_console.store.notify import TRANSFERS
from tests.conftest import FROZEN_AT
from tests.services.helpers import HEATING_PATH, category_id, draft, units_also_handle
from tests.services.test_live_changes import heard_within, listen, pg

TODAY = FROZEN_AT.date()
EDUCATION = "教育/入学招生/小学入学"  # on nobody's demo roster
PENSION = "社会保障/养老保险/养老金发放"


@pytest.fixture(autouse=True)
def _units_handle_education(services):
    """The demo experts' units also handle 教育 here (the placements below use it)."""
    units_also_handle(services, "教育")


@pytest.fixture
def supervisor(services):
    return services.accounts.authenticate("3003", "demo")


def cat(services, path: str) -> int:
    return category_id(services, path)


def roster_rows(services) -> int:
    with make_session_factory(services.engine)() as s:
        return s.scalar(select(func.count()).select_from(ExpertRoster))


def on_duty_nos(services, path: str) -> list[str]:
    return [e.staff_no for e in services.expert.on_duty(cat(services, path)).experts]


# ---------------------------------------------------------------------- 14(1): the roster
def test_a_placement_is_added_routes_and_ends(services, supervisor):
    expert = services.expert
    assert on_duty_nos(services, EDUCATION) == []
    group = cat(services, "教育")
    roster_id = expert.add_roster(supervisor, " 2001 ", [group], TODAY, note="开学季支援")
    row = next(r for r in expert.roster() if r.id == roster_id)
    assert (row.staff_no, row.name, row.unit_name) == ("2001", "李建国", "通辽市人力资源和社会保障局")
    assert row.categories == ("教育",) and row.starts_on == TODAY and row.ends_on is None
    assert row.active and row.note == "开学季支援" and row.presence is Presence.OFFLINE
    # the group covers every category below it; the roster's unit is the expert's
    assert on_duty_nos(services, EDUCATION) == ["2001"]
    li = services.accounts.authenticate("2001", "demo")
    with make_session_factory(services.engine)() as s:
        stored = s.get(ExpertRoster, roster_id)
        assert stored.unit_id == li.unit_id
        assert stored.created_by_id == supervisor.id and stored.categories == [group]
    # begun only today: ending it removes it, and it stops covering at once
    expert.end_roster(supervisor, roster_id)
    assert on_duty_nos(services, EDUCATION) == []
    assert roster_id not in {r.id for r in expert.roster(include_past=True)}


def test_ending_a_placement_that_ran_keeps_it_as_history(services, supervisor):
    expert = services.expert
    roster_id = expert.add_roster(supervisor, "2003", [cat(services, EDUCATION)],
                                  TODAY - timedelta(days=10), TODAY + timedelta(days=30))
    assert on_duty_nos(services, EDUCATION) == ["2003"]
    expert.end_roster(supervisor, roster_id)
    assert on_duty_nos(services, EDUCATION) == []
    assert roster_id not in {r.id for r in expert.roster()}
    past = next(r for r in expert.roster(include_past=True) if r.id == roster_id)
    assert past.ends_on == TODAY - timedelta(days=1) and not past.active
    with pytest.raises(ServiceError, match="已于 2026-11-25 结束"):
        expert.end_roster(supervisor, roster_id)
    with pytest.raises(ServiceError, match="不存在"):
        expert.end_roster(supervisor, roster_id + 1000)


def test_the_roster_s_dates_decide_who_is_on_duty(services, supervisor, clock):
    expert = services.expert
    edu = cat(services, EDUCATION)
    later = expert.add_roster(supervisor, "2001", [edu], TODAY + timedelta(days=1))
    over = expert.add_roster(supervisor, "2003", [edu], TODAY - timedelta(days=9),
                             TODAY - timedelta(days=1))
    last_day = expert.add_roster(supervisor, "2002", [edu], TODAY - timedelta(days=3), TODAY)
    assert on_duty_nos(services, EDUCATION) == ["2002"]  # its last day still counts
    shown = {r.id: r for r in expert.roster()}
    assert over not in shown and not shown[later].active and shown[last_day].active
    assert {r.id for r in expert.roster(include_past=True)} >= {later, over, last_day}
    clock.advance(days=1)
    assert on_duty_nos(services, EDUCATION) == ["2001"]
    assert {r.id for r in expert.roster()} >= {later} and last_day not in \
        {r.id for r in expert.roster()}
    # not yet begun: ending it removes it
    clock.set(FROZEN_AT)
    expert.end_roster(supervisor, later)
    clock.advance(days=1)
    assert on_duty_nos(services, EDUCATION) == []


def test_who_may_keep_the_roster(services):
    edu = cat(services, EDUCATION)
    for staff_no in ("3001", "9001"):  # the dispatcher and the administrator may
        who = services.accounts.authenticate(staff_no, "demo")
        services.expert.end_roster(who, services.expert.add_roster(who, "2001", [edu], TODAY))
    for staff_no in ("1001", "2002", "5001"):  # a seat, an expert, a unit's liaison may not
        who = services.accounts.authenticate(staff_no, "demo")
        with pytest.raises(PermissionDenied):
            services.expert.add_roster(who, "2001", [edu], TODAY)
        with pytest.raises(PermissionDenied):
            services.expert.end_roster(who, 1)
    assert roster_rows(services) == 3  # the demo's


def refused(services, supervisor, **kw) -> dict[str, str]:
    args = dict(staff_no="2001", category_ids=[cat(services, EDUCATION)], starts_on=TODAY,
                ends_on=None, note="")
    args.update(kw)
    with pytest.raises(ValidationFailed) as caught:
        services.expert.add_roster(supervisor, **args)
    return caught.value.errors


def test_what_is_refused_and_why(services, supervisor):
    assert refused(services, supervisor, staff_no="7777") == {"staff_no": "工号 7777 不存在"}
    assert refused(services, supervisor, staff_no="1001") == \
        {"staff_no": "工号 1001（王晓雯）不是专家座席账号"}
    assert refused(services, supervisor, staff_no="  ") == {"staff_no": "请选择值班的专家"}
    assert refused(services, supervisor, ends_on=TODAY - timedelta(days=1)) == \
        {"ends_on": "结束日期不能早于开始日期"}
    assert refused(services, supervisor, category_ids=[]) == \
        {"categories": "请至少选择一个诉求分类"}
    assert refused(services, supervisor, category_ids=[999999]) == \
        {"categories": "诉求分类 999999 不存在"}
    for bad in ("夜班\x07支援", "夜班\u202e支援", "第一行\n第二行"):
        assert "控制字符" in refused(services, supervisor, note=bad)["note"]
    assert "过长" in refused(services, supervisor, note="长" * 201)["note"]
    # every field at once, each with its own message; nothing written
    everything = refused(services, supervisor, staff_no="1001", category_ids=[],
                         ends_on=TODAY - timedelta(days=1), note="\x00")
    assert set(everything) == {"staff_no", "categories", "ends_on", "note"}
    assert roster_rows(services) == 3


def test_an_inactive_expert_is_refused(services, supervisor):
    from agent_console.store.models import Operator

    with make_session_factory(services.engine).begin() as s:
        s.scalar(select(Operator).where(Operator.staff_no == "2003")).active = False
    assert refused(services, supervisor, staff_no="2003") == \
        {"staff_no": "工号 2003（白雪梅）已停用"}
    assert [e.staff_no for e in services.expert.experts()] == ["2001", "2002"]


def test_the_note_is_kept_as_typed(services, supervisor):
    note = "[bold]夜班[/bold] [@click=app.quit]支援[/] 😀 𠮷野家 ﹝加急﹞"
    roster_id = services.expert.add_roster(supervisor, "2001", [cat(services, EDUCATION)],
                                           TODAY, note=f"  {note}  ")
    row = next(r for r in services.expert.roster() if r.id == roster_id)
    assert row.note == note


# ---------------------------------------------------------------------- presence
def test_presence_break_busy_and_a_console_gone_silent(services, agent, clock):
    expert = services.expert
    gao = services.accounts.authenticate("2002", "demo")
    heat = cat(services, HEATING_PATH)
    assert expert.on_duty(heat).experts[0].status is Presence.OFFLINE  # never logged in
    assert not expert.on_duty(heat).reachable
    assert expert.heartbeat(gao) is Presence.AVAILABLE  # a heartbeat logs in
    assert expert.set_presence(gao, Presence.BREAK) is Presence.BREAK
    picture = expert.on_duty(heat)
    assert picture.reachable and picture.available == ()
    # silent for PRESENCE_TTL: still there; a second longer: away
    clock.advance(seconds=PRESENCE_TTL.total_seconds())
    assert expert.presence(gao.id) is Presence.BREAK
    clock.advance(seconds=1)
    assert expert.presence(gao.id) is Presence.OFFLINE
    assert expert.on_duty(heat).experts[0].status is Presence.OFFLINE
    assert [r.presence for r in expert.roster() if r.staff_no == "2002"] == [Presence.OFFLINE]
    # the console is back: where it was (on a break), not available
    assert expert.heartbeat(gao) is Presence.BREAK
    assert expert.on_duty(heat).experts[0].status is Presence.BREAK
    # available again; a call for the category is routed to the expert, who is busy with it
    expert.set_presence(gao, Presence.AVAILABLE)
    done = services.intake.transfer_to_expert(agent, draft(category_id=heat), clock.now(), None,
                                              True)
    picture = expert.on_duty(heat)
    assert (picture.experts[0].load, picture.waiting) == (1, 1)
    expert.accept(gao, done.transfer_id)
    picture = expert.on_duty(heat)
    assert picture.experts[0].status is Presence.BUSY and picture.waiting == 0
    assert expert.set_presence(gao, Presence.BREAK) is Presence.BUSY  # not while on a call
    assert expert.set_presence(gao, Presence.OFFLINE) is Presence.OFFLINE
    assert expert.heartbeat(gao) is Presence.AVAILABLE
    # another role has no presence
    assert expert.set_presence(agent, Presence.AVAILABLE) is Presence.OFFLINE


def test_a_group_s_queue_counts_the_calls_waiting_below_it(services, agent, expert):
    services.expert.set_presence(expert, Presence.BREAK)  # 2002: 供热 and more
    heat = cat(services, HEATING_PATH)
    done = services.intake.transfer_to_expert(agent, draft(category_id=heat), FROZEN_AT, None,
                                              True)
    with make_session_factory(services.engine)() as s:
        assert s.get(ExpertTransfer, done.transfer_id).expert_id is None  # in the queue
    assert services.expert.on_duty(heat).waiting == 1
    group = services.expert.on_duty(cat(services, "供热"))
    assert [e.staff_no for e in group.experts] == ["2002"] and group.waiting == 1
    assert services.expert.on_duty(cat(services, "教育")).waiting == 0


def test_roster_and_presence_changes_reach_the_other_consoles(services, other_console,
                                                              supervisor, clock):
    if not pg(services):
        pytest.skip("SQLite says only that something changed (test_live_changes)")
    heard = listen(other_console)
    services.expert.add_roster(supervisor, "2001", [cat(services, EDUCATION)], TODAY)
    heard_within(heard, lambda c: c.topic == TRANSFERS)
    gao = services.accounts.authenticate("2002", "demo")
    services.expert.heartbeat(gao)  # logged in by its heartbeat
    heard_within(heard, lambda c: c.topic == TRANSFERS)
    clock.advance(seconds=PRESENCE_TTL.total_seconds() + 5)
    services.expert.heartbeat(gao)  # back after counting as away
    heard_within(heard, lambda c: c.topic == TRANSFERS)


# ---------------------------------------------------------------------- 14(2): attention
def test_a_call_sent_to_an_expert_twice_is_one_call(services, agent, expert, clock):
    heat, pension = cat(services, HEATING_PATH), cat(services, PENSION)
    first = services.intake.transfer_to_expert(agent, draft(category_id=heat), FROZEN_AT, None,
                                               True)
    services.expert.accept(expert, first.transfer_id)
    services.expert.hand_back(expert, first.transfer_id, "请补充诉求人的小区名称后再转")
    again = replace(draft(category_id=heat), resumes_intake_id=first.intake_id)
    second = services.intake.transfer_to_expert(agent, again, FROZEN_AT, None, True)
    assert second.intake_id == first.intake_id
    services.expert.accept(expert, second.transfer_id)
    services.expert.answer(expert, second.transfer_id, "已向诉求人说明供暖温度标准及测温方式")
    # answered by the seat, eight days ago; a refused call does not count
    clock.set(FROZEN_AT - timedelta(days=8))
    services.intake.answer_online(agent, draft(category_id=pension, caller_number="13800001111"),
                                  clock.now(), None, "已告知养老金发放时间")
    services.intake.not_accepted(agent, draft(category_id=pension, caller_number="13800002222"),
                                 clock.now(), 1)
    clock.set(FROZEN_AT)
    rows = {r.category_id: r for r in services.expert.attention()}
    assert set(rows) == {heat, pension}
    h, p = rows[heat], rows[pension]
    assert (h.calls_7, h.calls_30, h.answered_30, h.direct_rate) == (1, 1, 1, 1.0)
    assert (p.calls_7, p.calls_30, p.answered_30) == (0, 1, 1)
    assert h.category == HEATING_PATH and not h.flagged  # two calls: far below the floor
    assert [r.category_id for r in services.expert.attention()] == [heat, pension]  # 7 days first


def expected_attention(services, now, top: int, least: int) -> list[tuple]:
    """Art. 14(2) counted a second way: each call record in Python, the rule applied to it."""
    taken = {Outcome.ANSWERED.value, Outcome.EXPERT.value, Outcome.WORK_ORDER.value}
    with make_session_factory(services.engine)() as s:
        records = s.execute(select(IntakeRecord.id, IntakeRecord.category_id,
                                   IntakeRecord.started_at, IntakeRecord.outcome)).all()
        by_expert = {i for i, o in s.execute(select(ExpertTransfer.intake_id,
                                                    ExpertTransfer.outcome))
                     if o == TransferOutcome.ANSWERED.value}
    n7, n30, answered = Counter(), Counter(), Counter()
    for rid, cid, at, outcome in records:
        if cid is None or outcome not in taken or not now - timedelta(days=30) <= at <= now:
            continue
        n30[cid] += 1
        n7[cid] += at >= now - timedelta(days=7)
        answered[cid] += outcome == Outcome.ANSWERED.value or rid in by_expert
    centre = sum(answered.values()) / sum(n30.values())
    busiest = set(sorted(n30, key=lambda c: (-n30[c], c))[:top])
    rows = [(c, n7[c], n30[c], answered[c],
             c in busiest and n30[c] >= least and answered[c] / n30[c] < centre) for c in n30]
    return sorted(rows, key=lambda r: (-r[1], -r[2], r[0]))


def test_the_ranking_on_a_simulated_history(services, clock, monkeypatch):
    report = Simulator(services, clock, seed=7).run(days=33, calls_per_day=9)
    assert report.days == 33
    now = clock.now()  # the evening of the last simulated day
    with make_session_factory(services.engine)() as s:
        ages = [now - at for at in s.scalars(select(IntakeRecord.started_at))]
        experts_answered = s.scalar(select(func.count()).select_from(ExpertTransfer).where(
            ExpertTransfer.outcome == TransferOutcome.ANSWERED.value))
    # the history crosses both windows, and experts answered some of it
    assert any(a > timedelta(days=30) for a in ages) and any(a < timedelta(days=7) for a in ages)
    assert any(timedelta(days=7) < a < timedelta(days=30) for a in ages)
    assert experts_answered

    def got() -> list[tuple]:
        return [(r.category_id, r.calls_7, r.calls_30, r.answered_30, r.flagged)
                for r in services.expert.attention()]

    # the rule as shipped: no category of this small history reaches 20 calls
    shipped = expected_attention(services, now, expert_rules.ATTENTION_TOP,
                                 expert_rules.ATTENTION_MIN_CALLS)
    assert got() == shipped and not any(r[4] for r in shipped)
    # a smaller centre's floor: the busiest answered less often than the centre are flagged
    monkeypatch.setattr(expert_rules, "ATTENTION_MIN_CALLS", 3)
    want = expected_attention(services, now, expert_rules.ATTENTION_TOP, 3)
    assert got() == want
    flagged = [r for r in want if r[4]]
    assert flagged and len(flagged) < expert_rules.ATTENTION_TOP
    assert sum(r[3] for r in want) > experts_answered  # the seats' answers count too
    cats = services.catalog.categories()
    assert [r.category for r in services.expert.attention()] == [cats[r[0]].path for r in want]
