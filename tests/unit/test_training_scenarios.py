"""Scenario files: good ones load; broken ones are named by file and line; the score."""

from __future__ import annotations

from pathlib import Path

from agent_console.domain.enums import Outcome
from agent_console.domain.training import Handling, score
from agent_console.services.scenarios import Catalogue, load_scenarios, parse_scenario

CAT = Catalogue(
    units={"cgj": "通辽市城市管理综合执法局", "heat_city": "通辽市城区集中供热公司"},
    categories=frozenset({"城市管理/市政设施/路灯故障", "供热/供暖质量/未供暖"}),
    articles={"KB-UC-083": ("路灯不亮或白天亮灯", "城市管理/市政设施/路灯故障", "cgj")},
    reasons={i: f"情形{i}" for i in range(1, 8)},
    warnings={i: f"警示{i}" for i in range(1, 6)},
)

GOOD = """\
id: lamp
title: 路灯不亮
persona:
  name: 王建华
  phone: "13904751234"
lines:
  - at: 0
    say: 路灯坏了好几天了
  - at: 5
    say: 归谁管？
replies:
  address: 建国路
expected:
  action: 派发工单
  category: 城市管理/市政设施/路灯故障
  lead_unit: cgj
  fields: [address]
  ask: [address]
rubric:
  outcome: 40
  lead_unit: 30
  fields: 10
  asked: 10
  time: 10
"""


def test_a_good_file_loads():
    scenario, errors = parse_scenario(GOOD, "lamp.yaml", CAT)
    assert errors == [] and scenario is not None
    assert scenario.expected.action is Outcome.WORK_ORDER
    assert [line.at for line in scenario.lines] == [0.0, 5.0]
    assert scenario.reply("address") == "建国路"


def errors_of(text: str) -> list[str]:
    scenario, errors = parse_scenario(text, "x.yaml", CAT)
    assert scenario is None
    return [str(e) for e in errors]


def test_broken_files_name_the_line():
    assert errors_of(GOOD.replace("lead_unit: cgj", "lead_unit: nope")) == [
        "x.yaml:16: 承办单位代码“nope”不存在（见 data/units.json 的 code）"]
    assert errors_of(GOOD.replace("路灯故障\n", "路灯\n")) == [
        "x.yaml:15: 诉求分类“城市管理/市政设施/路灯”不存在（应为“一级/二级/三级”的完整分类路径）"]
    assert errors_of(GOOD.replace("  - at: 5", "  - at: -1")) == ["x.yaml:9: at应为 0–3600 的数字（秒）"]
    assert errors_of(GOOD.replace("  outcome: 40", "  outcom: 40"))[0].startswith("x.yaml:20: 评分项“outcom”未知")
    assert errors_of(GOOD.replace("action: 派发工单", "action: 打发走")) == [
        "x.yaml:14: 受理结果应为：直接答复、专家座席、派发工单、不予受理、紧急联动、劝阻警示"]
    assert errors_of(GOOD.replace("title: 路灯不亮", "title: [unclosed"))[0].startswith("x.yaml:")
    assert errors_of("") == ["x.yaml: 文件为空"]
    assert errors_of(GOOD.replace('phone: "13904751234"', 'phone: "12"'))[0].startswith("x.yaml:5: 来电号码")
    # the rubric scores only what the scenario expects
    assert "x.yaml:21: 评分项“reason”需要在 expected 中写 reason" in errors_of(
        GOOD.replace("  lead_unit: 30", "  reason: 30"))


def test_markup_and_rare_characters_stay_text():
    text = GOOD.replace("路灯坏了好几天了", "'[bold]𠮷[/bold][@click=app.quit]😀'")
    scenario, errors = parse_scenario(text, "x.yaml", CAT)
    assert errors == [] and scenario.lines[0].text == "[bold]𠮷[/bold][@click=app.quit]😀"


def test_duplicate_ids_across_files(tmp_path: Path):
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "c.yaml").write_bytes(b"\xff\xfe")
    loaded = load_scenarios(tmp_path, CAT)
    assert len(loaded.scenarios) == 1
    assert [str(e) for e in loaded.errors] == [
        f"{tmp_path / 'b.yaml'}:1: 场景编号“lamp”与 {tmp_path / 'a.yaml'} 重复",
        f"{tmp_path / 'c.yaml'}: 文件不是 UTF-8 编码"]


def test_score_weights_each_item():
    scenario, _ = parse_scenario(GOOD, "lamp.yaml", CAT)
    right = Handling(action=Outcome.WORK_ORDER, lead_unit="cgj", category="城市管理/市政设施/路灯故障",
                     filled={"address": "建国路"}, asked=("address",), seconds=30)
    assert score(scenario, right).total == 100.0
    wrong_unit = Handling(action=Outcome.WORK_ORDER, lead_unit="heat_city", filled={},
                          asked=(), seconds=30)
    assert score(scenario, wrong_unit).total == 50.0  # outcome 40 + time 10
    not_ended = Handling(asked=("address",), filled={"address": "建国路"})
    debrief = score(scenario, not_ended)
    assert debrief.total == 20.0 and not debrief.passed
