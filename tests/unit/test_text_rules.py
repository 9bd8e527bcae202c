import pytest

from agent_console.domain.intake import (
    CONTENT_MAX,
    IntakeDraft,
    is_repeat,
    similarity,
    validate_common,
    validate_for_work_order,
)
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
        ("content", "暖" * (CONTENT_MAX + 1), "content", "过长"),
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


def _labels() -> list[str]:
    """Every closed-vocabulary label a screen may show: the enums' values and labels, the
    work order's action and contact labels, and the footer labels of every screen's keys."""
    import inspect

    from agent_console.domain import enums, workflow

    out: list[str] = []
    for _name, cls in inspect.getmembers(enums, inspect.isclass):
        if issubclass(cls, enums.StrEnum) and cls is not enums.StrEnum:
            for member in cls:
                out.append(member.value)
                label = getattr(member, "label", None)
                if isinstance(label, str):
                    out.append(label)
    out += list(workflow.ACTION_LABELS.values()) + list(workflow.CONTACT_RESULTS.values())
    out += list(workflow.RESOLUTIONS) + list(workflow.CALLER_VIEWS)
    return out


def test_no_label_says_done_twice():
    """已已接听 / 已已完成 came from “已” put before a label that already had it."""
    from agent_console.domain.text import done_label

    labels = _labels()
    assert "已接听" in labels and "已完成" in labels and "签收" in labels
    for label in labels:
        assert "已已" not in label, label
        assert "已已" not in done_label(label), label
        assert done_label(label).startswith("已")
    assert done_label("已接听") == "已接听" and done_label("签收") == "已签收"


def test_no_source_puts_done_before_a_label():
    """The cause, for every sibling: no f"已{…}" in the product; ``done_label`` says it."""
    import re
    from pathlib import Path

    import agent_console

    root = Path(agent_console.__file__).parent
    pattern = re.compile(r"""f["']已\{""")
    hits = [f"{p.relative_to(root)}:{n}" for p in root.rglob("*.py")
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if pattern.search(line)]
    elsewhere = [h for h in hits if not h.startswith("domain/text.py:")]
    assert elsewhere == [] and len(hits) == 1  # done_label itself, nowhere else
