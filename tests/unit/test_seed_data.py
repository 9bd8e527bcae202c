"""The shipped content in data/ is complete and consistent (it is the product's knowledge)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import pytest

from agent_console.store.seed import load_articles

REGIONS = {"科尔沁区", "霍林郭勒市", "开鲁县", "科尔沁左翼中旗", "科尔沁左翼后旗", "库伦旗", "奈曼旗",
           "扎鲁特旗", "通辽经济技术开发区"}
AREAS = ["社会保险", "医疗保障", "住房公积金", "户籍证件", "不动产登记", "供热", "供水", "供电", "燃气",
         "教育", "交通出行", "消费维权", "劳动保障", "农牧业", "营商服务", "城市管理", "生态环境",
         "民政服务"]


def load(data_dir, name):
    return json.loads((data_dir / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def content():
    from agent_console.config import seed_data_dir

    d = seed_data_dir()
    return {
        "regions": load(d, "regions.json"),
        "units": load(d, "units.json"),
        "categories": load(d, "categories.json"),
        "articles": load_articles(d),
    }


def leaves(tree):
    for l1 in tree:
        for l2 in l1["children"]:
            for l3 in l2["children"]:
                yield f"{l1['name']}/{l2['name']}/{l3['name']}", l3


def test_regions_are_tongliaos_nine(content):
    assert {r["name"] for r in content["regions"]} == REGIONS
    assert all(r["towns"] for r in content["regions"])


def test_units_cover_every_region_for_every_utility(content):
    units = content["units"]
    assert len(units) >= 40
    codes = [u["code"] for u in units]
    assert len(codes) == len(set(codes))
    assert all(u["parent"] in (None, *codes) for u in units)
    for utility in ("供热", "供水", "供电", "燃气"):
        served = set()
        for u in units:
            if u["kind"] == "public_utility" and utility in u["domains"]:
                served.update(REGIONS if "全市" in u["service_area"] else u["service_area"])
        assert REGIONS <= served, utility


def test_category_tree_sizes_and_lead_units(content):
    tree = content["categories"]
    codes = {u["code"] for u in content["units"]}
    assert len(tree) >= 12
    assert sum(len(l1["children"]) for l1 in tree) >= 60
    all_leaves = list(leaves(tree))
    assert len(all_leaves) >= 200
    for path, leaf in all_leaves:
        assert leaf["lead_unit"] in codes, path
        assert leaf["routing"] in ("fixed", "local", "utility"), path


def test_articles_are_complete(content):
    articles = content["articles"]
    assert len(articles) >= 300
    assert len({a["id"] for a in articles}) == len(articles)
    paths = {p for p, _ in leaves(content["categories"])}
    codes = {u["code"] for u in content["units"]}
    for a in articles:
        assert 2 <= len(a["phrasings"]) <= 5, a["id"]
        assert a["answer"] and a["policy_basis"] and a["keywords"], a["id"]
        assert a["category"] in paths, a["id"]
        assert a["owner_unit"] in codes, a["id"]
        date.fromisoformat(a["valid_until"])
    domains = Counter(a["domain"] for a in articles)
    for area in AREAS:
        assert domains[area] >= 4, area
