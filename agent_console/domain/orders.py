"""Work-order numbers: TL + yyyymmdd + a 6-digit daily sequence."""

from __future__ import annotations

import re
from datetime import date

ORDER_NUMBER = re.compile(r"^TL(\d{8})(\d{6})$")
MAX_DAILY_SEQUENCE = 999_999


def format_order_number(day: date, sequence: int) -> str:
    if not 1 <= sequence <= MAX_DAILY_SEQUENCE:
        raise ValueError(f"daily sequence out of range: {sequence}")
    return f"TL{day:%Y%m%d}{sequence:06d}"


def parse_order_number(number: str) -> tuple[date, int] | None:
    match = ORDER_NUMBER.match(number.strip().upper())
    if not match:
        return None
    ymd, seq = match.groups()
    try:
        day = date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:]))
    except ValueError:
        return None
    return day, int(seq)
