"""Time left on a work order, in the same words and colours on every list (Art. 18)."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from agent_console.domain.enums import OPEN_ORDER_STATUSES

SOON_HOURS = 24  # under a day left: yellow


def time_left(due_at: datetime, now: datetime, status: str) -> Text:
    """Red when overdue, yellow with under a day left, green otherwise; a closed order
    (办结, 回访, 终止, 归档) shows no clock at all."""
    if status not in OPEN_ORDER_STATUSES:
        return Text("—", style="dim")
    seconds = (due_at - now).total_seconds()
    if seconds < 0:
        late = int(-seconds // 3600)
        return Text(f"超期 {late // 24} 天 {late % 24} 小时" if late >= 24 else f"超期 {late} 小时",
                    style="bold red")
    hours = int(seconds // 3600)
    if hours < SOON_HOURS:
        return Text(f"剩 {hours} 小时" if hours else f"剩 {int(seconds // 60)} 分钟", style="yellow")
    return Text(f"剩 {hours // 24} 天 {hours % 24} 小时", style="green")
