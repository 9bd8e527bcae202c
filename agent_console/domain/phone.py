"""Caller numbers: normalisation, validation and masking (Art. 8, 21)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

TONGLIAO_AREA_CODE = "0475"
_ALLOWED = re.compile(r"^[0-9+\-\s()]+$")


@dataclass(frozen=True)
class PhoneCheck:
    number: str | None  # normalised: 11-digit mobile or area code + local number
    error: str | None


def normalise_phone(raw: str) -> PhoneCheck:
    """Validate a caller number; 7–8 digit local numbers get Tongliao's area code."""
    text = raw.strip()
    if not text:
        return PhoneCheck(None, "来电号码不能为空")
    if len(text) > 24:
        return PhoneCheck(None, "来电号码过长，最多24个字符")
    if not _ALLOWED.match(text):
        return PhoneCheck(None, "来电号码只能包含数字、+、- 和空格")
    digits = re.sub(r"\D", "", text)
    if text.startswith("+") and not digits.startswith("86"):
        return PhoneCheck(None, "仅受理中国大陆号码（+86）")
    if digits.startswith("86") and len(digits) > 11:
        digits = digits[2:]
    if len(digits) in (7, 8) and not digits.startswith("0"):
        digits = TONGLIAO_AREA_CODE + digits
    if digits in ("110", "119", "120", "122", "12345"):
        return PhoneCheck(None, "这是服务热线号码，不是诉求人号码")
    candidate = digits if not digits.startswith("0") else digits
    try:
        parsed = phonenumbers.parse(candidate, "CN")
    except phonenumbers.NumberParseException:
        return PhoneCheck(None, "来电号码格式不正确")
    if not phonenumbers.is_valid_number(parsed):
        return PhoneCheck(None, "来电号码无效，请核对位数（手机11位，座机含区号）")
    national = str(parsed.national_number)
    if phonenumbers.number_type(parsed) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ) and len(national) == 11 and national.startswith("1"):
        return PhoneCheck(national, None)
    return PhoneCheck("0" + national, None)


def mask_phone(number: str) -> str:
    """139****5678 / 0475****567: enough to recognise, not to dial."""
    if len(number) >= 11:
        return number[:3] + "****" + number[-4:]
    if len(number) > 6:
        return number[:4] + "*" * (len(number) - 7) + number[-3:]
    return "*" * len(number)


def mask_name(name: str) -> str:
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)
