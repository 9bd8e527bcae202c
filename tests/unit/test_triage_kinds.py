"""Art. 12 triage by emergency kind: who is notified, which unit signs the follow-up, how urgent.

Tables of typical calls against the shipped data/emergency.json."""

from __future__ import annotations

import json

import pytest

from agent_console.domain.triage import triage_rules_from_data


@pytest.fixture(scope="module")
def table(data_dir_module):
    return json.loads((data_dir_module / "emergency.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def data_dir_module():
    from agent_console.config import seed_data_dir

    return seed_data_dir()


@pytest.fixture(scope="module")
def rules(table):
    return triage_rules_from_data(table)


# text, services (exact, in order), top kind, follow-up unit, urgency, immediate dispatch
EMERGENCIES = [
    ("家里着火了，厨房冒烟", ("119",), "fire", "xfzd", "特急", True),
    ("家里着火了，有人受伤了", ("119", "120"), "fire", "xfzd", "特急", True),
    ("火锅店着火了，浓烟很大", ("119",), "fire", "xfzd", "特急", True),
    ("家里燃气泄漏了", ("119",), "gas_indoor", "gas_city", "特急", True),
    ("厨房里天然气好像漏了，味道很大", ("119",), "gas_indoor", "gas_city", "特急", True),
    ("楼道里闻到很浓的燃气味", ("119",), "gas_outdoor", "gas_city", "特急", True),
    ("路边施工把燃气管道挖断了", ("119",), "gas_outdoor", "gas_city", "特急", True),
    ("燃气爆炸了，有人受伤", ("119", "120"), "fire", "xfzd", "特急", True),
    ("路口发生车祸，有人受伤流血", ("122", "120"), "traffic_injury", "jjzd", "特急", False),
    ("我被车撞了，腿动不了", ("122", "120"), "traffic_injury", "jjzd", "特急", False),
    ("两车追尾了，没有人受伤", ("122",), "traffic", "jjzd", "紧急", False),
    ("老人在家晕倒了，叫不醒", ("120",), "medical", "wjw", "特急", False),
    ("屋里烧炉子，一家人煤气中毒了", ("120",), "co_poisoning", "wjw", "特急", False),
    ("有人落水了，就在河边", ("119", "120"), "drowning", "yjj", "特急", False),
    ("电线断了掉在人行道上", (), "electric_hazard", "power", "特急", True),
    ("变压器冒火了", ("119",), "fire", "xfzd", "特急", True),
    ("马路上水管爆裂了，水柱很高", (), "water_main_burst", "water_city", "紧急", True),
    ("我被困电梯里了，出不来", ("119",), "elevator", "scjgj", "特急", True),
    ("电梯突然下坠，里面有人", ("119",), "elevator", "scjgj", "特急", True),
    ("楼下有人打架，拿刀砍人", ("110",), "violence", "gaj", "特急", False),
    ("我家孩子走失了，找了一个小时", ("110",), "missing_person", "gaj", "特急", False),
    ("对方让我转账到安全账户", ("110",), "fraud", "gaj", "特急", False),
    ("老房子倒塌了，有人被压在下面", ("119", "120"), "collapse", "zjj", "特急", True),
    ("草原着火了，火势很大", ("119",), "wildfire", "lcj", "特急", True),
    ("下暴雨小区地下室进水了，有人被困", ("119",), "rainstorm", "slj", "特急", True),
    ("小区门口道路积水很深，车过不去", (), "road_waterlogging", "cgj", "紧急", True),
    ("白毛风太大，车困在路上了", (), "blizzard", "yjj", "紧急", True),
    ("刚才地震了，房子晃得厉害", (), "earthquake", "yjj", "特急", True),
    ("沙尘暴把广告牌大风刮倒了", (), "sandstorm", "yjj", "紧急", True),
    ("河水上涨漫过堤坝了", (), "flood", "slj", "特急", True),
]


@pytest.mark.parametrize("text,services,kind,unit,urgency,immediate", EMERGENCIES)
def test_emergency_kinds(rules, text, services, kind, unit, urgency, immediate):
    result = rules.classify(text)
    assert result.services == services
    assert result.kinds and result.kinds[0].kind == kind
    assert result.follow_up is not None
    assert result.follow_up.unit == unit
    assert result.follow_up.urgency == urgency
    assert result.immediate_dispatch is immediate
    assert result.advice, "every kind tells the agent what to say"


def test_fire_with_injured_person_goes_to_119_and_120(rules):
    result = rules.classify("家里着火了，厨房冒烟，我爸被烧伤了")
    assert result.services == ("119", "120")
    triggers = {service: keyword for service, _name, keyword in result.emergencies}
    assert triggers == {"119": "着火", "120": "烧伤"}
    assert result.follow_up.category == "公共安全/消防安全/火灾隐患"
    assert result.follow_up.request_type == "求助"


def test_fire_follow_up_is_not_an_unrelated_unit(rules):
    # the observed bug: 通辽市民政局 / 咨询 / 一般 for a kitchen fire
    fu = rules.classify("家里着火了，厨房冒烟").follow_up
    assert (fu.unit, fu.request_type, fu.urgency) == ("xfzd", "求助", "特急")


def test_indoor_gas_leak_advises_119_and_the_gas_company(rules):
    result = rules.classify("家里燃气泄漏了")
    assert result.is_emergency and result.services == ("119",)
    assert "燃气公司抢修电话" in result.utility_lines
    assert any("不要开关电器" in line and "119" in line for line in result.advice)
    assert result.follow_up.category == "水电燃气/燃气安全/燃气泄漏"
    assert result.follow_up.immediate_dispatch
    assert ("燃气", "燃气泄漏") in result.utilities  # the utility banner stays


def test_outdoor_gas_smell_is_the_more_specific_kind(rules):
    result = rules.classify("楼道里闻到很浓的燃气味")
    assert [k.kind for k in result.kinds] == ["gas_outdoor"]
    assert any("不要按门铃" in line for line in result.advice)


def test_gas_explosion_is_fire_and_gas(rules):
    result = rules.classify("燃气爆炸了")
    assert [k.kind for k in result.kinds] == ["fire", "gas_indoor"]
    assert result.follow_up.unit == "xfzd"
    assert result.follow_up.co_units == ("gas_city",)


def test_electric_hazard_calls_the_power_line(rules):
    result = rules.classify("电线断了掉在人行道上")
    assert "供电抢修电话95598" in result.utility_lines
    assert result.follow_up.category == "水电燃气/电力设施/线路隐患"
    shocked = rules.classify("电线断了，有人触电了")
    assert "120" in shocked.services


# text, utility domain, follow-up unit, category
UTILITIES = [
    ("小区停电了，整栋楼都没电", "供电", "power", "水电燃气/供电服务/停电"),
    ("家里停水了", "供水", "water_city", "水电燃气/供水服务/停水"),
    ("自来水发黄有味", "供水", "water_city", "水电燃气/供水服务/水质异常"),
    ("暖气不热三天了，室温只有十二度", "供热", "heat_city", "供热/供暖质量/供暖温度不达标"),
    ("家里暖气漏水了", "供热", "heat_city", "供热/供热设施/暖气漏水"),
]


@pytest.mark.parametrize("text,domain,unit,category", UTILITIES)
def test_utility_faults_go_out_at_once(rules, text, domain, unit, category):
    result = rules.classify(text)
    assert not result.is_emergency
    assert result.immediate_dispatch
    assert result.utilities[0][0] == domain
    fu = result.follow_up
    assert (fu.unit, fu.category, fu.immediate_dispatch) == (unit, category, True)
    assert fu.request_type is None  # proposed from the text (domain/propose.py)


# nothing of Art. 12 in these: a normal order, or a question
ORDINARY = [
    "小区门口的路灯不亮了",
    "楼上装修噪音扰民",
    "火锅店油烟太大",
    "社区在搞防火宣传",
    "火车站附近占道经营",
    "消防通道堵塞，有火灾隐患",
    "想咨询交通事故认定书怎么拿",
    "酒驾处罚标准是什么",
    "这里是中风险地区吗",
    "学校组织防溺水教育",
    "我家狗走失了",
    "信息爆炸的时代",
    "想问问地震局的电话",
    "想咨询一下公积金提取需要什么材料",
    "",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_not_an_emergency(rules, text):
    result = rules.classify(text)
    assert not result.is_emergency, result.emergencies
    assert not result.kinds
    assert not result.immediate_dispatch
    assert result.follow_up is None


def test_injury_negation_does_not_add_120(rules):
    assert rules.classify("两车刮蹭，没有人受伤").services == ("122",)
    assert rules.classify("两车刮蹭，有人受伤").services == ("122", "120")


def test_kinds_are_ordered_by_severity(rules):
    result = rules.classify("车祸后车辆起火了")
    assert [k.kind for k in result.kinds] == ["fire", "traffic"]
    assert result.services == ("119", "122")
    assert result.follow_up.unit == "xfzd" and result.follow_up.co_units == ("jjzd",)


def test_generic_kind_gives_way_but_keeps_its_service(rules):
    result = rules.classify("车祸，司机心脏病发")
    assert [k.kind for k in result.kinds] == ["traffic"]
    assert result.services == ("122", "120")
    assert result.follow_up.urgency == "特急"


def test_old_api_still_works(rules):
    result = rules.classify("楼下着火了，好多烟")
    assert result.is_emergency and "119" in result.services
    service, name, keyword = result.emergencies[0]
    assert (service, name, keyword) == ("119", "消防救援", "着火")
    assert rules.script_for("119").script.startswith("根据《通辽市政务服务便民热线条例》第十二条")
    assert {r.service for r in rules.emergency} == {"110", "119", "120", "122"}


def _category_paths(tree, prefix=""):
    for node in tree:
        path = f"{prefix}/{node['name']}" if prefix else node["name"]
        yield path
        yield from _category_paths(node.get("children", []), path)


def test_every_unit_and_category_in_the_table_exists(table, data_dir_module):
    units = {u["code"] for u in json.loads((data_dir_module / "units.json").read_text("utf-8"))}
    paths = set(_category_paths(json.loads((data_dir_module / "categories.json")
                                           .read_text("utf-8"))))
    services = {s["service"] for s in table["services"]}
    follow_ups = [(k["id"], k["follow_up"]) for k in table["kinds"]]
    follow_ups += [(u["domain"], u["follow_up"]) for u in table["utility"]]
    for owner, fu in follow_ups:
        assert fu["unit"] in units, (owner, fu["unit"])
        assert fu["category"] in paths, (owner, fu["category"])
        assert fu["urgency"] in ("一般", "紧急", "特急"), owner
        assert fu["request_type"] in (None, "咨询", "求助", "投诉", "举报", "意见建议"), owner
    for u in table["utility"]:
        for kw, target in u["by_keyword"].items():
            assert kw in u["keywords"], (u["domain"], kw)
            category = target if isinstance(target, str) else target["category"]
            assert category in paths, (u["domain"], kw)
            if not isinstance(target, str):
                assert target["unit"] in units
    ids = {k["id"] for k in table["kinds"]}
    assert len(ids) == len(table["kinds"])
    for k in table["kinds"]:
        assert set(k["services"]) <= services, k["id"]
        assert set(k.get("overrides", ())) <= ids, k["id"]
        assert k.get("keywords") or k.get("combos"), k["id"]
    for m in table["modifiers"]:
        assert set(m["services"]) <= services
    required = {"fire", "gas_indoor", "gas_outdoor", "traffic", "traffic_injury", "medical",
                "drowning", "electric_hazard", "water_main_burst", "elevator", "violence",
                "crime", "missing_person", "rainstorm", "blizzard", "earthquake", "sandstorm",
                "collapse", "flood"}
    assert required <= ids
