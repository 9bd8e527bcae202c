"""The console header: operator, call timer and clock (from the injected Clock)."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from agent_console.domain.clock import Clock
from agent_console.services.dto import OperatorInfo


RECOVERED_SHOWN = 60  # seconds the header says the database is back


def format_duration(seconds: int) -> str:
    seconds = max(0, seconds)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class ConsoleHeader(Static):
    call_started: reactive[datetime | None] = reactive(None)

    def __init__(self, operator: OperatorInfo, clock: Clock, title: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self._operator = operator
        self._clock = clock
        self._title = title

    def on_mount(self) -> None:
        self.refresh_text()
        self.set_interval(1.0, self.refresh_text)

    def watch_call_started(self, _value) -> None:
        self.refresh_text()

    def refresh_text(self) -> None:
        now = self._clock.now()
        text = Text()
        text.append(" 通辽12345 ", style="bold reverse")
        text.append(f" {self._title}  ", style="bold")
        status = self._status(now)
        if status:  # first, so that a narrow terminal still shows it
            text.append_text(status)
            text.append("  ")
        text.append("工号 ")
        text.append(self._operator.staff_no, style="bold")
        text.append(" ")
        text.append(self._operator.name)
        text.append(f"（{self._operator.role.label}）")
        if self.call_started is not None:
            elapsed = int((now - self.call_started).total_seconds())
            text.append("   通话 ")
            text.append(format_duration(elapsed), style="bold")
        text.append(f"   {now:%Y-%m-%d %H:%M:%S}")
        self.update(text)

    def _status(self, now: datetime) -> Text:
        """The database and the local outbox, when there is something to say."""
        text = Text()
        services = getattr(self.app, "services", None)
        health = getattr(services, "health", None)
        if health is not None:
            state = health.state()
            if not state.up:
                text.append(f"● {state.message or '数据库连接中断'}（{state.since:%H:%M:%S} 起）",
                            style="bold white on red")
            elif state.since is not None and (now - state.since).total_seconds() < RECOVERED_SHOWN:
                text.append(f"● 数据库已恢复（{state.since:%H:%M:%S}）", style="bold green")
        waiting, refused = getattr(self.app, "outbox_counts", (0, 0))
        if waiting:
            text.append(f"{'  ' if text else ''}待提交 {waiting} 件（F4）", style="bold yellow")
        if refused:
            text.append(f"{'  ' if text else ''}未能提交 {refused} 件（F4）", style="bold red")
        return text
