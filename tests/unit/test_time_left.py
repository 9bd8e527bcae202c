"""Time left on an order reads the same, in the same colours, on every list."""

from __future__ import annotations

from datetime import datetime, timedelta

from agent_console.domain.enums import OrderStatus
from agent_console.services.dto import CallerHistory, OpenOrder
from agent_console.ui.timeleft import time_left
from agent_console.ui.widgets.caller_panel import history_text

NOW = datetime(2026, 11, 26, 9, 30)


def test_overdue_is_red_and_counts_days():
    text = time_left(NOW - timedelta(hours=5, minutes=10), NOW, OrderStatus.IN_PROGRESS)
    assert text.plain == "超期 5 小时" and "red" in str(text.style)
    text = time_left(NOW - timedelta(days=2, hours=3), NOW, OrderStatus.AWAITING_SIGN)
    assert text.plain == "超期 2 天 3 小时"


def test_under_a_day_is_yellow_more_is_green():
    soon = time_left(NOW + timedelta(hours=23, minutes=59), NOW, OrderStatus.IN_PROGRESS)
    assert soon.plain == "剩 23 小时" and str(soon.style) == "yellow"
    last = time_left(NOW + timedelta(minutes=42, seconds=5), NOW, OrderStatus.AWAITING_SIGN)
    assert last.plain == "剩 42 分钟" and str(last.style) == "yellow"
    later = time_left(NOW + timedelta(days=3, hours=2), NOW, OrderStatus.IN_PROGRESS)
    assert later.plain == "剩 3 天 2 小时" and str(later.style) == "green"


def test_closed_orders_show_no_clock():
    for status in (OrderStatus.COMPLETED, OrderStatus.CALLED_BACK, OrderStatus.ARCHIVED,
                   OrderStatus.TERMINATED):
        assert time_left(NOW - timedelta(days=9), NOW, status).plain == "—"


def test_caller_history_colours_the_open_orders_time_left():
    row = OpenOrder(number="TL20261126000001", status=OrderStatus.IN_PROGRESS.value,
                    lead_unit="城区供热", due_at=NOW - timedelta(hours=30))
    history = CallerHistory(phone="13912345678", name="", known=True, open_orders=(row,))
    text = history_text(history, NOW)
    assert "超期 1 天 6 小时" in text.plain
    late = [span for span in text.spans if text.plain[span.start:span.end] == "超期 1 天 6 小时"]
    assert late and "red" in str(late[0].style)
