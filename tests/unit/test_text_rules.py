import pytest

from agent_console.domain.intake import IntakeDraft, is_repeat, similarity, validate_common, validate_for_work_order
from agent_console.domain.text import check_text

REGIONS = frozenset({"科尔沁区", "开鲁县"})


def draft(**kw) -> IntakeDraft:
    base = dict(caller_number="13912345678", content="小区暖气不热，家里只有十几度")
    base.update(kw)
    return IntakeDraft(**base)


def test_a_complete_draft_passes():
    assert validate_common(draft(), REGIONS) == {}


@pytest.mark.parametrize(
    ("field", "value", "key", "fragment"),
    [
        ("content", "", "content", "不能为空"),
        ("content", "   \n ", "content", "不能为空"),
        ("content", "暖气", "content", "过短"),
        ("content", "暖" * 2001, "content", "过长"),
        ("content", "暖气不热\x00\x07了", "content", "控制字符"),
        ("content", "暖气不热\u202e了吗", "content", "控制字符"),
        ("caller_name", "张三😀", "caller_name", "表情"),
        ("caller_name", "名" * 31, "caller_name", "过长"),
        ("caller_name", "张\x1b三", "caller_name", "控制字符"),
        ("address", "路" * 201, "address", "过长"),
        ("region", "北京市", "region", "行政区划"),
        ("caller_number", "", "caller_number", "不能为空"),
    ],
)
def test_bad_input_is_named_per_field(field, value, key, fragment):
    errors = validate_common(draft(**{field: value}), REGIONS)
    assert key in errors
    assert fragment in errors[key]


@pytest.mark.parametrize(
    "content",
    ["[bold]暖气不热[/bold]", "[@click=app.quit]点我[/]", "'; DROP TABLE work_orders; --",
     "暖气不热😡😡", "𠮷野家门口暖气不热", "供暖\n温度\t不够"],
)
def test_unusual_but_legitimate_text_is_accepted(content):
    assert validate_common(draft(content=content), REGIONS) == {}


def test_work_order_needs_a_category():
    errors = validate_for_work_order(draft(), REGIONS)
    assert "category" in errors
    assert validate_for_work_order(draft(category_id=5), REGIONS) == {}


def test_draft_round_trips_through_dict():
    d = draft(caller_name="𠮷田", confidential=True, category_id=7, region="开鲁县")
    assert IntakeDraft.from_dict(d.to_dict()) == d
    assert IntakeDraft.from_dict({"content": 5, "bogus": 1}).content == "5"
    assert IntakeDraft().is_blank


def test_check_text_optional_and_required():
    assert check_text("备注", "", max_len=5) is None
    assert "不能为空" in check_text("备注", "", required=True, max_len=5)


def test_similarity_and_repeat_window():
    from datetime import datetime, timedelta

    now = datetime(2026, 11, 26, 10)
    a = "小区暖气不热，家里只有十几度"
    b = "我家小区暖气不热，屋里只有十几度"
    assert similarity(a, b) > 62
    assert similarity(a, "公积金怎么提取") < 30
    assert is_repeat(a, b, now - timedelta(days=3), now)
    assert not is_repeat(a, b, now - timedelta(days=31), now)
    assert not is_repeat(a, "公积金怎么提取", now - timedelta(days=1), now)
