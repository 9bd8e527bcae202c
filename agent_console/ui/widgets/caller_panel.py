"""Caller history, repeat notice (Art. 11(6)), triage banner (Art. 12) and the last outcome."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from agent_console.domain.triage import TriageResult
from agent_console.services.dto import CallerHistory, RepeatNotice
from agent_console.ui.safe import script_text
from agent_console.ui.timeleft import time_left


def _clip(text: str, width: int = 28) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def history_text(history: CallerHistory | None, now: datetime | None = None) -> Text:
    if history is None:
        return Text("输入来电号码后显示诉求人历史", style="dim")
    if not history.known:
        return Text(f"{history.phone}：首次来电，无历史记录", style="dim")
    text = Text()
    text.append(f"{history.phone}", style="bold")
    if history.name:
        text.append(f" {history.name}")
    text.append(f"  历史诉求 {len(history.entries)} 条，在办工单 {len(history.open_orders)} 件\n")
    if history.warnings:
        text.append(f"⚠ 已被劝阻警示 {len(history.warnings)} 次：", style="bold red")
        text.append("；".join(f"{w.at:%m-%d} {w.title}" for w in history.warnings[:3]) + "\n",
                    style="red")
    for order in history.open_orders[:3]:
        text.append(f"在办 {order.number} {order.status} {order.lead_unit} "
                    f"时限 {order.due_at:%m-%d %H:%M} ")
        if now is not None:
            text.append_text(time_left(order.due_at, now, order.status))
        text.append("\n")
    for entry in history.entries[:5]:
        label = entry.outcome_label
        text.append(f"{entry.at:%Y-%m-%d %H:%M} {label} ")
        if entry.order_number:
            text.append(f"{entry.order_number} ")
        text.append(_clip(entry.content) + "\n", style="dim")
    return text


def repeat_text(notice: RepeatNotice, emergency: bool = False) -> Text:
    """``emergency``: the call is an emergency again (a fire still burning): Art. 11(6) is not
    for that; the agent hands it off with F9."""
    text = Text()
    text.append("重复诉求提示（第十一条第（六）项）：", style="bold")
    text.append(f"该来电人 {notice.at:%Y-%m-%d %H:%M} 曾反映相似诉求（受理记录 #{notice.intake_id}")
    if notice.order_number:
        text.append(f"，工单 {notice.order_number}")
    text.append(f"，相似度 {notice.similarity:.0f}%）：")
    text.append(_clip(notice.content, 40))
    if emergency:
        text.append("。紧急情况不按重复诉求处理：请按 F9 紧急联动。", style="bold")
    else:
        text.append("。如无新情况、新理由，可按 F8 不予受理并解释。")
    return text


def triage_text(result: TriageResult, names: dict[str, str]) -> Text:
    """Art. 12 at a glance: what the emergency is, every service it needs at once, what to tell
    the caller, and the utilities and disasters that go to the unit immediately."""
    text = Text()
    if result.is_emergency:
        what = "、".join(f"{k.name}（“{k.keyword}”）" for k in result.kinds) or "紧急情况"
        named = "".join(k.name for k in result.kinds)
        extra = "".join(f"、{name}（“{kw}”）" for name, kw in result.modifiers
                        if name not in named)  # 交通事故有人受伤 already says 有人受伤
        text.append(f"紧急！{what}{extra}\n", style="bold")
        services = "、".join(f"{sv} {names.get(sv, '')}".strip() for sv in result.services)
        text.append(f"立即联动 {services}，按 F9 紧急联动\n", style="bold")
        for line in result.advice:
            text.append("请告知：" + line + "\n")
        for line in result.utility_lines:
            text.append("同时联系：" + line + "\n")
    if result.utilities:
        domains = "、".join(f"{d}（{kw}）" for d, kw in result.utilities)
        text.append(f"水电气热诉求：{domains} —— 须立即转派承办单位（第十二条），按 F7 派单\n",
                    style="bold")
    if result.disaster:
        text.append(f"自然灾害/突发事件：{'、'.join(result.disaster)} —— 须立即转派\n", style="bold")
    text.rstrip()
    return text


class CallerPanel(Vertical):
    _triage_shown: TriageResult | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="triage-banner")
        yield Static("", id="repeat-notice")
        yield Static("", id="outcome-banner")
        yield Static(Text("诉求人历史", style="bold"), classes="pane-title")
        yield Static(history_text(None), id="caller-history")

    def show_history(self, history: CallerHistory | None, now: datetime | None = None,
                     note: str | None = None) -> None:
        """``note``: said above the history (the database is away, what is shown is cached)."""
        text = history_text(history, now) if history is not None or note is None else Text()
        if note:
            text = Text(note + "\n", style="bold red").append_text(text)
        self.query_one("#caller-history", Static).update(text)

    def show_repeat(self, notice: RepeatNotice | None, emergency: bool = False) -> None:
        widget = self.query_one("#repeat-notice", Static)
        widget.update(script_text(repeat_text(notice, emergency)) if notice else "")
        widget.set_class(notice is not None, "visible")

    def show_triage(self, result: TriageResult, names: dict[str, str]) -> None:
        widget = self.query_one("#triage-banner", Static)
        if result == self._triage_shown:
            return  # the same banner: no re-layout on every keystroke
        self._triage_shown = result
        widget.update(script_text(triage_text(result, names)))  # 110/119 kept whole
        widget.set_class(result.is_emergency, "emergency")
        widget.set_class(not result.is_emergency and result.immediate_dispatch, "utility")

    def show_outcome(self, message: str | Text | None) -> None:
        widget = self.query_one("#outcome-banner", Static)
        if isinstance(message, Text):
            widget.update(message)
        else:
            widget.update(Text(message) if message else "")
        widget.set_class(bool(message), "visible")
