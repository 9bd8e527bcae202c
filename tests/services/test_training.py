"""Training over practice databases: scenarios play through the real services, score right and
wrong handlings, and never write a row to the real database."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from agent_console.domain.enums import Outcome
from agent_console.services.errors import PermissionDenied, ValidationFailed
from agent_console.services.scenarios import load_scenarios
from agent_console.services.training_play import model_plan, perform
from agent_console.store.models import Base, TrainingAttempt

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "training"


def table_counts(services) -> dict[str, int]:
    with services.engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in Base.metadata.sorted_tables}


def fixture_scenario(services, scenario_id: str):
    loaded = load_scenarios(FIXTURES, services.training.catalogue())
    assert not loaded.errors, loaded.errors
    return next(s for s in loaded.scenarios if s.id == scenario_id)


def play(svc, agent, scenario, **changes):
    call = svc.practice.open(scenario, agent)
    try:
        plan = replace(model_plan(scenario), **changes)
        return perform(call, plan)
    finally:
        call.close()


def test_the_shipped_scenarios_all_pass_validation(services):
    loaded = services.training.library()
    assert not loaded.errors, [str(e) for e in loaded.errors]
    assert len(loaded.scenarios) >= 40
    kinds = {s.expected.action for s in loaded.scenarios}
    assert kinds == {Outcome.ANSWERED, Outcome.EXPERT, Outcome.WORK_ORDER, Outcome.NOT_ACCEPTED,
                     Outcome.EMERGENCY, Outcome.WARNING}
    reasons = {s.expected.reason for s in loaded.scenarios if s.expected.reason}
    assert reasons == set(range(1, 8))
    services_used = {sv for s in loaded.scenarios for sv in s.expected.services}
    assert services_used == {"110", "119", "120", "122"}
    assert any(len(s.expected.services) >= 2 for s in loaded.scenarios)
    assert any(s.persona.withheld for s in loaded.scenarios)
    assert any(s.expected.co_handlers for s in loaded.scenarios)
    assert any("confidential" in s.expected.fields for s in loaded.scenarios)
    assert any(s.consent is False for s in loaded.scenarios)
    assert any(s.consent is True and s.expected.action is Outcome.EXPERT for s in loaded.scenarios)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_shipped_scenario_scores_full_marks_when_handled_as_expected(services, agent):
    """Each file's expected handling can be done on the seat (no scenario asks the impossible).
    A test of the files' content: the calls run over practice databases, which are SQLite
    whatever the real database is (the real one's part is tested on both, below)."""
    for scenario in services.training.library().scenarios:
        handling, debrief, message = play(services, agent, scenario)
        assert handling.action is scenario.expected.action, (scenario.id, message)
        assert debrief.total == 100.0, (scenario.id, message,
                                        [(i.item, i.got, i.expected, i.actual) for i in debrief.items])


def test_a_practice_call_writes_nothing_to_the_real_database(services, agent):
    before = table_counts(services)
    scenario = fixture_scenario(services, "t-repeat-heating")  # history: an order, a call
    play(services, agent, scenario, action=Outcome.WORK_ORDER, lead_unit="heat_city",
         category="供热/供暖质量/供暖温度不达标", fill=("address",))
    assert table_counts(services) == before
    assert not list((Path(services.settings.outbox_dir) / "practice").glob("call-*"))


def test_an_emergency_with_two_services_scores_right_and_wrong(services, agent):
    scenario = fixture_scenario(services, "t-fire-injured")
    _h, right, _m = play(services, agent, scenario)
    assert right.total == 100.0 and right.passed
    handling, one, _m = play(services, agent, scenario, services=("119",), ask=())
    assert handling.services == ("119",)
    by_item = {i.item: i for i in one.items}
    assert by_item["services"].got == 0.5 and by_item["asked"].got == 0.0
    assert one.total == 40 + 20 + 10 and not one.passed


def test_an_art_11_refusal_scores_the_reason(services, agent):
    scenario = fixture_scenario(services, "t-out-of-city")
    _h, right, _m = play(services, agent, scenario)
    assert right.total == 100.0
    _h, wrong_reason, _m = play(services, agent, scenario, reason=7)
    assert wrong_reason.total == 50.0
    _h, order, message = play(services, agent, scenario, action=Outcome.WORK_ORDER,
                              lead_unit="cgj", category="城市管理/市政设施/路灯故障")
    assert "工单" in message and order.total == 0.0


def test_a_repeat_caller_finds_the_earlier_request_in_the_practice_database(services, agent):
    scenario = fixture_scenario(services, "t-repeat-heating")
    call = services.practice.open(scenario, agent)
    try:
        history = call.services.intake.caller_history(scenario.persona.phone)
        assert history is not None and history.open_orders
        assert call.services.intake.find_repeat(scenario.persona.phone,
                                                "暖气不热，科尔沁区明仁大街阳光小区2号楼") is not None
        handling, debrief, _m = perform(call, model_plan(scenario))
        assert handling.reason == 6 and debrief.total == 100.0
    finally:
        call.close()


def test_a_practice_call_made_from_a_kb_article(services, agent):
    scenario = services.training.scenario("kb:KB-UC-083")
    assert scenario.expected.kb_article == "KB-UC-083"
    assert scenario.expected.lead_unit == "cgj"
    said = " ".join(line.text for line in scenario.lines)
    assert any(p in said for p in ("我们这条路路灯一直不亮", "路灯白天也开着", "小区外面黑灯瞎火"))
    _h, debrief, _m = play(services, agent, scenario)
    assert debrief.total == 100.0
    _h, other, _m = play(services, agent, scenario, kb_article="KB-UC-001")
    assert other.total < 80
    assert services.training.random_article_scenario(seed=3).id.startswith("kb:")


def test_sets_assignments_attempts_and_most_failed(services, agent):
    trainer = services.accounts.authenticate("4001", "demo")
    with pytest.raises(PermissionDenied):
        services.training.save_set(agent, "新人第一周", ["kb-streetlight"])
    with pytest.raises(ValidationFailed) as err:
        services.training.save_set(trainer, "[bold]新人[/bold]", ["no-such", "kb:NOPE"])
    assert "no-such" in err.value.errors["scenarios"]
    made = services.training.save_set(trainer, "新人第一周 𠮷", ["kb-streetlight", "kb:KB-UC-083"])
    with pytest.raises(ValidationFailed):
        services.training.save_set(trainer, "新人第一周 𠮷", ["kb-streetlight"])
    with pytest.raises(ValidationFailed) as err:
        services.training.assign(trainer, made.id, ["1001", "9999", "3001"])
    assert "9999" in err.value.errors["trainees"] and "3001" in err.value.errors["trainees"]
    assert services.training.assign(trainer, made.id, ["1001"]) == 1
    assert services.training.assign(trainer, made.id, ["1001"]) == 0
    [mine] = services.training.assignments(agent)
    assert mine.scenario_ids == ("kb-streetlight", "kb:KB-UC-083") and mine.done == ()

    scenario = services.training.scenario("kb-streetlight")
    for changes in ({}, {"action": Outcome.WORK_ORDER, "lead_unit": "cgj",
                         "category": "城市管理/市政设施/路灯故障"}):
        handling, debrief, _m = play(services, agent, scenario, **changes)
        services.training.record_attempt(agent, scenario, services.clock.now(), debrief,
                                         handling, set_id=made.id)
    [mine] = services.training.assignments(agent)
    assert mine.done == ("kb-streetlight",)
    attempts = services.training.attempts(trainer)
    assert [a.passed for a in attempts] == [False, True] or sorted(a.score for a in attempts) == [60.0, 100.0]
    assert {a.set_name for a in attempts} == {"新人第一周 𠮷"}
    assert services.training.attempts(agent, trainee_no="4001") == attempts  # own only
    [failed] = services.training.most_failed(trainer)
    assert (failed.scenario_id, failed.attempts, failed.failed) == ("kb-streetlight", 2, 1)
    with services.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(TrainingAttempt)).scalar_one() == 2


def test_a_set_taken_back_and_deleted_keeps_the_attempts(services, agent):
    trainer = services.accounts.authenticate("4001", "demo")
    made = services.training.save_set(trainer, "第二周", ["kb-streetlight"])
    services.training.assign(trainer, made.id, ["1001"])
    scenario = services.training.scenario("kb-streetlight")
    handling, debrief, _m = play(services, agent, scenario)
    services.training.record_attempt(agent, scenario, services.clock.now(), debrief, handling,
                                     set_id=made.id)
    with pytest.raises(PermissionDenied):
        services.training.delete_set(agent, made.id)
    assert services.training.unassign(trainer, made.id, ["1001"]) == 1
    assert services.training.assignments(agent) == []
    assert services.training.delete_set(trainer, made.id) == "第二周"
    assert services.training.sets() == []
    [attempt] = services.training.attempts(trainer)
    assert attempt.set_name == "第二周（已删除）" and attempt.score == 100.0
    made = services.training.save_set(trainer, "第二周", ["kb-streetlight"])  # the name is free
    assert made.name == "第二周"
