import pytest

from agent_console.domain.phone import mask_name, mask_phone, normalise_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13912345678", "13912345678"),
        ("+86 139 1234 5678", "13912345678"),
        ("139-1234-5678", "13912345678"),
        ("8211234", "04758211234"),
        ("0475-8211234", "04758211234"),
        ("010-12345678", "01012345678"),
    ],
)
def test_valid_numbers_are_normalised(raw, expected):
    check = normalise_phone(raw)
    assert check.error is None
    assert check.number == expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "不能为空"),
        ("   ", "不能为空"),
        ("123", "无效"),
        ("1391234567８x", "只能包含"),
        ("[bold]139[/bold]", "只能包含"),
        ("139' OR 1=1--", "只能包含"),
        ("📞13912345678", "只能包含"),
        ("𠮷", "只能包含"),
        ("1" * 40, "过长"),
        ("12345", "服务热线号码"),
        ("+1 650 253 0000", "中国大陆"),
    ],
)
def test_bad_numbers_get_a_chinese_message(raw, fragment):
    check = normalise_phone(raw)
    assert check.number is None
    assert fragment in check.error


def test_masking_hides_the_middle():
    assert mask_phone("13912345678") == "139****5678"
    assert "*" in mask_phone("04758211234")
    assert mask_name("张三丰") == "张**"
