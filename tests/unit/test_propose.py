"""Proposing the request type and the region from what the caller said, with the evidence."""

from __future__ import annotations

import json

import pytest

from agent_console.config import seed_data_dir
from agent_console.domain.propose import Gazetteer, gazetteer_from_data
from agent_console.services.reference import load_proposer


@pytest.fixture(scope="module")
def proposer():
    return load_proposer(seed_data_dir())


REQUEST_TYPES = [
    ("暖气不热三天了，家里只有十几度", "投诉", "暖气不热"),
    ("我要投诉物业乱收费", "投诉", "我要投诉"),
    ("反映好几次了，社区一直不作为", "投诉", "不作为"),
    ("楼下烧烤店噪音扰民", "投诉", "扰民"),
    ("举报小区有人私搭乱建", "举报", "举报"),
    ("旁边的厂子晚上偷排污水", "举报", "偷排"),
    ("有人在河道违建", "举报", "违建"),
    ("建议在学校门口增设红绿灯", "意见建议", "建议"),
    ("希望增加一条去火车站的公交线路", "意见建议", "希望增加"),
    ("老人生活困难，想请社区帮忙", "求助", "生活困难"),
    ("门口路灯坏了，麻烦派人来修一下", "求助", "修一下"),
    ("公积金提取需要什么材料", "咨询", "需要什么材料"),
    ("请问社保卡在哪里办", "咨询", "请问"),
    ("如何办理居住证", "咨询", "如何办理"),
    ("想问一下怎么投诉", "咨询", "问一下"),  # a question about complaining is a question
]


@pytest.mark.parametrize("text,expected,evidence", REQUEST_TYPES)
def test_request_type(proposer, text, expected, evidence):
    proposal = proposer.request_type(text)
    assert proposal is not None
    assert proposal.value == expected
    assert proposal.evidence == evidence
    assert proposal.explain() == f"据“{evidence}”推断为{expected}"


@pytest.mark.parametrize("text", ["", "喂，你好", "嗯"])
def test_no_request_type_without_cues(proposer, text):
    assert proposer.request_type(text) is None


# address, text, region, evidence
REGIONS = [
    ("科尔沁区明仁小区3号楼", "", "科尔沁区", "科尔沁区"),
    ("明仁小区3号楼", "", "科尔沁区", "明仁小区"),
    ("建国路和团结路交叉口", "", "科尔沁区", "建国路"),
    ("科区永清大街88号", "", "科尔沁区", "科区"),
    ("霍林河大街与和平路交汇处", "", "科尔沁区", "霍林河大街"),
    ("开鲁县开鲁镇", "", "开鲁县", "开鲁县"),
    ("开鲁县和平路", "", "开鲁县", "开鲁县"),  # a county's own 和平路
    ("", "我家在开鲁大榆树镇", "开鲁县", "开鲁"),
    ("", "我是钱家店的", "科尔沁区", "钱家店"),
    ("科左中旗保康镇", "", "科尔沁左翼中旗", "科左中旗"),
    ("科尔沁左翼后旗甘旗卡镇", "", "科尔沁左翼后旗", "科尔沁左翼后旗"),
    ("甘旗卡", "", "科尔沁左翼后旗", "甘旗卡"),
    ("扎旗鲁北镇", "", "扎鲁特旗", "扎旗"),
    ("奈曼旗明仁苏木", "", "奈曼旗", "奈曼旗"),
    ("明仁苏木", "", "奈曼旗", "明仁苏木"),
    ("大沁他拉镇", "", "奈曼旗", "大沁他拉镇"),
    ("库伦旗", "", "库伦旗", "库伦旗"),
    ("霍林郭勒市珠斯花街道", "", "霍林郭勒市", "霍林郭勒市"),
    ("经济技术开发区辽河镇", "", "通辽经济技术开发区", "经济技术开发区"),
    ("巴彦塔拉镇", "", "科尔沁左翼中旗", "巴彦塔拉镇"),
    ("巴彦塔拉苏木", "", "扎鲁特旗", "巴彦塔拉苏木"),
    ("科尔沁 建国路", "", "科尔沁区", "建国路"),  # 科尔沁 alone is three regions
    ("", "我在科区，明仁大街这边", "科尔沁区", "科区"),
    ("开鲁县", "家住科尔沁区", "开鲁县", "开鲁县"),  # the address wins
    ("开发区新城街道", "", "通辽经济技术开发区", "新城街道"),
    ("开发区", "", "通辽经济技术开发区", "开发区"),
    ("霍林郭勒市开发区", "", "霍林郭勒市", "霍林郭勒市"),  # bare 开发区 is weak evidence
]


@pytest.mark.parametrize("address,text,region,evidence", REGIONS)
def test_region(proposer, address, text, region, evidence):
    proposal = proposer.region(address, text)
    assert proposal is not None, (address, text)
    assert (proposal.value, proposal.evidence) == (region, evidence)
    assert proposal.source == ("address" if address else "text")
    assert proposal.explain() == f"据“{evidence}”推断为{region}"


NOTHING = [
    ("", ""),
    ("通辽市", ""),
    ("", "我想问问公积金的事"),
    ("明仁", ""),  # 科尔沁区明仁街道 or 奈曼旗明仁苏木
    ("巴彦塔拉", ""),  # 科左中旗 or 扎鲁特旗
    ("科尔沁", ""),
    ("开鲁县大林镇", ""),  # 大林镇 is in 科尔沁区: contradictory, say nothing
    ("科尔沁区 奈曼旗", ""),
    ("", "孩子在医院儿科区输液"),  # 科区 inside 儿科区 is no place
    ("新镇", ""),  # too short to count
]


@pytest.mark.parametrize("address,text", NOTHING)
def test_no_region_when_unknown_or_ambiguous(proposer, address, text):
    assert proposer.region(address, text) is None


def test_every_place_names_a_known_region():
    data = seed_data_dir()
    regions = json.loads((data / "regions.json").read_text("utf-8"))
    places = json.loads((data / "places.json").read_text("utf-8"))
    names = {r["name"] for r in regions}
    for item in places["places"]:
        assert item["region"] in names, item
    for item in places["ambiguous"]:
        assert len(item["regions"]) > 1 and set(item["regions"]) <= names, item
    gazetteer = gazetteer_from_data(regions, places)
    assert isinstance(gazetteer, Gazetteer)
    for place in gazetteer.places:
        assert set(place.regions) <= names
    # every region is reachable by its full name and its short form
    for r in regions:
        for name in {r["name"], r["short"], *r["aliases"]}:
            decided = gazetteer.decide(name)
            if name == "开发区":
                continue
            assert decided is not None and decided[0] == r["name"], name


def test_request_type_cues_are_the_five_types():
    cues = json.loads((seed_data_dir() / "request_type_cues.json").read_text("utf-8"))
    types = {t["request_type"] for t in cues["types"]}
    assert types == {"咨询", "求助", "投诉", "举报", "意见建议"}
    assert set(cues["precedence"]) == types
