"""The console header: operator, call timer and clock (from the injected Clock); the database,
the local outbox and a missing holiday schedule when there is something to say."""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len
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
        self.update(self.line(self._clock.now(), self.size.width or 160))

    def line(self, now: datetime, width: int) -> Text:
        """The header for a terminal ``width`` wide: the full words where they fit; on a narrow
        one the role, the 工号 label and the date go first, so the database status, the call
        timer and the clock stay in view at 80 columns."""
        status = self._status(now)
        op = self._operator
        timer = None
        if self.call_started is not None:
            timer = format_duration(int((now - self.call_started).total_seconds()))
        for full in (True, False):
            text = Text()
            text.append(" 通辽12345 ", style="bold reverse")
            text.append(f" {self._title}  ", style="bold")
            if status:  # first, so that a narrow terminal still shows it
                text.append_text(status)
                text.append("  ")
            if full:
                text.append("工号 ")
            text.append(op.staff_no, style="bold")
            text.append(" ")
            text.append(op.name)
            if full:
                text.append(f"（{op.role.label}）")
            if timer is not None:
                text.append("   通话 " if full else "  通话 ")
                text.append(timer, style="bold")
            text.append(f"   {now:%Y-%m-%d %H:%M:%S}" if full else f"  {now:%H:%M:%S}")
            if cell_len(text.plain) <= width:
                break
        return text

    def on_resize(self) -> None:
        self.refresh_text()

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
        calendar_warning = getattr(services, "calendar_warning", None)
        warning = calendar_warning() if calendar_warning is not None else None
        if warning:  # a year ahead without its holiday/调休 schedule: deadlines may be off
            text.append(f"{'  ' if text else ''}{warning}", style="bold yellow")
        return text
